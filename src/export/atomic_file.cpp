#include "export/atomic_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace tarifador::exports {
namespace {

static_assert(sizeof(crypto_hash_sha256_state) <= 128, "Sha256::state_ too small");

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

Sha256::Sha256() { crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_)); }

void Sha256::Update(std::string_view bytes) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_),
                            reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string Sha256::FinishHex() {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sizeof digest);
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

}  // namespace tarifador::exports
