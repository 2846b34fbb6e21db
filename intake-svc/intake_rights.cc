#include "intake-svc/intake_rights.h"

#include "absl/strings/str_cat.h"
#include "common/rights/data_keys.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "intake-svc/migrations.h"
#include "intake-svc/person_indexes.h"

namespace frontdoor::intake {

IntakeRights::IntakeRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("intake-svc", store, keys, clock) {}

absl::StatusOr<bool> IntakeRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM referrals WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::Status IntakeRights::EraseIn(store::Tx& tx, const std::string& reference,
                                   absl::Time now) {
  if (absl::Status s = Shred(tx, reference, SealedColumns(), now); !s.ok()) {
    return s;
  }
  // identity_version: nothing is left to re-index from (reindex.cc).
  // request_hash is a digest of the whole referral: it goes too (the
  // agency's idempotency key stays, answering a resubmission with
  // ALREADY_EXISTS).
  const std::string erased = rights::ErasedIndex(reference);
  absl::StatusOr<int64_t> blanked = tx.Exec(
      "UPDATE referrals SET subject_index = $1, subject_loose_index = $1, "
      "request_hash = $1, identity_version = $2 WHERE reference = $3",
      {erased, kIdentityVersion, reference});
  return blanked.status();
}

retention::ErasureSchedule ReturnedReferralSchedule(IntakeRights& rights,
                                                    absl::Duration after) {
  retention::ErasureSchedule schedule;
  schedule.record = retention::kRecordReturnedReferral;
  schedule.after = after;
  schedule.candidates_sql = absl::StrCat(
      "SELECT reference, received_at_us AS since_us FROM referrals "
      "WHERE status = ",
      int64_t{v1::REFERRAL_STATUS_RETURNED});
  schedule.erase = [&rights](store::Tx& tx, const std::string& reference,
                             absl::Time now) {
    return rights.EraseOnSchedule(tx, reference, now);
  };
  return schedule;
}

}  // namespace frontdoor::intake
