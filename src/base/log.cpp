#include "base/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tarifador::base {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
// -1: not decided yet (decide from StderrIsJournal on first use).
std::atomic<int> g_prefix{-1};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

// Only on the journal do "<N>" priority prefixes mean something; a terminal,
// a pipe into tee or a CI log gets plain "info: ..." lines.
bool StderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

void SetLogSyslogPrefix(bool on) { g_prefix.store(on ? 1 : 0); }

void Log(LogLevel level, std::string_view message) {
  // Numerically larger syslog priorities are less severe.
  if (static_cast<int>(level) > g_level.load()) return;
  int prefix = g_prefix.load();
  if (prefix < 0) {
    prefix = StderrIsJournal() ? 1 : 0;
    g_prefix.store(prefix);
  }
  std::string line;
  line.reserve(message.size() + 16);
  if (prefix) {
    line += '<';
    line += std::to_string(static_cast<int>(level));
    line += '>';
  } else {
    line += LevelName(level);
    line += ": ";
  }
  // One message, one line: embedded newlines would split a journald record.
  // Other control bytes (a caller's name, an ESL header, a login name) are
  // written as \xNN: an escape sequence must not reach an admin's terminal.
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : message) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r') {
      line += ' ';
    } else if ((b < 0x20 && c != '\t') || b == 0x7f) {
      line += "\\x";
      line += kHex[b >> 4];
      line += kHex[b & 0xf];
    } else {
      line += c;
    }
  }
  line += '\n';
  size_t off = 0;
  while (off < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

}  // namespace tarifador::base
