#pragma once

// allocation-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <string>

#include "absl/time/time.h"
#include "common/retention/purge.h"
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
  // Destroys the referral's data key (Shred) and replaces its blind
  // indexes with rights::ErasedIndex; ids, dates and codes stay.
  absl::Status EraseIn(store::Tx& tx, const std::string& reference,
                       absl::Time now) override;
  // Corrects the referral inside the placement's sealed decision event
  // (and its subject index when a name or date of birth changes), and the
  // referrer's details in PlacementChanged events still on the outbox.
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

// The erasure schedule of closed cases: a placement released or failed is
// erased `after` it closed (its released_at or failed_at;
// server.retention.closed_case_days; zero keeps them) by `rights`, which
// must outlive it.
retention::ErasureSchedule ClosedCaseSchedule(AllocationRights& rights,
                                              absl::Duration after);

}  // namespace frontdoor::allocation
