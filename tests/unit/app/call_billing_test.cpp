// The whole billing loop in one process: tarifador's Service against the
// simulated FreeSWITCH (real ESL over loopback TCP, real SQLite file), on the
// simulator's sped-up clock so minutes of calls take a second, or, where the
// outcome depends on when things happen, on a base::FakeClock that the test
// moves by hand: simulated time then stands still until the test has seen
// what it waits for (the sim's own state, the commands it received), so how
// fast the machine runs changes nothing.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "app/service.h"
#include "billing/account.h"
#include "billing/ledger_entry.h"
#include "sim/simulator.h"
#include "store/billing_repository.h"
#include "store/check.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/cli_run.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDeck =
    "prefix,zone,price_per_minute,initial_increment,increment\n"
    "44,UK,0.60,1,1\n"  // 0.01 a second
    "34,Spain,1.20,60,60\n"
    "49,Germany,6.00,1,1\n";  // 0.10 a second

base::Money M(const char* text) { return *base::Money::Parse(text); }

// Polls `done` every 10 ms for up to `limit` of real time: a generous bound
// that only runs out when the code is broken, never an assertion on speed.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// Harness(balance, kManualTime): simulated time is Harness::clock, which
// only the test moves.
struct ManualTime {};
constexpr ManualTime kManualTime;

struct Harness {
  test_support::TempDir dir;
  config::Config cfg;
  base::FakeClock clock;  // simulated time with kManualTime; outlives sim and svc
  std::unique_ptr<sim::Simulator> sim;
  std::unique_ptr<app::Service> svc;
  billing::AccountId account;

  // An office with one prepaid account holding `balance`, extensions 1001
  // and 1002 on it, plan "retail"; the sim at 100x speed.
  explicit Harness(const char* balance, double time_scale = 0.01) { Init(balance, time_scale, nullptr); }
  // The same on `clock`, which stands still until the test advances it.
  Harness(const char* balance, ManualTime) { Init(balance, 1.0, &clock); }
  // The same, with the simulated FreeSWITCH's clock `clock_offset_s` off the
  // box's and reservations of `debit_interval_s`.
  Harness(const char* balance, ManualTime, int64_t clock_offset_s, int64_t debit_interval_s) {
    cfg.billing.debit_interval = debit_interval_s;
    Init(balance, 1.0, &clock, clock_offset_s * 1'000'000);
  }

  void Init(const char* balance, double time_scale, const base::Clock* sim_clock, int64_t clock_offset_us = 0) {
    cfg.data_dir = dir.path() + "/data";
    cfg.http.listen = "127.0.0.1:0";
    cfg.http.tls_listen.clear();  // no HTTPS listener: tls_test.cpp covers it
    cfg.rating.default_plan = "retail";
    cfg.site_id = "branch-1";
    const std::string cfg_path = dir.path() + "/tarifador.json";
    std::ofstream(cfg_path) << "{\"data_dir\": \"" << cfg.data_dir << "\"}";
    const std::string deck = dir.path() + "/deck.csv";
    std::ofstream(deck) << kDeck;
    const test_support::CliRun imported =
        test_support::Cli({"--config", cfg_path, "rates", "import", "--plan", "retail", deck});
    INFO(imported.err);
    REQUIRE(imported.code == 0);
    {
      auto writer = store::Writer::Start(cfg.StorePath());
      REQUIRE(writer.ok());
      store::ReadPool reads(cfg.StorePath());
      store::BillingRepository repo(**writer, reads);
      const base::Instant now = base::SystemClock().Now();
      auto acc = repo.CreateAccount({"Office", billing::AccountType::kPrepaid, {}, {}}, "test", now);
      REQUIRE(acc.ok());
      account = acc->id;
      if (M(balance) > base::Money()) {
        REQUIRE(
            repo.ApplyMovement({account, billing::LedgerKind::kRecharge, M(balance), "test", "", now, {}, {}}).ok());
      }
      REQUIRE(repo.PutExtension({"1001", "Alice", account, std::nullopt, true}, "test", now).ok());
      REQUIRE(repo.PutExtension({"1002", "Bob", account, std::nullopt, true}, "test", now).ok());
    }
    sim::SimulatorOptions so;
    so.server.port = 0;
    so.time_scale = time_scale;
    so.clock_offset_us = clock_offset_us;
    sim = std::make_unique<sim::Simulator>(so, sim_clock);
    REQUIRE(sim->Start().ok());
    cfg.freeswitch.port = sim->port();
    app::Service::Options options;
    options.clock = &sim->clock();
    auto started = app::Service::Start(cfg, options);
    REQUIRE(started.ok());
    svc = std::move(*started);
    REQUIRE(WaitFor([&] { return LinkUp(); }));
  }

  ~Harness() {
    if (svc) svc->Stop();
    if (sim) sim->Stop();
  }

  bool LinkUp() { return svc->call_billing().esl_client().status().state == esl::LinkState::kUp; }
  billing::Repository& repo() { return svc->call_billing().services().repository; }
  billing::Account Acc() { return *repo().GetAccount(account); }
  bool Billed(const std::string& uuid) { return repo().GetCdr(billing::CallId{uuid}).ok(); }
  billing::Cdr CdrOf(const std::string& uuid) {
    auto cdr = repo().GetCdr(billing::CallId{uuid});
    REQUIRE(cdr.ok());
    return *cdr;
  }
  // Once the switch has carried out the hard stop tarifador sent for `call`.
  bool HardStopHandled(const std::string& call) {
    return WaitFor([&] {
      for (const std::string& line : sim->server().ReceivedCommands()) {
        if (line.rfind("bgapi sched_hangup +", 0) == 0 && line.find(" " + call + " ") != std::string::npos) {
          return sim->server().WaitForCommandHandled(line, 0ms) != "";
        }
      }
      return false;
    });
  }
  // uuid_kill and sched_hangup commands the switch has carried out.
  uint64_t CallControlHandled() {
    uint64_t n = 0;
    for (const std::string& line : sim->server().HandledCommands()) {
      if (line.rfind("bgapi sched_hangup ", 0) == 0 || line.rfind("bgapi uuid_kill ", 0) == 0) ++n;
    }
    return n;
  }
  // Once the billing thread has nothing queued and no reservation write
  // whose result it has not acted on (kManualTime: time stands still).
  bool BillingSettled() {
    return WaitFor([&] {
      const billing::BillingLoop::Stats s = svc->call_billing().loop().stats();
      return s.queue_depth == 0 && s.writes_in_flight == 0;
    });
  }
  // Moves simulated time forward by `seconds` (kManualTime only).
  void Advance(double seconds) { clock.AdvanceMicros(static_cast<int64_t>(seconds * 1e6)); }
  // Events of that name the simulated switch has emitted.
  uint64_t Emitted(const std::string& name) {
    const auto stats = sim->fake_switch().Stats();
    const auto it = stats.events_by_name.find(name);
    return it == stats.events_by_name.end() ? 0 : it->second;
  }
  std::string Place(sim::CallSpec spec) {
    auto uuid = sim->fake_switch().PlaceCall(spec);
    REQUIRE(uuid.ok());
    return *uuid;
  }
  void RequireConsistentStore() {
    svc->Stop();
    const store::CheckReport report = store::CheckStore(cfg.StorePath());
    for (const store::CheckResult& r : report.checks) {
      INFO(r.name << ": " << r.detail);
      CHECK(r.ok);
    }
    REQUIRE(report.ok);
  }
};

sim::CallSpec Outbound(const std::string& destination, double talk_s, const std::string& caller = "1001") {
  sim::CallSpec spec;
  spec.caller = caller;
  spec.destination = destination;
  spec.ring_s = 2;
  spec.talk_s = talk_s;
  return spec;
}

}  // namespace

TEST_CASE("A call placed on the simulated switch is authorized, reserved and billed once", "[app][billing]") {
  Harness h("1.00");
  const std::string a = h.Place(Outbound("00442079460958", 30));
  // The hard stop went to the switch as a relative sched_hangup.
  CHECK(h.sim->server().WaitForCommand("bgapi sched_hangup +100 " + a + " ALLOTTED_TIMEOUT", 5s) != "");
  // While it runs, the dashboard's view: the rate it is billed with.
  const auto listed = h.svc->call_billing().services().active_calls();
  REQUIRE(listed.ok());
  const auto& active = *listed;
  if (!active.empty()) {  // it may already have ended on a slow machine (100x speed)
    REQUIRE(active.front().rated);
    CHECK(active.front().rated->rate.zone == "UK");
    CHECK(active.front().reserved == M("0.60"));
  }
  REQUIRE(WaitFor([&] { return h.Billed(a); }));
  const billing::Cdr cdr = h.CdrOf(a);
  CHECK(cdr.direction == billing::Direction::kOutbound);
  CHECK(cdr.billsec == 30);
  CHECK(cdr.cost == M("0.30"));
  CHECK(cdr.zone == "UK");
  CHECK(cdr.site_id == "branch-1");
  CHECK(cdr.disposition == billing::Disposition::kAnswered);
  CHECK(cdr.linked.size() == 1);
  CHECK(h.Acc().balance == M("0.70"));
  CHECK(h.Acc().reserved == M("0"));
  h.RequireConsistentStore();
}

TEST_CASE("A prepaid call is cut off where the money ends", "[app][billing]") {
  // 10 s at 0.01/s. Simulated time stands still until the switch has the
  // hard stop, so the real time tarifador takes to send it costs no
  // simulated seconds of overrun however slow the machine is.
  Harness h("0.10", kManualTime);
  const std::string a = h.Place(Outbound("00442079460958", 600));
  REQUIRE(h.sim->server().WaitForCommandHandled("bgapi sched_hangup +10 " + a + " ALLOTTED_TIMEOUT", 10s) != "");
  h.Advance(12);  // past the hard stop (the call was answered 2.15 s in)
  REQUIRE(WaitFor([&] { return h.Billed(a); }));
  const billing::Cdr cdr = h.CdrOf(a);
  CHECK(cdr.disposition == billing::Disposition::kCutOffNoFunds);
  CHECK(cdr.hangup_cause == "ALLOTTED_TIMEOUT");
  CHECK(cdr.billsec <= 10);
  CHECK(cdr.cost <= M("0.10"));
  CHECK(h.Acc().balance >= base::Money());
  h.RequireConsistentStore();
}

TEST_CASE("Prepaid money holds whatever FreeSWITCH's clock says", "[app][billing][clock]") {
  // The case: FreeSWITCH's clock 10 minutes off the box's made two
  // concurrent calls on a prepaid 5.00 at 6.00 a minute cost 8.80 (ahead),
  // or killed both after 3 s and 0 s with the money unused (behind).
  const int64_t offset_s = GENERATE(0, 3600, -3600);
  INFO("FreeSWITCH's clock minus the box's: " << offset_s << " s");
  Harness h("5.00", kManualTime, offset_s, 10);
  const std::string a = h.Place(Outbound("0049301234567", 600, "1001"));
  const std::string b = h.Place(Outbound("0049301234568", 600, "1002"));
  for (const std::string& call : {a, b}) REQUIRE(h.HardStopHandled(call));
  // A tenth of a simulated second at a time, as a real box lives it: the
  // events of each step reach tarifador before time moves on, and each whole
  // second the billing tick runs (its time is the same simulated time,
  // starting on a whole second) and the switch carries out what it sent.
  for (int step = 0; step < 1200 && !(h.Billed(a) && h.Billed(b)); ++step) {
    const uint64_t ticks = h.svc->call_billing().loop().stats().ticks;
    h.Advance(0.1);
    REQUIRE(WaitFor(
        [&] { return h.svc->call_billing().esl_client().status().events_received >= h.sim->server().EventsSent(); }));
    if (step % 10 != 9) continue;
    REQUIRE(WaitFor([&] { return h.svc->call_billing().loop().stats().ticks > ticks; }));
    // A cut-off follows from an extension's result, which comes back from
    // the store writer after the tick: wait for it before counting the
    // commands sent (on a loaded machine the switch otherwise handled a
    // sched_hangup a simulated second after it was reckoned).
    REQUIRE(h.BillingSettled());
    REQUIRE(WaitFor([&] { return h.CallControlHandled() >= h.svc->call_billing().call_control().sent(); }));
  }
  REQUIRE(WaitFor([&] { return h.Billed(a) && h.Billed(b); }));
  const billing::Cdr ca = h.CdrOf(a);
  const billing::Cdr cb = h.CdrOf(b);
  INFO("billsec " << ca.billsec << " + " << cb.billsec);
  for (const std::string& line : h.sim->server().ReceivedCommands()) UNSCOPED_INFO(line);
  UNSCOPED_INFO("a " << ca.start_us << " " << ca.answer_us << " " << ca.bridge_us << " " << ca.end_us << " "
                     << ca.cost.ToString() << " " << ca.charged.ToString());
  UNSCOPED_INFO("b " << cb.start_us << " " << cb.answer_us << " " << cb.bridge_us << " " << cb.end_us << " "
                     << cb.cost.ToString() << " " << cb.charged.ToString());
  // Every second talked was paid for, and the money was used: 50 s in all,
  // less at most a second of each call's cut-off.
  CHECK(ca.cost == ca.charged);
  CHECK(cb.cost == cb.charged);
  CHECK(ca.cost + cb.cost <= M("5.00"));
  CHECK(ca.billsec + cb.billsec >= 48);
  CHECK(ca.disposition == billing::Disposition::kCutOffNoFunds);
  CHECK(cb.disposition == billing::Disposition::kCutOffNoFunds);
  CHECK(h.Acc().balance == M("5.00") - ca.cost - cb.cost);
  CHECK(h.Acc().reserved == base::Money());
  // What the status API shows (within the event's delivery time).
  const std::optional<int64_t> measured = h.svc->call_billing().switch_clock().offset_us();
  REQUIRE(measured);
  CHECK(std::abs(*measured - offset_s * 1'000'000) < 2'000'000);
  h.RequireConsistentStore();
}

TEST_CASE("While the link is up, FreeSWITCH's channels are checked every minute", "[app][billing]") {
  // The periodic check runs on the service's monotonic clock, which with
  // kManualTime is the test's simulated time.
  Harness h("5.00", kManualTime);
  const auto lists = [&] {
    const auto counts = h.sim->server().CommandCounts();
    const auto it = counts.find("bgapi show");
    return it == counts.end() ? uint64_t{0} : it->second;
  };
  REQUIRE(WaitFor([&] { return lists() == 1 && h.svc->call_billing().loop().stats().reconciles == 1; }));
  h.Advance(59);
  const uint64_t before = h.svc->call_billing().loop().stats().reconciles;
  CHECK(before == 1);  // not yet a minute
  h.Advance(1.5);
  REQUIRE(WaitFor([&] { return lists() == 2 && h.svc->call_billing().loop().stats().reconciles == 2; }));
  CHECK(h.svc->call_billing().loop().stats().gone == 0);  // nothing tracked, nothing let go
}

TEST_CASE("An unaffordable or blocked call is hung up at once", "[app][billing]") {
  Harness h("0");
  // Ringing long enough (simulated time runs 100x) that the kill lands before
  // any answer however slow the machine: a call answered first is billed as
  // answered (the race tested in the dialplan socket's tests).
  sim::CallSpec spec = Outbound("00442079460958", 30);
  spec.ring_s = 600;
  const std::string a = h.Place(spec);
  CHECK(h.sim->server().WaitForCommand("bgapi uuid_kill " + a + " CALL_REJECTED", 5s) != "");
  REQUIRE(WaitFor([&] { return h.Billed(a); }));
  CHECK(h.CdrOf(a).disposition == billing::Disposition::kDenied);
  CHECK(h.CdrOf(a).deny_reason == "insufficient_funds");
  CHECK(h.CdrOf(a).cost == base::Money());
  h.RequireConsistentStore();
}

TEST_CASE("Many concurrent calls of one account never take it below zero", "[app][billing]") {
  Harness h("1.00");
  std::vector<std::string> calls;
  for (int i = 0; i < 12; ++i) calls.push_back(h.Place(Outbound("00442079460958", 40, i % 2 ? "1001" : "1002")));
  REQUIRE(WaitFor([&] {
    for (const std::string& c : calls) {
      if (!h.Billed(c)) return false;
    }
    return true;
  }));
  base::Money charged;
  for (const std::string& c : calls) charged += h.CdrOf(c).charged;
  CHECK(charged <= M("1.00"));
  CHECK(h.Acc().balance == M("1.00") - charged);
  CHECK(h.Acc().balance >= base::Money());
  CHECK(h.Acc().reserved == base::Money());
  h.RequireConsistentStore();
}

TEST_CASE("Calls that end while the link is down are billed once after the reconnect", "[app][billing]") {
  // Simulated time moves only when the test advances it, and the outage
  // lasts until the test ends it: no real-time race decides which call
  // ends during the outage.
  Harness h("5.00", kManualTime);
  const std::string short_call = h.Place(Outbound("00442079460958", 20));
  const std::string long_call = h.Place(Outbound("00442079460958", 200));
  // Their hard stops are in place at 0 s (they count from there) ...
  for (const std::string& call : {short_call, long_call}) REQUIRE(h.HardStopHandled(call));
  // ... both are answered and bridged 2.15 s in (B created at 0.1 s, ringing 2 s) ...
  h.Advance(5);
  REQUIRE(WaitFor([&] { return h.Emitted("CHANNEL_BRIDGE") == 2; }));
  // ... and tarifador has received every event sent so far.
  const uint64_t sent = h.sim->server().EventsSent();
  REQUIRE(WaitFor([&] { return h.svc->call_billing().esl_client().status().events_received >= sent; }));

  h.sim->server().DropLink(std::chrono::hours(1));  // ended below by RestoreLink()
  REQUIRE(WaitFor([&] { return !h.LinkUp(); }));
  // The short call ends during the outage (at 22.15 s): its HANGUP_COMPLETE is lost.
  h.Advance(25);
  REQUIRE(WaitFor([&] { return !h.sim->fake_switch().HasChannel(short_call); }));
  CHECK(h.sim->fake_switch().HasChannel(long_call));
  CHECK_FALSE(h.Billed(short_call));
  h.sim->server().RestoreLink();
  // The client's backoff runs on real time and never exceeds 30 s.
  REQUIRE(WaitFor([&] { return h.LinkUp(); }, 60s));

  // The short call ended during the outage: finalised by the reconcile.
  REQUIRE(WaitFor([&] { return h.Billed(short_call); }));
  CHECK(h.CdrOf(short_call).billsec <= 20);
  CHECK(h.CdrOf(short_call).cost <= M("0.20"));
  // The long one is still up and billed normally at its end (202.15 s).
  CHECK_FALSE(h.Billed(long_call));
  h.Advance(180);
  REQUIRE(WaitFor([&] { return h.Billed(long_call); }));
  CHECK(h.CdrOf(long_call).billsec == 200);
  CHECK(h.svc->call_billing().loop().stats().reconciles >= 1);
  h.RequireConsistentStore();
}

TEST_CASE("Garbage on the socket: the link is dropped, re-established and billing goes on", "[app][billing]") {
  Harness h("5.00");
  const uint64_t connects = h.svc->call_billing().esl_client().status().connects;
  h.sim->server().SendGarbage();
  REQUIRE(WaitFor([&] { return h.svc->call_billing().esl_client().status().connects > connects && h.LinkUp(); }));
  const std::string a = h.Place(Outbound("00442079460958", 10));
  REQUIRE(WaitFor([&] { return h.Billed(a); }));
  CHECK(h.CdrOf(a).cost == M("0.10"));
  h.RequireConsistentStore();
}
