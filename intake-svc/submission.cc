#include "intake-svc/submission.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"

namespace frontdoor::intake {

absl::StatusOr<SubmissionDecision> DecideSubmission(
    const Submission& submission, const SubmissionLoaded& loaded) {
  SubmissionDecision d;
  if (loaded.prior.has_value()) {
    if (loaded.prior->request_hash != submission.request_hash) {
      return absl::AlreadyExistsError(
          "idempotency_key was already used by this agency for a "
          "different referral; use a new key for a new referral");
    }
    if (!d.receipt.ParseFromString(loaded.prior->receipt)) {
      return absl::InternalError("stored receipt does not parse");
    }
    d.replay = true;
    return d;
  }
  d.receipt = submission.receipt;
  d.receipt.set_repeat(loaded.repeat);

  OutgoingEvent for_triage{kReferralReceivedTopic, submission.event};
  *for_triage.event.mutable_receipt() = d.receipt;
  OutgoingEvent for_notify{kReferralReceivedForNotifyTopic, for_triage.event};
  for_notify.event.set_event_id(
      absl::StrCat(for_triage.event.event_id(), kForNotifyEventIdSuffix));
  d.events.push_back(std::move(for_triage));
  d.events.push_back(std::move(for_notify));

  const bool accepted =
      d.receipt.status() == intake::v1::REFERRAL_STATUS_ACCEPTED;
  d.audit_reason =
      accepted ? kReasonReferralAccepted : kReasonReferralReturned;
  // Codes only: enum labels, a return reason's code and agency ids from the
  // registry (no escaping needed).
  d.audit_details = absl::StrCat(
      "{\"front_door\":\"",
      EnumLabel(common::v1::FrontDoor_Name(d.receipt.front_door()),
                "FRONT_DOOR_"),
      "\"");
  if (!accepted && d.receipt.return_reasons_size() > 0) {
    absl::StrAppend(&d.audit_details, ",\"return_reason\":\"",
                    d.receipt.return_reasons(0).code(), "\"");
  }
  if (submission.referring_agency != submission.agency_id) {
    absl::StrAppend(&d.audit_details, ",\"on_behalf_of_agency\":\"",
                    submission.referring_agency, "\"");
  }
  d.audit_details.push_back('}');
  return d;
}

}  // namespace frontdoor::intake
