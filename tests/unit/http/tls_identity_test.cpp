// HTTPS by a certificate of tarifador's own (http/tls_identity.h): generated
// once, private, the same at every start, and fingerprinted as openssl does.
#include "http/tls_identity.h"

#include <sys/stat.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>

#include "test_support/prerequisite.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

unsigned Mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::string Run(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
  if (!p) return out;
  std::array<char, 512> buf{};
  while (std::fgets(buf.data(), buf.size(), p.get()) != nullptr) out += buf.data();
  return out;
}

}  // namespace

TEST_CASE("A self-signed identity is generated once and kept private", "[http][tls]") {
  test_support::TempDir dir;
  const std::string tls = dir.path() + "/data/tls";
  auto first = http::LoadOrCreateSelfSigned(tls, {"pbx-office"});
  REQUIRE(first.ok());
  CHECK(first->self_signed);
  CHECK(std::regex_match(first->fingerprint_sha256, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")));
  CHECK(first->subject.find("CN=pbx-office") != std::string::npos);
  CHECK(first->not_after.size() == 20);
  CHECK(Mode(tls) == 0700);
  CHECK(Mode(tls + "/key.pem") == 0600);
  // The next start reads the same pair: the fingerprint users checked stays.
  auto again = http::LoadOrCreateSelfSigned(tls, {"another-name"});
  REQUIRE(again.ok());
  CHECK(again->fingerprint_sha256 == first->fingerprint_sha256);
  CHECK(again->key_pem == first->key_pem);
  // A lost key makes a new pair rather than a certificate without its key.
  std::filesystem::remove(tls + "/key.pem");
  auto fresh = http::LoadOrCreateSelfSigned(tls, {"pbx-office"});
  REQUIRE(fresh.ok());
  CHECK(fresh->fingerprint_sha256 != first->fingerprint_sha256);

  if (Run("command -v openssl").empty()) {
    TARIFADOR_MISSING_PREREQUISITE("the openssl command is not installed");
  }
  // openssl sees the same fingerprint, the names and a P-256 key.
  const std::string shown = Run("openssl x509 -noout -fingerprint -sha256 -in '" + tls + "/cert.pem'");
  CHECK(shown.find(fresh->fingerprint_sha256) != std::string::npos);
  const std::string text = Run("openssl x509 -noout -text -in '" + tls + "/cert.pem'");
  CHECK(text.find("DNS:pbx-office") != std::string::npos);
  CHECK(text.find("IP Address:127.0.0.1") != std::string::npos);
  CHECK(text.find("prime256v1") != std::string::npos);
}

TEST_CASE("A configured certificate is read and a missing one named", "[http][tls]") {
  test_support::TempDir dir;
  auto made = http::LoadOrCreateSelfSigned(dir.path() + "/gen", {"x"});
  REQUIRE(made.ok());
  auto loaded = http::LoadTlsIdentity(dir.path() + "/gen/cert.pem", dir.path() + "/gen/key.pem");
  REQUIRE(loaded.ok());
  CHECK_FALSE(loaded->self_signed);
  CHECK(loaded->fingerprint_sha256 == made->fingerprint_sha256);
  auto missing = http::LoadTlsIdentity(dir.path() + "/none.pem", dir.path() + "/gen/key.pem");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("none.pem") != std::string::npos);
  auto no_key = http::LoadTlsIdentity(dir.path() + "/gen/cert.pem", dir.path() + "/gen/cert.pem");
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.status().message().find("private key") != std::string::npos);
}
