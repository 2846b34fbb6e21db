#pragma once

// Per-referral data keys and crypto-shredding (issue 16: erasure).
//
// Every service seals a referral's personal data under that referral's own
// random AES-256 data key (crypto::DataKey, sealed format version 2, whose
// header names the reference), and keeps the data key only wrapped under
// the key ring, in its data_keys table (migrations/002_data_keys.sql).
// Destroying the wrapped key (DestroyDataKey) makes every value sealed
// under it unreadable wherever it is: any table, the outbox, a copy
// downstream services keep under their own key for the same referral is
// destroyed by their own Erase. Values sealed under the ring (version 1)
// still open: OpenSealed takes both.
//
// No gRPC here. Every function works inside the caller's transaction; the
// data key is looked up again for each call (no cache), so a key destroyed
// by one replica is gone for all of them at once.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"

namespace frontdoor::rights {

// The message of ErasedError.
inline constexpr char kErasedMessage[] =
    "the referral's personal data was erased";

// FAILED_PRECONDITION kErasedMessage, marked so that IsErased knows it
// from other failures: what opening (or sealing for) an erased referral
// answers.
absl::Status ErasedError();
// Whether `status` is ErasedError's.
bool IsErased(const absl::Status& status);

// A new data key for a referral not stored yet, with its wrapped form:
// made outside the transaction (no store work), saved inside it.
struct NewDataKey {
  crypto::DataKey key;
  std::string wrapped;
};
absl::StatusOr<NewDataKey> PrepareDataKey(const crypto::KeyRing& ring,
                                          std::string_view reference);
// Stores a prepared key for `reference`. ALREADY_EXISTS when it already
// has one (or had one and it was destroyed).
absl::Status SaveDataKey(store::Tx& tx, std::string_view reference,
                         const NewDataKey& key, absl::Time now);

// The data key of `reference`, made and stored at `now` when it has none.
// ErasedError when it was destroyed. Write transactions only.
absl::StatusOr<crypto::DataKey> DataKeyFor(store::Tx& tx,
                                           const crypto::KeyRing& ring,
                                           std::string_view reference,
                                           absl::Time now);

// `plaintext` sealed under `reference`'s data key (DataKeyFor) with `aad`.
absl::StatusOr<std::string> SealFor(store::Tx& tx, const crypto::KeyRing& ring,
                                    std::string_view reference,
                                    std::string_view plaintext,
                                    std::string_view aad, absl::Time now);

// Opens a value sealed either way: under the ring (version 1) or under the
// data key its header names (version 2, looked up in `tx`). ErasedError
// when that key was destroyed; FAILED_PRECONDITION when the referral has
// no data key here; otherwise KeyRing::Open's and DataKey::Open's errors.
absl::StatusOr<std::string> OpenSealed(store::Tx& tx,
                                       const crypto::KeyRing& ring,
                                       std::string_view sealed,
                                       std::string_view aad);
// As above, in a read transaction of its own.
absl::StatusOr<std::string> OpenSealed(store::Store& store,
                                       const crypto::KeyRing& ring,
                                       std::string_view sealed,
                                       std::string_view aad);

// Whether `sealed` is under a data key (version 2).
bool IsUnderDataKey(std::string_view sealed);

// Destroys `reference`'s data key at `now`: the wrapped key is overwritten
// with NULL (on SQLite with secure_delete, so its bytes do not stay in the
// file's free pages), and a referral with no key yet gets a destroyed row,
// so that none is made for it later. Idempotent. Returns whether a key
// that could open data was destroyed.
absl::StatusOr<bool> DestroyDataKey(store::Tx& tx, std::string_view reference,
                                    absl::Time now);

// What an erasure writes over a blind index of `reference` (a person's
// pseudonym, personal data too): "erased:<reference>", unique to the
// referral, so it never matches another row, a real index (64 hex
// characters) or an empty one.
std::string ErasedIndex(std::string_view reference);

// Whether `reference`'s data key was destroyed.
absl::StatusOr<bool> IsDataKeyDestroyed(store::Tx& tx,
                                        std::string_view reference);

}  // namespace frontdoor::rights
