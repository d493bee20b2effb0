#include "base/private_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace tarifador::base {
namespace {

Status Failed(const std::string& what, const std::string& path, int error) {
  return Unavailable(what + " \"" + path + "\": " + std::strerror(error));
}

}  // namespace

Status EnsurePrivateFile(const std::string& path, bool create) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Failed("reading the mode of", path, errno);
    if (!create) return Status::Ok();
    // O_EXCL: a file another process made meanwhile is left to the next case.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return Status::Ok();
    }
    if (errno != EEXIST) return Failed("creating", path, errno);
    if (::stat(path.c_str(), &st) != 0) return Failed("reading the mode of", path, errno);
  }
  if ((st.st_mode & 077) == 0) return Status::Ok();
  if (::chmod(path.c_str(), st.st_mode & 0700) != 0) return Failed("making private", path, errno);
  return Status::Ok();
}

Status EnsurePrivateDir(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::Ok();
  const std::filesystem::path dir(path);
  if (dir.has_parent_path()) {
    std::filesystem::create_directories(dir.parent_path(), ec);
    if (ec) return Unavailable("creating \"" + dir.parent_path().string() + "\": " + ec.message());
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Failed("creating", path, errno);
  return Status::Ok();
}

}  // namespace tarifador::base
