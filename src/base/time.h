#pragma once
// UTC instants as epoch microseconds (SPEC section 1), a Clock seam for tests,
// and ISO 8601 text at the edges. Durations and waits: base/steady_clock.h.
#include <atomic>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace tarifador::base {

// A point in time, UTC, microseconds since the Unix epoch.
class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant FromMicros(int64_t us) { return Instant(us); }
  static constexpr Instant FromSeconds(int64_t s) { return Instant(s * 1'000'000); }
  constexpr int64_t micros() const { return us_; }
  constexpr int64_t seconds() const { return us_ >= 0 ? us_ / 1'000'000 : -((-us_ + 999'999) / 1'000'000); }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(int64_t us) : us_(us) {}
  int64_t us_ = 0;
};

// "2026-11-21T18:41:32Z", or with ".123456" before the Z when the instant has
// microseconds. Valid for years 0001..9999.
std::string FormatIso8601(Instant t);

// Appends FormatIso8601(t) to `out`: no allocation once `out` has room (the
// CSV export writes four per row, millions of rows).
void AppendIso8601(std::string& out, Instant t);

// Appends "YYYY-MM-DDTHH:MM:SS" (and ".ffffff" when micros != 0) for the
// civil reading `secs` seconds after 1970-01-01T00:00:00, without any zone
// suffix: the shared digits of the UTC and the office-time formats.
// micros: 0..999999.
void AppendCivilDateTime(std::string& out, int64_t secs, int64_t micros);

// Accepts "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" followed by
// "Z", "+HH:MM" or "-HH:MM" (a space may stand for the T). Fails with
// InvalidArgument naming the text.
Result<Instant> ParseIso8601(std::string_view text);

// "HH:MM" (00:00 to 24:00) as minutes after midnight; nullopt otherwise.
std::optional<int> ParseMinuteOfDay(std::string_view hh_mm);
// "HH:MM-HH:MM" as its two ParseMinuteOfDay values; nullopt otherwise. The
// caller decides whether the start may follow the end (quiet hours across
// midnight) or must precede it (office hours).
std::optional<std::pair<int, int>> ParseMinuteRange(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian civil date (no validation).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// The time source; inject a FakeClock in tests (STYLE.md habit 7).
// Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

// Another clock's reading moved by a fixed amount, settable at run time:
// the simulated FreeSWITCH on a host whose clock is ahead of (or behind) the
// box's, and a box whose wall clock is stepped (NTP after boot) under a test.
class OffsetClock final : public Clock {
 public:
  // Borrows `inner`, which must outlive this clock.
  OffsetClock(const Clock& inner, int64_t offset_us) : inner_(inner), offset_us_(offset_us) {}
  Instant Now() const override { return Instant::FromMicros(inner_.Now().micros() + offset_us_.load()); }
  void SetOffsetMicros(int64_t us) { offset_us_.store(us); }
  int64_t offset_micros() const { return offset_us_.load(); }

 private:
  const Clock& inner_;
  std::atomic<int64_t> offset_us_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start = Instant::FromSeconds(1'700'000'000)) : now_us_(start.micros()) {}
  Instant Now() const override { return Instant::FromMicros(now_us_.load()); }
  void Set(Instant t) { now_us_.store(t.micros()); }
  void AdvanceMicros(int64_t us) { now_us_.fetch_add(us); }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace tarifador::base
