#include "app/cmd_demo.h"

#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "app/demo_data.h"
#include "app/service.h"
#include "app/stop_signals.h"
#include "base/log.h"
#include "base/password.h"
#include "rating/rate_deck.h"
#include "store/rate_plan_store.h"
#include "store/user_store.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador demo [--listen HOST:PORT] [--keep]\n";

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
  auto db = OpenStoreForWriting(cfg);
  if (!db.ok()) return db.status();
  store::UserStore users(std::move(*db), clock);
  DemoCredentials creds{base::RandomToken(9), ""};
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
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "--keep") {
      keep = true;
    } else if (ctx.args[i] == "--listen" && i + 1 < ctx.args.size()) {
      listen = ctx.args[++i];
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
  if (!listen.empty()) cfg->http.listen = listen;

  base::Result<DemoCredentials> creds = Seed(*cfg);
  base::Result<std::unique_ptr<Service>> service =
      creds.ok() ? Service::Start(*cfg, Service::Options{}) : base::Result<std::unique_ptr<Service>>(creds.status());
  if (!service.ok()) {
    ctx.err << "tarifador: demo: " << service.status().message() << "\n";
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
          << " rates)\n\n"
          << "Try:\n"
          << "  curl -H 'Authorization: Bearer " << creds->token << "' '" << url
          << "/api/v1/quote?plan=default&number=442079460958&seconds=95'\n"
          << "  curl " << url << "/metrics\n\n"
          << "Not yet in the demo: the simulated FreeSWITCH placing calls and the web UI;\n"
          << "they arrive with the call-billing and web-UI work.\n\n";
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
  (*service)->Stop();
  if (!keep) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}

}  // namespace tarifador::app
