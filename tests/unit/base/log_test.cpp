#include "base/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "test_support/temp_dir.h"

namespace tarifador::base {
namespace {

// Points fd 2 at `path` for the scope, then puts the old stderr back.
class StderrToFile {
 public:
  explicit StderrToFile(const std::string& path) : saved_(::dup(STDERR_FILENO)) {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    ::dup2(::fileno(f), STDERR_FILENO);
    std::fclose(f);
  }
  ~StderrToFile() {
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  StderrToFile(const StderrToFile&) = delete;
  StderrToFile& operator=(const StderrToFile&) = delete;

 private:
  int saved_;
};

std::string DevIno(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST_CASE("Priority prefixes only when systemd says stderr is the journal", "[base][log]") {
  test_support::TempDir tmp;
  StderrToFile to_file(tmp.path() + "/stderr");
  ::unsetenv("JOURNAL_STREAM");
  CHECK_FALSE(StderrIsJournal());  // a pipe or file, not the journal: plain "info: "

  ::setenv("JOURNAL_STREAM", DevIno(STDERR_FILENO).c_str(), 1);
  CHECK(StderrIsJournal());

  // Another stream's device and inode (stdin's, systemd's when stderr was redirected).
  ::setenv("JOURNAL_STREAM", "1:2", 1);
  CHECK_FALSE(StderrIsJournal());
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  CHECK_FALSE(StderrIsJournal());
  ::unsetenv("JOURNAL_STREAM");
}

TEST_CASE("A log line carries no control bytes from outside", "[base][log]") {
  test_support::TempDir tmp;
  const std::string path = tmp.path() + "/stderr";
  {
    StderrToFile to_file(path);
    SetLogSyslogPrefix(false);
    using namespace std::string_view_literals;
    LogWarning(
        "login failed for \x1b[2J\x1b]0;owned\x07"
        "admin\0x\x7f\tend\r\nforged: line"sv);
    SetLogSyslogPrefix(StderrIsJournal());
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  char buf[512] = {};
  const size_t n = std::fread(buf, 1, sizeof buf, f);
  std::fclose(f);
  CHECK(std::string(buf, n) ==
        "warning: login failed for \\x1b[2J\\x1b]0;owned\\x07admin\\x00x\\x7f\tend  forged: line\n");
}

}  // namespace
}  // namespace tarifador::base
