#pragma once

// The decision of a submission's write, as a pure function: what IntakeCore
// loaded in the transaction (an earlier use of the idempotency key, the
// repeat status) in, the receipt to store and answer, the events for the
// outbox and the audit entry's codes out. No storage, no gRPC, no clock.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"

namespace frontdoor::intake {

// Outbox topics of ReferralReceived events: for triage-svc, and for
// notify-svc (the referrer's acknowledgement), each with its own event id.
inline constexpr char kReferralReceivedTopic[] = "intake.referral_received";
inline constexpr char kReferralReceivedForNotifyTopic[] =
    "notify.referral_received";
// Their event ids: "<reference>:received" for triage-svc and
// "<reference>:received:notify" for notify-svc.
inline constexpr char kReceivedEventIdSuffix[] = ":received";
inline constexpr char kForNotifyEventIdSuffix[] = ":notify";
// Audit reason codes (common/audit/README.md).
// referral.receive: accepted (details: front door) or returned (details:
// the return reason's code).
inline constexpr char kReasonReferralAccepted[] = "referral_accepted";
inline constexpr char kReasonReferralReturned[] = "referral_returned";

// A validated, routed submission as prepared before its transaction.
struct Submission {
  // The caller's agency: owns the idempotency key.
  std::string agency_id;
  // The agency the referral is recorded as coming from: agency_id, or the
  // agency staff keyed it on behalf of.
  std::string referring_agency;
  // Where the referral came from, for reports (intake_report.h
  // ReferralSource): "self" or the referring agency's sector.
  std::string source;
  // SHA-256 (hex) of the referral's deterministic bytes.
  std::string request_hash;
  // Reference, status, front door, return reasons, received_at and
  // district set; the repeat status is decided with what was loaded.
  intake::v1::Receipt receipt;
  // event_id (kReceivedEventIdSuffix), agency_id, the blind indexes and the
  // referral set; the receipt is set by the decision.
  intake::v1::ReferralReceived event;
};

// What the transaction read for the decision.
struct SubmissionLoaded {
  struct Prior {
    std::string request_hash;
    std::string receipt;  // the stored Receipt's bytes
  };
  // The submission stored earlier under the same agency and idempotency
  // key, if any.
  std::optional<Prior> prior;
  // Whether the person was received within the repeat window (only looked
  // up when there is no prior submission).
  intake::v1::RepeatStatus repeat = intake::v1::REPEAT_STATUS_UNSPECIFIED;
};

// One event for the outbox.
struct OutgoingEvent {
  std::string topic;
  intake::v1::ReferralReceived event;
};

struct SubmissionDecision {
  // The key's earlier submission of the same referral: answer its receipt
  // and write nothing.
  bool replay = false;
  // The receipt to store (unless a replay) and answer.
  intake::v1::Receipt receipt;
  // For triage-svc, then for notify-svc; empty on a replay.
  std::vector<OutgoingEvent> events;
  // referral.receive's reason code and details (codes and agency ids only:
  // the front door, a returned referral's first return reason code, the
  // agency keyed on behalf of when not the caller's).
  std::string audit_reason;
  std::string audit_details;
};

// ALREADY_EXISTS when the agency used the idempotency key for a different
// referral; INTERNAL when the prior submission's stored receipt does not
// parse; otherwise a replay of the prior submission, or the new
// referral's receipt (with its repeat status), events and audit codes.
absl::StatusOr<SubmissionDecision> DecideSubmission(
    const Submission& submission, const SubmissionLoaded& loaded);

}  // namespace frontdoor::intake
