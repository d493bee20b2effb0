#pragma once
// billing_bench --front-door: the HTTP traffic of an office beside the
// billing load (docs/PERFORMANCE.md "The dialplan's authorize under load"):
// the dialplan's GET /api/v1/authorize every 5 ms, each on a new connection
// as mod_curl makes them, and timed; a CSV export of every CDR streamed again
// and again; the web UI's polling (status, live calls, readiness, the last
// CDRs) once a second. Each on its own thread, over loopback.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tarifador::bench {

class FrontDoorLoad {
 public:
  FrontDoorLoad(int port, std::string token, bool background) : port_(port), token_(std::move(token)) {
    threads_.emplace_back([this] { Guarded("authorize", [this] { Authorize(); }); });
    if (background) {
      threads_.emplace_back([this] { Guarded("export", [this] { Export(); }); });
      threads_.emplace_back([this] { Guarded("poll", [this] { Poll(); }); });
    }
  }
  ~FrontDoorLoad() { Stop(); }
  FrontDoorLoad(const FrontDoorLoad&) = delete;
  FrontDoorLoad& operator=(const FrontDoorLoad&) = delete;

  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  // Microseconds per authorize answered 200; the other counters.
  std::vector<int64_t> authorize_us() const {
    std::lock_guard lock(mu_);
    return authorize_us_;
  }
  uint64_t authorize_failures() const { return authorize_failures_; }
  uint64_t exports() const { return exports_; }
  uint64_t export_bytes() const { return export_bytes_; }
  uint64_t polls() const { return polls_; }

 private:
  httplib::Headers Auth() const { return {{"Authorization", "Bearer " + token_}}; }

  // Thread entry point: one top-level catch (STYLE.md habit 2).
  template <typename F>
  static void Guarded(const char* what, F&& run) {
    try {
      run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "front-door load (%s): %s\n", what, e.what());
    }
  }

  void Authorize() {
    uint64_t i = 0;
    while (!stop_) {
      httplib::Client c("127.0.0.1", port_);
      c.set_read_timeout(10, 0);
      const std::string path =
          "/api/v1/authorize?caller=" + std::to_string(1001 + (i++ % 200)) + "&destination=0034911234567";
      const auto t0 = std::chrono::steady_clock::now();
      auto res = c.Get(path, Auth());
      const auto us =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
      if (res && res->status == 200) {
        std::lock_guard lock(mu_);
        authorize_us_.push_back(us);
      } else {
        ++authorize_failures_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void Export() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    while (!stop_) {
      uint64_t bytes = 0;
      auto res = c.Get("/api/v1/cdrs.csv?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", Auth(),
                       [&](const char*, size_t n) {
                         bytes += n;
                         return !stop_.load();
                       });
      if (res && res->status == 200) {
        ++exports_;
        export_bytes_ += bytes;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void Poll() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    while (!stop_) {
      for (const char* path : {"/api/v1/status", "/api/v1/calls/active", "/readyz", "/api/v1/cdrs?limit=50"}) {
        if (auto res = c.Get(path, Auth()); res && res->status < 500) ++polls_;
      }
      for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const int port_;
  const std::string token_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<int64_t> authorize_us_;
  std::atomic<uint64_t> authorize_failures_{0};
  std::atomic<uint64_t> exports_{0};
  std::atomic<uint64_t> export_bytes_{0};
  std::atomic<uint64_t> polls_{0};
  std::vector<std::thread> threads_;
};

}  // namespace tarifador::bench
