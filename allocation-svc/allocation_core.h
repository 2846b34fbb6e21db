#pragma once

// The allocation flow over storage: placements from triage decisions
// (recorded once per decision), programme choice, consent, capacity
// (cohort seats, practitioners' caseloads with specialisms), risk-ordered
// waiting lists, releases that allocate the head of the list, first-contact
// deadlines; every change audited and told to notify-svc through the outbox.
// No gRPC: the adapter calls it.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/audit/history.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/report/report_run.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "common/tls/caller.h"
#include "allocation-svc/catalogue.h"
#include "allocation-svc/settings.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/triage/v1/events.pb.h"

namespace frontdoor::allocation {

// Outbox topic of PlacementChanged events.
inline constexpr char kPlacementChangedTopic[] = "notify.placement_changed";
// The reason of a placement whose referral's processing is restricted (a
// data subject's right): it waits in its place on the list and is offered
// no place until the restriction is lifted.
inline constexpr char kReasonRestrictedWaiting[] =
    "processing restricted: offered no place until the restriction is "
    "lifted";
// This service, as its history entries name it.
inline constexpr char kServiceName[] = "allocation-svc";
// The only agency (registry id) that may hand decisions over.
inline constexpr char kTriageServiceId[] = "triage-svc";
inline constexpr char kLawfulBasisAllocate[] =
    "UK GDPR art. 6(1)(e) and 9(2)(g); DPA 2018 sch. 1 para. 18 "
    "(safeguarding of children and individuals at risk)";

// Audit reason codes (common/audit/README.md): why a placement changed.
// A triage decision was handed over (allocation.plan, .decision_recorded).
inline constexpr char kReasonTriageDecision[] = "triage_decision";
// Staff recorded consent or its refusal (allocation.consent).
inline constexpr char kReasonConsentRecorded[] = "consent_recorded";
// Staff released a place (allocation.release).
inline constexpr char kReasonPlaceReleased[] = "place_released";
// Staff recorded that allocation failed (allocation.failure).
inline constexpr char kReasonFailureRecorded[] = "failure_recorded";
// Staff recorded the first contact with the person
// (allocation.first_contact).
inline constexpr char kReasonFirstContactRecorded[] = "first_contact_recorded";
// A place freed and went to the head of the list (allocation.allocate_next).
inline constexpr char kReasonPlaceFreed[] = "place_freed";

// Per programme, for metrics.
struct ProgrammeStats {
  int64_t waiting = 0;
  absl::Duration oldest_wait = absl::ZeroDuration();
  // Open placements (awaiting consent, waiting, allocated) whose first
  // contact is overdue.
  int64_t overdue = 0;
  // Placements whose first contact was made by its target, and after it.
  int64_t first_contact_met = 0;
  int64_t first_contact_missed = 0;
  int64_t allocated = 0;
  // Placements by tier and state label ("allocated", "waiting", ...).
  std::map<std::pair<int, std::string>, int64_t> by_tier_and_state;
};

// Where a placement in `state` stands against its first-contact target due
// at `due_us` (0: none), first contact made at `made_us` (0: not yet), at
// `now_us`. Pure.
v1::FirstContact FirstContactOf(v1::PlacementState state, int64_t due_us,
                                int64_t made_us, int64_t now_us);

// `funding_area` of a district code ("county", "city"), or empty.
using FundingAreaOf = std::function<std::string(const std::string& district)>;

class AllocationCore {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // `agencies` gives the sector of the agency a referral came from, which
  // reports break placements down by (report::ReferralSource).
  AllocationCore(store::Store& store, const crypto::KeyRing& keys,
                 const Catalogue& catalogue, const Settings& settings,
                 const tls::AgencyRegistry& agencies,
                 FundingAreaOf funding_area, const Clock& clock,
                 std::function<void()> on_committed = {});

  // A triage decision from triage-svc (PERMISSION_DENIED for anyone else):
  // creates or re-plans the placement and allocates when it can. `done`
  // gets false when this decision (or a later one) was recorded before.
  void Deliver(const Caller& caller, const triage::v1::TriageDecided& event,
               Done<bool> done);
  // Staff only; console staff need tls::StaffAction::kRecordPlacement
  // (PERMISSION_DENIED otherwise, as for the next two).
  void RecordConsent(const Caller& caller,
                     const v1::RecordConsentRequest& request,
                     Done<v1::Placement> done);
  // Staff only; console staff need tls::StaffAction::kReleasePlace.
  void ReleasePlace(const Caller& caller,
                    const v1::ReleasePlaceRequest& request,
                    Done<v1::ReleasePlaceResponse> done);
  // Staff only; console staff need kRecordPlacement.
  void RecordFailure(const Caller& caller,
                     const v1::RecordFailureRequest& request,
                     Done<v1::RecordFailureResponse> done);
  // Staff only; console staff need kRecordPlacement.
  void RecordFirstContact(const Caller& caller,
                          const v1::RecordFirstContactRequest& request,
                          Done<v1::Placement> done);
  // Staff only. Blocking reads.
  absl::StatusOr<v1::ListWaitingResponse> ListWaiting(
      const Caller& caller, const v1::ListWaitingRequest& request);
  absl::StatusOr<v1::Placement> GetPlacement(const Caller& caller,
                                             const std::string& reference);
  // The referral's history from allocation's audit trail
  // (audit::ListHistory), for staff who may read referrals (ROLE_STAFF and,
  // for console staff, tls::StaffAction::kReadReferral); the read is
  // audited.
  void ListHistory(const Caller& caller,
                   const common::v1::ListHistoryRequest& request,
                   audit::HistoryDone done);
  // The figures of placements in a period (allocation_report.h), for
  // ROLE_REPORT_VIEWER; each run audited (report::RunReport).
  void Report(const Caller& caller, const common::v1::ReportRequest& request,
              report::ReportDone done);
  absl::StatusOr<std::map<std::string, ProgrammeStats>> Stats();

 private:
  struct Record;
  absl::Status Plan(store::Tx& tx, Record& r, absl::Time now);
  absl::Status TryAllocate(store::Tx& tx, Record& r,
                           const config::v1::Programme& programme,
                           absl::Time now);
  // Gives a place freed from `programme_id` to the head of its list, if
  // anyone there fits, saving the change; returns that placement.
  absl::StatusOr<std::optional<v1::Placement>> RefillFrom(
      store::Tx& tx, const std::string& programme_id, const Caller& by,
      absl::Time now);
  absl::StatusOr<std::optional<Record>> AllocateNext(
      store::Tx& tx, const std::string& programme_id, absl::Time now);
  absl::StatusOr<Record> Load(store::Tx& tx, const std::string& reference);
  // Writes the placement (its reason sealed) with its PlacementChanged
  // event and an audit entry of `action` for `reason_code`, whose details
  // hold the placement's codes and ids, then `more_details` (JSON members,
  // each starting with a comma).
  absl::Status Save(store::Tx& tx, Record& r, bool insert, const Caller& by,
                    const std::string& action, const std::string& reason_code,
                    absl::Time now, const std::string& more_details = "");
  v1::Placement Shape(const Record& r, absl::Time now) const;
  // The store callback of a staff change: on commit wakes the relay and
  // hands `*result` to `done`; otherwise the error.
  template <typename T>
  store::Done Committed(std::shared_ptr<T> result, Done<T> done) {
    return [this, result, done = std::move(done)](absl::Status status) {
      if (!status.ok()) {
        done(status);
        return;
      }
      if (on_committed_) on_committed_();
      done(*result);
    };
  }

  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Catalogue& catalogue_;
  const Settings& settings_;
  const tls::AgencyRegistry& agencies_;
  FundingAreaOf funding_area_;
  const Clock& clock_;
  std::function<void()> on_committed_;
};

}  // namespace frontdoor::allocation
