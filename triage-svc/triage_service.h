#pragma once

#include "common/server/call_context.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "triage-svc/triage_core.h"

namespace frontdoor::triage {

// The gRPC adapters of triage-svc: authenticate the caller from its
// certificate, carry the trace context, hand the request to the core and
// convert the outcome at the edge. Writes finish the reactor from the
// store's callback; ListQueue is a short snapshot read.
class TriageService final : public v1::TriageService::CallbackService {
 public:
  TriageService(TriageCore& core, tls::ReloadingAgencyRegistry& registry,
                server::EdgeLimits& limits)
      : core_(core), registry_(registry), limits_(limits) {}

  grpc::ServerUnaryReactor* ListQueue(grpc::CallbackServerContext* context,
                                      const v1::ListQueueRequest* request,
                                      v1::ListQueueResponse* response) override;
  grpc::ServerUnaryReactor* GetAssessmentForm(
      grpc::CallbackServerContext* context,
      const v1::GetAssessmentFormRequest* request,
      v1::AssessmentForm* response) override;
  grpc::ServerUnaryReactor* SubmitAssessment(
      grpc::CallbackServerContext* context,
      const v1::SubmitAssessmentRequest* request,
      v1::Decision* response) override;
  grpc::ServerUnaryReactor* GetDecision(grpc::CallbackServerContext* context,
                                        const v1::GetDecisionRequest* request,
                                        v1::Decision* response) override;
  grpc::ServerUnaryReactor* ListHistory(
      grpc::CallbackServerContext* context,
      const common::v1::ListHistoryRequest* request,
      common::v1::ListHistoryResponse* response) override;
  grpc::ServerUnaryReactor* OverrideDecision(
      grpc::CallbackServerContext* context,
      const v1::OverrideDecisionRequest* request,
      v1::Decision* response) override;
  grpc::ServerUnaryReactor* Report(
      grpc::CallbackServerContext* context,
      const common::v1::ReportRequest* request,
      common::v1::ReportResponse* response) override;

 private:
  TriageCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
  server::EdgeLimits& limits_;
};

// intake-svc's hand-off.
class TriageInbox final : public v1::TriageInbox::CallbackService {
 public:
  TriageInbox(TriageCore& core, tls::ReloadingAgencyRegistry& registry)
      : core_(core), registry_(registry) {}

  grpc::ServerUnaryReactor* DeliverReferral(
      grpc::CallbackServerContext* context,
      const intake::v1::ReferralReceived* request,
      v1::DeliverReferralResponse* response) override;

 private:
  TriageCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
};

}  // namespace frontdoor::triage
