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
  absl::StatusOr<common::v1::FindPersonResponse> FindIn(
      store::Tx& tx, const common::v1::FindPersonRequest& request,
      absl::Time now) override;
  absl::StatusOr<common::v1::ExportSubjectResponse> ExportFrom(
      store::Tx& tx, const common::v1::ExportSubjectRequest& request,
      absl::Time now) override;
};

}  // namespace frontdoor::allocation
