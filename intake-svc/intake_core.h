#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/audit/history.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/reference/reference.h"
#include "common/report/report_run.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "common/tls/caller.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "intake-svc/districts.h"
#include "intake-svc/intake_metrics.h"
#include "intake-svc/submission.h"

namespace frontdoor::intake {

// This service, as its history entries name it.
inline constexpr char kServiceName[] = "intake-svc";
// Lawful basis recorded in the audit trail for receiving a referral.
inline constexpr char kLawfulBasisReceive[] =
    "UK GDPR art. 6(1)(e) and 9(2)(g), art. 10; DPA 2018 sch. 1 para. 18 "
    "(safeguarding of children and individuals at risk)";
// Audit actions of GetReferral: the referral was read; the read was refused
// (NOT_FOUND: an unknown reference, or another agency's); the sealed referral
// failed its integrity check (DATA_LOSS). Reason codes in
// common/audit/refusals.h.
inline constexpr char kAuditRead[] = "referral.read";
inline constexpr char kAuditReadRefused[] = "referral.read_refused";
inline constexpr char kAuditReadFailed[] = "referral.read_failed";
// A repeat is the same person referred within this many months.
inline constexpr int kRepeatWindowMonths = 12;
// Reason codes of referral.receive, the outbox topics and event ids: in
// submission.h.
// referral.read: the agency that submitted it, or the agency it was keyed
// on behalf of, reads its own referral.
inline constexpr char kReasonSubmittingAgencyView[] = "submitting_agency_view";
inline constexpr char kReasonReferringAgencyView[] = "referring_agency_view";
// referral.read by staff (ReadReferral): the reason code is the purpose
// given, ReadPurpose's name without "READ_PURPOSE_" in lower case
// ("triage", "assessment", "allocation", "first_contact", "safeguarding",
// "quality_review"); "" for READ_PURPOSE_UNSPECIFIED and unknown values.
std::string PurposeReasonCode(intake::v1::ReadPurpose purpose);

// The intake domain: validation, routing, repeat detection, idempotency and
// durable storage. No gRPC: the adapter in intake_service.* calls it.
class IntakeCore {
 public:
  using ReceiptDone = std::function<void(absl::StatusOr<intake::v1::Receipt>)>;
  using ReferralDone =
      std::function<void(absl::StatusOr<intake::v1::GetReferralResponse>)>;
  using StaffReadDone =
      std::function<void(absl::StatusOr<intake::v1::ReadReferralResponse>)>;

  // `agencies` names the agencies staff may key referrals on behalf of.
  // `on_committed` is called after a transaction that added an outbox event
  // commits (the relay's wake-up); may be empty.
  IntakeCore(store::Store& store, const crypto::KeyRing& keys,
             const DistrictDirectory& districts,
             const tls::AgencyRegistry& agencies, const Clock& clock,
             IntakeMetrics& metrics, std::function<void()> on_committed = {});

  // Validates, routes and stores a submission, then calls `done` with the
  // receipt shaped for `caller` (repeat status only for roles allowed to see
  // it) once the referral, its outbox event and its audit entry are
  // committed together. The referring agency, which the services after
  // intake tell (ReferralReceived.agency_id), is the caller's agency, or the
  // agency staff key the referral on behalf of (referrer.on_behalf_of_agency);
  // the caller's agency owns the idempotency key either way. The audit row
  // names the person as audit::ActorOf does ("<id> as call_handler" through
  // the console). Errors: PERMISSION_DENIED for an agency that may not
  // refer, or console staff whose role may not key referrals
  // (tls::StaffAction::kKeyReferral); INVALID_ARGUMENT with field
  // violations; ALREADY_EXISTS when the caller's
  // agency used the idempotency key for a different referral; UNAVAILABLE
  // when storage is. `done` may run on a store thread and must not block.
  void Submit(const Caller& caller,
              const intake::v1::SubmitReferralRequest& request,
              ReceiptDone done);

  // Returns a referral the caller's agency submitted, or one staff keyed on
  // its behalf; PERMISSION_DENIED for console staff (the console's agency
  // owns every referral keyed through it: they use the staff read); NOT_FOUND for unknown references and for other agencies'
  // alike, each audited as a refusal (kAuditReadRefused, reason code
  // unknown_reference or not_owner) at the same cost; DATA_LOSS when the
  // sealed referral does not open (altered, or swapped with another's),
  // audited as kAuditReadFailed (reason code integrity). Every outcome
  // writes exactly one audit row, in the transaction that read the row.
  void Get(const Caller& caller, const std::string& reference,
           ReferralDone done);

  // The figures of referrals received in a period (intake_report.h), for
  // ROLE_REPORT_VIEWER; each run audited (report::RunReport).
  void Report(const Caller& caller, const common::v1::ReportRequest& request,
              report::ReportDone done);

  // A referral's history from intake's audit trail (audit::ListHistory),
  // whichever agency referred, for staff who may read referrals
  // (ROLE_STAFF and, for console staff, tls::StaffAction::kReadReferral);
  // the read is audited.
  void ListHistory(const Caller& caller,
                   const common::v1::ListHistoryRequest& request,
                   audit::HistoryDone done);
  // Returns any referral in full to the service's staff: PERMISSION_DENIED
  // unless the caller has ROLE_STAFF and, for console staff, may read
  // referrals (tls::StaffAction kReadReferral); INVALID_ARGUMENT naming
  // "reference" or "purpose". One audit row per outcome, in the
  // transaction that read the row: kAuditRead with the purpose's reason
  // code (PurposeReasonCode), kAuditReadRefused (unknown_reference,
  // answered NOT_FOUND) or kAuditReadFailed (integrity, DATA_LOSS).
  void Read(const Caller& caller, const intake::v1::ReadReferralRequest& request,
            StaffReadDone done);

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const DistrictDirectory& districts_;
  const tls::AgencyRegistry& agencies_;
  const Clock& clock_;
  IntakeMetrics& metrics_;
  std::function<void()> on_committed_;
};


}  // namespace frontdoor::intake
