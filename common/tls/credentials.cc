#include "common/tls/credentials.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_certificate_verifier.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/support/channel_arguments.h"

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <functional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/server/server_options.h"

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

// Reads the CA, certificate and key once, so that a missing or unreadable
// one is named at start-up.
absl::Status CheckReadable(const config::v1::TlsFiles& tls) {
  for (const auto& [what, path] :
       {std::pair<const char*, const std::string*>{"ca_file", &tls.ca_file()},
        {"cert_file", &tls.cert_file()},
        {"key_file", &tls.key_file()}}) {
    absl::StatusOr<std::string> pem = ReadPem(what, *path);
    if (!pem.ok()) return pem.status();
  }
  return absl::OkStatus();
}

// A certificate refresh interval in gRPC's whole seconds: INVALID_ARGUMENT
// below one second.
absl::StatusOr<unsigned int> RefreshSeconds(absl::Duration refresh_interval) {
  if (refresh_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate refresh interval ",
                     absl::FormatDuration(refresh_interval),
                     " is shorter than one second"));
  }
  return static_cast<unsigned int>(absl::ToInt64Seconds(refresh_interval));
}

// After the chain check against the CA, accepts the server only if its
// certificate carries one of the expected URI SANs.
class IdentityVerifier final
    : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit IdentityVerifier(std::vector<std::string> identities)
      : identities_(std::move(identities)) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> /*callback*/,
              grpc::Status* sync_status) override {
    for (const grpc::string_ref& uri : request->uri_names()) {
      const std::string_view seen(uri.data(), uri.size());
      for (const std::string& expected : identities_) {
        if (seen == expected) {
          *sync_status = grpc::Status::OK;
          return true;
        }
      }
    }
    *sync_status = grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        absl::StrCat("the server's certificate does not carry ",
                     identities_.front()));
    return true;  // decided synchronously
  }

  void Cancel(
      grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/)
      override {}

 private:
  const std::vector<std::string> identities_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeReloadingChannelCredentials(const config::v1::TlsFiles& own,
                                const std::vector<std::string>& identities,
                                absl::Duration refresh_interval) {
  // Read here only to fail start-up with the file's name; the provider
  // reads them itself, now and on every refresh.
  if (absl::Status readable = CheckReadable(own); !readable.ok()) {
    return readable;
  }
  absl::StatusOr<unsigned int> seconds = RefreshSeconds(refresh_interval);
  if (!seconds.ok()) return seconds.status();
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          own.key_file(), own.cert_file(), own.ca_file(), *seconds));
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  if (!identities.empty()) {
    options.set_certificate_verifier(
        grpc::experimental::ExternalCertificateVerifier::Create<
            IdentityVerifier>(identities));
    // The identity, not a host name, is what is checked (gRPC asks for the
    // per-call host check to be off with a verifier of one's own).
    options.set_check_call_host(false);
  }
  // Without identities gRPC's default verifier checks the server's host
  // name (the target's, or the channel's SSL target name override).
  return grpc::experimental::TlsCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentialsForIdentities(const config::v1::TlsFiles& own,
                                    const std::vector<std::string>& identities,
                                    absl::Duration refresh_interval) {
  if (identities.empty()) {
    return absl::InvalidArgumentError("expected_identities is empty");
  }
  return MakeReloadingChannelCredentials(own, identities, refresh_interval);
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::v1::TlsFiles& tls, absl::Duration refresh_interval) {
  // Read here only to fail start-up with the file's name; the provider
  // reads them itself, now and on every refresh.
  if (absl::Status readable = CheckReadable(tls); !readable.ok()) {
    return readable;
  }
  absl::StatusOr<unsigned int> seconds = RefreshSeconds(refresh_interval);
  if (!seconds.ok()) return seconds.status();
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key_file(), tls.cert_file(), tls.ca_file(), *seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_root_certs();
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  // TLS 1.2 is the minimum: gRPC's TLS credentials default to it (1.51
  // offers no setter), as its SSL credentials did.
  return grpc::experimental::TlsServerCredentials(options);
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
    const config::v1::Downstream& downstream, const config::v1::TlsFiles& own,
    absl::Duration refresh_interval) {
  if (downstream.target().empty()) {
    return absl::InvalidArgumentError("downstream target is empty");
  }
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeReloadingChannelCredentials(
          own,
          {downstream.expected_identities().begin(),
           downstream.expected_identities().end()},
          refresh_interval);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kRoundRobinServiceConfig);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
  static_assert(absl::Milliseconds(kDownstreamKeepaliveTimeMs / 2) >=
                    server::kMinPingInterval,
                "the suite's servers refuse pings faster than kMinPingInterval");
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kDownstreamKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kDownstreamKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Keep pinging an idle connection (gRPC stops after 2 pings without data
  // by default).
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // What the next service accepts (server_options.h), so an event the
  // receiver would take is never refused on the way out.
  args.SetMaxSendMessageSize(server::kMaxHopMessageBytes);
  if (!downstream.tls_server_name().empty()) {
    args.SetSslTargetNameOverride(downstream.tls_server_name());
  }
  return grpc::CreateCustomChannel(downstream.target(), *credentials, args);
}

}  // namespace frontdoor::tls
