#pragma once

// notify-svc's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data
// (common/rights/rights_core.h does what every service shares).

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/rights/rights_core.h"

namespace frontdoor::notify {

class NotifyRights final : public rights::RightsCore {
 public:
  // Given the recipient agencies of released notifications once they
  // have committed (to wake their streams and the relays).
  using OnReleased = std::function<void(const std::vector<std::string>&)>;

  // All must outlive the core.
  NotifyRights(store::Store& store, const crypto::KeyRing& keys,
               const Clock& clock, OnReleased on_released = {});

 protected:
  absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                      const std::string& reference) override;
  // Destroys the referral's data key (Shred) and replaces its blind
  // indexes with rights::ErasedIndex; ids, dates and codes stay.
  absl::Status EraseIn(store::Tx& tx, const std::string& reference,
                       absl::Time now) override;
  // Restricted: the notifications pull recipients have not acknowledged
  // are withdrawn and held (new ones are held as they are recorded, by
  // NotifyCore). Lifted: every held one is shared, oldest first.
  absl::Status RestrictionChanged(store::Tx& tx, const Caller& caller,
                                  const std::string& reference,
                                  bool restricted, absl::Time now) override;
  void RestrictionCommitted(const std::string& reference,
                            bool restricted) override;
  // Past notifications are records of what was sent: none is rewritten
  // (copies_corrected 0).
  absl::StatusOr<int> RectifyIn(store::Tx& tx, const Caller& caller,
                                const common::v1::RectifyRequest& request,
                                absl::Time now) override;

  absl::StatusOr<common::v1::FindPersonResponse> FindIn(
      store::Tx& tx, const common::v1::FindPersonRequest& request,
      absl::Time now) override;
  absl::StatusOr<common::v1::ExportSubjectResponse> ExportFrom(
      store::Tx& tx, const common::v1::ExportSubjectRequest& request,
      absl::Time now) override;

 private:
  OnReleased on_released_;
  absl::Mutex mu_;
  // Agencies of notifications released by transactions not yet reported.
  std::vector<std::string> released_ ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::notify
