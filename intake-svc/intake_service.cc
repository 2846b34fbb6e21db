#include "intake-svc/intake_service.h"

#include <string>

#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/server/call_context.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"
#include "intake-svc/crash_points.h"

namespace frontdoor::intake {
namespace {

// Authenticates the caller and takes a token of `kind` from its agency's
// bucket; a refusal is counted and logged (without the identity) before the
// caller finishes the reactor with it.
absl::StatusOr<Caller> Authenticate(grpc::CallbackServerContext& context,
                                    tls::ReloadingAgencyRegistry& registry,
                                    IntakeMetrics& metrics,
                                    server::EdgeLimits& limits,
                                    server::CallKind kind) {
  absl::StatusOr<Caller> caller = tls::AuthenticateCaller(context, registry);
  if (caller.ok()) {
    if (absl::Status admitted = limits.Admit(*caller, kind); !admitted.ok()) {
      metrics.Rejected("rate_limited");
      return admitted;
    }
  } else {
    metrics.Rejected(absl::IsPermissionDenied(caller.status())
                         ? "permission_denied"
                     : absl::IsUnauthenticated(caller.status())
                         ? "unauthenticated"
                         : "invalid_metadata");
    Log(Level::kWarning, "call.refused",
        {{"code", absl::StatusCodeToString(caller.status().code())}});
  }
  return caller;
}

#ifdef FRONTDOOR_CRASH_POINTS
// The reactor of a submission while after_ack_before_forward is armed:
// gRPC calls OnDone once the reply has been sent.
class CrashWhenReplied final : public grpc::ServerUnaryReactor {
 public:
  void OnDone() override {
    FRONTDOOR_CRASH_POINT("after_ack_before_forward");
    delete this;
  }
};
#endif

// The reactor of one submission: gRPC's default one, except in the
// crash-point build (crash_points.h).
grpc::ServerUnaryReactor* SubmissionReactor(
    grpc::CallbackServerContext& context) {
#ifdef FRONTDOOR_CRASH_POINTS
  if (FRONTDOOR_CRASH_POINT_ARMED("after_ack_before_forward")) {
    return new CrashWhenReplied();
  }
#endif
  return context.DefaultReactor();
}

}  // namespace

grpc::ServerUnaryReactor* IntakeService::SubmitReferral(
    grpc::CallbackServerContext* context,
    const intake::v1::SubmitReferralRequest* request,
    intake::v1::SubmitReferralResponse* response) {
  grpc::ServerUnaryReactor* reactor = SubmissionReactor(*context);
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = Authenticate(
      *context, registry_, metrics_, limits_, server::CallKind::kWrite);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core_.Submit(*caller, *request,
               [reactor, response](absl::StatusOr<intake::v1::Receipt> r) {
                 if (r.ok()) *response->mutable_receipt() = *std::move(r);
                 reactor->Finish(ToGrpcStatus(r.status()));
               });
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::GetReferral(
    grpc::CallbackServerContext* context,
    const intake::v1::GetReferralRequest* request,
    intake::v1::GetReferralResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = Authenticate(
      *context, registry_, metrics_, limits_, server::CallKind::kRead);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core_.Get(*caller, request->reference(),
            [reactor, response](
                absl::StatusOr<intake::v1::GetReferralResponse> r) {
              if (r.ok()) *response = *std::move(r);
              reactor->Finish(ToGrpcStatus(r.status()));
            });
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::Report(
    grpc::CallbackServerContext* context,
    const common::v1::ReportRequest* request,
    common::v1::ReportResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = Authenticate(
      *context, registry_, metrics_, limits_, server::CallKind::kRead);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core_.Report(*caller, *request, server::Finisher(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::ListHistory(
    grpc::CallbackServerContext* context,
    const common::v1::ListHistoryRequest* request,
    common::v1::ListHistoryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = Authenticate(
      *context, registry_, metrics_, limits_, server::CallKind::kRead);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core_.ListHistory(*caller, *request, server::Finisher(reactor, response));
  return reactor;
}

grpc::ServerUnaryReactor* IntakeService::ReadReferral(
    grpc::CallbackServerContext* context,
    const intake::v1::ReadReferralRequest* request,
    intake::v1::ReadReferralResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = Authenticate(
      *context, registry_, metrics_, limits_, server::CallKind::kRead);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  core_.Read(*caller, *request,
             [reactor, response](
                 absl::StatusOr<intake::v1::ReadReferralResponse> r) {
               if (r.ok()) *response = *std::move(r);
               reactor->Finish(ToGrpcStatus(r.status()));
             });
  return reactor;
}

}  // namespace frontdoor::intake
