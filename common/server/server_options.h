#pragma once

#include "absl/time/time.h"

namespace frontdoor::server {

// Limits and connection management shared by every frontdoor gRPC server.
// Applied by ServerHost as channel arguments of the API server.

// Largest request message accepted; a referral with free text and an
// assessment is well under 1 MiB.
inline constexpr int kMaxReceiveMessageBytes = 4 * 1024 * 1024;
// Largest response message sent.
inline constexpr int kMaxSendMessageBytes = 4 * 1024 * 1024;

// The server pings an idle connection this often to detect dead peers...
inline constexpr absl::Duration kKeepaliveTime = absl::Minutes(1);
// ...and closes it when the ping is not acknowledged within this time.
inline constexpr absl::Duration kKeepaliveTimeout = absl::Seconds(20);
// Allow keepalive pings (ours and clients') on connections without calls, so
// partners holding an idle notification stream stay connected.
inline constexpr bool kKeepalivePermitWithoutCalls = true;
// Clients may ping at most this often without data; faster pings are strikes
// and eventually close the connection (GOAWAY "too_many_pings"). Clients'
// keepalive time must be at least this.
inline constexpr absl::Duration kMinPingInterval = absl::Seconds(10);

// Connections are closed gracefully after this age (gRPC adds +-10% jitter),
// so clients re-resolve a headless Service's DNS and spread over new replicas.
inline constexpr absl::Duration kMaxConnectionAge = absl::Minutes(5);
// Calls in flight when the age is reached get this long to finish. Long-lived
// notification streams are then ended and resumed by the partner.
inline constexpr absl::Duration kMaxConnectionAgeGrace = absl::Seconds(30);

// Concurrent calls (HTTP/2 streams) per connection.
inline constexpr int kMaxConcurrentStreams = 100;

}  // namespace frontdoor::server
