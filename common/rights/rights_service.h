#pragma once

// The gRPC adapter of the DataRights contract, one for every service: each
// method authenticates the caller (and takes a read or write token from its
// agency's rate limit) and hands the request to the service's RightsCore.

#include <memory>

#include "absl/status/statusor.h"
#include "common/rights/rights_core.h"
#include "common/server/call_context.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"

namespace frontdoor::rights {

class RightsService final : public common::v1::DataRights::CallbackService {
 public:
  // All must outlive the service.
  RightsService(RightsCore& core, tls::ReloadingAgencyRegistry& registry,
                server::EdgeLimits& limits)
      : core_(core), registry_(registry), limits_(limits) {}

  grpc::ServerUnaryReactor* FindPerson(
      grpc::CallbackServerContext* context,
      const common::v1::FindPersonRequest* request,
      common::v1::FindPersonResponse* response) override;
  grpc::ServerUnaryReactor* ExportSubject(
      grpc::CallbackServerContext* context,
      const common::v1::ExportSubjectRequest* request,
      common::v1::ExportSubjectResponse* response) override;
  grpc::ServerUnaryReactor* Rectify(
      grpc::CallbackServerContext* context,
      const common::v1::RectifyRequest* request,
      common::v1::RectifyResponse* response) override;
  grpc::ServerUnaryReactor* SetRestriction(
      grpc::CallbackServerContext* context,
      const common::v1::SetRestrictionRequest* request,
      common::v1::RightsState* response) override;
  grpc::ServerUnaryReactor* SetLegalHold(
      grpc::CallbackServerContext* context,
      const common::v1::SetLegalHoldRequest* request,
      common::v1::RightsState* response) override;
  grpc::ServerUnaryReactor* Erase(grpc::CallbackServerContext* context,
                                  const common::v1::EraseRequest* request,
                                  common::v1::RightsState* response) override;
  grpc::ServerUnaryReactor* GetRightsState(
      grpc::CallbackServerContext* context,
      const common::v1::GetRightsStateRequest* request,
      common::v1::RightsState* response) override;

 private:
  RightsCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
  server::EdgeLimits& limits_;
};

}  // namespace frontdoor::rights

namespace frontdoor::rights {

// The adapter over `core`, its requests decoded strictly
// (server::DecodeRequestsStrictly), for the service's ServerParts.
absl::StatusOr<std::unique_ptr<RightsService>> MakeRightsService(
    RightsCore& core, tls::ReloadingAgencyRegistry& registry,
    server::EdgeLimits& limits);

}  // namespace frontdoor::rights
