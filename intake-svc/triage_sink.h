#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/crypto/key_ring.h"
#include "common/outbox/relay.h"
#include "frontdoor/config/v1/config.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"

namespace frontdoor::intake {

// Request metadata "frontdoor-actor" of the relay's calls.
inline constexpr char kRelayActor[] = "intake-svc outbox relay";
// Delivery deadline when the configuration gives none.
inline constexpr int kDefaultDeliveryDeadlineMs = 5000;

// Hands ReferralReceived events from intake's outbox to triage-svc
// (TriageInbox.DeliverReferral) over mTLS with intake-svc's certificate.
// OK only when triage has durably recorded the referral (or had before).
class TriageSink final : public outbox::Sink {
 public:
  static absl::StatusOr<std::unique_ptr<TriageSink>> Create(
      const config::v1::Downstream& triage, const config::v1::TlsFiles& own,
      const crypto::KeyRing& keys);

  absl::Status Deliver(const outbox::Event& event,
                       absl::Time deadline) override;

 private:
  TriageSink(std::unique_ptr<triage::v1::TriageInbox::Stub> stub,
             const crypto::KeyRing& keys, absl::Duration deadline)
      : stub_(std::move(stub)), keys_(keys), deadline_(deadline) {}

  std::unique_ptr<triage::v1::TriageInbox::Stub> stub_;
  const crypto::KeyRing& keys_;
  const absl::Duration deadline_;
};

}  // namespace frontdoor::intake
