#include "tests/testing/whoami_service.h"

#include <string>

#include "common/tls/authenticate.h"
#include "common/tls/certificate_facts.h"

namespace frontdoor::testing {

grpc::ServerUnaryReactor* WhoAmIService::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
    v1::WhoAmIResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ++calls_;
  absl::StatusOr<Caller> caller = tls::AuthenticateCaller(*context, registry_);
  if (!caller.ok()) {
    reactor->Finish(
        grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                     std::string(caller.status().message())));
    return reactor;
  }
  if (request->fail_with_code() != 0) {
    reactor->Finish(
        grpc::Status(static_cast<grpc::StatusCode>(request->fail_with_code()),
                     "requested failure"));
    return reactor;
  }
  response->set_agency_id(caller->agency_id);
  response->set_identity(caller->identity);
  response->set_actor(caller->actor);
  response->set_staff_role(caller->staff_role);
  for (config::v1::Role role : caller->roles) response->add_roles(role);
  if (std::optional<std::string> pem =
          tls::PeerCertificatePem(*context->auth_context())) {
    absl::StatusOr<tls::CertificateFacts> facts = tls::ParseCertificatePem(*pem);
    if (facts.ok()) response->set_peer_certificate_serial(facts->serial_hex);
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace frontdoor::testing
