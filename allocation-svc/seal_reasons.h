#pragma once

// Sealing of placement reasons stored in clear before migration
// 002_sealed_reason. Sealing needs the key ring, which SQL has not, so
// allocation-svc does it at start-up, before it serves.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"

namespace frontdoor::allocation {

// Placements sealed per transaction, so that a big table never holds one
// long transaction (nor the writer lock other replicas wait on).
inline constexpr int64_t kSealReasonsBatchRows = 500;

// The associated data a placement's reason is sealed with: the row
// (reference) and the column, so that a sealed value moved to another row
// or column does not open.
std::string ReasonAad(const std::string& reference);

// Seals the reason of every placement stored before reasons were sealed
// (sealed_reason NULL) into sealed_reason and empties reason, in
// transactions of at most `batch_rows` rows, each choosing its rows inside
// the transaction (it resumes after a crash; replicas starting together
// share the work). On SQLite the old text is overwritten in the file as
// the rows are rewritten (secure_delete). Returns how many rows it sealed.
absl::StatusOr<int64_t> SealPlainReasons(
    store::Store& store, const crypto::KeyRing& keys,
    int64_t batch_rows = kSealReasonsBatchRows);

}  // namespace frontdoor::allocation
