#include "common/rights/rights_service.h"

#include "common/server/strict_decoding.h"

namespace frontdoor::rights {

using server::Finisher;
using server::HandleUnary;

// Each method: authenticate, a token of `kind`, then the core.
#define FRONTDOOR_RIGHTS_METHOD(Method, Request, Response, kind)    \
  grpc::ServerUnaryReactor* RightsService::Method(                  \
      grpc::CallbackServerContext* context, const Request* request, \
      Response* response) {                                         \
    return HandleUnary(context, registry_, limits_, kind,           \
                       [&](const Caller& caller, auto* reactor) {   \
                         core_.Method(caller, *request,             \
                                      Finisher(reactor, response)); \
                       });                                          \
  }

FRONTDOOR_RIGHTS_METHOD(FindPerson, common::v1::FindPersonRequest,
                        common::v1::FindPersonResponse, server::CallKind::kRead)
FRONTDOOR_RIGHTS_METHOD(ExportSubject, common::v1::ExportSubjectRequest,
                        common::v1::ExportSubjectResponse,
                        server::CallKind::kRead)
FRONTDOOR_RIGHTS_METHOD(Rectify, common::v1::RectifyRequest,
                        common::v1::RectifyResponse, server::CallKind::kWrite)
FRONTDOOR_RIGHTS_METHOD(SetRestriction, common::v1::SetRestrictionRequest,
                        common::v1::RightsState, server::CallKind::kWrite)
FRONTDOOR_RIGHTS_METHOD(SetLegalHold, common::v1::SetLegalHoldRequest,
                        common::v1::RightsState, server::CallKind::kWrite)
FRONTDOOR_RIGHTS_METHOD(Erase, common::v1::EraseRequest,
                        common::v1::RightsState, server::CallKind::kWrite)
FRONTDOOR_RIGHTS_METHOD(GetRightsState, common::v1::GetRightsStateRequest,
                        common::v1::RightsState, server::CallKind::kRead)

#undef FRONTDOOR_RIGHTS_METHOD

}  // namespace frontdoor::rights

namespace frontdoor::rights {

absl::StatusOr<std::unique_ptr<RightsService>> MakeRightsService(
    RightsCore& core, tls::ReloadingAgencyRegistry& registry,
    server::EdgeLimits& limits) {
  auto service = std::make_unique<RightsService>(core, registry, limits);
  if (absl::Status s = server::DecodeRequestsStrictly<common::v1::DataRights>(
          *service, &RightsService::FindPerson, &RightsService::ExportSubject,
          &RightsService::Rectify, &RightsService::SetRestriction,
          &RightsService::SetLegalHold, &RightsService::Erase,
          &RightsService::GetRightsState);
      !s.ok()) {
    return s;
  }
  return service;
}

}  // namespace frontdoor::rights
