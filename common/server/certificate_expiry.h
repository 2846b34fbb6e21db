#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/tls/reloading_agency_registry.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::server {

// Seconds until certificates expire, for the certificate alerts, read at
// each scrape against the real time (the time TLS checks them against):
//   frontdoor_peer_certificate_expiry_seconds{agency}
//     the client certificate each calling partner agency last presented,
//     recorded at the start of each of its calls (Seen); only agencies
//     registered now are exported, so the labels are bounded by the
//     registry and an agency removed from it disappears. The suite's own
//     services (ROLE_SERVICE) calling each other are left out: their
//     certificates are watched where they are issued and by the next gauge;
//   frontdoor_certificate_expiry_seconds
//     the service's own certificate (server.tls.cert_file, which it also
//     presents as a client), as the file reads now; absent when it cannot
//     be read.
// Negative once expired. Thread-safe.
class CertificateExpiry final : public prometheus::Collectable {
 public:
  // `agencies` must outlive this. `own_cert_file` may be empty.
  CertificateExpiry(tls::ReloadingAgencyRegistry& agencies,
                    std::string own_cert_file);

  // Records the certificate the caller of `context` presented, under its
  // agency when a partner agency (not ROLE_SERVICE) is registered for it
  // now; otherwise does nothing.
  // Parses a certificate only when it differs from the one last recorded.
  void Seen(const grpc::ServerContextBase& context);

  // A server interceptor factory calling Seen when a call's metadata has
  // arrived, for every method (streams included). `expiry` must outlive
  // the server; the factory shares it.
  static std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  Interceptors(std::shared_ptr<CertificateExpiry> expiry);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Presented {
    std::string pem;
    absl::Time not_after;
  };

  tls::ReloadingAgencyRegistry& agencies_;
  const std::string own_cert_file_;
  mutable absl::Mutex mu_;
  std::map<std::string, Presented> by_agency_ ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::server
