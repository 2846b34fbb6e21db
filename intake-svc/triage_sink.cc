#include "intake-svc/triage_sink.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging/traceparent.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "grpcpp/client_context.h"
#include "intake-svc/intake_core.h"

namespace frontdoor::intake {

absl::StatusOr<std::unique_ptr<TriageSink>> TriageSink::Create(
    const config::v1::Downstream& triage, const config::v1::TlsFiles& own,
    const crypto::KeyRing& keys) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      tls::MakeDownstreamChannel(triage, own);
  if (!channel.ok()) return channel.status();
  const int deadline_ms = triage.deadline_ms() > 0
                              ? triage.deadline_ms()
                              : kDefaultDeliveryDeadlineMs;
  return std::unique_ptr<TriageSink>(
      new TriageSink(triage::v1::TriageInbox::NewStub(*channel), keys,
                     absl::Milliseconds(deadline_ms)));
}

absl::Status TriageSink::Deliver(const outbox::Event& event,
                                 absl::Time deadline) {
  if (event.topic != kReferralReceivedTopic) {
    return absl::FailedPreconditionError(
        absl::StrCat("no receiver for topic ", event.topic));
  }
  absl::StatusOr<std::string> plain = keys_.Open(event.payload, event.event_id);
  if (!plain.ok()) return plain.status();
  intake::v1::ReferralReceived received;
  if (!received.ParseFromString(*plain)) {
    return absl::DataLossError("outbox event does not parse");
  }
  grpc::ClientContext context;
  context.set_deadline(
      absl::ToChronoTime(std::min(deadline, absl::Now() + deadline_)));
  context.AddMetadata(tls::kActorMetadataKey, kRelayActor);
  context.AddMetadata(std::string(kTraceparentHeader),
                      FormatTraceparent(NewTrace(), NewSpanId()));
  triage::v1::DeliverReferralResponse response;
  return FromGrpcStatus(stub_->DeliverReferral(&context, received, &response));
}

}  // namespace frontdoor::intake
