#include "notify-svc/notify_rights.h"

#include <utility>

#include "common/rights/rectify.h"
#include "notify-svc/notify_core.h"

namespace frontdoor::notify {

NotifyRights::NotifyRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock, OnReleased on_released)
    : RightsCore("notify-svc", store, keys, clock),
      on_released_(std::move(on_released)) {}

absl::StatusOr<bool> NotifyRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  for (const char* sql :
       {"SELECT 1 FROM notifications WHERE reference = $1 LIMIT 1",
        "SELECT 1 FROM held_notifications WHERE reference = $1 LIMIT 1"}) {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(sql, {reference});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) return true;
  }
  return false;
}

absl::Status NotifyRights::RestrictionChanged(store::Tx& tx,
                                              const Caller& caller,
                                              const std::string& reference,
                                              bool restricted, absl::Time now) {
  if (restricted) {
    return WithdrawUnacknowledged(tx, keys(), caller, reference, now);
  }
  absl::StatusOr<std::vector<std::string>> agencies =
      ReleaseHeld(tx, keys(), caller, reference, now);
  if (!agencies.ok()) return agencies.status();
  absl::MutexLock lock(&mu_);
  for (std::string& a : *agencies) released_.push_back(std::move(a));
  return absl::OkStatus();
}

void NotifyRights::RestrictionCommitted(const std::string&, bool restricted) {
  if (restricted) return;
  std::vector<std::string> agencies;
  {
    absl::MutexLock lock(&mu_);
    agencies.swap(released_);
  }
  if (!agencies.empty() && on_released_) on_released_(agencies);
}

absl::StatusOr<common::v1::RectifyResponse> NotifyRights::RectifyIn(
    store::Tx& tx, const Caller&, const common::v1::RectifyRequest& request,
    absl::Time now) {
  // Refused as the other services refuse it, so that the answers agree.
  if (absl::Status s = rights::ValidateValue(
          request, absl::ToCivilDay(now, absl::UTCTimeZone()));
      !s.ok()) {
    return s;
  }
  common::v1::RectifyResponse response;
  response.set_service(service());
  response.set_copies_corrected(0);
  absl::StatusOr<common::v1::RightsState> state =
      StateIn(tx, request.person().reference());
  if (!state.ok()) return state.status();
  *response.mutable_state() = *std::move(state);
  return response;
}

}  // namespace frontdoor::notify
