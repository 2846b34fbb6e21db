#pragma once

// intake-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "absl/time/time.h"
#include "common/retention/purge.h"
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
  // Destroys the referral's data key (Shred) and replaces its blind
  // indexes with rights::ErasedIndex; ids, dates and codes stay.
  absl::Status EraseIn(store::Tx& tx, const std::string& reference,
                       absl::Time now) override;
  // Corrects the sealed referral and the ReferralReceived events still on
  // the outbox (queued, held back or delivered and not yet purged), with
  // the blind indexes computed again when a name or date of birth changes.
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

// The erasure schedule of returned referrals: each erased `after` its
// receipt (server.retention.returned_referral_days; zero keeps them) by
// `rights`, which must outlive it.
retention::ErasureSchedule ReturnedReferralSchedule(IntakeRights& rights,
                                                    absl::Duration after);

}  // namespace frontdoor::intake
