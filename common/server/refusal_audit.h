#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/server/rate_limit.h"
#include "common/store/store.h"
#include "common/tls/reloading_agency_registry.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace frontdoor::server {

// Audit rows of refused calls each agency may cause: a burst of 20, then one
// a second. All unregistered identities share one such bucket, so a
// certificate that is not (or no longer) registered cannot grow the trail
// without bound, whatever it calls.
inline constexpr BucketSpec kRefusalAuditBucket{1, 20};

// Server interceptor factory auditing every call the server answers
// PERMISSION_DENIED, on every method (partners calling staff methods,
// inboxes or operator methods; roles are checked in the cores, this sees
// their answers): action audit::kActionCallRefused, reason code
// audit::kReasonRoleMissing with the caller's agency and person for a
// registered agency, audit::kReasonUnregistered (no agency, no identity)
// for a certificate the registry does not know; details
// {"method":"/pkg.Service/Method"}. The status is sent once the row has
// committed (or failed to: the call's answer never depends on it).
// Refusals beyond the caller's kRefusalAuditBucket are not audited; they
// are counted in
//   frontdoor_refusals_unaudited_total{agency}
// ("unregistered" for unknown identities) and answered the same.
class RefusalAuditInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // All must outlive the factory (the server that owns it); registers the
  // counter in `metrics`.
  RefusalAuditInterceptorFactory(store::Store& store,
                                 const crypto::KeyRing& keys,
                                 tls::ReloadingAgencyRegistry& agencies,
                                 const Clock& clock,
                                 prometheus::Registry& metrics);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // Audits the refusal of the call `info` describes, then calls `proceed`
  // (at once when the refusal is not audited).
  void Audit(grpc::experimental::ServerRpcInfo& info,
             std::function<void()> proceed);

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  tls::ReloadingAgencyRegistry& agencies_;
  const Clock& clock_;
  AgencyRateLimiter limiter_;
  prometheus::Family<prometheus::Counter>& unaudited_;
};

}  // namespace frontdoor::server
