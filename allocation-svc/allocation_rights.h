#pragma once

// allocation-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "common/rights/rights_core.h"

namespace frontdoor::allocation {

class AllocationRights final : public rights::RightsCore {
 public:
  // All must outlive the core.
  AllocationRights(store::Store& store, const crypto::KeyRing& keys,
                   const Clock& clock);

 protected:
  absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                      const std::string& reference) override;
  // Corrects the referral inside the placement's sealed decision event
  // (and its subject index when a name or date of birth changes), and the
  // referrer's details in PlacementChanged events still on the outbox.
  absl::StatusOr<common::v1::RectifyResponse> RectifyIn(
      store::Tx& tx, const Caller& caller,
      const common::v1::RectifyRequest& request, absl::Time now) override;
};

}  // namespace frontdoor::allocation
