#include "notify-svc/notify_rights.h"

#include "notify-svc/migrations.h"

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

absl::Status NotifyRights::EraseIn(store::Tx& tx, const std::string& reference,
                                   absl::Time now) {
  // notify-svc keeps no blind index: the notifications' and addresses'
  // sealed values, and the pushes and emails still queued, are all.
  return Shred(tx, reference, SealedColumns(), now);
}

}  // namespace frontdoor::notify
