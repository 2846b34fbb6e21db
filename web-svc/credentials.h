#pragma once

// Staff credentials: Argon2id password hashes (Debian's libargon2), TOTP
// second factors (RFC 6238, Debian's liboath) and the QR code that enrols
// an authenticator app (Debian's libqrencode). Pure: time comes in as an
// argument; no storage.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace frontdoor::web {

// Argon2id with OWASP's first recommended configuration (Password Storage
// Cheat Sheet: m=19 MiB, t=2, p=1), 16-byte random salt, 32-byte tag. The
// parameters travel in each PHC string, so stronger ones can be adopted
// later without invalidating stored hashes.
inline constexpr uint32_t kArgon2TimeCost = 2;
inline constexpr uint32_t kArgon2MemoryKiB = 19 * 1024;
inline constexpr uint32_t kArgon2Parallelism = 1;
inline constexpr size_t kArgon2SaltBytes = 16;
inline constexpr size_t kArgon2HashBytes = 32;

// A new password: at least this many characters (NCSC/NIST: length over
// composition rules), at most kMaxPasswordBytes bytes.
inline constexpr size_t kMinPasswordChars = 12;
inline constexpr size_t kMaxPasswordBytes = 256;

// The PHC string ("$argon2id$v=19$m=19456,t=2,p=1$...") of `password`
// under a fresh random salt. INVALID_ARGUMENT beyond kMaxPasswordBytes.
absl::StatusOr<std::string> HashPassword(std::string_view password);

// Whether `password` matches the PHC string `encoded` (constant time in
// the library). False for a malformed string.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// A fixed hash for verifying against when there is no account, so that an
// unknown sign-in name costs the same work as a wrong password.
const std::string& DecoyPasswordHash();

// What is wrong with a new password, as the page says it; "" if nothing.
std::string PasswordProblem(std::string_view password);

// TOTP as authenticator apps expect it: HMAC-SHA-1, 6 digits, 30-second
// steps, a 160-bit secret (RFC 4226's recommendation). A code is accepted
// from the step before to the step after now (clock drift), and each step
// once only: a code is refused when its step is not after the last one used.
inline constexpr int kTotpDigits = 6;
inline constexpr int kTotpStepSeconds = 30;
inline constexpr int kTotpWindowSteps = 1;
inline constexpr size_t kTotpSecretBytes = 20;

// A fresh random TOTP secret (raw bytes).
std::string NewTotpSecret();

// RFC 4648 base32 of `raw`, unpadded, as authenticator apps take it.
std::string Base32(std::string_view raw);

// `Base32(raw)` in groups of four for reading and typing.
std::string GroupedBase32(std::string_view raw);

// The otpauth:// URI an authenticator app scans (Key Uri Format):
// issuer and label escaped.
std::string TotpUri(std::string_view issuer, std::string_view label,
                    std::string_view secret);

// The step number of `at` (seconds since the epoch / kTotpStepSeconds).
int64_t TotpStep(absl::Time at);

// The code for `secret` at `at`, for tests and tools.
std::string TotpCode(std::string_view secret, absl::Time at);

// Checks `code` against `secret` at `now`, within kTotpWindowSteps either
// side. Returns the step it matched; PERMISSION_DENIED if it matches none
// or matches a step not after `last_used_step` (a code used again).
absl::StatusOr<int64_t> CheckTotp(std::string_view secret,
                                  std::string_view code, absl::Time now,
                                  int64_t last_used_step);

// `text` as a QR code (error correction level M), an inline SVG element of
// one path, with role="img" and `label` as its accessible name. No script,
// no style attribute (the pages' Content-Security-Policy allows neither).
absl::StatusOr<std::string> QrSvg(std::string_view text,
                                  std::string_view label);

}  // namespace frontdoor::web
