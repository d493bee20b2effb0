#pragma once
// Logging to stderr, one line per message, journald-friendly: each line starts
// with the syslog priority "<N>" that systemd-journald reads
// (SyslogLevelPrefix=yes), unless plain output is asked for (a terminal, tests).
// Thread-safe: a line is written with one write(2).
#include <string_view>

namespace tarifador::base {

enum class LogLevel { kDebug = 7, kInfo = 6, kWarning = 4, kError = 3 };

// Messages below `level` are dropped. Default: kInfo.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Parses "debug", "info", "warning", "error"; false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* out);
// true: "<6>message"; false: "info: message". Default: prefix when stderr is not a TTY.
void SetLogSyslogPrefix(bool on);

void Log(LogLevel level, std::string_view message);
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace tarifador::base
