#pragma once
// The CLI's command table (SPEC sections 8 and 10): stdout is data, stderr is talk.
// Each subcommand lives in its own cmd_*.cpp and is listed in commands.cpp.
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"

namespace tarifador::app {

struct CommandContext {
  std::vector<std::string> args;           // after the command words, --config removed
  std::optional<std::string> config_path;  // --config FILE, if given
  std::istream& in;
  std::ostream& out;  // data
  std::ostream& err;  // talk

  // Prints "tarifador: <message>" on err and returns `exit_code`, for
  // `return ctx.Fail(status);` at the end of a failed step.
  int Fail(const base::Status& status, int exit_code = 1) const;

  // Loads the config from config_path (or defaults + environment when absent).
  base::Result<config::Config> LoadConfig() const;
};

struct Command {
  std::string_view name;            // one or two words: "serve", "user add"
  std::string_view usage;           // arguments after the name
  std::string_view help;            // one line
  int (*run)(CommandContext& ctx);  // returns the process exit code
};

std::span<const Command> Commands();

// Runs the CLI on argv (without the program name); "serve" when no command is given.
int RunCli(const std::vector<std::string>& argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace tarifador::app
