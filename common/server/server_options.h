#pragma once

#include "absl/time/time.h"

namespace frontdoor::server {

// Limits and connection management shared by every frontdoor gRPC server.
// Applied by ServerHost as channel arguments of the API server.

// Message sizes, each derived from the one before, so that whatever a
// service produces from the largest request intake-svc accepts fits every
// later hop (intake -> triage -> allocation -> notify).
//
// Largest request a partner may send intake-svc (ServerParts of intake-svc).
// Validation bounds an accepted referral far below it (text limits, at most
// kMaxChildren children, each specialist need once): the whole-suite test
// sends the largest one end to end.
inline constexpr int kMaxPartnerRequestBytes = 4 * 1024 * 1024;
// Most an event adds to the referral it carries: a receipt, or a triage
// decision with its flags and reason codes. Far above either.
inline constexpr int kMaxEventEnvelopeBytes = 256 * 1024;
// Largest message one service sends the next: one referral (at most an
// accepted request) plus its envelope. Events are opened before sending,
// so their sealed size never travels.
inline constexpr int kMaxHopMessageBytes =
    kMaxPartnerRequestBytes + kMaxEventEnvelopeBytes;
// Largest request message a service's API port accepts unless its
// ServerParts asks for less (intake-svc: kMaxPartnerRequestBytes).
inline constexpr int kMaxReceiveMessageBytes = kMaxHopMessageBytes;
// Largest response message sent.
inline constexpr int kMaxSendMessageBytes = kMaxHopMessageBytes;
static_assert(kMaxReceiveMessageBytes >= kMaxHopMessageBytes,
              "every hop must take what the previous service sends");
static_assert(kMaxPartnerRequestBytes < kMaxHopMessageBytes);

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
