#pragma once

// Re-indexing of stored referrals after the identity keys change version
// (common/identity, kIdentityVersion). A blind index is an HMAC, which SQL
// cannot recompute, so intake-svc does it at start-up, before it serves.

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"

namespace frontdoor::intake {

// Referrals re-indexed per transaction, so that a big table never holds one
// long transaction (nor the writer lock other replicas wait on).
inline constexpr int64_t kReindexBatchRows = 500;

struct ReindexResult {
  // referrals rows brought to kIdentityVersion.
  int64_t referrals = 0;
  // Undelivered ReferralReceived outbox events re-sealed with new indexes.
  int64_t events = 0;
};

// Brings every referrals row of an identity_version below kIdentityVersion
// up to it: opens the row's sealed referral (as IntakeCore::Get does),
// recomputes subject_index and subject_loose_index as a new submission
// would (IndexPeople), and re-seals the row's ReferralReceived events that
// are still in the outbox with the new indexes (subject, loose, suspect,
// victim), so that triage-svc receives current ones. Rows written by the
// current code are already at kIdentityVersion and are not read.
//
// Works in transactions of at most `batch_rows` rows, each choosing its rows
// inside the transaction: it resumes where it stopped after a crash, and two
// replicas starting at once share the rows between them (writes are
// serialised; doing a row twice would give the same values anyway).
// Returns what this call changed. A sealed referral that does not open
// stops it with that error (DATA_LOSS, or FAILED_PRECONDITION for a key the
// ring no longer holds), naming the reference.
absl::StatusOr<ReindexResult> ReindexIdentities(
    store::Store& store, const crypto::KeyRing& keys,
    int64_t batch_rows = kReindexBatchRows);

}  // namespace frontdoor::intake
