#include "triage-svc/triage_service.h"

#include <string>

#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/server/call_context.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"

namespace frontdoor::triage {
namespace {

// Finishes `reactor` with a decision, copied into `response` when OK.
TriageCore::DecisionDone FinishWithDecision(grpc::ServerUnaryReactor* reactor,
                                            v1::Decision* response) {
  return [reactor, response](absl::StatusOr<v1::Decision> d) {
    if (d.ok()) *response = *std::move(d);
    reactor->Finish(ToGrpcStatus(d.status()));
  };
}

}  // namespace

grpc::ServerUnaryReactor* TriageService::ListQueue(
    grpc::CallbackServerContext* context, const v1::ListQueueRequest* request,
    v1::ListQueueResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  absl::StatusOr<v1::ListQueueResponse> r = core_.ListQueue(*caller, *request);
  if (r.ok()) *response = *std::move(r);
  reactor->Finish(ToGrpcStatus(r.status()));
  return reactor;
}

grpc::ServerUnaryReactor* TriageService::SubmitAssessment(
    grpc::CallbackServerContext* context,
    const v1::SubmitAssessmentRequest* request, v1::Decision* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.SubmitAssessment(*caller, *request,
                         FinishWithDecision(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* TriageService::GetDecision(
    grpc::CallbackServerContext* context, const v1::GetDecisionRequest* request,
    v1::Decision* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.GetDecision(*caller, request->reference(),
                    FinishWithDecision(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* TriageInbox::DeliverReferral(
    grpc::CallbackServerContext* context,
    const intake::v1::ReferralReceived* request,
    v1::DeliverReferralResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.Deliver(*caller, *request,
                [reactor, response](absl::StatusOr<bool> recorded) {
                  if (recorded.ok()) response->set_recorded(*recorded);
                  reactor->Finish(ToGrpcStatus(recorded.status()));
                });
  return reactor;
}

}  // namespace frontdoor::triage
