// sse_bench: how long an event published on the live event hub takes to
// reach real SSE clients (cpp-httplib over loopback TCP), the path of every
// dashboard update (docs/PERFORMANCE.md "Live updates"). Each event carries
// its publish time (steady clock, ns); each client parses its frames and
// records the delay. Reported: p50/p99/max with 1 and 20 clients.
//
//   sse_bench [--quick] [--events N] [--interval-us U]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "http/event_hub.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/server.h"
#include "store/audit_store.h"
#include "store/database.h"
#include "store/user_store.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using Clock = std::chrono::steady_clock;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Run {
  int clients = 1;
  int events = 5000;
  int interval_us = 500;
};

// One SSE client: reads the stream, records the delay of every "t":<ns> frame.
struct Reader {
  std::vector<int64_t> delays_ns;
  std::string buffer;
  std::atomic<bool> hello{false};
  std::atomic<int> seen{0};
  std::thread thread;
};

int Measure(int port, const std::string& token, const Run& run, http::EventHub& hub) {
  std::vector<std::unique_ptr<Reader>> readers;
  std::atomic<bool> stop{false};
  for (int i = 0; i < run.clients; ++i) {
    auto r = std::make_unique<Reader>();
    Reader* rp = r.get();
    r->delays_ns.reserve(static_cast<size_t>(run.events));
    r->thread = std::thread([rp, port, token, &stop] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(60, 0);
      cli.Get("/api/v1/events", {{"Authorization", "Bearer " + token}}, [rp, &stop](const char* data, size_t len) {
        const int64_t now = NowNs();
        rp->buffer.append(data, len);
        size_t end;
        while ((end = rp->buffer.find("\n\n")) != std::string::npos) {
          const std::string frame = rp->buffer.substr(0, end);
          rp->buffer.erase(0, end + 2);
          if (frame.find("event: hello") != std::string::npos) rp->hello = true;
          const size_t t = frame.find("\"t\":");
          if (t != std::string::npos) {
            rp->delays_ns.push_back(now - std::stoll(frame.substr(t + 4)));
            rp->seen++;
          }
        }
        return !stop;
      });
    });
    readers.push_back(std::move(r));
  }
  for (auto& r : readers) {
    while (!r->hello) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (int i = 0; i < run.events; ++i) {
    hub.Publish("balance", "{\"account_id\":1,\"balance\":\"12.3400\",\"t\":" + std::to_string(NowNs()) + "}");
    std::this_thread::sleep_for(std::chrono::microseconds(run.interval_us));
  }
  // Wait for every client to have everything (or give up after 10 s).
  const auto until = Clock::now() + std::chrono::seconds(10);
  for (auto& r : readers) {
    while (r->seen < run.events && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  hub.Publish("balance", "{}");  // wakes every reader so it sees `stop`
  std::vector<int64_t> all;
  int missing = 0;
  for (auto& r : readers) {
    r->thread.join();
    missing += run.events - static_cast<int>(std::min<size_t>(r->delays_ns.size(), run.events));
    all.insert(all.end(), r->delays_ns.begin(), r->delays_ns.end());
  }
  if (all.empty()) {
    std::printf("%8d %8d   no events received\n", run.clients, run.events);
    return 1;
  }
  std::sort(all.begin(), all.end());
  const auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))] / 1e6; };
  std::printf("%8d %8d %10.3f %10.3f %10.3f %8d\n", run.clients, run.events, pct(0.50), pct(0.99), all.back() / 1e6,
              missing);
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  Run base;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      base.events = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--interval-us") == 0 && i + 1 < argc) {
      base.interval_us = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: sse_bench [--quick] [--events N] [--interval-us U]\n");
      return 2;
    }
  }
  if (quick) base.events = 200;

  test_support::TempDir dir;
  const std::string path = dir.path() + "/bench.db";
  base::SystemClock clock;
  auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
  auto db2 = store::Database::Open(path, store::OpenMode::kReadWrite);
  if (!db.ok() || !db2.ok()) {
    std::fprintf(stderr, "cannot open the store\n");
    return 1;
  }
  store::UserStore users(std::move(*db), clock);
  store::AuditStore audit(std::move(*db2), clock);
  auto token = users.CreateToken("bench", store::Role::kViewer, "bench");
  if (!token.ok()) {
    std::fprintf(stderr, "cannot create a token: %s\n", token.status().message().c_str());
    return 1;
  }
  http::MetricsRegistry metrics;
  http::Readiness readiness;
  http::EventHub::Options hub_options;
  hub_options.max_subscribers = 32;
  hub_options.queue_limit = 1u << 16;
  hub_options.max_per_owner = 32;  // every client uses the one bench token
  http::EventHub hub(hub_options);
  http::ServerOptions options;
  http::ServerDeps deps{clock, users, audit, metrics, readiness, http::StatusInfo{"bench", "bench", path, clock.Now()}};
  deps.events = &hub;
  auto server = http::Server::Start(options, std::move(deps));
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start the server: %s\n", server.status().message().c_str());
    return 1;
  }
  std::printf("SSE delivery delay, publish -> client parsed (ms), one event every %d us\n", base.interval_us);
  std::printf("%8s %8s %10s %10s %10s %8s\n", "clients", "events", "p50", "p99", "max", "missing");
  int rc = 0;
  for (const int clients : {1, quick ? 3 : 20}) {
    Run run = base;
    run.clients = clients;
    rc |= Measure((*server)->port(), token->plaintext, run, hub);
  }
  (*server)->Stop();
  return rc;
}
