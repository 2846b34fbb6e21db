#pragma once

// The certificate and key web-svc's HTTPS port serves, read again when
// their files change: cert-manager renews the Secret in place (30 days
// before expiry) and the kubelet swaps the mounted files, so the port
// serves the renewal without a restart, as the gRPC ports do (ADR 0009).

#include <memory>
#include <string>

#include <openssl/ssl.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace frontdoor::web {

// How often the files are looked at (the same interval as the gRPC ports'
// certificate watcher, tls::kCertificateRefreshInterval).
inline constexpr absl::Duration kPublicCertificateRefreshInterval =
    absl::Seconds(60);

class ReloadingCertificate {
 public:
  // A certificate chain, the first certificate the leaf, and its key.
  struct KeyPair;

  // Reads `cert_file` (PEM chain, leaf first) and `key_file` (PEM key):
  // INVALID_ARGUMENT when they cannot be read, parsed or do not match.
  static absl::StatusOr<std::unique_ptr<ReloadingCertificate>> Load(
      std::string cert_file, std::string key_file, const Clock& clock);
  ~ReloadingCertificate();

  // Serves the current pair on every handshake of `ctx` (a certificate
  // callback), looking at the files at most every
  // kPublicCertificateRefreshInterval. `this` must outlive `ctx`.
  bool Install(SSL_CTX& ctx);

  // The pair to serve now: when the interval has passed, the files are read
  // again and, if they changed and hold a matching pair, that pair
  // (logged as tls.public_certificate_reloaded). A changed pair that does
  // not load or match is logged (tls.public_certificate_reload_failed) and
  // the previous one kept.
  std::shared_ptr<const KeyPair> Current() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  ReloadingCertificate(std::string cert_file, std::string key_file,
                       const Clock& clock)
      : cert_file_(std::move(cert_file)),
        key_file_(std::move(key_file)),
        clock_(clock) {}
  static int OnHandshake(SSL* ssl, void* self);

  const std::string cert_file_;
  const std::string key_file_;
  const Clock& clock_;
  absl::Mutex mu_;
  std::shared_ptr<const KeyPair> current_ ABSL_GUARDED_BY(mu_);
  std::string cert_pem_ ABSL_GUARDED_BY(mu_);  // what current_ was read from
  std::string key_pem_ ABSL_GUARDED_BY(mu_);
  absl::Time checked_ ABSL_GUARDED_BY(mu_);
};

}  // namespace frontdoor::web
