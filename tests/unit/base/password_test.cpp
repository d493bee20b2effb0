#include "base/password.h"

#include <catch2/catch.hpp>
#include <set>

using namespace tarifador;

TEST_CASE("Passwords hash with argon2id and verify", "[base][password]") {
  auto hash = base::HashPassword("correct horse battery");
  REQUIRE(hash.ok());
  CHECK(hash->rfind("$argon2id$", 0) == 0);
  CHECK(hash->find("correct horse") == std::string::npos);
  CHECK(base::VerifyPassword(*hash, "correct horse battery"));
  CHECK_FALSE(base::VerifyPassword(*hash, "correct horse batterY"));
  CHECK_FALSE(base::VerifyPassword(*hash, ""));
  CHECK_FALSE(base::VerifyPassword("not a hash", "correct horse battery"));
  CHECK_FALSE(base::VerifyPassword("", "correct horse battery"));
  // Salted: the same password hashes differently each time.
  auto again = base::HashPassword("correct horse battery");
  REQUIRE(again.ok());
  CHECK(*again != *hash);
  CHECK(base::VerifyPassword(*again, "correct horse battery"));
}

TEST_CASE("Password length rules: at least 10 and at most 1024", "[base][password]") {
  CHECK(base::ValidatePassword("123456789").code() == base::StatusCode::kInvalidArgument);
  CHECK(base::ValidatePassword("1234567890").ok());
  CHECK(base::ValidatePassword(std::string(1025, 'x')).code() == base::StatusCode::kInvalidArgument);
  auto short_hash = base::HashPassword("short");
  REQUIRE_FALSE(short_hash.ok());
  CHECK(short_hash.status().message().find("short") != std::string::npos);  // "too short", not the password
  CHECK(short_hash.status().message().find("10") != std::string::npos);
}

TEST_CASE("The dummy hash verifies nothing a user could type", "[base][password]") {
  const std::string& h = base::DummyPasswordHash();
  CHECK(h.rfind("$argon2id$", 0) == 0);
  CHECK_FALSE(base::VerifyPassword(h, "password12"));
  CHECK(&base::DummyPasswordHash() == &h);  // computed once
}

TEST_CASE("Random tokens are URL-safe and long and distinct", "[base][password]") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string t = base::RandomToken();
    CHECK(t.size() == 43);  // 32 bytes in unpadded base64
    for (const char c : t) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      CHECK(ok);
    }
    seen.insert(t);
  }
  CHECK(seen.size() == 200);
  CHECK(base::RandomToken(16).size() == 22);
}

TEST_CASE("SHA-256 hex matches the FIPS 180-2 test vectors", "[base][password]") {
  CHECK(base::Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(base::Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("Constant-time comparison compares", "[base][password]") {
  CHECK(base::ConstantTimeEquals("abc", "abc"));
  CHECK(base::ConstantTimeEquals("", ""));
  CHECK_FALSE(base::ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(base::ConstantTimeEquals("abc", "abcd"));
  CHECK(base::InitCrypto().ok());
}
