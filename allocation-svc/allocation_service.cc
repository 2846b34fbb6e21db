#include "allocation-svc/allocation_service.h"

#include <optional>

#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/server/call_context.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"

namespace frontdoor::allocation {
namespace {

// Finishes `reactor` with `result`, copied into `response` when OK.
template <typename T>
void FinishWith(grpc::ServerUnaryReactor* reactor, absl::StatusOr<T> result,
                T* response) {
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
}

template <typename T>
AllocationCore::Done<T> Finisher(grpc::ServerUnaryReactor* reactor,
                                 T* response) {
  return [reactor, response](absl::StatusOr<T> result) {
    FinishWith(reactor, std::move(result), response);
  };
}

}  // namespace

grpc::ServerUnaryReactor* AllocationService::ListProgrammes(
    grpc::CallbackServerContext* context, const v1::ListProgrammesRequest*,
    v1::ListProgrammesResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  if (!server::AuthenticateOrFinish(*context, registry_, reactor).has_value()) return reactor;
  response->set_version(catalogue_.version());
  *response->mutable_programmes() = catalogue_.proto().programmes();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AllocationService::RecordConsent(
    grpc::CallbackServerContext* context,
    const v1::RecordConsentRequest* request, v1::Placement* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.RecordConsent(*caller, *request, Finisher(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* AllocationService::ReleasePlace(
    grpc::CallbackServerContext* context,
    const v1::ReleasePlaceRequest* request,
    v1::ReleasePlaceResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.ReleasePlace(*caller, *request, Finisher(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* AllocationService::RecordFailure(
    grpc::CallbackServerContext* context,
    const v1::RecordFailureRequest* request,
    v1::RecordFailureResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller =
      server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  core_.RecordFailure(*caller, *request, Finisher(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* AllocationService::ListWaiting(
    grpc::CallbackServerContext* context,
    const v1::ListWaitingRequest* request,
    v1::ListWaitingResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  FinishWith(reactor, core_.ListWaiting(*caller, *request), response);
  return reactor;
}

grpc::ServerUnaryReactor* AllocationService::GetPlacement(
    grpc::CallbackServerContext* context,
    const v1::GetPlacementRequest* request, v1::Placement* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  std::optional<Caller> caller = server::AuthenticateOrFinish(*context, registry_, reactor);
  if (!caller.has_value()) return reactor;
  FinishWith(reactor, core_.GetPlacement(*caller, request->reference()),
             response);
  return reactor;
}

grpc::ServerUnaryReactor* AllocationInbox::DeliverDecision(
    grpc::CallbackServerContext* context,
    const triage::v1::TriageDecided* request,
    v1::DeliverDecisionResponse* response) {
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

}  // namespace frontdoor::allocation
