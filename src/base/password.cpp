#include "base/password.h"

#include <sodium.h>

#include <cassert>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace tarifador::base {
namespace {

// One argon2id computation at a time: each needs MEMLIMIT_INTERACTIVE (64 MiB)
// and the appliance may run on a router with 128-256 MiB of RAM. Logins are
// rare and throttled, so queueing them costs nothing noticeable.
std::mutex& HashMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Status InitCrypto() {
  // A function-local static is initialised exactly once, even with threads.
  static const int rc = sodium_init();
  if (rc < 0) return Internal("initialising libsodium failed (no entropy source?)");
  return Status::Ok();
}

Status ValidatePassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return InvalidArgument("password too short: at least " + std::to_string(kMinPasswordLength) +
                           " characters are required");
  }
  if (password.size() > kMaxPasswordLength) {
    return InvalidArgument("password too long: at most " + std::to_string(kMaxPasswordLength) +
                           " characters are allowed");
  }
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password) {
  TARIFADOR_RETURN_IF_ERROR(ValidatePassword(password));
  return HashSecret(password);
}

Result<std::string> HashSecret(std::string_view secret) {
  TARIFADOR_RETURN_IF_ERROR(InitCrypto());
  if (secret.size() > kMaxPasswordLength) return InvalidArgument("secret too long");
  const std::string_view password = secret;
  char out[crypto_pwhash_STRBYTES];
  int rc;
  {
    std::lock_guard<std::mutex> lock(HashMutex());
    rc = crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE);
  }
  if (rc != 0) return Internal("hashing password failed (out of memory?)");
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!InitCrypto().ok()) return false;
  // crypto_pwhash_str_verify wants a NUL-terminated string of bounded length.
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string h(hash);
  std::lock_guard<std::mutex> lock(HashMutex());
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    Result<std::string> h = HashPassword(RandomToken(24));
    // Only an out-of-memory failure gets here; an empty hash makes every
    // verification fail fast, which is still correct, just not timing-equal.
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

std::string RandomDigits(size_t n) {
  std::string out;
  if (!InitCrypto().ok()) return out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out += static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

std::string RandomToken(size_t bytes) {
  assert(bytes >= 16 && bytes <= 1024);
  if (!InitCrypto().ok()) std::abort();  // no randomness: refusing beats a guessable token
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  const size_t len = sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(len - 1);  // drop the terminating NUL sodium writes
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string Sha256Hex(std::string_view data) {
  (void)InitCrypto();  // crypto_hash_sha256 works without it; init only picks fast code paths
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace tarifador::base
