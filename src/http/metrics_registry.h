#pragma once
// A small thread-safe metrics registry rendered in the Prometheus text format
// (version 0.0.4) for GET /metrics (SPEC section 10).
//
// Rules for every metric here:
// - names start with "tarifador_" and are snake_case;
// - label values come from closed sets we choose (route patterns, status
//   classes, check names), NEVER from request data: no phone numbers, no raw
//   paths, no user names. A label from the outside world would also let a
//   client grow the registry without bound.
//
// Metrics are integers updated with atomics, so recording never takes a lock.
// Durations are kept in integer microseconds and shown in seconds.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tarifador::http {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// A histogram of durations with fixed bucket bounds in microseconds, rendered
// in seconds. Thread-safe; Observe is a handful of relaxed atomic adds.
class Histogram {
 public:
  // `bounds_us`: strictly increasing upper bounds; +Inf is implicit.
  explicit Histogram(std::span<const int64_t> bounds_us);
  void ObserveMicros(int64_t us);

  std::span<const int64_t> bounds_us() const { return bounds_us_; }
  // Non-cumulative count of bucket i (i == bounds_us().size() is +Inf).
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }

 private:
  std::vector<int64_t> bounds_us_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_us_{0};
};

// Default latency buckets for request handling: 0.5 ms .. 10 s.
std::span<const int64_t> DefaultLatencyBucketsUs();

// Lets a provider (a subsystem that keeps its own numbers, e.g. the mirror's
// backlog) write samples at render time. Samples of one name must be written
// together, one family at a time.
class MetricsWriter {
 public:
  void Counter(std::string_view name, std::string_view help, const Labels& labels, uint64_t value);
  void Gauge(std::string_view name, std::string_view help, const Labels& labels, int64_t value);

 private:
  friend class MetricsRegistry;
  explicit MetricsWriter(std::string& out) : out_(out) {}
  void Header(std::string_view name, std::string_view help, std::string_view type);
  std::string& out_;
  std::string last_family_;
};

// Owns the registered metrics; references returned by Add* stay valid for the
// registry's lifetime. Registration and Render are thread-safe (a mutex);
// updating a metric needs no lock at all.
class MetricsRegistry {
 public:
  using Provider = std::function<void(MetricsWriter&)>;

  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers (or returns the already registered) series `name{labels}`.
  // Series of one name form one family; the first registration's help text
  // and type win. Registering a name again with another type is a programming
  // error, and so is a name that is not "tarifador_" + snake_case: the returned
  // metric then works but is not rendered, and an error is logged.
  Counter& AddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& AddHistogram(std::string_view name, std::string_view help, Labels labels,
                          std::span<const int64_t> bounds_us);

  // Adds a callback run on every Render, after the registered metrics; for
  // numbers owned elsewhere. It runs on an HTTP worker thread, must be quick
  // and thread-safe, and must use names no registered metric uses.
  void AddProvider(Provider provider);

  // The whole registry in the Prometheus text format.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::deque<Series> series;
  };
  Series& FindOrAdd(std::string_view name, std::string_view help, Type type, Labels labels,
                    std::span<const int64_t> bounds_us);

  mutable std::mutex mu_;
  std::deque<Family> families_;
  std::deque<Series> orphans_;  // mis-typed registrations; alive but not rendered
  std::vector<Provider> providers_;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string EscapeLabelValue(std::string_view v);

}  // namespace tarifador::http
