#include "common/tls/credentials.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace frontdoor::tls {
namespace {

// Reads a PEM file whole. `what` says which setting it is ("ca_file").
absl::StatusOr<std::string> ReadPem(const char* what,
                                    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.", what, " is not set"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("tls.", what, " ", path, ": cannot open file"));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("tls.", what, " ", path, ": read error"));
  }
  std::string pem = contents.str();
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("tls.", what, " ", path, ": not a PEM file"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::v1::TlsFiles& tls) {
  absl::StatusOr<std::string> ca = ReadPem("ca_file", tls.ca_file());
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadPem("cert_file", tls.cert_file());
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("key_file", tls.key_file());
  if (!key.ok()) return key.status();

  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *std::move(ca);
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const config::v1::TlsFiles& tls) {
  absl::StatusOr<std::string> ca = ReadPem("ca_file", tls.ca_file());
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *std::move(ca);
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return absl::InvalidArgumentError(
        "tls.cert_file and tls.key_file must be set together");
  }
  if (!tls.cert_file().empty()) {
    absl::StatusOr<std::string> cert = ReadPem("cert_file", tls.cert_file());
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem("key_file", tls.key_file());
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *std::move(cert);
    options.pem_private_key = *std::move(key);
  }
  return grpc::SslCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeDownstreamChannel(
    const config::v1::Downstream& downstream, const config::v1::TlsFiles& own) {
  if (downstream.target().empty()) {
    return absl::InvalidArgumentError("downstream target is empty");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(own);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kRoundRobinServiceConfig);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  if (!downstream.tls_server_name().empty()) {
    args.SetSslTargetNameOverride(downstream.tls_server_name());
  }
  return grpc::CreateCustomChannel(downstream.target(), *credentials, args);
}

}  // namespace frontdoor::tls
