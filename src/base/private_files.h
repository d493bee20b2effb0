#pragma once
// Files only tarifador's own user may read, whatever the umask it was started
// with (outside systemd it is often 022): the store holds CDRs, the ledger,
// password hashes and token hashes.
#include <string>

#include "base/status.h"

namespace tarifador::base {

// Creates `path` empty with mode 0600 when it does not exist; takes away the
// group and other bits of an existing one (an older tarifador, or a copy,
// made it 0644). A path that does not exist is only created when `create`.
// Unavailable naming the path and the reason.
Status EnsurePrivateFile(const std::string& path, bool create = true);

// Creates directory `path` (and missing parents) when it does not exist,
// the directory itself with mode 0700. An existing directory keeps its mode:
// a package may have chosen one (Debian's is 0750). Unavailable naming the
// path and the reason.
Status EnsurePrivateDir(const std::string& path);

}  // namespace tarifador::base
