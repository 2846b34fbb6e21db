#pragma once

// Sealing of personal data at rest (AES-256-GCM under a rotating key ring)
// and the blind index used for repeat matching (HMAC-SHA256), on OpenSSL 3.
//
// Key material never appears in a status message, a log line or a debug
// string; it is wiped from memory when the last copy of a KeyRing goes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::crypto {

// Sealed format, version 1:
//   byte 0                 kSealFormatV1
//   byte 1                 n = length of the key id (1..kMaxKeyIdLength)
//   bytes 2 .. 2+n         key id (ASCII, [A-Za-z0-9_-])
//   next kNonceBytes       random GCM nonce
//   next len(plaintext)    ciphertext
//   last kTagBytes         GCM tag
// The header (version, id length, key id) and the caller's associated data
// are both authenticated, so neither can be altered without Open failing.
inline constexpr uint8_t kSealFormatV1 = 1;
inline constexpr size_t kKeyBytes = 32;    // AES-256
inline constexpr size_t kNonceBytes = 12;  // 96-bit GCM nonce
inline constexpr size_t kTagBytes = 16;    // full-length GCM tag
inline constexpr size_t kMaxKeyIdLength = 32;
inline constexpr size_t kMinBlindIndexKeyBytes = 32;
// Limits on one Seal/Open call (OpenSSL takes int lengths; personal data
// fields are far smaller than this).
inline constexpr size_t kMaxSealPlaintextBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxAssociatedDataBytes = 64 * 1024;

// Bytes a sealed value adds to its plaintext under a key id of `key_id_length`.
constexpr size_t SealOverheadBytes(size_t key_id_length) {
  return 2 + key_id_length + kNonceBytes + kTagBytes;
}

// The first bytes of every value sealed under `key_id` (format version,
// id length, id): for finding, in SQL, the values sealed under another key.
std::string SealedPrefix(std::string_view key_id);

// True when `id` is 1..kMaxKeyIdLength characters from [A-Za-z0-9_-].
bool IsValidKeyId(std::string_view id);

// An immutable set of sealing keys (one of them active) plus the blind-index
// key. Copies share the same keys. Every method is const and safe to call
// from any number of threads at once.
class KeyRing {
 public:
  // Validates and loads `file`: key ids valid and unique, every key exactly
  // kKeyBytes after base64 decoding, the active id one of the keys, the
  // blind-index key at least kMinBlindIndexKeyBytes. INVALID_ARGUMENT naming
  // the offending key id or field otherwise (never its value).
  static absl::StatusOr<KeyRing> FromProto(
      const frontdoor::config::v1::KeyRingFile& file);

  // Reads a KeyRingFile JSON file (unknown fields rejected) and validates it
  // as FromProto does; errors name the path.
  static absl::StatusOr<KeyRing> LoadFile(const std::string& path);

  // Encrypts `plaintext` under the active key with a fresh random nonce.
  // `aad` is the associated data binding the sealed value to its record (for
  // example the referral reference plus the column name): Open must be given
  // the same bytes. INVALID_ARGUMENT when a size limit is exceeded, INTERNAL
  // if OpenSSL fails.
  absl::StatusOr<std::string> Seal(std::string_view plaintext,
                                   std::string_view aad) const;

  // Decrypts a value made by Seal under any key of the ring (the key id is
  // read from the value, so data sealed before a rotation still opens).
  //   INVALID_ARGUMENT     not a sealed value (too short, unknown version,
  //                        malformed key id)
  //   FAILED_PRECONDITION  sealed under a key id this ring does not hold
  //   DATA_LOSS            authentication failed: the value was altered, or
  //                        `aad` is not the one it was sealed with
  // No error message contains any part of the plaintext.
  absl::StatusOr<std::string> Open(std::string_view sealed,
                                   std::string_view aad) const;

  // HMAC-SHA256 of `normalised` under the blind-index key, as 64 lowercase
  // hex characters. Deterministic for a given ring, so equal identifiers
  // match without being stored; the caller normalises (case, spacing) first.
  std::string BlindIndex(std::string_view normalised) const;

  // HMAC-SHA256 of `data` under the audit key, as 64 lowercase hex
  // characters: the keyed chain of the audit log. The audit key is derived
  // from the blind-index key (HMAC of a fixed label), so it is in the ring
  // file and never in a database, and needs no setting of its own.
  std::string AuditMac(std::string_view data) const;

  // A short public id of the audit key (16 hex characters, an HMAC of a
  // fixed label under it): stored with each audit row so a verifier given
  // another ring says so instead of reporting every row as altered.
  const std::string& audit_key_id() const;

  // The id new values are sealed under.
  const std::string& active_key_id() const;

 private:
  struct State;
  explicit KeyRing(std::shared_ptr<const State> state);
  static absl::StatusOr<KeyRing> Build(
      const frontdoor::config::v1::KeyRingFile& file, std::string_view what);

  std::shared_ptr<const State> state_;
};

// A new key ring file as JSON: one random AES-256 key with id `key_id`
// (active) and a random kMinBlindIndexKeyBytes blind-index key. The output is
// secret; write it to a file only its service can read.
absl::StatusOr<std::string> GenerateKeyRingJson(std::string_view key_id);

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace frontdoor::crypto
