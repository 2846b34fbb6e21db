#include "common/server/certificate_expiry.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/time/clock.h"
#include "common/metrics/families.h"
#include "common/tls/authenticate.h"
#include "common/tls/certificate_facts.h"

namespace frontdoor::server {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class SeenInterceptor final : public grpc::experimental::Interceptor {
 public:
  SeenInterceptor(CertificateExpiry& expiry, ServerRpcInfo& info)
      : expiry_(expiry), info_(info) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA) &&
        info_.server_context() != nullptr) {
      expiry_.Seen(*info_.server_context());
    }
    methods->Proceed();
  }

 private:
  CertificateExpiry& expiry_;
  ServerRpcInfo& info_;
};

class SeenInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit SeenInterceptorFactory(std::shared_ptr<CertificateExpiry> expiry)
      : expiry_(std::move(expiry)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      ServerRpcInfo* info) override {
    return new SeenInterceptor(*expiry_, *info);
  }

 private:
  std::shared_ptr<CertificateExpiry> expiry_;
};

}  // namespace

CertificateExpiry::CertificateExpiry(tls::ReloadingAgencyRegistry& agencies,
                                     std::string own_cert_file)
    : agencies_(agencies), own_cert_file_(std::move(own_cert_file)) {}

void CertificateExpiry::Seen(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return;
  std::optional<std::string> pem = tls::PeerCertificatePem(*auth);
  if (!pem.has_value()) return;
  const std::shared_ptr<const tls::AgencyRegistry> registry =
      agencies_.Current();
  const config::v1::Agency* agency = nullptr;
  for (const std::string& uri : tls::PeerUriSans(*auth)) {
    agency = registry->FindByIdentity(uri);
    if (agency != nullptr) break;
  }
  // The suite's own services' certificates are watched where they are
  // issued (cert-manager) and by each service's own gauge.
  if (agency == nullptr ||
      std::find(agency->roles().begin(), agency->roles().end(),
                config::v1::ROLE_SERVICE) != agency->roles().end()) {
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    auto it = by_agency_.find(agency->id());
    if (it != by_agency_.end() && it->second.pem == *pem) return;
  }
  absl::StatusOr<tls::CertificateFacts> facts = tls::ParseCertificatePem(*pem);
  if (!facts.ok()) return;  // the handshake accepted it; nothing to add
  absl::MutexLock lock(&mu_);
  by_agency_[agency->id()] = Presented{*std::move(pem), facts->not_after};
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CertificateExpiry::Interceptors(std::shared_ptr<CertificateExpiry> expiry) {
  return std::make_unique<SeenInterceptorFactory>(std::move(expiry));
}

std::vector<prometheus::MetricFamily> CertificateExpiry::Collect() const {
  const absl::Time now = absl::Now();
  const std::shared_ptr<const tls::AgencyRegistry> registry =
      agencies_.Current();
  auto peers = metrics::NewGauge(
      "frontdoor_peer_certificate_expiry_seconds",
      "Seconds until the client certificate each calling agency last "
      "presented expires (negative once expired), by agency id.");
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [agency, presented] : by_agency_) {
      if (registry->FindById(agency) == nullptr) continue;
      metrics::AddSample(peers, {{"agency", agency}},
                         absl::ToDoubleSeconds(presented.not_after - now));
    }
  }
  std::vector<prometheus::MetricFamily> families;
  families.push_back(std::move(peers));
  if (!own_cert_file_.empty()) {
    absl::StatusOr<tls::CertificateFacts> own =
        tls::ReadCertificateFile(own_cert_file_);
    if (own.ok()) {
      auto gauge = metrics::NewGauge(
          "frontdoor_certificate_expiry_seconds",
          "Seconds until the service's own certificate (server.tls."
          "cert_file, as on disk now) expires; negative once expired.");
      metrics::AddSample(gauge, {},
                         absl::ToDoubleSeconds(own->not_after - now));
      families.push_back(std::move(gauge));
    }
  }
  return families;
}

}  // namespace frontdoor::server
