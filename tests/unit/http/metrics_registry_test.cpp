#include "http/metrics_registry.h"

#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using namespace tarifador::http;

TEST_CASE("Counters and gauges render in the Prometheus text format", "[http][metrics]") {
  MetricsRegistry r;
  Counter& c = r.AddCounter("tarifador_things_total", "Things", {{"kind", "a"}});
  c.Inc();
  c.Inc(2);
  r.AddCounter("tarifador_things_total", "ignored", {{"kind", "b\"\\\n"}}).Inc();
  r.AddGauge("tarifador_level", "Level").Set(-7);
  // Registering the same series again returns the same metric.
  CHECK(&r.AddCounter("tarifador_things_total", "Things", {{"kind", "a"}}) == &c);
  const std::string out = r.Render();
  CHECK(out ==
        "# HELP tarifador_things_total Things\n"
        "# TYPE tarifador_things_total counter\n"
        "tarifador_things_total{kind=\"a\"} 3\n"
        "tarifador_things_total{kind=\"b\\\"\\\\\\n\"} 1\n"
        "# HELP tarifador_level Level\n"
        "# TYPE tarifador_level gauge\n"
        "tarifador_level -7\n");
}

TEST_CASE("Histograms are cumulative with exact second bounds", "[http][metrics]") {
  MetricsRegistry r;
  const int64_t bounds[] = {1'000, 250'000, 2'000'000};
  Histogram& h = r.AddHistogram("tarifador_op_duration_seconds", "Op time", {{"op", "x"}}, bounds);
  h.ObserveMicros(500);        // <= 1 ms
  h.ObserveMicros(1'000);      // == bound counts in that bucket
  h.ObserveMicros(300'000);    // <= 2 s
  h.ObserveMicros(9'000'000);  // +Inf
  const std::string out = r.Render();
  CHECK(out.find("tarifador_op_duration_seconds_bucket{op=\"x\",le=\"0.001\"} 2\n") != std::string::npos);
  CHECK(out.find("tarifador_op_duration_seconds_bucket{op=\"x\",le=\"0.25\"} 2\n") != std::string::npos);
  CHECK(out.find("tarifador_op_duration_seconds_bucket{op=\"x\",le=\"2\"} 3\n") != std::string::npos);
  CHECK(out.find("tarifador_op_duration_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n") != std::string::npos);
  CHECK(out.find("tarifador_op_duration_seconds_sum{op=\"x\"} 9.3015\n") != std::string::npos);
  CHECK(out.find("tarifador_op_duration_seconds_count{op=\"x\"} 4\n") != std::string::npos);
}

TEST_CASE("Providers add samples at render time", "[http][metrics]") {
  MetricsRegistry r;
  int backlog = 5;
  r.AddProvider([&backlog](MetricsWriter& w) {
    w.Gauge("tarifador_mirror_backlog", "Rows waiting", {}, backlog);
    w.Counter("tarifador_mirror_pushed_total", "Rows pushed", {{"table", "cdr"}}, 10);
    w.Counter("tarifador_mirror_pushed_total", "Rows pushed", {{"table", "ledger"}}, 4);
  });
  std::string out = r.Render();
  CHECK(out.find("tarifador_mirror_backlog 5\n") != std::string::npos);
  backlog = 0;
  out = r.Render();
  CHECK(out.find("tarifador_mirror_backlog 0\n") != std::string::npos);
  // One HELP/TYPE header per family.
  size_t headers = 0;
  for (size_t p = out.find("# TYPE tarifador_mirror_pushed_total"); p != std::string::npos;
       p = out.find("# TYPE tarifador_mirror_pushed_total", p + 1)) {
    ++headers;
  }
  CHECK(headers == 1);
}

TEST_CASE("Bad names and type clashes are not rendered", "[http][metrics]") {
  MetricsRegistry r;
  r.AddCounter("tarifador_x_total", "X").Inc();
  r.AddGauge("tarifador_x_total", "X again").Set(5);  // wrong type: works, not rendered
  r.AddCounter("other_total", "not ours").Inc();
  const std::string out = r.Render();
  CHECK(out.find("tarifador_x_total 1\n") != std::string::npos);
  CHECK(out.find(" 5\n") == std::string::npos);
  CHECK(out.find("other_total") == std::string::npos);
}

TEST_CASE("Counters are exact under concurrent increments", "[http][metrics]") {
  MetricsRegistry r;
  Counter& c = r.AddCounter("tarifador_hits_total", "Hits");
  Histogram& h = r.AddHistogram("tarifador_hit_seconds", "Hit time", {}, DefaultLatencyBucketsUs());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.Inc();
        h.ObserveMicros(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(c.value() == 40'000);
  CHECK(h.count() == 40'000);
}
