#include "notify-svc/notify_rights.h"

namespace frontdoor::notify {

NotifyRights::NotifyRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("notify-svc", store, keys, clock) {}

absl::StatusOr<bool> NotifyRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM notifications WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

}  // namespace frontdoor::notify
