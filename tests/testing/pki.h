#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/channel.h"

namespace frontdoor::testing {

// Directory of the development PKI generated at build time by tools/dev-pki.
std::string PkiDir();

// The repository's config/agencies.json.
std::string AgencyRegistryPath();

// TLS files for the dev-PKI certificate `name` (for example "staffs-police",
// "intake-svc", "rogue-agency"), always trusting the suite's CA (ca.pem).
// An empty name gives only the CA: a client without a certificate.
config::v1::TlsFiles PkiFiles(std::string_view name);

// A channel to localhost:`port` presenting the certificate `name` (see
// PkiFiles) and verifying the server against the suite's CA.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeMtlsChannel(
    int port, std::string_view name);

// A plaintext channel to localhost:`port`.
std::shared_ptr<grpc::Channel> MakeInsecureChannel(int port);

}  // namespace frontdoor::testing
