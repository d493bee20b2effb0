#pragma once
// Access to the real FreeSWITCH captures in ../shared/fixtures/ (next to the
// checkout). They are never copied into the repository; a clone without that
// folder skips the tests that need them, with a message.
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace tarifador::test_support {

inline std::string SharedFixturePath(const std::string& relative) {
  return std::string(TARIFADOR_SOURCE_DIR) + "/../shared/fixtures/" + relative;
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
#define TARIFADOR_REQUIRE_FIXTURE(var, relative)                                                  \
  auto var##_opt = ::tarifador::test_support::ReadSharedFixture(relative);                        \
  if (!var##_opt) {                                                                               \
    WARN("skipping: ../shared/fixtures/" << relative << " is absent (a clone outside the team)"); \
    return;                                                                                       \
  }                                                                                               \
  const std::string& var = *var##_opt
