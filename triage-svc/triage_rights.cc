#include "triage-svc/triage_rights.h"

namespace frontdoor::triage {

TriageRights::TriageRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("triage-svc", store, keys, clock) {}

absl::StatusOr<bool> TriageRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query("SELECT 1 FROM triage_referrals WHERE reference = $1 LIMIT 1",
               {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

}  // namespace frontdoor::triage
