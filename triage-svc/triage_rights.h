#pragma once

// triage-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "common/rights/rights_core.h"
#include "frontdoor/triage/v1/triage.pb.h"

namespace frontdoor::triage {

// What erasure keeps of a decision for reports (triage_decisions
// .report_codes): its codes only (no reference, practitioner, override
// reason or time).
v1::Decision ErasedCodesOf(const v1::Decision& decision);

class TriageRights final : public rights::RightsCore {
 public:
  // All must outlive the core.
  TriageRights(store::Store& store, const crypto::KeyRing& keys,
               const Clock& clock);

 protected:
  absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                      const std::string& reference) override;
  // Destroys the referral's data key (Shred) and replaces its blind
  // indexes with rights::ErasedIndex; ids, dates and codes stay.
  absl::Status EraseIn(store::Tx& tx, const std::string& reference,
                       absl::Time now) override;
  // Corrects the sealed ReferralReceived event (and, when a name or date
  // of birth changes, the blind indexes in it, in triage_referrals,
  // marac_referrals and suspect_links) and the TriageDecided events still
  // on the outbox. Decisions hold no copy of the referral.
  absl::StatusOr<int> RectifyIn(store::Tx& tx, const Caller& caller,
                                const common::v1::RectifyRequest& request,
                                absl::Time now) override;
  absl::StatusOr<common::v1::FindPersonResponse> FindIn(
      store::Tx& tx, const common::v1::FindPersonRequest& request,
      absl::Time now) override;
  absl::StatusOr<common::v1::ExportSubjectResponse> ExportFrom(
      store::Tx& tx, const common::v1::ExportSubjectRequest& request,
      absl::Time now) override;
};

}  // namespace frontdoor::triage
