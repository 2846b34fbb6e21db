#pragma once

// Re-indexing of recorded referrals after the identity keys change version
// (common/identity). A blind index is an HMAC, which SQL cannot recompute,
// so triage-svc does it at start-up, before it serves.

#include <cstdint>

#include "absl/status/statusor.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"

namespace frontdoor::triage {

// The identity key version (identity::kPersonKeyTag "id2|") the recorded
// indexes are brought to; the row of identity_reindex that tracks it.
inline constexpr int64_t kIdentityVersion = 2;
// Referrals re-indexed per transaction, so that a big table never holds one
// long transaction (nor the writer lock other replicas wait on).
inline constexpr int64_t kReindexBatchRows = 500;

struct ReindexResult {
  // triage_referrals rows whose subject_index (and sealed event) changed.
  int64_t referrals = 0;
  // marac_referrals rows whose subject_index changed.
  int64_t marac = 0;
};

// Unless identity_reindex records version kIdentityVersion as done, walks
// triage_referrals in reference order from where it stopped: opens each
// sealed ReferralReceived event (associated data: the reference),
// recomputes the subject's index from event.referral().subject() as
// intake-svc now does (identity::PersonKey under the key ring's blind-index
// key), and, where it differs, stores it in triage_referrals.subject_index,
// in the event (re-sealed, so that later decisions on a waiting referral
// use it) and in the referral's marac_referrals row. The other fields of
// the event stay as they were.
//
// Works in transactions of at most `batch_rows` rows, each reading and
// advancing the recorded position inside the transaction: it resumes after
// a crash, and two replicas starting at once share the rows (writes are
// serialised; a row done twice would get the same index anyway). Returns
// what this call changed. An event that does not open stops it with that
// error, naming the reference.
absl::StatusOr<ReindexResult> ReindexIdentities(
    store::Store& store, const crypto::KeyRing& keys,
    int64_t batch_rows = kReindexBatchRows);

}  // namespace frontdoor::triage
