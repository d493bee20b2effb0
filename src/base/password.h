#pragma once
// Password hashing, random tokens and token digests, all through libsodium
// (docs/SECURITY.md says why libsodium and why these parameters).
//
// Two kinds of secret, two kinds of hash:
// - passwords are chosen by people and guessable, so they get argon2id, a slow,
//   memory-hard hash with a per-password salt (HashPassword / VerifyPassword);
// - API tokens and session ids are 256 random bits made here, so a fast
//   SHA-256 digest is enough to store them (Sha256Hex): nobody can brute-force
//   2^256, and a fast digest lets every request be checked cheaply.
//
// All functions are thread-safe. libsodium is initialised on first use.
#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::base {

// Minimum and maximum password length in bytes, for every user (SPEC section 7).
// The maximum only stops a megabyte "password" from being hashed.
inline constexpr size_t kMinPasswordLength = 10;
inline constexpr size_t kMaxPasswordLength = 1024;

// Initialises libsodium once per process; later calls return the first result.
// Every function below calls it, so callers only need it to fail early at start.
// Fails with Internal when libsodium cannot initialise (no entropy source).
Status InitCrypto();

// InvalidArgument when the password is shorter than kMinPasswordLength or
// longer than kMaxPasswordLength; the message never contains the password.
Status ValidatePassword(std::string_view password);

// argon2id hash in libsodium's self-describing "$argon2id$v=19$m=...,t=...,p=1$salt$hash"
// form, with OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE (64 MiB, 2 passes).
// At most one hash or verification runs at a time in the process, so peak
// memory stays at 64 MiB on a small router however many logins arrive at once.
// Fails with InvalidArgument (see ValidatePassword) or Internal (out of memory).
Result<std::string> HashPassword(std::string_view password);

// The same argon2id hash of a secret whose own rules the caller has checked
// (a PIN code's digits: short, so throttled instead, billing/pin_code.h).
// InvalidArgument only beyond kMaxPasswordLength.
Result<std::string> HashSecret(std::string_view secret);

// true when `password` matches `hash` (a HashPassword result). Runs in time
// independent of where the password differs. false for a malformed hash.
// Does not check the length rules (an old password keeps working).
bool VerifyPassword(std::string_view hash, std::string_view password);

// A hash of a random password, to verify against when the user does not exist,
// so an unknown name takes as long as a wrong password (no user enumeration).
const std::string& DummyPasswordHash();

// `bytes` random bytes from the OS CSPRNG as URL-safe base64 without padding
// (43 characters for the default 32 bytes). Precondition: 16 <= bytes <= 1024.
std::string RandomToken(size_t bytes = 32);

// `n` uniformly random decimal digits from the OS CSPRNG (a PIN made for someone).
std::string RandomDigits(size_t n);

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Compares two strings in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace tarifador::base
