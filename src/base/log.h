#pragma once
// Logging to stderr, one line per message, journald-friendly: when stderr is
// the journal, each line starts with the syslog priority "<N>" that
// systemd-journald reads (SyslogLevelPrefix=yes); anywhere else (a terminal,
// a pipe, a CI log, tests) it starts with the level's name, "info: ".
// Line breaks in a message become spaces and other control bytes (but tab)
// are written as "\xNN", so nothing from outside can forge a line or send
// a terminal escape sequence to whoever reads the log.
// Thread-safe: a line is written with one write(2).
#include <string_view>

namespace tarifador::base {

enum class LogLevel { kDebug = 7, kInfo = 6, kWarning = 4, kError = 3 };

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error"; false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
// true: "<6>message"; false: "info: message". Default: StderrIsJournal().
void SetLogSyslogPrefix(bool on);
// True when systemd connected stderr to the journal: JOURNAL_STREAM names the
// device and inode of the file descriptor 2 (systemd.exec(5)).
bool StderrIsJournal();

void Log(LogLevel level, std::string_view message);
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace tarifador::base
