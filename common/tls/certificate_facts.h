#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/auth_context.h"

namespace frontdoor::tls {

// What the suite reads from an X.509 certificate.
struct CertificateFacts {
  // The serial number, lower-case hex without leading zeros ("0" for zero).
  std::string serial_hex;
  // The end of its validity (notAfter).
  absl::Time not_after;
};

// The facts of the first certificate in `pem` (OpenSSL). INVALID_ARGUMENT
// when it holds no certificate.
absl::StatusOr<CertificateFacts> ParseCertificatePem(std::string_view pem);

// As above, of the first certificate in the file at `path`; NOT_FOUND when
// it cannot be read.
absl::StatusOr<CertificateFacts> ReadCertificateFile(const std::string& path);

// The PEM of the certificate the peer presented in the TLS handshake (gRPC's
// "x509_pem_cert" property), or nullopt without one.
std::optional<std::string> PeerCertificatePem(
    const grpc::AuthContext& auth_context);

}  // namespace frontdoor::tls
