#pragma once

// A service's side of the DataRights contract
// (frontdoor/common/v1/data_rights.proto) over its own data. RightsCore
// does what is the same in every service (who may ask, the requests'
// checks, restriction, legal hold and the state, each audited in the
// transaction that changes it); a service derives from it for what only it
// knows: whether it holds a reference, finding people, its export,
// rectification and erasure.
//
// No gRPC here (rights_service.h is the adapter).

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/rewrap/rewrap.h"
#include "common/rights/rights.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/common/v1/data_rights.pb.h"

namespace frontdoor::rights {

// Who the audit trail names for an erasure by a retention schedule.
inline constexpr char kRetentionScheduleActor[] = "retention-schedule";
// The erasure reason code of a retention schedule (one of kErasureReasons).
inline constexpr char kReasonRetentionSchedule[] = "retention_schedule";

template <typename T>
using Done = std::function<void(absl::StatusOr<T>)>;

class RightsCore {
 public:
  // `service` names the answers ("intake-svc"). All must outlive the core.
  RightsCore(std::string service, store::Store& store,
             const crypto::KeyRing& keys, const Clock& clock);
  virtual ~RightsCore() = default;

  // The contract's methods. Each checks the caller
  // (CheckDataProtectionOfficer) and the request (Validate) first.
  void FindPerson(const Caller& caller,
                  const common::v1::FindPersonRequest& request,
                  Done<common::v1::FindPersonResponse> done);
  void ExportSubject(const Caller& caller,
                     const common::v1::ExportSubjectRequest& request,
                     Done<common::v1::ExportSubjectResponse> done);
  void Rectify(const Caller& caller, const common::v1::RectifyRequest& request,
               Done<common::v1::RectifyResponse> done);
  void SetRestriction(const Caller& caller,
                      const common::v1::SetRestrictionRequest& request,
                      Done<common::v1::RightsState> done);
  void SetLegalHold(const Caller& caller,
                    const common::v1::SetLegalHoldRequest& request,
                    Done<common::v1::RightsState> done);
  void Erase(const Caller& caller, const common::v1::EraseRequest& request,
             Done<common::v1::RightsState> done);
  void GetRightsState(const Caller& caller,
                      const common::v1::GetRightsStateRequest& request,
                      Done<common::v1::RightsState> done);

  // A retention schedule's erasure (common/retention ErasureSchedule), in
  // the purge's transaction: as Erase, with the reason "retention_schedule"
  // and the audit row's actor kRetentionScheduleActor. FAILED_PRECONDITION
  // for a referral on legal hold; OK without change for one erased before.
  absl::Status EraseOnSchedule(store::Tx& tx, const std::string& reference,
                               absl::Time now);

 protected:
  // Whether this service holds anything for `reference`.
  virtual absl::StatusOr<bool> HoldsReference(store::Tx& tx,
                                              const std::string& reference) = 0;
  // The service's parts, each run inside one write transaction with the
  // caller and the request checked; the audit row is written by RightsCore
  // in the same transaction. `now` is the clock's time of the request.
  virtual absl::StatusOr<common::v1::FindPersonResponse> FindIn(
      store::Tx& tx, const common::v1::FindPersonRequest& request,
      absl::Time now) = 0;
  virtual absl::StatusOr<common::v1::ExportSubjectResponse> ExportFrom(
      store::Tx& tx, const common::v1::ExportSubjectRequest& request,
      absl::Time now) = 0;
  // RectifyIn corrects the service's copies and answers how many (the
  // value already checked, rectify.h ValidateValue); RightsCore answers
  // them with the state.
  virtual absl::StatusOr<int> RectifyIn(
      store::Tx& tx, const Caller& caller,
      const common::v1::RectifyRequest& request, absl::Time now) = 0;
  // Destroys the referral's data key and blanks what is personal outside
  // sealed values (SaveErased is done by RightsCore afterwards). Called
  // only when the referral is not held and not yet erased.
  virtual absl::Status EraseIn(store::Tx& tx, const std::string& reference,
                               absl::Time now) = 0;

  // What every EraseIn does first: each value of the referral in `columns`
  // (the service's data-key columns, rewrap::SealedColumn::reference_sql
  // set) still sealed under the ring is moved to its data key, its outbox
  // events are dropped (their payloads would never open again), and its
  // data key is destroyed. Logged as "rights.shredded" with the counts.
  absl::Status Shred(store::Tx& tx, const std::string& reference,
                     const std::vector<rewrap::SealedColumn>& columns,
                     absl::Time now);
  // Called in SetRestriction's transaction once the restriction is saved:
  // what a service does when a referral's processing is restricted
  // (`restricted`) or the restriction is lifted (notify-svc holds back and
  // releases notifications). Default: nothing.
  virtual absl::Status RestrictionChanged(store::Tx& tx, const Caller& caller,
                                          const std::string& reference,
                                          bool restricted, absl::Time now);
  // Called after that transaction committed (to wake what waits on it).
  virtual void RestrictionCommitted(const std::string& reference,
                                    bool restricted) {}

  // The referral's state here, as answers carry it.
  absl::StatusOr<common::v1::RightsState> StateIn(store::Tx& tx,
                                                  const std::string& reference);

  const std::string& service() const { return service_; }
  store::Store& store() { return store_; }
  const crypto::KeyRing& keys() const { return keys_; }
  const Clock& clock() const { return clock_; }

 private:
  const std::string service_;
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Clock& clock_;
};

}  // namespace frontdoor::rights
