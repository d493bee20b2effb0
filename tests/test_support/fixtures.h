#pragma once
// Access to the real FreeSWITCH captures in ../shared/fixtures/ (next to the
// checkout). They are never copied into the repository; a clone without that
// folder skips the tests that need them, with a message, and CI fails them
// (prerequisite.h).
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "test_support/prerequisite.h"
#include "test_support/source_dir.h"

namespace tarifador::test_support {

// SourceDir() + "/" + relative. Appended piece by piece: GCC 12 at -O2 with
// _FORTIFY_SOURCE reports a false -Warray-bounds on std::string(LITERAL) +
// "..." chains.
inline std::string SourcePath(std::string_view relative) {
  std::string path = SourceDir();
  path += '/';
  path += relative;
  return path;
}

inline std::string SharedFixturePath(const std::string& relative) {
  std::string path = SourcePath("../shared/fixtures/");
  path += relative;
  return path;
}

// The file's bytes, or nullopt when the shared fixtures are absent.
inline std::optional<std::string> ReadSharedFixture(const std::string& relative) {
  std::ifstream in(SharedFixturePath(relative), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace tarifador::test_support

// Use at the top of a test that needs a shared capture.
#define TARIFADOR_REQUIRE_FIXTURE(var, relative)                                                                  \
  auto var##_opt = ::tarifador::test_support::ReadSharedFixture(relative);                                        \
  if (!var##_opt) {                                                                                               \
    TARIFADOR_MISSING_PREREQUISITE("../shared/fixtures/" << relative << " is absent (a clone outside the team)"); \
  }                                                                                                               \
  const std::string& var = *var##_opt
