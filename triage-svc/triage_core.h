#pragma once

// The triage flow over storage: recording referrals handed over by intake
// (exactly once, by reference), auto-triage from a complete DASH, the queue,
// practitioners' assessments, decisions with their outbox events and audit
// entries. No gRPC: the adapter in triage_service.* calls it.

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/audit/history.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/report/report_run.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "triage-svc/decide.h"
#include "triage-svc/rules.h"
#include "triage-svc/triage_metrics.h"

namespace frontdoor::triage {

// The TriageDecided topics, decided_by of automatic decisions and the
// reason codes of triage.record and triage.decide: in decide.h.
// Outbox topic of SerialPerpetratorIdentified events, for notify-svc (MATAC).
inline constexpr char kSerialPerpetratorTopic[] = "notify.serial_perpetrator";
// This service, as its history entries name it.
inline constexpr char kServiceName[] = "triage-svc";
// The only agency (registry id) that may hand referrals over.
inline constexpr char kIntakeServiceId[] = "intake-svc";
// Lawful basis recorded with each decision.
inline constexpr char kLawfulBasisTriage[] =
    "UK GDPR art. 6(1)(e) and 9(2)(g); DPA 2018 sch. 1 para. 18 "
    "(safeguarding of children and individuals at risk)";
// Audit reason codes (common/audit/README.md).
// triage.serial_perpetrator: a new victim crosses the threshold.
inline constexpr char kReasonSerialPerpetratorThreshold[] =
    "serial_perpetrator_threshold";
// triage.read_decision: staff read a decision.
inline constexpr char kReasonPractitionerView[] = "practitioner_view";
// Audit actions of GetDecision: the decision was read; the sealed decision
// failed its integrity check (reason code integrity, answered DATA_LOSS).
inline constexpr char kAuditReadDecision[] = "triage.read_decision";
inline constexpr char kAuditReadDecisionFailed[] = "triage.read_decision_failed";
// GetAssessmentForm: the recorded referral failed its integrity check
// (reason code integrity, answered DATA_LOSS).
inline constexpr char kAuditReadFormFailed[] = "triage.read_form_failed";
// Audit action of an override whose sealed referral or assessment did not
// open (reason code integrity, answered DATA_LOSS).
inline constexpr char kAuditOverrideFailed[] = "triage.override_failed";
// ListQueue page sizes.
inline constexpr int kDefaultQueuePageSize = 50;
inline constexpr int kMaxQueuePageSize = 500;

struct QueueStats {
  int64_t waiting = 0;
  // Wait of the longest-waiting referral; zero when none waits.
  absl::Duration oldest_wait = absl::ZeroDuration();
};

class TriageCore {
 public:
  using DeliverDone = std::function<void(absl::StatusOr<bool>)>;
  using DecisionDone = std::function<void(absl::StatusOr<v1::Decision>)>;

  // `on_committed` runs after a transaction that queued outbox events
  // commits (the relay's wake-up); may be empty.
  TriageCore(store::Store& store, const crypto::KeyRing& keys,
             const Rules& rules, const Clock& clock, TriageMetrics& metrics,
             std::function<void()> on_committed = {});

  // Records an accepted referral handed over by intake-svc, and decides it at
  // once when it carries a complete DASH (adults); otherwise it waits in the
  // queue. A referral naming a suspect is linked to the suspect's other
  // referrals; when it brings a new victim that crosses the serial-
  // perpetrator threshold, MATAC's event is queued in the same transaction. `done` gets true when this call recorded it, false when an earlier
  // delivery had (nothing changes) or the referral was returned by intake
  // (nothing to triage). PERMISSION_DENIED unless the caller is intake-svc;
  // INVALID_ARGUMENT for a malformed event. `done` may run on a store thread.
  void Deliver(const Caller& caller, const intake::v1::ReferralReceived& event,
               DeliverDone done);

  // A practitioner's assessment (staff only): decides, or re-decides, a
  // recorded referral. See TriageService.SubmitAssessment for the errors.
  // Console staff need tls::StaffAction::kAssess, and with a tier override
  // kOverrideTier: PERMISSION_DENIED otherwise, before anything is read.
  void SubmitAssessment(const Caller& caller,
                        const v1::SubmitAssessmentRequest& request,
                        DecisionDone done);

  // What an assessment of the referral asks (staff who may assess): its
  // front door and, for a child, ChildFormFor the child's age when intake
  // received it. Not audited (no personal data) unless the recorded
  // referral fails its integrity check: DATA_LOSS, audited as
  // kAuditReadFormFailed. NOT_FOUND for a reference triage has not
  // recorded.
  using FormDone = std::function<void(absl::StatusOr<v1::AssessmentForm>)>;
  void GetAssessmentForm(const Caller& caller, const std::string& reference,
                         FormDone done);
  // A team leader's override of a decided referral's tier (staff only,
  // tls::StaffAction::kOverrideTier): re-decides it on its latest
  // decision's assessment with the override, saved and published as a
  // practitioner's re-assessment is, audited with reason
  // kReasonTierOverride. See TriageService.OverrideDecision for the errors;
  // DATA_LOSS (audited as kAuditOverrideFailed) when the sealed referral or
  // assessment does not open.
  void OverrideDecision(const Caller& caller,
                        const v1::OverrideDecisionRequest& request,
                        DecisionDone done);

  // The latest decision (staff only); the read is audited. NOT_FOUND when
  // the referral is unknown or not decided yet; DATA_LOSS when the sealed
  // decision does not open, audited as kAuditReadDecisionFailed.
  void GetDecision(const Caller& caller, const std::string& reference,
                   DecisionDone done);

  // The queue, highest provisional risk first, then longest waiting (staff
  // only). Blocking read.
  absl::StatusOr<v1::ListQueueResponse> ListQueue(
      const Caller& caller, const v1::ListQueueRequest& request);

  // The referral's history from triage's audit trail (audit::ListHistory),
  // for staff who may read referrals (ROLE_STAFF and, for console staff,
  // tls::StaffAction::kReadReferral); the read is audited.
  void ListHistory(const Caller& caller,
                   const common::v1::ListHistoryRequest& request,
                   audit::HistoryDone done);

  // The figures of referrals received in a period (triage_report.h), for
  // ROLE_REPORT_VIEWER; each run audited (report::RunReport).
  void Report(const Caller& caller, const common::v1::ReportRequest& request,
              report::ReportDone done);

  // Queue depth and oldest wait, for metrics. Blocking read.
  absl::StatusOr<QueueStats> Stats();

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Rules& rules_;
  const Clock& clock_;
  TriageMetrics& metrics_;
  std::function<void()> on_committed_;
};

}  // namespace frontdoor::triage
