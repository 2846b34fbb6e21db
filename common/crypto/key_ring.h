#pragma once

// Sealing of personal data at rest (AES-256-GCM under a rotating key ring)
// and the blind index used for repeat matching (HMAC-SHA256), on OpenSSL 3.
//
// Key material never appears in a status message, a log line or a debug
// string; it is wiped from memory when the last copy of a KeyRing goes.

#include <cstddef>
#include <cstdint>
#include <array>
#include <memory>
#include <optional>
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
// Sealed format, version 2: a value sealed under one referral's own data
// key (DataKey) instead of the ring:
//   byte 0                 kSealFormatV2
//   byte 1                 n = length of the reference (1..kMaxSealedReferenceLength)
//   bytes 2 .. 2+n         the referral's reference ([A-Za-z0-9_-], not secret)
//   next kNonceBytes       random GCM nonce
//   next len(plaintext)    ciphertext
//   last kTagBytes         GCM tag
// The header names the referral so that an opener finds the data key from
// the value alone; it is authenticated like version 1's.
inline constexpr uint8_t kSealFormatV2 = 2;
inline constexpr size_t kMaxSealedReferenceLength = 64;
// Associated data a data key is wrapped with under the ring: this prefix
// and the reference ("data_key:FD-...").
inline constexpr char kDataKeyWrapAadPrefix[] = "data_key:";
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

// The first bytes of every value sealed under `reference`'s data key
// (version 2 header): for finding a referral's values in SQL.
std::string DataKeySealedPrefix(std::string_view reference);

// The reference a version-2 value names; nullopt for any other value
// (version 1, malformed, not sealed at all).
std::optional<std::string> SealedReference(std::string_view sealed);

// The associated data a referral's data key is wrapped with.
std::string DataKeyWrapAad(std::string_view reference);

// One referral's data key: kKeyBytes of random AES-256 key, wiped from
// memory when destroyed. It is stored only wrapped (KeyRing::WrapDataKey);
// destroying the wrapped copy makes every value sealed under it unreadable
// (crypto-shredding), backups included.
class DataKey {
 public:
  ~DataKey();
  DataKey(const DataKey& other);
  DataKey& operator=(const DataKey& other);

  // A new random key. INTERNAL if the random generator fails.
  static absl::StatusOr<DataKey> Generate();
  // A key from its kKeyBytes bytes (as unwrapped); DATA_LOSS otherwise.
  static absl::StatusOr<DataKey> FromBytes(std::string_view bytes);

  // Seals in format version 2, naming `reference` (INVALID_ARGUMENT unless
  // it is 1..kMaxSealedReferenceLength characters from [A-Za-z0-9_-]).
  // `aad` as for KeyRing::Seal.
  absl::StatusOr<std::string> Seal(std::string_view reference,
                                   std::string_view plaintext,
                                   std::string_view aad) const;
  // Opens a version-2 value: INVALID_ARGUMENT when it is not one, DATA_LOSS
  // when it fails authentication (altered, another key, wrong `aad`).
  absl::StatusOr<std::string> Open(std::string_view sealed,
                                   std::string_view aad) const;

  // The key itself, for wrapping. Never log it.
  std::string_view bytes() const;

 private:
  DataKey();
  std::array<unsigned char, kKeyBytes> bytes_;
};

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
  //   FAILED_PRECONDITION  sealed under a key id this ring does not hold,
  //                        or under a data key (format version 2)
  //   DATA_LOSS            authentication failed: the value was altered, or
  //                        `aad` is not the one it was sealed with
  // No error message contains any part of the plaintext.
  absl::StatusOr<std::string> Open(std::string_view sealed,
                                   std::string_view aad) const;

  // `key` sealed under the active key with DataKeyWrapAad(reference): the
  // wrapped data key a store keeps (a rotation re-wraps it like any value).
  absl::StatusOr<std::string> WrapDataKey(const DataKey& key,
                                          std::string_view reference) const;
  // The data key `wrapped` holds; errors as Open's (DATA_LOSS for another
  // reference's key).
  absl::StatusOr<DataKey> UnwrapDataKey(std::string_view wrapped,
                                        std::string_view reference) const;

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
