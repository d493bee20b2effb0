// The link_down alert: raised once per outage, after the grace, on the
// injected clock (no real waiting), into a real SQLite store.
#include "app/alert_watch.h"

#include <catch2/catch.hpp>
#include <mutex>

#include "store/alert_store.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

struct Watched {
  test_support::TempDir dir;
  std::string path = dir.path() + "/alerts.db";
  base::FakeClock clock{base::Instant::FromSeconds(1'800'000'000)};
  std::unique_ptr<store::Writer> writer;
  std::unique_ptr<store::ReadPool> reads;
  std::unique_ptr<store::AlertStore> alerts;
  std::mutex mu;
  esl::LinkStatus link;
  std::unique_ptr<app::AlertWatch> watch;

  explicit Watched(app::AlertWatch::Options options = {}) {
    auto w = store::Writer::Start(path);
    REQUIRE(w.ok());
    writer = std::move(*w);
    reads = std::make_unique<store::ReadPool>(path);
    alerts = std::make_unique<store::AlertStore>(*writer, *reads);
    link.address = "127.0.0.1:8021";
    link.state = esl::LinkState::kConnecting;
    watch = std::make_unique<app::AlertWatch>(
        *writer, clock,
        [this] {
          std::lock_guard lock(mu);
          return link;
        },
        options);
  }
  ~Watched() {
    watch.reset();
    writer->Shutdown();
  }
  void Set(esl::LinkState state, const char* error = "") {
    std::lock_guard lock(mu);
    link.state = state;
    link.since = clock.Now();
    link.last_error = error;
  }
  void Elapse(int64_t s) { clock.AdvanceMicros(s * 1'000'000); }
  std::vector<store::Alert> All() { return *alerts->List(false, 0, 100); }
};

}  // namespace

TEST_CASE("The link down for a minute is one alert per outage", "[app][alerts]") {
  Watched w;
  // Never up since the start: retrying (connecting, backoff...) is one outage.
  w.Elapse(30);
  w.Set(esl::LinkState::kBackoff, "connection refused");
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().empty());
  w.Elapse(29);
  w.Set(esl::LinkState::kConnecting);  // each attempt moves `since`: not what counts
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().empty());
  w.Elapse(1);
  w.Set(esl::LinkState::kBackoff, "connection refused");
  REQUIRE(w.watch->CheckOnce().ok());
  auto all = w.All();
  REQUIRE(all.size() == 1);
  CHECK(all[0].kind == "link_down");
  CHECK(all[0].severity == "critical");
  CHECK_FALSE(all[0].account_id);
  CHECK(
      all[0].detail ==
      R"({"address":"127.0.0.1:8021","ever_up":false,"last_error":"connection refused","since":"2027-01-15T08:00:00Z"})");
  w.Elapse(300);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 1);  // the same outage

  // Up, then down again: a short outage is nobody's business, a long one a new alert.
  {
    std::lock_guard lock(w.mu);
    w.link.connects = 1;
  }
  w.Set(esl::LinkState::kUp);
  REQUIRE(w.watch->CheckOnce().ok());
  w.Elapse(3600);
  {
    std::lock_guard lock(w.mu);
    w.link.last_down_at = w.clock.Now();
  }
  w.Set(esl::LinkState::kBackoff, "FreeSWITCH closed the connection");
  w.Elapse(59);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 1);
  w.Elapse(1);
  REQUIRE(w.watch->CheckOnce().ok());
  all = w.All();
  REQUIRE(all.size() == 2);
  CHECK(all[0].detail.find(R"("ever_up":true)") != std::string::npos);
  CHECK(all[0].detail.find("2027-01-15T09:06:00Z") != std::string::npos);

  // Stopping is not an outage.
  w.Set(esl::LinkState::kStopped);
  w.Elapse(3600);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 2);
}

TEST_CASE("The mirror behind by a quarter of an hour is one alert per backlog", "[app][alerts]") {
  Watched w;
  w.Set(esl::LinkState::kUp);
  std::mutex mu;
  http::MirrorInfo mirror;
  mirror.enabled = true;
  w.watch->WatchMirror([&] {
    std::lock_guard lock(mu);
    return mirror;
  });
  const auto set = [&](int64_t rows, base::Instant oldest, const char* error) {
    std::lock_guard lock(mu);
    mirror.backlog = rows;
    mirror.oldest_pending = oldest;
    mirror.last_error = error;
  };
  const base::Instant first = w.clock.Now();
  set(120, first, "could not connect to server");
  REQUIRE(w.watch->CheckOnce().ok());
  w.Elapse(14 * 60 + 59);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().empty());  // 14:59 behind: not yet
  w.Elapse(1);
  set(500, first, "could not connect to server");
  REQUIRE(w.watch->CheckOnce().ok());
  w.Elapse(3600);
  set(9000, first, "could not connect to server");
  REQUIRE(w.watch->CheckOnce().ok());  // the same backlog: no second alert
  auto all = w.All();
  REQUIRE(all.size() == 1);
  CHECK(all[0].kind == "mirror_backlog");
  CHECK(all[0].severity == "warning");
  CHECK(all[0].detail == R"({"last_error":"could not connect to server","oldest":"2027-01-15T08:00:00Z","rows":500})");
  // Caught up, then behind again later: a new backlog, a new alert.
  set(0, base::Instant(), "");
  REQUIRE(w.watch->CheckOnce().ok());
  const base::Instant second = w.clock.Now();
  set(10, second, "");
  w.Elapse(15 * 60);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 2);
  // The mirror off: nothing, however old.
  {
    std::lock_guard lock(mu);
    mirror.enabled = false;
    mirror.oldest_pending = base::Instant::FromSeconds(1);
  }
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 2);
}

TEST_CASE("A spike of calls this hour is one spend_spike alert, read from the hourly totals", "[app][alerts][spike]") {
  app::AlertWatch::Options options;
  options.spike = billing::SpikeOptions{3, 5, base::Money::FromUnits(1000)};
  Watched w(options);
  w.Set(esl::LinkState::kUp);
  w.Elapse(1800);  // half past: the calls below stay in this hour
  store::BillingRepository repo(*w.writer, *w.reads);
  const int64_t now_us = w.clock.Now().micros();
  constexpr int64_t kDayUs = 24LL * 3600 * 1'000'000;
  int n = 0;
  const auto call = [&](int64_t start_us, billing::Direction direction = billing::Direction::kOutbound) {
    billing::Cdr cdr;
    cdr.uuid = billing::CallId{"spike-" + std::to_string(n++)};
    cdr.direction = direction;
    cdr.caller = "1001";
    cdr.destination = "0034911234567";
    cdr.start_us = start_us;
    cdr.end_us = start_us + 1'000'000;
    cdr.disposition = billing::Disposition::kNoAnswer;
    REQUIRE(repo.BillCall(cdr, w.clock.Now()).ok());
  };
  // The same hour, two calls on each of the last 7 days; an inbound call
  // and the hour before do not count (that hour's 4 calls are under the
  // minimum of 5 for its own check).
  for (int d = 1; d <= 7; ++d) {
    call(now_us - d * kDayUs);
    call(now_us - d * kDayUs);
  }
  call(now_us, billing::Direction::kInbound);
  for (int i = 0; i < 4; ++i) call(now_us - 3600LL * 1'000'000);
  for (int i = 0; i < 6; ++i) call(now_us - i * 1'000'000);  // 6 is not above 3 x 2
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().empty());
  call(now_us);  // 7 is
  REQUIRE(w.watch->CheckOnce().ok());
  auto all = w.All();
  REQUIRE(all.size() == 1);
  CHECK(all.front().kind == "spend_spike");
  CHECK(all.front().detail.find("\"calls\":7") != std::string::npos);
  CHECK(all.front().detail.find("\"usual_calls\":2") != std::string::npos);
  call(now_us);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 1);  // once per hour
}

TEST_CASE("A spike in the hour just ended is still caught as its calls end", "[app][alerts][spike]") {
  app::AlertWatch::Options options;
  options.spike = billing::SpikeOptions{3, 5, base::Money::FromUnits(1000)};
  Watched w(options);
  w.Set(esl::LinkState::kUp);
  w.Elapse(3540);  // 00:59 past the hour
  store::BillingRepository repo(*w.writer, *w.reads);
  const int64_t started_us = w.clock.Now().micros();
  REQUIRE(w.watch->CheckOnce().ok());
  w.Elapse(120);  // the next hour: the calls started before it end now
  for (int i = 0; i < 6; ++i) {
    billing::Cdr cdr;
    cdr.uuid = billing::CallId{"late-" + std::to_string(i)};
    cdr.direction = billing::Direction::kOutbound;
    cdr.caller = "1001";
    cdr.destination = "0034911234567";
    cdr.start_us = started_us + i * 1'000'000;
    cdr.end_us = w.clock.Now().micros();
    cdr.disposition = billing::Disposition::kNoAnswer;
    REQUIRE(repo.BillCall(cdr, w.clock.Now()).ok());
  }
  REQUIRE(w.watch->CheckOnce().ok());
  auto all = w.All();
  REQUIRE(all.size() == 1);
  CHECK(all.front().detail.find("\"calls\":6") != std::string::npos);
  const std::string hour = base::FormatIso8601(base::Instant::FromMicros(started_us / 3'600'000'000 * 3'600'000'000));
  CHECK(all.front().detail.find(hour) != std::string::npos);
  REQUIRE(w.watch->CheckOnce().ok());
  CHECK(w.All().size() == 1);
}
