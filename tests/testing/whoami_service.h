#pragma once

#include <atomic>

#include "common/tls/agency_registry.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"

namespace frontdoor::testing {

// Callback-API test service: authenticates each call with
// tls::AuthenticateCaller against `registry` and answers with the Caller, or
// with the authentication error's code and message. The answer carries the
// serial of the client certificate presented.
class WhoAmIService final : public v1::WhoAmI::CallbackService {
 public:
  // `registry` must outlive the service.
  explicit WhoAmIService(const tls::AgencyRegistry& registry)
      : registry_(registry) {}

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;

  // How many calls reached the handler.
  int calls() const { return calls_.load(); }

 private:
  const tls::AgencyRegistry& registry_;
  std::atomic<int> calls_{0};
};

}  // namespace frontdoor::testing
