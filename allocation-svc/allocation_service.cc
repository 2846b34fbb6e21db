#include "allocation-svc/allocation_service.h"

#include "common/server/call_context.h"

namespace frontdoor::allocation {

using server::Finisher;
using server::FinishWith;
using server::HandleUnary;

grpc::ServerUnaryReactor* AllocationService::ListProgrammes(
    grpc::CallbackServerContext* context, const v1::ListProgrammesRequest*,
    v1::ListProgrammesResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller&, grpc::ServerUnaryReactor* reactor) {
                       response->set_version(catalogue_.version());
                       *response->mutable_programmes() =
                           catalogue_.proto().programmes();
                       reactor->Finish(grpc::Status::OK);
                     });
}

grpc::ServerUnaryReactor* AllocationService::RecordConsent(
    grpc::CallbackServerContext* context,
    const v1::RecordConsentRequest* request, v1::Placement* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.RecordConsent(caller, *request,
                                           Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationService::ReleasePlace(
    grpc::CallbackServerContext* context,
    const v1::ReleasePlaceRequest* request,
    v1::ReleasePlaceResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.ReleasePlace(caller, *request,
                                          Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationService::RecordFailure(
    grpc::CallbackServerContext* context,
    const v1::RecordFailureRequest* request,
    v1::RecordFailureResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.RecordFailure(caller, *request,
                                           Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationService::RecordFirstContact(
    grpc::CallbackServerContext* context,
    const v1::RecordFirstContactRequest* request, v1::Placement* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kWrite,
                     [&](const Caller& caller, auto* reactor) {
                       core_.RecordFirstContact(caller, *request,
                                                Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationService::ListWaiting(
    grpc::CallbackServerContext* context,
    const v1::ListWaitingRequest* request,
    v1::ListWaitingResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       FinishWith(reactor, core_.ListWaiting(caller, *request),
                                  response);
                     });
}

grpc::ServerUnaryReactor* AllocationService::GetPlacement(
    grpc::CallbackServerContext* context,
    const v1::GetPlacementRequest* request, v1::Placement* response) {
  return HandleUnary(
      context, registry_, limits_, server::CallKind::kRead,
      [&](const Caller& caller, auto* reactor) {
        FinishWith(reactor, core_.GetPlacement(caller, request->reference()),
                   response);
      });
}

grpc::ServerUnaryReactor* AllocationService::ListHistory(
    grpc::CallbackServerContext* context,
    const common::v1::ListHistoryRequest* request,
    common::v1::ListHistoryResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.ListHistory(caller, *request,
                                         Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationService::Report(
    grpc::CallbackServerContext* context,
    const common::v1::ReportRequest* request,
    common::v1::ReportResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.Report(caller, *request,
                                    Finisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* AllocationInbox::DeliverDecision(
    grpc::CallbackServerContext* context,
    const triage::v1::TriageDecided* request,
    v1::DeliverDecisionResponse* response) {
  return HandleUnary(
      context, registry_, [&](const Caller& caller, auto* reactor) {
        core_.Deliver(caller, *request,
                      [reactor, response](absl::StatusOr<bool> recorded) {
                        if (recorded.ok()) response->set_recorded(*recorded);
                        reactor->Finish(ToGrpcStatus(recorded.status()));
                      });
      });
}

}  // namespace frontdoor::allocation
