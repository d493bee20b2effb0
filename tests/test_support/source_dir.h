#pragma once
// The checkout the tests were built from, for the files they read there
// (fixtures, scripts). It lives in one generated file (tests/source_dir.cpp.in)
// rather than a -D on every test's compile line: the path differs between
// clones, and a compile line that differs is a compiler-cache miss.

namespace tarifador::test_support {

const char* SourceDir();

}  // namespace tarifador::test_support
