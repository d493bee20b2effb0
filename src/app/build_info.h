#pragma once
namespace tarifador::app {
// The version from CMake's project() and the git revision at configure time.
const char* BuildVersion();
const char* BuildRevision();
}  // namespace tarifador::app
