#include "store/backup.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/private_files.h"

namespace tarifador::store {
namespace {

namespace fs = std::filesystem;

void RemoveTemporary(const std::string& tmp) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(tmp + suffix, ec);
}

// fsync of a file or a directory; a rename is durable only after its
// directory is synced.
base::Status SyncPath(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return base::Internal("opening \"" + path + "\" to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) return base::Internal("syncing \"" + path + "\": " + std::strerror(saved));
  return base::Status::Ok();
}

base::Result<BackupInfo> CopyTo(const std::string& store_path, const std::string& tmp) {
  BackupInfo info;
  // Read-only: a backup never changes the store, and never creates one.
  SQLite::Database src(store_path, SQLite::OPEN_READONLY, /*busyTimeoutMs=*/10000);
  const int src_version = src.execAndGet("PRAGMA user_version").getInt();
  {
    // A copy of the whole store: as private as the store.
    TARIFADOR_RETURN_IF_ERROR(base::EnsurePrivateFile(tmp));
    SQLite::Database dst(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, /*busyTimeoutMs=*/10000);
    {
      SQLite::Backup backup(dst, src);
      // All pages in one step: the copy is made inside a single read
      // transaction, i.e. from one WAL snapshot, and never restarts because of
      // concurrent commits. The writer is not blocked meanwhile.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (;;) {
        const int rc = backup.executeStep(-1);
        if (rc == SQLITE_DONE) break;
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        return base::Unavailable("copying \"" + store_path + "\": " + sqlite3_errstr(rc));
      }
    }
    // The copied header says WAL; a backup is easier to move around as one
    // self-contained file. Database::Open switches it back to WAL on restore.
    const std::string mode = dst.execAndGet("PRAGMA journal_mode=DELETE").getString();
    if (mode != "delete") return base::Internal("backup \"" + tmp + "\": cannot leave WAL mode (got " + mode + ")");
    const std::string check = dst.execAndGet("PRAGMA quick_check").getString();
    if (check != "ok") return base::Internal("backup \"" + tmp + "\" failed its quick_check: " + check);
    info.schema_version = dst.execAndGet("PRAGMA user_version").getInt();
    if (info.schema_version != src_version) {
      return base::Internal("backup \"" + tmp + "\" has schema version " + std::to_string(info.schema_version) +
                            ", the store " + std::to_string(src_version));
    }
  }
  return info;
}

}  // namespace

base::Result<BackupInfo> Backup(const std::string& store_path, const std::string& dest_file) {
  std::error_code ec;
  if (!fs::is_regular_file(store_path, ec)) {
    return base::NotFound("backing up: store file \"" + store_path + "\" does not exist");
  }
  if (dest_file.empty()) return base::InvalidArgument("backing up: no destination file given");
  if (fs::exists(dest_file, ec) && fs::equivalent(store_path, dest_file, ec)) {
    return base::InvalidArgument("backing up: destination \"" + dest_file + "\" is the store itself");
  }
  const std::string tmp = dest_file + ".tmp";
  RemoveTemporary(tmp);  // a crashed earlier run may have left one

  // Created here, mode 0600, before SQLite fills it: the copy holds password
  // hashes and call records, and must not be world-readable even briefly.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return base::Unavailable("backing up: creating \"" + tmp + "\": " + std::strerror(errno));
  }
  ::close(fd);

  base::Result<BackupInfo> info = base::Internal("backing up: not started");
  try {
    info = CopyTo(store_path, tmp);
  } catch (const SQLite::Exception& e) {
    info = base::Unavailable("backing up \"" + store_path + "\" to \"" + tmp + "\": " + e.what());
  }
  if (!info.ok()) {
    RemoveTemporary(tmp);
    return info.status();
  }
  base::Status synced = SyncPath(tmp, /*directory=*/false);
  if (!synced.ok()) {
    RemoveTemporary(tmp);
    return synced;
  }
  fs::rename(tmp, dest_file, ec);
  if (ec) {
    RemoveTemporary(tmp);
    return base::Internal("backing up: renaming \"" + tmp + "\" to \"" + dest_file + "\": " + ec.message());
  }
  fs::path dir = fs::path(dest_file).parent_path();
  if (dir.empty()) dir = ".";
  TARIFADOR_RETURN_IF_ERROR(SyncPath(dir.string(), /*directory=*/true));
  info->bytes = static_cast<int64_t>(fs::file_size(dest_file, ec));
  return info;
}

}  // namespace tarifador::store
