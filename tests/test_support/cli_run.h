#pragma once
// Runs the tarifador CLI in-process, as `tarifador ARGS...` would, with
// `stdin_text` on standard input; returns the exit code and what it printed.
#include <sstream>
#include <string>
#include <vector>

#include "app/command.h"

namespace tarifador::test_support {

struct CliRun {
  int code;
  std::string out;  // stdout: data
  std::string err;  // stderr: talk
};

inline CliRun Cli(const std::vector<std::string>& argv, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out;
  std::ostringstream err;
  const int code = app::RunCli(argv, in, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace tarifador::test_support
