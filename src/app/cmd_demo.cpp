#include "app/cmd_demo.h"

#include <stdlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/demo_data.h"
#include "app/service.h"
#include "app/stop_signals.h"
#include "base/log.h"
#include "base/password.h"
#include "rating/rate_deck.h"
#include "sim/simulator.h"
#include "store/billing_repository.h"
#include "store/rate_plan_store.h"
#include "store/read_pool.h"
#include "store/user_store.h"
#include "store/writer.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage =
    "usage: tarifador demo [--listen HOST:PORT] [--keep] [--cps N] [--seed N]\n"
    "  --listen  where the web UI and API listen (default 127.0.0.1:8080: the demo's admin\n"
    "            password is printed, so it stays on this machine unless you say otherwise)\n";
// The demo prints its admin password: it listens on loopback unless told.
constexpr const char* kDemoListen = "127.0.0.1:8080";

// The demo office (SPEC section 3): a postpaid department, a prepaid
// reception and a prepaid guest phone with little money, so the dashboard
// shows calls, internal calls, denials and a cut-off.
struct DemoAccount {
  const char* name;
  billing::AccountType type;
  const char* credit_limit;
  const char* balance;
  std::vector<std::pair<const char*, const char*>> extensions;  // number, name
};

const std::vector<DemoAccount>& DemoAccounts() {
  static const std::vector<DemoAccount> accounts = {
      {"Sales", billing::AccountType::kPostpaid, "50", "0", {{"1001", "Ana (Sales)"}, {"1002", "Ben (Sales)"}}},
      {"Reception", billing::AccountType::kPrepaid, "0", "5", {{"1003", "Reception"}}},
      {"Support", billing::AccountType::kPrepaid, "0", "10", {{"1004", "Carla (Support)"}}},
      {"Guest phone", billing::AccountType::kPrepaid, "0", "0.25", {{"1005", "Guest phone"}}},
  };
  return accounts;
}

base::Money DemoMoney(const char* text) {
  auto m = base::Money::Parse(text);
  return m.ok() ? *m : base::Money();
}

base::Status SeedAccounts(const config::Config& cfg, base::Instant now) {
  auto writer = store::Writer::Start(cfg.StorePath());
  if (!writer.ok()) return writer.status();
  store::ReadPool reads(cfg.StorePath());
  store::BillingRepository repo(**writer, reads);
  for (const DemoAccount& a : DemoAccounts()) {
    auto account = repo.CreateAccount({a.name, a.type, DemoMoney(a.credit_limit), std::nullopt}, "demo", now);
    if (!account.ok()) return account.status();
    if (DemoMoney(a.balance) > base::Money()) {
      billing::Movement recharge{account->id,
                                 billing::LedgerKind::kRecharge,
                                 DemoMoney(a.balance),
                                 "demo",
                                 "demo opening balance",
                                 now,
                                 std::nullopt,
                                 std::nullopt};
      if (auto r = repo.ApplyMovement(recharge); !r.ok()) return r.status();
    }
    for (const auto& [number, name] : a.extensions) {
      TARIFADOR_RETURN_IF_ERROR(repo.PutExtension({number, name, account->id, std::nullopt, true}, "demo", now));
    }
  }
  return base::Status::Ok();
}

struct DemoCredentials {
  std::string admin_password;
  std::string token;
};

std::string_view SampleDeck() {
  for (const base::EmbeddedFile& f : EmbeddedDemoData()) {
    if (f.path == "sample_rates.csv") return f.data;
  }
  return {};
}

// Fills a fresh store: the sample deck as plan "default", an admin with a
// random password and an admin API token. Nothing here has a fixed secret.
base::Result<DemoCredentials> Seed(const config::Config& cfg) {
  const base::SystemClock clock;
  const rating::RateDeck deck = rating::ParseRateDeck(SampleDeck());
  TARIFADOR_RETURN_IF_ERROR(rating::DeckStatus(deck, "default"));
  {
    auto db = OpenStoreForWriting(cfg);
    if (!db.ok()) return db.status();
    TARIFADOR_RETURN_IF_ERROR(store::RatePlanStore(**db).ReplaceRates(
        "default", deck.rates, store::ChangeOrigin{"demo", clock.Now()}, store::PlanSettingsUpdate{}));
  }
  TARIFADOR_RETURN_IF_ERROR(SeedAccounts(cfg, clock.Now()));
  auto db = OpenStoreForWriting(cfg);
  if (!db.ok()) return db.status();
  store::UserStore users(std::move(*db), clock);
  DemoCredentials creds{base::RandomToken(16), ""};  // RandomToken asserts >= 16 bytes
  auto hash = base::HashPassword(creds.admin_password);
  if (!hash.ok()) return hash.status();
  auto user = users.AddUser("admin", store::Role::kAdmin, *hash, "demo");
  if (!user.ok()) return user.status();
  auto token = users.CreateToken("demo", store::Role::kAdmin, "demo");
  if (!token.ok()) return token.status();
  creds.token = token->plaintext;
  return creds;
}

std::string LocalUrl(const std::string& listen, int port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  return "http://" + host + ":" + std::to_string(port);
}

}  // namespace

int RunDemo(CommandContext& ctx) {
  bool keep = false;
  std::string listen;
  sim::LoadOptions load;
  load.calls_per_second = 0.5;
  load.max_concurrent = 8;
  load.min_talk_s = 5;
  load.max_talk_s = 120;
  load.first_extension = 1001;
  load.last_extension = 1005;
  load.destinations = {"00442079460958", "00447700900123", "0034911234567", "0034612345678",
                       "0018005550100",  "0012125550100",  "1002",          "1004"};
  load.seed = 0;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const bool has_value = i + 1 < ctx.args.size();
    if (ctx.args[i] == "--keep") {
      keep = true;
    } else if (ctx.args[i] == "--listen" && has_value) {
      listen = ctx.args[++i];
    } else if (ctx.args[i] == "--cps" && has_value) {
      char* end = nullptr;
      const std::string& text = ctx.args[++i];
      load.calls_per_second = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size() || !(load.calls_per_second > 0 && load.calls_per_second <= 1000)) {
        ctx.err << "tarifador: demo: --cps must be a number of calls per second above 0, at most 1000\n";
        return 2;
      }
    } else if (ctx.args[i] == "--seed" && has_value) {
      load.seed = std::strtoull(ctx.args[++i].c_str(), nullptr, 10);
    } else {
      ctx.err << kUsage;
      return 2;
    }
  }
  if (base::Status s = BlockStopSignals(); !s.ok()) {
    return ctx.Fail(s);
  }
  base::Result<config::Config> cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  std::string dir = (std::filesystem::temp_directory_path() / "tarifador-demo-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    ctx.err << "tarifador: cannot create a temporary data directory under "
            << std::filesystem::temp_directory_path().string() << "\n";
    return 1;
  }
  cfg->data_dir = dir;
  cfg->site_id = "demo";
  cfg->http.listen = listen.empty() ? kDemoListen : listen;
  // The demo is for the machine it runs on: loopback, plain HTTP (which the
  // box itself keeps when HTTPS is on), no certificate to accept.
  cfg->http.tls_listen.clear();

  // The simulated FreeSWITCH (tarifador-sim's engine, in process) on a free
  // loopback port, placing random calls from the demo extensions.
  sim::SimulatorOptions sim_options;
  sim_options.server.host = "127.0.0.1";
  sim_options.server.port = 0;
  sim_options.server.password = base::RandomToken(16);
  sim::Simulator fake_freeswitch(sim_options);
  base::Status sim_started = fake_freeswitch.Start();
  cfg->freeswitch.host = "127.0.0.1";
  cfg->freeswitch.port = fake_freeswitch.port();
  cfg->freeswitch.password = sim_options.server.password;

  base::Result<DemoCredentials> creds = sim_started.ok() ? Seed(*cfg) : base::Result<DemoCredentials>(sim_started);
  base::Result<std::unique_ptr<Service>> service =
      creds.ok() ? Service::Start(*cfg, Service::Options{}) : base::Result<std::unique_ptr<Service>>(creds.status());
  if (service.ok()) {
    // Calls start once tarifador listens to the switch, so the first ones
    // are seen from their start rather than re-attached.
    for (int i = 0; i < 300 && (*service)->call_billing().esl_client().status().state != esl::LinkState::kUp; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (load.seed == 0) load.seed = std::random_device{}();
    if (base::Status s = fake_freeswitch.StartLoad(load); !s.ok()) service = s;
  }
  if (!service.ok()) {
    ctx.err << "tarifador: demo: " << service.status().message() << "\n";
    if (service.status().message().find("cannot listen on") != std::string::npos) {
      ctx.err << "tarifador: demo: is another program using that port? Choose another one with "
                 "--listen, e.g. scripts/demo.sh --listen 127.0.0.1:8081\n";
    }
    std::error_code ec;
    if (!keep) std::filesystem::remove_all(dir, ec);
    return 1;
  }
  const std::string url = LocalUrl(cfg->http.listen, (*service)->http_port());
  ctx.err << "\n"
          << "tarifador demo is running (Ctrl-C stops it)\n"
          << "  data dir     " << dir << (keep ? " (kept)" : " (removed on exit)") << "\n"
          << "  HTTP         " << url << "\n"
          << "  admin login  admin / " << creds->admin_password << "\n"
          << "  API token    " << creds->token << "\n"
          << "  rate plan    \"default\": the sample deck (" << rating::ParseRateDeck(SampleDeck()).rates.size()
          << " rates)\n"
          << "  FreeSWITCH   simulated on 127.0.0.1:" << fake_freeswitch.port() << ", " << load.calls_per_second
          << " calls/s from extensions 1001-1005 (seed " << load.seed << ")\n"
          << "  accounts     Sales (postpaid, 1001-1002), Reception (1003), Support (1004),\n"
          << "               Guest phone (1005, 0.25 prepaid: its calls get cut off)\n\n"
          << "Try:\n"
          << "  curl -H 'Authorization: Bearer " << creds->token << "' " << url << "/api/v1/calls/active\n"
          << "  curl -H 'Authorization: Bearer " << creds->token << "' " << url << "/api/v1/accounts\n"
          << "  curl -H 'Authorization: Bearer " << creds->token << "' '" << url
          << "/api/v1/quote?plan=default&number=442079460958&seconds=95'\n"
          << "  curl " << url << "/metrics\n\n"
          << "Open the web UI at " << url << "/ and sign in as admin with the password above.\n\n";
  // stdout is data: the same facts as JSON, for scripts that start the demo.
  ctx.out << nlohmann::json{{"url", url},
                            {"data_dir", dir},
                            {"admin", "admin"},
                            {"password", creds->admin_password},
                            {"token", creds->token}}
                 .dump()
          << "\n";
  ctx.out.flush();

  const char* signal_name = WaitForStopSignal();
  base::LogInfo(std::string("received ") + signal_name + ", stopping the demo");
  fake_freeswitch.Stop();
  (*service)->Stop();
  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}

}  // namespace tarifador::app
