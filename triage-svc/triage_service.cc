#include "triage-svc/triage_service.h"

#include "common/server/call_context.h"

namespace frontdoor::triage {

using server::Finisher;
using server::FinishWith;
using server::HandleUnary;

grpc::ServerUnaryReactor* TriageService::ListQueue(
    grpc::CallbackServerContext* context, const v1::ListQueueRequest* request,
    v1::ListQueueResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       FinishWith(reactor, core_.ListQueue(caller, *request),
                                  response);
                     });
}

grpc::ServerUnaryReactor* TriageService::GetAssessmentForm(
    grpc::CallbackServerContext* context,
    const v1::GetAssessmentFormRequest* request,
    v1::AssessmentForm* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.GetAssessmentForm(caller, request->reference(),
                                               Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageService::SubmitAssessment(
    grpc::CallbackServerContext* context,
    const v1::SubmitAssessmentRequest* request, v1::Decision* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.SubmitAssessment(caller, *request,
                                              Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageService::GetDecision(
    grpc::CallbackServerContext* context, const v1::GetDecisionRequest* request,
    v1::Decision* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.GetDecision(caller, request->reference(),
                                         Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageService::ListHistory(
    grpc::CallbackServerContext* context,
    const common::v1::ListHistoryRequest* request,
    common::v1::ListHistoryResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.ListHistory(caller, *request,
                                         Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageService::OverrideDecision(
    grpc::CallbackServerContext* context,
    const v1::OverrideDecisionRequest* request, v1::Decision* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.OverrideDecision(caller, *request,
                                              Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageService::Report(
    grpc::CallbackServerContext* context,
    const common::v1::ReportRequest* request,
    common::v1::ReportResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.Report(caller, *request,
                                    Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* TriageInbox::DeliverReferral(
    grpc::CallbackServerContext* context,
    const intake::v1::ReferralReceived* request,
    v1::DeliverReferralResponse* response) {
  return HandleUnary(
      context, registry_, [&](const Caller& caller, auto* reactor) {
        core_.Deliver(caller, *request,
                      [reactor, response](absl::StatusOr<bool> recorded) {
                        if (recorded.ok()) response->set_recorded(*recorded);
                        reactor->Finish(ToGrpcStatus(recorded.status()));
                      });
      });
}

}  // namespace frontdoor::triage
