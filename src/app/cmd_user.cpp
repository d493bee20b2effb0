#include "app/cmd_user.h"

#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "app/service.h"
#include "base/password.h"
#include "store/user_store.h"

namespace tarifador::app {
namespace {

// NAME --role ROLE (or --role=ROLE), in any order.
bool ParseNameAndRole(const std::vector<std::string>& args, std::string* name, std::string* role) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--role") {
      if (i + 1 >= args.size()) return false;
      *role = args[++i];
    } else if (a.rfind("--role=", 0) == 0) {
      *role = a.substr(7);
    } else if (!a.empty() && a[0] != '-' && name->empty()) {
      *name = a;
    } else {
      return false;
    }
  }
  return !name->empty() && !role->empty();
}

}  // namespace

int RunUserAdd(CommandContext& ctx) {
  std::string name;
  std::string role_text;
  if (!ParseNameAndRole(ctx.args, &name, &role_text)) {
    ctx.err << "usage: tarifador user add NAME --role admin|operator|viewer  (password on stdin)\n";
    return 2;
  }
  const std::optional<store::Role> role = store::ParseRole(role_text);
  if (!role || *role == store::Role::kCdrWriter) {
    ctx.err << "tarifador: role \"" << role_text << "\" is not admin, operator or viewer\n";
    return 2;
  }
  if (base::Status s = store::ValidateName(name, "user name"); !s.ok()) {
    return ctx.Fail(s);
  }
  std::string password;
  std::getline(ctx.in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();  // typed on Windows, pasted over SSH
  base::Result<std::string> hash = base::HashPassword(password);
  if (!hash.ok()) {
    ctx.err << "tarifador: " << hash.status().message() << " (the password is read from the first line of stdin)\n";
    return 1;
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
  base::Result<store::User> user = users.AddUser(name, *role, *hash, "cli");
  if (!user.ok()) {
    return ctx.Fail(user.status());
  }
  ctx.out << nlohmann::json{{"name", user->name}, {"role", store::RoleName(user->role)}}.dump() << "\n";
  ctx.err << "user \"" << user->name << "\" added\n";
  return 0;
}

namespace {

// The store for a user command, or a failure already reported.
std::unique_ptr<store::UserStore> OpenUsers(CommandContext& ctx, const base::Clock& clock, int* rc) {
  base::Result<config::Config> cfg = ctx.LoadConfig();
  if (!cfg.ok()) {
    *rc = ctx.Fail(cfg.status());
    return nullptr;
  }
  base::Result<std::unique_ptr<store::Database>> db = OpenStoreForWriting(*cfg);
  if (!db.ok()) {
    *rc = ctx.Fail(db.status());
    return nullptr;
  }
  return std::make_unique<store::UserStore>(std::move(*db), clock);
}

bool OneName(CommandContext& ctx, const char* usage, std::string* name) {
  if (ctx.args.size() != 1 || ctx.args[0].empty() || ctx.args[0][0] == '-') {
    ctx.err << "usage: tarifador " << usage << "\n";
    return false;
  }
  *name = ctx.args[0];
  return true;
}

int SetDisabled(CommandContext& ctx, bool disabled) {
  std::string name;
  if (!OneName(ctx, disabled ? "user disable NAME" : "user enable NAME", &name)) return 2;
  base::SystemClock clock;
  int rc = 0;
  std::unique_ptr<store::UserStore> users = OpenUsers(ctx, clock, &rc);
  if (!users) return rc;
  if (base::Status s = users->SetUserDisabled(name, disabled, "cli"); !s.ok()) return ctx.Fail(s);
  ctx.err << "user \"" << name << "\" " << (disabled ? "disabled; their sessions ended" : "enabled") << "\n";
  return 0;
}

std::string TimeOrNull(const std::optional<base::Instant>& t) { return t ? base::FormatIso8601(*t) : ""; }

}  // namespace

int RunUserDisable(CommandContext& ctx) { return SetDisabled(ctx, true); }
int RunUserEnable(CommandContext& ctx) { return SetDisabled(ctx, false); }

int RunUserPasswd(CommandContext& ctx) {
  std::string name;
  if (!OneName(ctx, "user passwd NAME  (new password on stdin)", &name)) return 2;
  std::string password;
  std::getline(ctx.in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  base::Result<std::string> hash = base::HashPassword(password);
  if (!hash.ok()) {
    ctx.err << "tarifador: " << hash.status().message() << " (the password is read from the first line of stdin)\n";
    return 1;
  }
  base::SystemClock clock;
  int rc = 0;
  std::unique_ptr<store::UserStore> users = OpenUsers(ctx, clock, &rc);
  if (!users) return rc;
  if (base::Status s = users->SetPassword(name, *hash, "cli"); !s.ok()) return ctx.Fail(s);
  ctx.err << "password of \"" << name << "\" set; their sessions ended\n";
  return 0;
}

int RunUserList(CommandContext& ctx) {
  if (!ctx.args.empty()) {
    ctx.err << "usage: tarifador user list\n";
    return 2;
  }
  base::SystemClock clock;
  int rc = 0;
  std::unique_ptr<store::UserStore> users = OpenUsers(ctx, clock, &rc);
  if (!users) return rc;
  base::Result<std::vector<store::User>> list = users->ListUsers();
  if (!list.ok()) return ctx.Fail(list.status());
  for (const store::User& u : *list) {
    ctx.out << nlohmann::json{{"name", u.name},
                              {"role", store::RoleName(u.role)},
                              {"disabled", u.disabled},
                              {"last_login_at", TimeOrNull(u.last_login_at)}}
                   .dump()
            << "\n";
  }
  return 0;
}

}  // namespace tarifador::app
