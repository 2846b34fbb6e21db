#pragma once

#include "allocation-svc/allocation_core.h"
#include "common/server/call_context.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"

namespace frontdoor::allocation {

// The gRPC adapters of allocation-svc: authenticate the caller, carry the
// trace context, call the core, convert the outcome at the edge. Writes
// finish from the store's callback; reads are short snapshot reads.
class AllocationService final
    : public v1::AllocationService::CallbackService {
 public:
  AllocationService(AllocationCore& core, const Catalogue& catalogue,
                    tls::ReloadingAgencyRegistry& registry,
                    server::EdgeLimits& limits)
      : core_(core),
        catalogue_(catalogue),
        registry_(registry),
        limits_(limits) {}

  grpc::ServerUnaryReactor* ListProgrammes(
      grpc::CallbackServerContext* context,
      const v1::ListProgrammesRequest* request,
      v1::ListProgrammesResponse* response) override;
  grpc::ServerUnaryReactor* RecordConsent(
      grpc::CallbackServerContext* context,
      const v1::RecordConsentRequest* request,
      v1::Placement* response) override;
  grpc::ServerUnaryReactor* ReleasePlace(
      grpc::CallbackServerContext* context,
      const v1::ReleasePlaceRequest* request,
      v1::ReleasePlaceResponse* response) override;
  grpc::ServerUnaryReactor* RecordFailure(
      grpc::CallbackServerContext* context,
      const v1::RecordFailureRequest* request,
      v1::RecordFailureResponse* response) override;
  grpc::ServerUnaryReactor* RecordFirstContact(
      grpc::CallbackServerContext* context,
      const v1::RecordFirstContactRequest* request,
      v1::Placement* response) override;
  grpc::ServerUnaryReactor* ListWaiting(
      grpc::CallbackServerContext* context,
      const v1::ListWaitingRequest* request,
      v1::ListWaitingResponse* response) override;
  grpc::ServerUnaryReactor* GetPlacement(
      grpc::CallbackServerContext* context,
      const v1::GetPlacementRequest* request,
      v1::Placement* response) override;
  grpc::ServerUnaryReactor* ListHistory(
      grpc::CallbackServerContext* context,
      const common::v1::ListHistoryRequest* request,
      common::v1::ListHistoryResponse* response) override;
  grpc::ServerUnaryReactor* Report(
      grpc::CallbackServerContext* context,
      const common::v1::ReportRequest* request,
      common::v1::ReportResponse* response) override;

 private:
  AllocationCore& core_;
  const Catalogue& catalogue_;
  tls::ReloadingAgencyRegistry& registry_;
  server::EdgeLimits& limits_;
};

// triage-svc's hand-off.
class AllocationInbox final : public v1::AllocationInbox::CallbackService {
 public:
  AllocationInbox(AllocationCore& core, tls::ReloadingAgencyRegistry& registry)
      : core_(core), registry_(registry) {}

  grpc::ServerUnaryReactor* DeliverDecision(
      grpc::CallbackServerContext* context,
      const triage::v1::TriageDecided* request,
      v1::DeliverDecisionResponse* response) override;

 private:
  AllocationCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
};

}  // namespace frontdoor::allocation
