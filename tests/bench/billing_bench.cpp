// Billing benchmark (docs/PERFORMANCE.md, "Billing: calls per second and
// hangup-to-CDR latency"): the whole product in one process — app::Service
// (ESL client, billing thread, store writer, HTTP) against an in-process
// sim::Simulator driven by a sim::LoadGenerator over loopback TCP, on a real
// SQLite file in $TMPDIR.
//
//   billing_bench [--quick] [--latency-cps N] [--latency-seconds S]
//                 [--cps N] [--seconds S] [--ring S] [--talk S] [--dialplan-socket]
//                 [--front-door] [--budget]
//
// --budget: every account also has a monthly budget (mode block, as large as
// its money), so every authorization, reservation, extension and charge
// takes the budget's path (the month's spend read, counted and checked for
// alerts); compare with a run without it (docs/PERFORMANCE.md "Monthly
// budgets").
//
// --front-door: the dialplan's GET /api/v1/authorize every 5 ms during each
// phase, beside a CSV export streamed again and again and the web UI's
// polling (bench/front_door_load.h), and first for 5 s with nothing else
// running; reports authorize's latency in each (issue #14: the authorize
// path must never wait on a write).
//
// --dialplan-socket: every call is first held by the dialplan's socket
// (freeswitch.socket_listen; the sim plays FreeSWITCH's side of the `socket`
// application) until tarifador has authorized and reserved it, as in
// docs/FREESWITCH.md section 2; each phase then also reports how long calls
// were held ("held by the socket": from the sim's socket step to the
// dialplan going on, real time) and how many the socket allowed.
//
// Phase 1 ("latency"): --latency-cps calls/s for --latency-seconds (100 for
// 20 s). Phase 2 ("throughput"): --cps calls/s for --seconds (500 for 30 s);
// every call rings --ring and talks --talk seconds (1 + 9), so the calls in
// progress ramp up to cps x (ring + talk) = 5 000. A phase length of 0 skips
// the phase. Every call is an answered outbound call from one of 200
// extensions (postpaid and prepaid accounts with money for all of it).
//
// Time: the sim's clock runs at time_scale 1 and is also the service's clock,
// so Caller-Channel-Hangup-Time (cdrs.end_us), cdrs.billed_us and the
// instants this bench takes are all on one clock. Per call:
//   - "billed":    cdrs.billed_us - cdrs.end_us. billed_us is the clock read the
//                  billing thread passes to BillCall, i.e. just BEFORE the CDR
//                  job is queued for the store writer: it leaves out the
//                  writer queue and the COMMIT (fsync).
//   - "committed": when the CDR row became visible to a reader - end_us. A
//                  watcher thread polls the store every millisecond for new
//                  rows; in WAL mode a row is visible only after its COMMIT
//                  (synchronous=FULL: after the WAL fsync). This is the
//                  figure the target is about.
//   - "on wire":   committed - when the bench's own listener (below) received
//                  the HANGUP_COMPLETE: the same figure without the sim's lag.
//   - "metric":    tarifador's own tarifador_billing_hangup_to_cdr_seconds
//                  histogram (from /metrics, the phase's delta): from its ESL
//                  reader posting the event to the CDR committed; the share
//                  within 20 ms and the bucket bounds holding p50 and p99.
//   - "sim lag":   when a second ESL listener (this bench, subscribed to
//                  CHANNEL_HANGUP_COMPLETE only) received the event - end_us:
//                  how late the sim itself emits and delivers (it shares the
//                  process and the two cores).
// Correctness: every originating leg whose HANGUP_COMPLETE the sim sent has
// exactly one CDR, no CDR is for anything else, one charge per charged CDR,
// tarifador_billing_failures_total (BillingLoop::stats().failures) == 0, the
// ESL link never dropped, and `tarifador check` passes on the store.
// Throughput: CDRs committed per second over the steady window (from first
// hangups + 2 s to the last call placed: 5 000 calls in progress, 500
// hanging up a second). The targets (p99 committed < 20 ms in phase 1; in
// phase 2 >= 495 committed/s, i.e. 500 within 1%, with the backlog gone
// within 1 s of the last hangup) are printed as MET or MISSED.
// --quick (ctest -L bench): 50 calls/s for 3 s of short calls; asserts only
// correctness, never timing. The exit code is non-zero when a correctness
// check fails; missed performance targets are printed, not failed.
#include <httplib.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "app/call_event_from_esl.h"
#include "app/service.h"
#include "base/log.h"
#include "bench/front_door_load.h"
#include "billing/account.h"
#include "billing/ledger_entry.h"
#include "esl/client.h"
#include "esl/tcp_transport.h"
#include "sim/load_generator.h"
#include "sim/simulator.h"
#include "store/billing_repository.h"
#include "store/check.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

namespace {

using namespace tarifador;
using namespace std::chrono_literals;

constexpr int kFirstExtension = 1001;
constexpr int kExtensions = 200;
constexpr int kPostpaidAccounts = 4;
constexpr int kPrepaidAccounts = 4;

constexpr const char* kDeck =
    "prefix,zone,price_per_minute,initial_increment,increment\n"
    "44,UK,0.60,1,1\n"
    "447,UK mobile,1.80,1,1\n"
    "34,Spain,1.20,60,60\n"
    "346,Spain mobile,2.40,30,6\n"
    "33,France,0.90,1,1\n"
    "49,Germany,0.90,1,1\n"
    "1,NANP,0.30,6,6\n";

// Numbers the load generator dials (all outbound: longer than 5 digits).
std::vector<std::string> Destinations() {
  return {"0034911234567", "0034612345678", "0044201234567", "0044791234567",
          "0033140000000", "0049301234567", "0012125550123", "0034934567890"};
}

struct Args {
  bool quick = false;
  double latency_cps = 100;
  double latency_seconds = 20;
  double cps = 500;
  double seconds = 30;
  double ring_s = 1;
  double talk_s = 9;
  bool dialplan_socket = false;
  bool front_door = false;
  bool budget = false;
};

bool ParseArgs(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto number = [&](double& out) {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      const double v = std::strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !std::isfinite(v) || v < 0) return false;
      out = v;
      return true;
    };
    bool ok = true;
    if (arg == "--quick") {
      a.quick = true;
      a.latency_cps = 0;
      a.latency_seconds = 0;
      a.cps = 50;
      a.seconds = 3;
      a.ring_s = 0.2;
      a.talk_s = 0.8;
    } else if (arg == "--latency-cps") {
      ok = number(a.latency_cps);
    } else if (arg == "--latency-seconds") {
      ok = number(a.latency_seconds);
    } else if (arg == "--cps") {
      ok = number(a.cps);
    } else if (arg == "--seconds") {
      ok = number(a.seconds);
    } else if (arg == "--ring") {
      ok = number(a.ring_s);
    } else if (arg == "--talk") {
      ok = number(a.talk_s);
    } else if (arg == "--dialplan-socket") {
      a.dialplan_socket = true;
    } else if (arg == "--front-door") {
      a.front_door = true;
    } else if (arg == "--budget") {
      a.budget = true;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "billing_bench: bad argument \"%s\" (see the comment at the top of billing_bench.cpp)\n",
                   arg.c_str());
      return false;
    }
  }
  return true;
}

size_t RssKb() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 1024;
}

size_t PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<size_t>(u.ru_maxrss);
}

double LoadAverage() {
  double l = 0;
  std::ifstream("/proc/loadavg") >> l;
  return l;
}

struct Percentiles {
  size_t n = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

Percentiles Summarise(std::vector<int64_t> us) {
  Percentiles p;
  p.n = us.size();
  if (us.empty()) return p;
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) {
    const size_t i = std::min(us.size() - 1, static_cast<size_t>(std::ceil(q * static_cast<double>(us.size()))) - 1);
    return static_cast<double>(us[i]) / 1000.0;
  };
  p.p50_ms = at(0.50);
  p.p90_ms = at(0.90);
  p.p99_ms = at(0.99);
  p.max_ms = static_cast<double>(us.back()) / 1000.0;
  return p;
}

// The cumulative buckets of tarifador_billing_hangup_to_cdr_seconds from
// GET /metrics: (upper bound in seconds, +inf for the last; count).
using Buckets = std::vector<std::pair<double, uint64_t>>;

Buckets ScrapeLatencyBuckets(int port) {
  httplib::Client http("127.0.0.1", port);
  Buckets out;
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return out;
  const std::string prefix = "tarifador_billing_hangup_to_cdr_seconds_bucket{le=\"";
  size_t pos = 0;
  while ((pos = res->body.find(prefix, pos)) != std::string::npos) {
    pos += prefix.size();
    const size_t quote = res->body.find('"', pos);
    const size_t space = res->body.find(' ', quote);
    if (quote == std::string::npos || space == std::string::npos) break;
    const std::string le = res->body.substr(pos, quote - pos);
    const double bound = le == "+Inf" ? HUGE_VAL : std::strtod(le.c_str(), nullptr);
    out.emplace_back(bound, std::strtoull(res->body.c_str() + space + 1, nullptr, 10));
  }
  return out;
}

struct BucketSummary {
  uint64_t n = 0;
  double within_20ms = 0;  // share of calls
  double p50_le_ms = 0;    // the bucket bound holding p50 (inf when beyond the last)
  double p99_le_ms = 0;
};

BucketSummary SummariseBuckets(const Buckets& before, const Buckets& after) {
  BucketSummary s;
  if (after.empty() || before.size() != after.size()) return s;
  s.n = after.back().second - before.back().second;
  if (s.n == 0) return s;
  const auto bound_for = [&](double q) {
    for (size_t i = 0; i < after.size(); ++i) {
      if (static_cast<double>(after[i].second - before[i].second) >= q * static_cast<double>(s.n)) {
        return after[i].first * 1000;
      }
    }
    return HUGE_VAL;
  };
  for (size_t i = 0; i < after.size(); ++i) {
    if (std::abs(after[i].first - 0.02) < 1e-9) {
      s.within_20ms = static_cast<double>(after[i].second - before[i].second) / static_cast<double>(s.n);
    }
  }
  s.p50_le_ms = bound_for(0.5);
  s.p99_le_ms = bound_for(0.99);
  return s;
}

// Records when each CDR row becomes visible to a reader, i.e. committed.
// Rows are only ever inserted, so rowid grows and "rowid > last" finds the
// new ones.
class CommitWatcher {
 public:
  CommitWatcher(std::string store_path, const base::Clock& clock) : path_(std::move(store_path)), clock_(clock) {}
  ~CommitWatcher() { Stop(); }
  CommitWatcher(const CommitWatcher&) = delete;
  CommitWatcher& operator=(const CommitWatcher&) = delete;

  bool Start() {
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, "SELECT rowid, uuid FROM cdrs WHERE rowid > ?1 ORDER BY rowid", -1, &query_, nullptr) !=
            SQLITE_OK) {
      std::fprintf(stderr, "commit watcher: cannot read %s: %s\n", path_.c_str(), sqlite3_errmsg(db_));
      return false;
    }
    thread_ = std::thread([this] { Run(); });
    return true;
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (query_ != nullptr) sqlite3_finalize(query_);
    if (db_ != nullptr) sqlite3_close(db_);
    query_ = nullptr;
    db_ = nullptr;
  }
  size_t count() const { return count_.load(); }
  // uuid -> when first seen (clock micros). Call after Stop().
  const std::unordered_map<std::string, int64_t>& seen() const { return seen_; }

 private:
  void Run() {
    int64_t last = 0;
    while (!stop_) {
      sqlite3_bind_int64(query_, 1, last);
      bool any = false;
      int64_t now = 0;
      while (sqlite3_step(query_) == SQLITE_ROW) {
        if (!any) now = clock_.Now().micros();
        any = true;
        last = sqlite3_column_int64(query_, 0);
        const auto* uuid = reinterpret_cast<const char*>(sqlite3_column_text(query_, 1));
        seen_.emplace(uuid != nullptr ? uuid : "", now);
      }
      sqlite3_reset(query_);
      count_ = seen_.size();
      std::this_thread::sleep_for(1ms);
    }
  }

  const std::string path_;
  const base::Clock& clock_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* query_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> count_{0};
  std::unordered_map<std::string, int64_t> seen_;  // written by the thread only
};

// A second ESL listener on the sim, subscribed to CHANNEL_HANGUP_COMPLETE
// only: the independent list of calls the sim ended, with when it said they
// ended and when the event arrived.
class HangupObserver {
 public:
  struct Hangup {
    int64_t ended_us = 0;
    int64_t received_us = 0;
    int count = 0;  // HANGUP_COMPLETEs of this leg (1 expected)
  };

  HangupObserver(uint16_t port, const base::Clock& clock) : clock_(clock) {
    esl::ClientOptions o;
    o.port = port;
    o.events = {"CHANNEL_HANGUP_COMPLETE", "HEARTBEAT", "BACKGROUND_JOB"};
    o.jitter_seed = 1;
    client_ = std::make_unique<esl::Client>(o, std::make_unique<esl::TcpTransport>(), clock,
                                            [this](esl::Event&& e) { OnEvent(e); });
  }
  base::Status Start() { return client_->Start(); }
  void Stop() { client_->Stop(); }
  bool up() const { return client_->status().state == esl::LinkState::kUp; }
  uint64_t connects() const { return client_->status().connects; }
  size_t count() const {
    std::lock_guard lock(mu_);
    return legs_.size();
  }
  std::unordered_map<std::string, Hangup> legs() const {
    std::lock_guard lock(mu_);
    return legs_;
  }

 private:
  void OnEvent(const esl::Event& event) {
    const int64_t now = clock_.Now().micros();
    std::optional<billing::CallEvent> e = app::CallEventFromEsl(event);
    if (!e || e->kind != billing::CallEventKind::kHangupComplete || !e->is_originating_leg) return;
    std::lock_guard lock(mu_);
    Hangup& h = legs_[e->leg.value];
    if (h.count++ == 0) {
      h.ended_us = e->ended_us;
      h.received_us = now;
    }
  }

  const base::Clock& clock_;
  std::unique_ptr<esl::Client> client_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Hangup> legs_;
};

struct Cdr {
  int64_t end_us = 0;
  int64_t billed_us = 0;
  int64_t charged_micros = 0;
  std::string disposition;
  std::string direction;
};

struct Phase {
  std::string name;
  double cps = 0;
  double seconds = 0;
  int64_t begin_us = 0;       // generator started
  int64_t placed_end_us = 0;  // last call placed
  int64_t ended_us = 0;       // every call of the phase ended on the sim
  int64_t drained_us = 0;     // every CDR of the phase committed (or gave up)
  uint64_t placed = 0;
  size_t max_queue_depth = 0;
  size_t max_active_calls = 0;  // tracked by the billing thread
  size_t max_sim_calls = 0;     // in progress on the sim
  size_t rss_before_kb = 0;
  size_t rss_max_kb = 0;
  // Filled by the report.
  size_t hangups = 0;
  size_t cdrs = 0;
  size_t committed_in_window = 0;
  size_t hangups_in_window = 0;
  double window_s = 0;
  Percentiles billed;
  Percentiles committed;
  Percentiles on_wire;
  Percentiles sim_lag;
  Percentiles held;       // --dialplan-socket: how long the socket held each call
  Percentiles authorize;  // --front-door: GET /api/v1/authorize beside the load
  uint64_t authorize_failures = 0;
  uint64_t exports = 0;
  uint64_t export_mb = 0;
  uint64_t polls = 0;
  size_t holds_before = 0;  // SocketApp::HoldTimesUs().size() when the phase began
  size_t holds_after = 0;
  Buckets metric_before;
  Buckets metric_after;
  BucketSummary metric;
};

class Bench {
 public:
  explicit Bench(Args args) : args_(args) {}
  ~Bench() {
    if (observer_) observer_->Stop();
    if (watcher_) watcher_->Stop();
    if (svc_) svc_->Stop();
    if (sim_) sim_->Stop();
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  int Run();

 private:
  bool SetUp();
  bool RunPhase(Phase& phase);
  void Sample(Phase& phase);
  bool ReadCdrs();
  int Report();

  const Args args_;
  test_support::TempDir dir_;
  config::Config cfg_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<app::Service> svc_;
  std::unique_ptr<CommitWatcher> watcher_;
  std::unique_ptr<HangupObserver> observer_;
  std::vector<Phase> phases_;
  std::map<std::string, Cdr> cdrs_;
  int64_t ledger_charges_ = 0;
  bool store_ok_ = false;
  std::string store_problems_;
  uint64_t failures_ = 0;
  uint64_t link_connects_ = 0;
  uint64_t placed_total_ = 0;
  std::optional<esl::OutboundServer::Stats> socket_stats_;
  std::string token_;  // --front-door: a viewer token for the HTTP load
  Percentiles idle_authorize_;
  uint64_t idle_authorize_failures_ = 0;
};

bool Bench::SetUp() {
  cfg_.data_dir = dir_.path() + "/data";
  cfg_.http.listen = "127.0.0.1:0";
  cfg_.http.tls_listen = "127.0.0.1:0";  // as installed: HTTPS on, on a free port
  cfg_.rating.default_plan = "retail";
  cfg_.site_id = "bench";
  const std::string cfg_path = dir_.path() + "/tarifador.json";
  std::ofstream(cfg_path) << "{\"data_dir\": \"" << cfg_.data_dir << "\"}";
  const std::string deck = dir_.path() + "/deck.csv";
  std::ofstream(deck) << kDeck;
  const test_support::CliRun imported =
      test_support::Cli({"--config", cfg_path, "rates", "import", "--plan", "retail", deck});
  if (imported.code != 0) {
    std::fprintf(stderr, "importing the rate plan failed: %s\n", imported.err.c_str());
    return false;
  }
  const test_support::CliRun token =
      test_support::Cli({"--config", cfg_path, "token", "create", "bench-dialplan", "--role", "viewer"});
  if (token.code != 0) {
    std::fprintf(stderr, "creating a token failed: %s\n", token.err.c_str());
    return false;
  }
  token_ = token.out.substr(0, token.out.find('\n'));
  {
    auto writer = store::Writer::Start(cfg_.StorePath());
    if (!writer.ok()) {
      std::fprintf(stderr, "opening the store: %s\n", writer.status().message().c_str());
      return false;
    }
    store::ReadPool reads(cfg_.StorePath());
    store::BillingRepository repo(**writer, reads);
    const base::Instant now = base::SystemClock().Now();
    std::vector<billing::AccountId> accounts;
    // Money for every call of the run many times over, so no call is denied
    // or cut off: those paths are not what is measured here.
    const base::Money plenty = base::Money::FromUnits(1'000'000);
    for (int i = 0; i < kPostpaidAccounts + kPrepaidAccounts; ++i) {
      const bool postpaid = i < kPostpaidAccounts;
      billing::NewAccount na{
          "Bench " + std::to_string(i), postpaid ? billing::AccountType::kPostpaid : billing::AccountType::kPrepaid,
          postpaid ? plenty : base::Money(), args_.budget ? std::optional<base::Money>(plenty) : std::nullopt};
      auto acc = repo.CreateAccount(na, "bench", now);
      if (!acc.ok()) {
        std::fprintf(stderr, "creating an account: %s\n", acc.status().message().c_str());
        return false;
      }
      if (!postpaid) {
        auto recharged =
            repo.ApplyMovement({acc->id, billing::LedgerKind::kRecharge, plenty, "bench", "", now, {}, {}});
        if (!recharged.ok()) {
          std::fprintf(stderr, "recharging: %s\n", recharged.status().message().c_str());
          return false;
        }
      }
      accounts.push_back(acc->id);
    }
    for (int i = 0; i < kExtensions; ++i) {
      const std::string number = std::to_string(kFirstExtension + i);
      const billing::AccountId account = accounts[static_cast<size_t>(i) % accounts.size()];
      if (auto s = repo.PutExtension({number, "Ext " + number, account, std::nullopt, true}, "bench", now); !s.ok()) {
        std::fprintf(stderr, "creating extension %s: %s\n", number.c_str(), s.message().c_str());
        return false;
      }
    }
  }

  sim::SimulatorOptions so;
  so.server.port = 0;
  so.time_scale = 1;  // real time; its clock is also tarifador's (below)
  sim_ = std::make_unique<sim::Simulator>(so);
  if (auto s = sim_->Start(); !s.ok()) {
    std::fprintf(stderr, "starting the sim: %s\n", s.message().c_str());
    return false;
  }
  cfg_.freeswitch.port = sim_->port();
  if (args_.dialplan_socket) cfg_.freeswitch.socket_listen = "127.0.0.1:0";  // any free port
  app::Service::Options options;
  options.clock = &sim_->clock();
  auto started = app::Service::Start(cfg_, options);
  if (!started.ok()) {
    std::fprintf(stderr, "starting the service: %s\n", started.status().message().c_str());
    return false;
  }
  svc_ = std::move(*started);
  if (args_.dialplan_socket) sim_->UseDialplanSocket("127.0.0.1", svc_->call_billing().dialplan_socket()->port());

  observer_ = std::make_unique<HangupObserver>(sim_->port(), sim_->clock());
  if (auto s = observer_->Start(); !s.ok()) {
    std::fprintf(stderr, "starting the observer: %s\n", s.message().c_str());
    return false;
  }
  watcher_ = std::make_unique<CommitWatcher>(cfg_.StorePath(), sim_->clock());
  if (!watcher_->Start()) return false;

  const auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    if (svc_->call_billing().esl_client().status().state == esl::LinkState::kUp && observer_->up()) return true;
    std::this_thread::sleep_for(10ms);
  }
  std::fprintf(stderr, "the ESL links did not come up within 10 s\n");
  return false;
}

void Bench::Sample(Phase& phase) {
  const billing::BillingLoop::Stats s = svc_->call_billing().loop().stats();
  phase.max_queue_depth = std::max(phase.max_queue_depth, s.queue_depth);
  phase.max_active_calls = std::max(phase.max_active_calls, s.active_calls);
  phase.max_sim_calls = std::max(phase.max_sim_calls, sim_->fake_switch().PendingCalls());
  phase.rss_max_kb = std::max(phase.rss_max_kb, RssKb());
}

bool Bench::RunPhase(Phase& phase) {
  sim::LoadOptions o;
  o.calls_per_second = phase.cps;
  o.total_calls = static_cast<uint64_t>(std::llround(phase.cps * phase.seconds));
  // Never the limit: the rate and the call length set the concurrency.
  o.max_concurrent = static_cast<size_t>(std::ceil(phase.cps * (args_.ring_s + args_.talk_s) * 1.25)) + 50;
  o.min_talk_s = o.max_talk_s = args_.talk_s;
  o.min_ring_s = o.max_ring_s = args_.ring_s;
  o.answered_pct = 100;
  o.busy_pct = o.no_answer_pct = o.failed_pct = 0;
  o.first_extension = kFirstExtension;
  o.last_extension = kFirstExtension + kExtensions - 1;
  o.destinations = Destinations();
  o.seed = 7 + static_cast<uint64_t>(&phase - phases_.data());
  o.time_scale = 1;

  const size_t hangups_before = observer_->count();
  phase.rss_before_kb = RssKb();
  phase.metric_before = ScrapeLatencyBuckets(svc_->http_port());
  sim::LoadGenerator load(sim_->fake_switch(), sim_->clock(), o);
  phase.begin_us = sim_->clock().Now().micros();
  if (const sim::SocketApp* socket = sim_->socket_app(); socket != nullptr) {
    phase.holds_before = socket->HoldTimesUs().size();
  }
  if (auto s = load.Start(); !s.ok()) {
    std::fprintf(stderr, "starting the load: %s\n", s.message().c_str());
    return false;
  }
  std::unique_ptr<bench::FrontDoorLoad> front;
  if (args_.front_door) front = std::make_unique<bench::FrontDoorLoad>(svc_->http_port(), token_, true);
  const auto steady_begin = std::chrono::steady_clock::now();
  const auto give_up = steady_begin + std::chrono::duration<double>(phase.seconds * 3 + 60);
  while (!load.done() && std::chrono::steady_clock::now() < give_up) {
    Sample(phase);
    std::this_thread::sleep_for(100ms);
  }
  load.Stop();
  if (front) {
    front->Stop();
    phase.authorize = Summarise(front->authorize_us());
    phase.authorize_failures = front->authorize_failures();
    phase.exports = front->exports();
    phase.export_mb = front->export_bytes() >> 20;
    phase.polls = front->polls();
  }
  phase.placed_end_us = sim_->clock().Now().micros();
  phase.placed = load.placed();
  while (sim_->fake_switch().PendingCalls() > 0 && std::chrono::steady_clock::now() < give_up) {
    Sample(phase);
    std::this_thread::sleep_for(50ms);
  }
  phase.ended_us = sim_->clock().Now().micros();
  if (const sim::SocketApp* socket = sim_->socket_app(); socket != nullptr) {
    phase.holds_after = socket->HoldTimesUs().size();
  }

  // Every call of the phase ended; wait for its CDRs (and an empty billing
  // queue). Give up after 20 s without a new CDR.
  const size_t want = hangups_before + phase.placed;
  size_t last_count = watcher_->count();
  auto last_progress = std::chrono::steady_clock::now();
  for (;;) {
    Sample(phase);
    const size_t n = watcher_->count();
    if (n >= want && observer_->count() >= want && svc_->call_billing().loop().stats().queue_depth == 0) break;
    if (n != last_count) {
      last_count = n;
      last_progress = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - last_progress > 20s) {
      std::fprintf(stderr, "%s: gave up waiting for CDRs: %zu committed of %zu calls ended\n", phase.name.c_str(), n,
                   observer_->count());
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  phase.drained_us = sim_->clock().Now().micros();
  phase.metric_after = ScrapeLatencyBuckets(svc_->http_port());
  phase.metric = SummariseBuckets(phase.metric_before, phase.metric_after);
  return true;
}

bool Bench::ReadCdrs() {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(cfg_.StorePath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "reading the CDRs: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return false;
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT uuid, end_us, billed_us, charged_micros, disposition, direction FROM cdrs", -1, &st,
                     nullptr);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    const auto text = [&](int col) {
      const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      return std::string(t != nullptr ? t : "");
    };
    Cdr c{sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), text(4), text(5)};
    cdrs_.emplace(text(0), std::move(c));
  }
  sqlite3_finalize(st);
  st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM ledger WHERE kind = 'call_charge'", -1, &st, nullptr);
  if (st != nullptr && sqlite3_step(st) == SQLITE_ROW) ledger_charges_ = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return true;
}

int Bench::Report() {
  if (args_.budget) std::printf("monthly budgets: on (every account, mode block)\n");
  const auto legs = observer_->legs();
  const auto& seen = watcher_->seen();
  // Correctness over the whole run.
  size_t lost = 0;
  size_t repeated_hangups = 0;
  for (const auto& [uuid, h] : legs) {
    if (!cdrs_.count(uuid)) ++lost;
    if (h.count != 1) ++repeated_hangups;
  }
  size_t extra = 0;  // CDRs for anything but an ended originating leg: a B leg, a call billed twice
  size_t not_answered = 0;
  int64_t charged_cdrs = 0;
  for (const auto& [uuid, c] : cdrs_) {
    if (!legs.count(uuid)) ++extra;
    if (c.disposition != "answered" || c.direction != "outbound") ++not_answered;
    if (c.charged_micros > 0) ++charged_cdrs;
  }

  for (Phase& p : phases_) {
    std::vector<int64_t> billed;
    std::vector<int64_t> committed;
    std::vector<int64_t> on_wire;
    std::vector<int64_t> lag;
    // The steady window of the throughput figure: from when the calls in
    // progress reach cps x (ring + talk) (first hangups + 2 s) to the last
    // call placed. Before it nothing hangs up; after it the rate falls.
    const int64_t call_us = std::llround((args_.ring_s + args_.talk_s) * 1e6);
    int64_t w0 = p.begin_us + call_us + 2'000'000;
    int64_t w1 = p.placed_end_us;
    if (w1 - w0 < 1'000'000) {  // too short a phase for a steady window: take all its hangups
      w0 = p.begin_us;
      w1 = p.ended_us;
    }
    p.window_s = static_cast<double>(w1 - w0) / 1e6;
    for (const auto& [uuid, h] : legs) {
      if (h.ended_us < p.begin_us || h.ended_us > p.ended_us) continue;
      ++p.hangups;
      lag.push_back(h.received_us - h.ended_us);
      if (h.ended_us >= w0 && h.ended_us < w1) ++p.hangups_in_window;
    }
    for (const auto& [uuid, c] : cdrs_) {
      if (c.end_us < p.begin_us || c.end_us > p.ended_us) continue;
      ++p.cdrs;
      billed.push_back(c.billed_us - c.end_us);
      if (const auto it = seen.find(uuid); it != seen.end()) {
        committed.push_back(it->second - c.end_us);
        if (const auto h = legs.find(uuid); h != legs.end()) on_wire.push_back(it->second - h->second.received_us);
        if (it->second >= w0 && it->second < w1) ++p.committed_in_window;
      }
    }
    p.billed = Summarise(std::move(billed));
    p.committed = Summarise(std::move(committed));
    p.on_wire = Summarise(std::move(on_wire));
    p.sim_lag = Summarise(std::move(lag));
    if (const sim::SocketApp* socket = sim_->socket_app(); socket != nullptr) {
      const std::vector<int64_t> all = socket->HoldTimesUs();
      p.held =
          Summarise(std::vector<int64_t>(all.begin() + static_cast<ptrdiff_t>(std::min(p.holds_before, all.size())),
                                         all.begin() + static_cast<ptrdiff_t>(std::min(p.holds_after, all.size()))));
    }
  }

  const size_t peak_rss = PeakRssKb();
  std::printf("\nbilling_bench: store %s, load average %.1f, %ld CPUs online\n", cfg_.StorePath().c_str(),
              LoadAverage(), sysconf(_SC_NPROCESSORS_ONLN));
  std::printf(
      "calls: %llu placed, %zu ended (originating HANGUP_COMPLETE seen), %zu CDRs; lost %zu, extra %zu, "
      "repeated hangups %zu, not answered/outbound %zu; charges %lld for %lld charged CDRs\n",
      static_cast<unsigned long long>(placed_total_), legs.size(), cdrs_.size(), lost, extra, repeated_hangups,
      not_answered, static_cast<long long>(ledger_charges_), static_cast<long long>(charged_cdrs));
  if (socket_stats_) {
    std::printf(
        "dialplan socket: %llu sessions settled, %llu calls ended before asked, %llu turned away (busy), %llu "
        "failed\n",
        static_cast<unsigned long long>(socket_stats_->sessions), static_cast<unsigned long long>(socket_stats_->ended),
        static_cast<unsigned long long>(socket_stats_->busy), static_cast<unsigned long long>(socket_stats_->failed));
  }
  std::printf("billing failures %llu, ESL connects %llu, store check %s%s\n\n",
              static_cast<unsigned long long>(failures_), static_cast<unsigned long long>(link_connects_),
              store_ok_ ? "ok" : "FAILED: ", store_problems_.c_str());
  std::printf(
      "| phase | offered calls/s | committed calls/s (window) | calls in progress (sim / billing) | "
      "max billing queue | drain s | RSS before / max MB |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const Phase& p : phases_) {
    const double offered = p.window_s > 0 ? static_cast<double>(p.hangups_in_window) / p.window_s : 0;
    const double done = p.window_s > 0 ? static_cast<double>(p.committed_in_window) / p.window_s : 0;
    std::printf("| %s %.0f/s x %.0f s | %.1f | %.1f (%.0f s) | %zu / %zu | %zu | %.1f | %.0f / %.0f |\n",
                p.name.c_str(), p.cps, p.seconds, offered, done, p.window_s, p.max_sim_calls, p.max_active_calls,
                p.max_queue_depth, static_cast<double>(p.drained_us - p.ended_us) / 1e6,
                static_cast<double>(p.rss_before_kb) / 1024, static_cast<double>(p.rss_max_kb) / 1024);
  }
  std::printf("\n| phase | latency (ms) | calls | p50 | p90 | p99 | max |\n|---|---|---:|---:|---:|---:|---:|\n");
  for (const Phase& p : phases_) {
    const auto row = [&](const char* what, const Percentiles& q) {
      std::printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.1f |\n", p.name.c_str(), what, q.n, q.p50_ms, q.p90_ms,
                  q.p99_ms, q.max_ms);
    };
    row("hangup -> CDR committed", p.committed);
    row("on the wire -> CDR committed", p.on_wire);
    row("hangup -> billed_us (before the commit)", p.billed);
    row("sim lag: hangup -> on the wire", p.sim_lag);
    if (args_.dialplan_socket) row("held by the dialplan's socket (CREATE -> dialplan goes on)", p.held);
    std::printf(
        "| %s | metric tarifador_billing_hangup_to_cdr_seconds | %llu | <= %.1f | | <= %.1f | "
        "%.1f%% within 20 ms |\n",
        p.name.c_str(), static_cast<unsigned long long>(p.metric.n), p.metric.p50_le_ms, p.metric.p99_le_ms,
        p.metric.within_20ms * 100);
  }
  std::printf("\npeak RSS %.1f MB", static_cast<double>(peak_rss) / 1024);
  if (args_.front_door) {
    std::printf(
        "\n| GET /api/v1/authorize (ms), new connection each | answered | p50 | p90 | p99 | max | failed |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n");
    const auto row = [](const std::string& what, const Percentiles& q, uint64_t failed) {
      std::printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f | %llu |\n", what.c_str(), q.n, q.p50_ms, q.p90_ms, q.p99_ms,
                  q.max_ms, static_cast<unsigned long long>(failed));
    };
    row("alone (no calls, no export, no UI)", idle_authorize_, idle_authorize_failures_);
    for (const Phase& p : phases_) {
      row(p.name + ": " + std::to_string(static_cast<int>(p.cps)) + " calls/s + CSV export (" +
              std::to_string(p.exports) + " runs, " + std::to_string(p.export_mb) + " MB) + UI polling (" +
              std::to_string(p.polls) + " requests)",
          p.authorize, p.authorize_failures);
      if (idle_authorize_.p99_ms > 0) {
        std::printf("|   p99 under load / alone | | | | %.1fx | | |\n", p.authorize.p99_ms / idle_authorize_.p99_ms);
      }
    }
  }
  const Phase* big = phases_.empty() ? nullptr : &phases_.back();
  double rss_per_call_kb = 0;
  if (big != nullptr && big->max_sim_calls > 0 && big->rss_max_kb > big->rss_before_kb) {
    rss_per_call_kb =
        static_cast<double>(big->rss_max_kb - big->rss_before_kb) / static_cast<double>(big->max_sim_calls);
    std::printf(", %.1f KB per call in progress (RSS growth in \"%s\" / %zu calls; sim and tarifador together)",
                rss_per_call_kb, big->name.c_str(), big->max_sim_calls);
  }
  std::printf("\n");

  // Targets (reported, never failed: the machine is shared).
  if (!args_.quick) {
    for (const Phase& p : phases_) {
      if (p.name == "latency") {
        std::printf("target p99 hangup-to-CDR committed < 20 ms at %.0f calls/s: %.1f ms, %s\n", p.cps,
                    p.committed.p99_ms, p.committed.p99_ms < 20 ? "MET" : "MISSED");
      } else {
        const double done = p.window_s > 0 ? static_cast<double>(p.committed_in_window) / p.window_s : 0;
        // Sustained: the window's rate within 1% of 500 (a CDR more or less
        // at its edges) and no backlog left once the calls end.
        const double drain_s = static_cast<double>(p.drained_us - p.ended_us) / 1e6;
        const bool met = done >= 495 && drain_s <= 1 && p.max_sim_calls >= 5000;
        std::printf(
            "target >= 500 calls/s billed with 5 000 in progress: %.1f calls/s with %zu in progress, backlog "
            "drained %.1f s after the last hangup, %s\n",
            done, p.max_sim_calls, drain_s, met ? "MET" : "MISSED");
      }
    }
  }

  std::string json = "{\"bench\":\"billing\",\"quick\":" + std::string(args_.quick ? "true" : "false");
  char buf[512];
  std::snprintf(buf, sizeof buf,
                ",\"placed\":%llu,\"ended\":%zu,\"cdrs\":%zu,\"lost\":%zu,\"extra\":%zu,\"failures\":%llu,"
                "\"esl_connects\":%llu,\"store_check_ok\":%s,\"peak_rss_kb\":%zu,\"rss_per_call_kb\":%.2f,"
                "\"load_average\":%.2f,\"phases\":[",
                static_cast<unsigned long long>(placed_total_), legs.size(), cdrs_.size(), lost, extra,
                static_cast<unsigned long long>(failures_), static_cast<unsigned long long>(link_connects_),
                store_ok_ ? "true" : "false", peak_rss, rss_per_call_kb, LoadAverage());
  json += buf;
  for (size_t i = 0; i < phases_.size(); ++i) {
    const Phase& p = phases_[i];
    const auto pct = [](const Percentiles& q) {
      char b[160];
      std::snprintf(b, sizeof b, "{\"n\":%zu,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f}", q.n,
                    q.p50_ms, q.p90_ms, q.p99_ms, q.max_ms);
      return std::string(b);
    };
    std::snprintf(buf, sizeof buf,
                  "%s{\"name\":\"%s\",\"cps\":%.1f,\"seconds\":%.1f,\"placed\":%llu,\"hangups\":%zu,\"cdrs\":%zu,"
                  "\"window_s\":%.2f,\"offered_cps\":%.1f,\"committed_cps\":%.1f,\"max_sim_calls\":%zu,"
                  "\"max_active_calls\":%zu,\"max_queue_depth\":%zu,\"drain_s\":%.2f,\"rss_max_kb\":%zu,",
                  i ? "," : "", p.name.c_str(), p.cps, p.seconds, static_cast<unsigned long long>(p.placed), p.hangups,
                  p.cdrs, p.window_s, p.window_s > 0 ? static_cast<double>(p.hangups_in_window) / p.window_s : 0,
                  p.window_s > 0 ? static_cast<double>(p.committed_in_window) / p.window_s : 0, p.max_sim_calls,
                  p.max_active_calls, p.max_queue_depth, static_cast<double>(p.drained_us - p.ended_us) / 1e6,
                  p.rss_max_kb);
    json += buf;
    // -1: beyond the histogram's last bound (5 s); JSON has no infinity.
    const auto finite_or = [](double v) { return std::isfinite(v) ? v : -1.0; };
    char metric[160];
    std::snprintf(metric, sizeof metric, "{\"n\":%llu,\"within_20ms\":%.4f,\"p50_le_ms\":%.1f,\"p99_le_ms\":%.1f}",
                  static_cast<unsigned long long>(p.metric.n), p.metric.within_20ms, finite_or(p.metric.p50_le_ms),
                  finite_or(p.metric.p99_le_ms));
    json += "\"committed\":" + pct(p.committed) + ",\"on_wire\":" + pct(p.on_wire) + ",\"billed\":" + pct(p.billed) +
            ",\"sim_lag\":" + pct(p.sim_lag) + ",\"metric\":" + metric + "}";
  }
  json += "]}";
  std::printf("%s\n", json.c_str());

  const bool correct = lost == 0 && extra == 0 && repeated_hangups == 0 && not_answered == 0 &&
                       legs.size() == placed_total_ && cdrs_.size() == placed_total_ &&
                       ledger_charges_ == charged_cdrs && failures_ == 0 && link_connects_ == 1 && store_ok_;
  if (!correct) std::fprintf(stderr, "billing_bench: CORRECTNESS CHECK FAILED (see the counts above)\n");
  return correct ? 0 : 1;
}

int Bench::Run() {
  if (!SetUp()) return 1;
  const auto add_phase = [this](std::string name, double cps, double seconds) {
    if (cps <= 0 || seconds <= 0) return;
    Phase p;
    p.name = std::move(name);
    p.cps = cps;
    p.seconds = seconds;
    phases_.push_back(std::move(p));
  };
  if (args_.front_door) {
    // Authorize alone first: the baseline of the same run.
    bench::FrontDoorLoad alone(svc_->http_port(), token_, false);
    std::this_thread::sleep_for(std::chrono::seconds(args_.quick ? 1 : 5));
    alone.Stop();
    idle_authorize_ = Summarise(alone.authorize_us());
    idle_authorize_failures_ = alone.authorize_failures();
  }
  add_phase("latency", args_.latency_cps, args_.latency_seconds);
  add_phase(args_.quick ? "quick" : "throughput", args_.cps, args_.seconds);
  for (Phase& p : phases_) {
    std::printf("phase %s: %.0f calls/s for %.0f s, each ringing %.1f s and talking %.1f s ...\n", p.name.c_str(),
                p.cps, p.seconds, args_.ring_s, args_.talk_s);
    std::fflush(stdout);
    if (!RunPhase(p)) return 1;
    placed_total_ += p.placed;
  }
  const billing::BillingLoop::Stats s = svc_->call_billing().loop().stats();
  failures_ = s.failures;
  link_connects_ = svc_->call_billing().esl_client().status().connects;
  if (const esl::OutboundServer* socket = svc_->call_billing().dialplan_socket(); socket != nullptr) {
    socket_stats_ = socket->stats();
  }
  observer_->Stop();
  watcher_->Stop();
  svc_->Stop();
  sim_->Stop();
  if (!ReadCdrs()) return 1;
  const store::CheckReport report = store::CheckStore(cfg_.StorePath());
  store_ok_ = report.ok;
  for (const store::CheckResult& r : report.checks) {
    if (!r.ok) store_problems_ += r.name + ": " + r.detail + "; ";
  }
  return Report();
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) return 2;
  // Warnings and errors only: a failure shows up, per-connection chatter does not.
  base::SetLogLevel(base::LogLevel::kWarning);
  Bench bench(args);
  return bench.Run();
}
