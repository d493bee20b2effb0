#include "app/cmd_token.h"

#include <charconv>
#include <optional>
#include <ostream>

#include "app/service.h"
#include "store/user_store.h"

namespace tarifador::app {

int RunTokenCreate(CommandContext& ctx) {
  std::string name;
  std::string role_text;
  std::string days_text;
  bool usage_ok = true;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    if (a == "--role" && i + 1 < ctx.args.size()) {
      role_text = ctx.args[++i];
    } else if (a == "--expires-days" && i + 1 < ctx.args.size()) {
      days_text = ctx.args[++i];
    } else if (a.rfind("--role=", 0) == 0) {
      role_text = a.substr(7);
    } else if (!a.empty() && a[0] != '-' && name.empty()) {
      name = a;
    } else {
      usage_ok = false;
    }
  }
  if (!usage_ok || name.empty() || role_text.empty()) {
    ctx.err << "usage: tarifador token create NAME --role admin|operator|viewer|cdr-writer [--expires-days N]\n";
    return 2;
  }
  int days = 0;
  if (!days_text.empty()) {
    const auto [end, ec] = std::from_chars(days_text.data(), days_text.data() + days_text.size(), days);
    if (ec != std::errc() || end != days_text.data() + days_text.size() || days < 1 || days > 3650) {
      ctx.err << "tarifador: --expires-days must be a whole number of days from 1 to 3650\n";
      return 2;
    }
  }
  const std::optional<store::Role> role = store::ParseRole(role_text);
  if (!role) {
    ctx.err << "tarifador: role \"" << role_text << "\" is not admin, operator, viewer or cdr-writer\n";
    return 2;
  }
  base::Result<config::Config> cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    return ctx.Fail(cfg.status());
  }
  base::Result<std::unique_ptr<store::Database>> db = OpenStoreForWriting(*cfg);
  if (!db.ok()) {
    return ctx.Fail(db.status());
  }
  base::SystemClock clock;
  store::UserStore users(std::move(*db), clock);
  std::optional<base::Instant> expires_at;
  if (days > 0) expires_at = base::Instant::FromMicros(clock.Now().micros() + int64_t{days} * 86'400'000'000);
  base::Result<store::NewToken> token = users.CreateToken(name, *role, "cli", expires_at);
  if (!token.ok()) {
    return ctx.Fail(token.status());
  }
  // stdout is data: the token alone, so `TOKEN=$(tarifador token create ...)` works.
  ctx.out << token->plaintext << "\n";
  ctx.err << "token \"" << token->token.name << "\" (" << store::RoleName(token->token.role)
          << ") created; it is shown only this once\n";
  return 0;
}

}  // namespace tarifador::app
