#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace frontdoor::tls {

// How often a server re-reads its certificate, key and CA from disk, so that
// files renewed in place (cert-manager swaps them atomically) reach new
// connections without a restart. Well inside any renewal window.
inline constexpr absl::Duration kCertificateRefreshInterval = absl::Seconds(60);

// mTLS server credentials: presents tls.cert_file/key_file and REQUIRES a
// client certificate that chains to tls.ca_file (the suite's CA)
// (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY), TLS 1.2 at
// least. A client without a certificate, or with one from another CA, fails
// the handshake. All three files are required and read here, so an error
// names the missing/unreadable file at start-up; after that they are re-read
// every `refresh_interval` (whole seconds, at least one) and new handshakes
// use what was last read; existing connections keep theirs. Replace the
// files atomically (as the kubelet does for a Secret): gRPC 1.51 does not
// validate what it re-reads, so a file that is not a certificate or key
// makes new handshakes fail until a good one replaces it.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::v1::TlsFiles& tls,
    absl::Duration refresh_interval = kCertificateRefreshInterval);

// mTLS channel credentials read once (for short-lived clients: tools,
// tests): verifies the server against tls.ca_file and presents
// tls.cert_file/key_file. ca_file is required; cert_file and
// key_file must be both set or both empty (empty: no client certificate,
// which only tests of rejection should want).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentials(const config::v1::TlsFiles& tls);

// Service config of every channel to another suite service: round-robin over
// all resolved addresses (headless Services with dns:/// targets).
inline constexpr char kRoundRobinServiceConfig[] =
    R"({"loadBalancingConfig": [{"round_robin": {}}]})";

// Longest wait between reconnection attempts of a channel to another suite
// service (gRPC's default is 120 s): a restarted service is found again
// quickly, and the outbox relay's own back-off paces the retries.
inline constexpr int kMaxReconnectBackoffMs = 5000;

// Keepalive of every channel to another suite service: a ping this often,
// calls or none (twice the least interval the suite's servers accept,
// server::kMinPingInterval, so that timer slack never earns a strike), and
// the connection closed when a ping is not acknowledged within the timeout. A relay so notices a peer cut off by
// the network (no FIN, no RST: a partition) and reconnects, instead of
// waiting out TCP's retransmissions for many minutes (FAULT-MATRIX row 7).
inline constexpr int kDownstreamKeepaliveTimeMs = 20000;
inline constexpr int kDownstreamKeepaliveTimeoutMs = 5000;

// Client credentials of a long-lived channel (a relay's, a push partner's):
// present `own`'s certificate and key and verify the server against its CA,
// all three re-read every `refresh_interval` (gRPC's
// FileWatcherCertificateProvider, as MakeServerCredentials), so that each
// new connection (a reconnection, or after the server's maximum connection
// age) presents the certificate last read: a renewed client certificate is
// used without a restart. With `identities`, the server is accepted only if
// its certificate carries one of them (URI SANs), whatever its host name;
// without, its host name is checked (the target's, or the channel's SSL
// target name override). All three files are required and read here, so an
// error names the missing one; INVALID_ARGUMENT for an interval under one
// second. The same caveat as the server's: replace the files atomically.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeReloadingChannelCredentials(
    const config::v1::TlsFiles& own, const std::vector<std::string>& identities,
    absl::Duration refresh_interval = kCertificateRefreshInterval);

// As MakeReloadingChannelCredentials with identities, which are required:
// INVALID_ARGUMENT without identities or without a client certificate.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
MakeChannelCredentialsForIdentities(
    const config::v1::TlsFiles& own, const std::vector<std::string>& identities,
    absl::Duration refresh_interval = kCertificateRefreshInterval);

// A channel to another suite service (or a push partner) over mTLS,
// presenting `own` (the calling service's certificate, reloaded every
// `refresh_interval`: MakeReloadingChannelCredentials) and verifying the
// target against the CA, and against `expected_identities` when the
// downstream names any. INVALID_ARGUMENT when the target is empty.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeDownstreamChannel(
    const config::v1::Downstream& downstream, const config::v1::TlsFiles& own,
    absl::Duration refresh_interval = kCertificateRefreshInterval);

}  // namespace frontdoor::tls
