#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
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

// Issues a certificate as a renewal (or a mistake) would, signed by the
// suite's development CA: a new EC P-256 key, a random 128-bit serial, CN
// `name`, URI SAN `uri_san` plus DNS localhost and IP 127.0.0.1, client and
// server use, valid from `not_before` to `not_after` (either may be in the
// past). Writes `dir`/`name`.pem and `dir`/`name`.key and returns them with
// the suite's CA.
absl::StatusOr<config::v1::TlsFiles> IssueCertificate(
    const std::filesystem::path& dir, std::string_view name,
    std::string_view uri_san, absl::Time not_before, absl::Time not_after);

// A plaintext channel to localhost:`port`.
std::shared_ptr<grpc::Channel> MakeInsecureChannel(int port);

}  // namespace frontdoor::testing
