#include "allocation-svc/allocation_rights.h"

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

}  // namespace frontdoor::allocation
