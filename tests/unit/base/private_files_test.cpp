// The store's files stay private whatever the umask tarifador starts with
// (issue "front door": outside systemd, umask 022 made them 0644).
#include "base/private_files.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Sets the process umask for the test's scope.
struct Umask {
  explicit Umask(mode_t mask) : old(::umask(mask)) {}
  ~Umask() { ::umask(old); }
  mode_t old;
};

}  // namespace

TEST_CASE("Private files are 0600 and private directories 0700 under umask 022", "[base]") {
  Umask loose(022);
  test_support::TempDir dir;
  const std::string file = dir.path() + "/store.db";
  REQUIRE(base::EnsurePrivateFile(file).ok());
  CHECK(ModeOf(file) == 0600);

  // An existing file made readable by others is tightened, its content kept.
  const std::string old_file = dir.path() + "/old.db";
  std::ofstream(old_file) << "kept";
  REQUIRE(::chmod(old_file.c_str(), 0644) == 0);
  REQUIRE(base::EnsurePrivateFile(old_file).ok());
  CHECK(ModeOf(old_file) == 0600);
  std::ifstream in(old_file);
  std::string content;
  in >> content;
  CHECK(content == "kept");

  // Without `create` a missing file stays missing.
  REQUIRE(base::EnsurePrivateFile(dir.path() + "/absent-wal", /*create=*/false).ok());
  struct stat st {};
  CHECK(::stat((dir.path() + "/absent-wal").c_str(), &st) != 0);

  const std::string data = dir.path() + "/var/lib/tarifador";
  REQUIRE(base::EnsurePrivateDir(data).ok());
  CHECK(ModeOf(data) == 0700);
  // An existing directory keeps the mode a package chose.
  const std::string packaged = dir.path() + "/packaged";
  REQUIRE(::mkdir(packaged.c_str(), 0750) == 0);
  REQUIRE(base::EnsurePrivateDir(packaged).ok());
  CHECK(ModeOf(packaged) == 0750);

  const base::Status bad = base::EnsurePrivateFile(file + "/under-a-file");
  CHECK(bad.code() == base::StatusCode::kUnavailable);
  CHECK_THAT(bad.message(), Catch::Contains("under-a-file"));
}
