#pragma once

#include "common/tls/agency_registry.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"

namespace frontdoor::testing {

// Callback-API test service: authenticates each call with
// tls::AuthenticateCaller against `registry` and answers with the Caller, or
// with the authentication error's code and message.
class WhoAmIService final : public v1::WhoAmI::CallbackService {
 public:
  // `registry` must outlive the service.
  explicit WhoAmIService(const tls::AgencyRegistry& registry)
      : registry_(registry) {}

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

 private:
  const tls::AgencyRegistry& registry_;
};

}  // namespace frontdoor::testing
