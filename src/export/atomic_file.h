#pragma once
// Writing a file so that readers see either the old one or the complete new
// one, never half (SPEC section 6): a temp file in the same directory, fsync,
// rename over the target, fsync of the directory (so the rename survives a
// power cut). On any failure the temp file is removed and the target is
// untouched.
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "export/csv_writer.h"

namespace tarifador::exports {

// Calls `produce` with a sink writing to a temp file next to `path`, then
// makes it `path` (mode 0640). Fails with Unavailable naming the file for an
// I/O error, or with produce's failure.
base::Status WriteFileAtomically(const std::string& path, const std::function<base::Status(const CsvSink&)>& produce);

// Hex SHA-256 of a byte stream, fed in pieces (libsodium). Not thread-safe.
class Sha256 {
 public:
  Sha256();
  void Update(std::string_view bytes);
  // Lower-case hex of the digest; call once.
  std::string FinishHex();

 private:
  alignas(16) unsigned char state_[128];  // crypto_hash_sha256_state, kept opaque to includers
};

}  // namespace tarifador::exports
