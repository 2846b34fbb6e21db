#pragma once

// Practitioners' triage calls as the flow tests make them.

#include <chrono>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "tests/testing/examples.h"

namespace frontdoor::testing {

// Submits `request` once triage has the referral (NOT_FOUND until intake's
// relay has handed it over), retrying every `poll` until `settle` runs out.
// The last status; `decision` holds the answer when it is OK.
inline grpc::Status SubmitAssessmentWhenQueued(
    triage::v1::TriageService::Stub& staff,
    const triage::v1::SubmitAssessmentRequest& request,
    triage::v1::Decision* decision,
    absl::Duration settle = absl::Seconds(30),
    absl::Duration poll = absl::Milliseconds(20)) {
  grpc::Status status;
  const absl::Time give_up = absl::Now() + settle;
  while (absl::Now() < give_up) {
    grpc::ClientContext context;
    PrepareCall(context);
    status = staff.SubmitAssessment(&context, request, decision);
    if (status.error_code() != grpc::StatusCode::NOT_FOUND) break;
    absl::SleepFor(poll);
  }
  return status;
}

}  // namespace frontdoor::testing
