#include "allocation-svc/allocation_rights.h"

#include "absl/strings/str_cat.h"
#include "allocation-svc/migrations.h"
#include "frontdoor/allocation/v1/allocation.pb.h"

namespace frontdoor::allocation {

AllocationRights::AllocationRights(store::Store& store,
                                   const crypto::KeyRing& keys,
                                   const Clock& clock)
    : RightsCore("allocation-svc", store, keys, clock) {}

absl::StatusOr<bool> AllocationRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM placements WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::Status AllocationRights::EraseIn(store::Tx& tx,
                                       const std::string& reference,
                                       absl::Time now) {
  if (absl::Status s = Shred(tx, reference, SealedColumns(), now); !s.ok()) {
    return s;
  }
  // Erasure ends the case: a placement that waits for or holds a place
  // can no longer be opened to be worked, so it is released now (its
  // place is free for the next allocation).
  absl::StatusOr<int64_t> released = tx.Exec(
      "UPDATE placements SET state = $1, released_at_us = CASE WHEN "
      "released_at_us = 0 THEN $2 ELSE released_at_us END "
      "WHERE reference = $3 AND state IN ($4, $5, $6)",
      {int64_t{v1::PLACEMENT_STATE_RELEASED}, absl::ToUnixMicros(now),
       reference, int64_t{v1::PLACEMENT_STATE_AWAITING_CONSENT},
       int64_t{v1::PLACEMENT_STATE_WAITING},
       int64_t{v1::PLACEMENT_STATE_ALLOCATED}});
  return released.status();
}

retention::ErasureSchedule ClosedCaseSchedule(AllocationRights& rights,
                                              absl::Duration after) {
  retention::ErasureSchedule schedule;
  schedule.record = retention::kRecordClosedCase;
  schedule.after = after;
  schedule.candidates_sql = absl::StrCat(
      "SELECT reference, CASE WHEN state = ", int64_t{v1::PLACEMENT_STATE_RELEASED},
      " THEN released_at_us ELSE failed_at_us END AS since_us "
      "FROM placements WHERE (state = ", int64_t{v1::PLACEMENT_STATE_RELEASED},
      " AND released_at_us > 0) OR (state = ",
      int64_t{v1::PLACEMENT_STATE_FAILED}, " AND failed_at_us > 0)");
  schedule.erase = [&rights](store::Tx& tx, const std::string& reference,
                             absl::Time now) {
    return rights.EraseOnSchedule(tx, reference, now);
  };
  return schedule;
}

}  // namespace frontdoor::allocation
