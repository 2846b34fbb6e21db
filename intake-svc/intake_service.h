#pragma once

#include "common/server/call_context.h"
#include "common/tls/agency_registry.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_metrics.h"

namespace frontdoor::intake {

// The gRPC adapter of intake-svc: authenticates the caller from its
// certificate, carries the trace context, hands the request to the core and
// converts the outcome at the edge. Never blocks a callback thread: the core
// finishes the reactor when the store has committed. Each call takes a token
// from the agency's bucket in `limits` (submissions writes, gets reads)
// before any work.
class IntakeService final : public intake::v1::IntakeService::CallbackService {
 public:
  // Callers are authenticated against `registry` as it is at each call.
  IntakeService(IntakeCore& core, tls::ReloadingAgencyRegistry& registry,
                IntakeMetrics& metrics, server::EdgeLimits& limits)
      : core_(core), registry_(registry), metrics_(metrics), limits_(limits) {}

  grpc::ServerUnaryReactor* SubmitReferral(
      grpc::CallbackServerContext* context,
      const intake::v1::SubmitReferralRequest* request,
      intake::v1::SubmitReferralResponse* response) override;

  grpc::ServerUnaryReactor* GetReferral(
      grpc::CallbackServerContext* context,
      const intake::v1::GetReferralRequest* request,
      intake::v1::GetReferralResponse* response) override;

  grpc::ServerUnaryReactor* Report(
      grpc::CallbackServerContext* context,
      const common::v1::ReportRequest* request,
      common::v1::ReportResponse* response) override;
  grpc::ServerUnaryReactor* ListHistory(
      grpc::CallbackServerContext* context,
      const common::v1::ListHistoryRequest* request,
      common::v1::ListHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ReadReferral(
      grpc::CallbackServerContext* context,
      const intake::v1::ReadReferralRequest* request,
      intake::v1::ReadReferralResponse* response) override;

 private:
  IntakeCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
  IntakeMetrics& metrics_;
  server::EdgeLimits& limits_;
};

}  // namespace frontdoor::intake
