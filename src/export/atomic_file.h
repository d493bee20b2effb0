#pragma once
// Writing a file so that readers see either the old one or the complete new
// one, never half (SPEC section 6): a temp file in the same directory, fsync,
// rename over the target, fsync of the directory (so the rename survives a
// power cut). On any failure the temp file is removed and the target is
// untouched.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "export/csv_writer.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace tarifador::exports {

// Calls `produce` with a sink writing to a temp file next to `path`, then
// makes it `path` (mode 0640). Fails with Unavailable naming the file for an
// I/O error, or with produce's failure.
base::Status WriteFileAtomically(const std::string& path, const std::function<base::Status(const CsvSink&)>& produce);

// Hex SHA-256 of a byte stream, fed in pieces. OpenSSL's libcrypto, not
// libsodium: it uses the CPU's SHA extensions (2 GB/s here against
// libsodium's portable 170 MB/s, which was a sixth of an export's time; see
// docs/EXPORT.md). Not thread-safe.
class Sha256 {
 public:
  Sha256();  // throws std::bad_alloc when libcrypto cannot set up a digest
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view bytes);
  // Lower-case hex of the digest; call once.
  std::string FinishHex();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> ctx_;
};

}  // namespace tarifador::exports
