#include "common/rights/data_keys.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::rights {
namespace {

// The payload that marks ErasedError.
constexpr char kErasedPayloadUrl[] = "type.frontdoor/rights.erased";

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

// The stored row of a reference's data key.
struct Stored {
  bool exists = false;
  bool destroyed = false;
  std::string wrapped;
};

absl::StatusOr<Stored> Load(store::Tx& tx, std::string_view reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT wrapped_key, destroyed_at_us FROM data_keys WHERE reference = $1",
      {std::string(reference)});
  if (!rows.ok()) return rows.status();
  Stored stored;
  if (rows->empty()) return stored;
  const store::Row& row = (*rows)[0];
  stored.exists = true;
  stored.destroyed = row.IsNull(0) || !row.IsNull(1);
  if (!stored.destroyed) stored.wrapped = row.Text(0);
  return stored;
}

absl::StatusOr<crypto::DataKey> Unwrap(const crypto::KeyRing& ring,
                                       const Stored& stored,
                                       std::string_view reference) {
  if (stored.destroyed) return ErasedError();
  if (!stored.exists) {
    return absl::FailedPreconditionError(
        "the referral has no data key in this service");
  }
  absl::StatusOr<crypto::DataKey> key =
      ring.UnwrapDataKey(stored.wrapped, reference);
  if (!key.ok()) {
    return absl::Status(key.status().code(),
                        absl::StrCat("the referral's data key did not open: ",
                                     key.status().message()));
  }
  return key;
}

}  // namespace

absl::Status ErasedError() {
  absl::Status status = absl::FailedPreconditionError(kErasedMessage);
  status.SetPayload(kErasedPayloadUrl, absl::Cord("erased"));
  return status;
}

bool IsErased(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         status.GetPayload(kErasedPayloadUrl).has_value();
}

bool IsUnderDataKey(std::string_view sealed) {
  return !sealed.empty() &&
         static_cast<uint8_t>(sealed[0]) == crypto::kSealFormatV2;
}

absl::StatusOr<NewDataKey> PrepareDataKey(const crypto::KeyRing& ring,
                                          std::string_view reference) {
  absl::StatusOr<crypto::DataKey> key = crypto::DataKey::Generate();
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> wrapped = ring.WrapDataKey(*key, reference);
  if (!wrapped.ok()) return wrapped.status();
  return NewDataKey{*std::move(key), *std::move(wrapped)};
}

absl::Status SaveDataKey(store::Tx& tx, std::string_view reference,
                         const NewDataKey& key, absl::Time now) {
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO data_keys (reference, wrapped_key, created_at_us) "
      "VALUES ($1, $2, $3) ON CONFLICT (reference) DO NOTHING",
      {std::string(reference), store::Blob{key.wrapped},
       absl::ToUnixMicros(now)});
  if (!inserted.ok()) return inserted.status();
  if (*inserted == 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("referral ", Absl(reference), " already has a data key"));
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::DataKey> DataKeyFor(store::Tx& tx,
                                           const crypto::KeyRing& ring,
                                           std::string_view reference,
                                           absl::Time now) {
  absl::StatusOr<Stored> stored = Load(tx, reference);
  if (!stored.ok()) return stored.status();
  if (stored->exists) return Unwrap(ring, *stored, reference);
  absl::StatusOr<NewDataKey> made = PrepareDataKey(ring, reference);
  if (!made.ok()) return made.status();
  if (absl::Status s = SaveDataKey(tx, reference, *made, now); !s.ok()) {
    return s;
  }
  return std::move(made->key);
}

absl::StatusOr<std::string> SealFor(store::Tx& tx, const crypto::KeyRing& ring,
                                    std::string_view reference,
                                    std::string_view plaintext,
                                    std::string_view aad, absl::Time now) {
  absl::StatusOr<crypto::DataKey> key = DataKeyFor(tx, ring, reference, now);
  if (!key.ok()) return key.status();
  return key->Seal(reference, plaintext, aad);
}

absl::StatusOr<std::string> OpenSealed(store::Tx& tx,
                                       const crypto::KeyRing& ring,
                                       std::string_view sealed,
                                       std::string_view aad) {
  if (!IsUnderDataKey(sealed)) return ring.Open(sealed, aad);
  std::optional<std::string> reference = crypto::SealedReference(sealed);
  if (!reference.has_value()) {
    return absl::InvalidArgumentError(
        "sealed value names no well-formed reference");
  }
  absl::StatusOr<Stored> stored = Load(tx, *reference);
  if (!stored.ok()) return stored.status();
  absl::StatusOr<crypto::DataKey> key = Unwrap(ring, *stored, *reference);
  if (!key.ok()) return key.status();
  return key->Open(sealed, aad);
}

absl::StatusOr<std::string> OpenSealed(store::Store& store,
                                       const crypto::KeyRing& ring,
                                       std::string_view sealed,
                                       std::string_view aad) {
  if (!IsUnderDataKey(sealed)) return ring.Open(sealed, aad);
  absl::StatusOr<std::string> plain =
      absl::InternalError("the read did not run");
  absl::Status read = store.Read([&](store::Tx& tx) -> absl::Status {
    plain = OpenSealed(tx, ring, sealed, aad);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return plain;
}

absl::StatusOr<bool> DestroyDataKey(store::Tx& tx, std::string_view reference,
                                    absl::Time now) {
  if (tx.dialect() == store::Dialect::kSqlite) {
    // Freed bytes are zeroed, so the wrapped key does not linger in the
    // database file's free pages.
    absl::StatusOr<int64_t> on = tx.Exec("PRAGMA secure_delete = ON", {});
    if (!on.ok()) return on.status();
  }
  absl::StatusOr<std::vector<store::Row>> live = tx.Query(
      "SELECT 1 FROM data_keys WHERE reference = $1 AND wrapped_key IS NOT "
      "NULL",
      {std::string(reference)});
  if (!live.ok()) return live.status();
  absl::StatusOr<int64_t> written = tx.Exec(
      "INSERT INTO data_keys (reference, wrapped_key, created_at_us, "
      "destroyed_at_us) VALUES ($1, NULL, $2, $2) "
      "ON CONFLICT (reference) DO UPDATE SET wrapped_key = NULL, "
      "destroyed_at_us = COALESCE(data_keys.destroyed_at_us, $2)",
      {std::string(reference), absl::ToUnixMicros(now)});
  if (!written.ok()) return written.status();
  return !live->empty();
}

std::string ErasedIndex(std::string_view reference) {
  return absl::StrCat("erased:", Absl(reference));
}

absl::StatusOr<bool> IsDataKeyDestroyed(store::Tx& tx,
                                        std::string_view reference) {
  absl::StatusOr<Stored> stored = Load(tx, reference);
  if (!stored.ok()) return stored.status();
  return stored->destroyed;
}

}  // namespace frontdoor::rights
