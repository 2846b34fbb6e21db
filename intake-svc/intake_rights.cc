#include "intake-svc/intake_rights.h"

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

}  // namespace frontdoor::intake
