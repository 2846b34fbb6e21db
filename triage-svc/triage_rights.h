#pragma once

// triage-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "common/rights/rights_core.h"

namespace frontdoor::triage {

class TriageRights final : public rights::RightsCore {
 public:
  // All must outlive the core.
  TriageRights(store::Store& store, const crypto::KeyRing& keys,
               const Clock& clock);

 protected:
  absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                      const std::string& reference) override;
  // Corrects the sealed ReferralReceived event (and, when a name or date
  // of birth changes, the blind indexes in it, in triage_referrals,
  // marac_referrals and suspect_links) and the TriageDecided events still
  // on the outbox. Decisions hold no copy of the referral.
  absl::StatusOr<common::v1::RectifyResponse> RectifyIn(
      store::Tx& tx, const Caller& caller,
      const common::v1::RectifyRequest& request, absl::Time now) override;
};

}  // namespace frontdoor::triage
