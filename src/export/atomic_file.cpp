#include "export/atomic_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <new>

namespace tarifador::exports {
namespace {

base::Status IoError(const std::string& action, const std::string& path) {
  return base::Unavailable(action + " " + path + ": " + std::strerror(errno));
}

// Closes the descriptor and removes the temp file unless released.
class TempFile {
 public:
  TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  base::Status Close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return IoError("closing", path_);
    return {};
  }
  void Release() { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

base::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("writing", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

base::Status WriteFileAtomically(const std::string& path, const std::function<base::Status(const CsvSink&)>& produce) {
  const std::filesystem::path target(path);
  const std::filesystem::path parent = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string dir = parent.string();
  std::string tmpl = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return IoError("creating a temp file for", path);
  TempFile tmp(fd, tmpl);
  if (::fchmod(fd, 0640) != 0) return IoError("setting the mode of", tmp.path());
  TARIFADOR_RETURN_IF_ERROR(produce([&](std::string_view chunk) { return WriteAll(fd, chunk, tmp.path()); }));
  if (::fsync(fd) != 0) return IoError("syncing", tmp.path());
  TARIFADOR_RETURN_IF_ERROR(tmp.Close());
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) return IoError("renaming the temp file to", path);
  tmp.Release();
  // The rename lives in the directory: sync it too.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

void Sha256::FreeContext::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  // Only an allocation failure makes these fail: SHA-256 is always there.
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw std::bad_alloc();
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }

std::string Sha256::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_.get(), digest, &size);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace tarifador::exports
