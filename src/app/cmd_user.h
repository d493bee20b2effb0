#pragma once
#include "app/command.h"

namespace tarifador::app {

// `tarifador user add NAME --role admin|operator|viewer`: reads the password
// from the first line of stdin (at least 10 characters), stores its argon2id
// hash and prints {"name","role"} on stdout. Audited as actor "cli".
// Exit 0; 1 when the config, password or store refuses (reason on stderr,
// e.g. the name exists); 2 on bad usage.
int RunUserAdd(CommandContext& ctx);

// `tarifador user disable NAME` / `user enable NAME`: disabling ends every
// session of the user at once; the last enabled admin cannot be disabled.
int RunUserDisable(CommandContext& ctx);
int RunUserEnable(CommandContext& ctx);
// `tarifador user passwd NAME`: a new password from stdin's first line; ends
// the user's sessions. For a forgotten admin password.
int RunUserPasswd(CommandContext& ctx);
// `tarifador user list`: one JSON object per line (name, role, disabled,
// last_login_at).
int RunUserList(CommandContext& ctx);

}  // namespace tarifador::app
