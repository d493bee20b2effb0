#pragma once
// What a test does when something it needs from outside the repository is
// absent (the ../shared/fixtures captures, a PostgreSQL server, LibreOffice):
// a developer's clone skips it with a message, but in CI (CI=true) it fails,
// so the suite cannot shrink silently on a machine that lacks a package.
#include <cstdlib>
#include <string_view>

namespace tarifador::test_support {

// True when the environment says this run is CI (CI=true, as CI sets it).
inline bool MissingPrerequisitesFail() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace tarifador::test_support

// Ends the current test: FAIL in CI, otherwise WARN (skipped) and return.
// `message` may use Catch2's << streaming.
#define TARIFADOR_MISSING_PREREQUISITE(message)                            \
  do {                                                                     \
    if (::tarifador::test_support::MissingPrerequisitesFail()) {           \
      FAIL(message << " (CI=true: a missing prerequisite fails the run)"); \
    }                                                                      \
    WARN("skipping: " << message);                                         \
    return;                                                                \
  } while (false)
