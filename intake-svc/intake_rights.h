#pragma once

// intake-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "common/rights/rights_core.h"

namespace frontdoor::intake {

class IntakeRights final : public rights::RightsCore {
 public:
  // All must outlive the core.
  IntakeRights(store::Store& store, const crypto::KeyRing& keys,
               const Clock& clock);

 protected:
  absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                      const std::string& reference) override;
  // Corrects the sealed referral and the ReferralReceived events still on
  // the outbox (queued, held back or delivered and not yet purged), with
  // the blind indexes computed again when a name or date of birth changes.
  absl::StatusOr<common::v1::RectifyResponse> RectifyIn(
      store::Tx& tx, const Caller& caller,
      const common::v1::RectifyRequest& request, absl::Time now) override;
};

}  // namespace frontdoor::intake
