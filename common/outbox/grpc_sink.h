#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/outbox/relay.h"
#include "common/rights/data_keys.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/tls/credentials.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/client_context.h"

namespace frontdoor::outbox {

// Request metadata naming the person acting (see common/tls/authenticate.h).
inline constexpr char kSinkActorMetadataKey[] = "frontdoor-actor";
// Longest one delivery may take when the configuration gives no deadline.
inline constexpr absl::Duration kDefaultDeliveryDeadline = absl::Seconds(5);

// The delivery deadline a Downstream configures.
inline absl::Duration DeliveryDeadline(const config::v1::Downstream& d) {
  return d.deadline_ms() > 0 ? absl::Milliseconds(d.deadline_ms())
                             : kDefaultDeliveryDeadline;
}

// How long a hop retries an event before dead-lettering it when the
// configuration gives no window: as long as notify-svc's push partners.
inline constexpr absl::Duration kDefaultHopDeadLetterAfter = absl::Hours(24);

// The dead-letter window a Downstream configures.
inline absl::Duration DeadLetterAfter(const config::v1::Downstream& d) {
  return d.dead_letter_after_seconds() > 0
             ? absl::Seconds(d.dead_letter_after_seconds())
             : kDefaultHopDeadLetterAfter;
}

// INVALID_ARGUMENT naming every negative duration of the named downstreams
// (for example "triage.dead_letter_after_seconds"), for start-up checks.
inline absl::Status CheckDownstreams(
    const std::vector<std::pair<absl::string_view,
                                const config::v1::Downstream*>>& downstreams,
    absl::string_view service) {
  std::vector<FieldViolation> negative;
  for (const auto& [name, d] : downstreams) {
    if (d->deadline_ms() < 0) {
      negative.push_back(
          {absl::StrCat(name, ".deadline_ms"), "must not be negative"});
    }
    if (d->dead_letter_after_seconds() < 0) {
      negative.push_back({absl::StrCat(name, ".dead_letter_after_seconds"),
                          "must not be negative"});
    }
  }
  if (negative.empty()) return absl::OkStatus();
  return InvalidArgumentWithViolations(
      absl::StrCat(service, " configuration is not valid"), negative);
}

// Delivers one topic's events to the next service, one unary RPC per event:
// opens the sealed payload (associated data: the event id), parses it as
// `Message` and calls `call` (gRPC's callback API) with a deadline (the
// relay's, capped at `deadline` from now), `actor` in the metadata and a
// traceparent that continues the event's trace (DeliveryTrace), and logs the
// outcome ("outbox.delivered", "outbox.delivery_failed" with the topic, event
// id and code) under that trace. OK only when the receiver answers OK; any
// error means "retry later". Calls overlap: the relay keeps up to
// RelayOptions::window of them in flight.
template <typename Message, typename Response>
class UnarySink final : public Sink {
 public:
  using Call = std::function<void(grpc::ClientContext*, const Message*,
                                  Response*, std::function<void(grpc::Status)>)>;

  UnarySink(store::Store& store, const crypto::KeyRing& keys, std::string topic,
            absl::Duration deadline, std::string actor, Call call)
      : store_(store),
        keys_(keys),
        topic_(std::move(topic)),
        deadline_(deadline),
        actor_(std::move(actor)),
        call_(std::move(call)) {}

  absl::Status Deliver(const Event& event, absl::Time deadline) override {
    absl::Notification finished;
    absl::Status outcome;
    DeliverAsync(event, deadline, [&](absl::Status status) {
      outcome = std::move(status);
      finished.Notify();
    });
    finished.WaitForNotification();
    return outcome;
  }

  void DeliverAsync(const Event& event, absl::Time deadline,
                    std::function<void(absl::Status)> done) override {
    if (event.topic != topic_) {
      done(absl::FailedPreconditionError(
          absl::StrCat("this sink delivers ", topic_, ", not ", event.topic)));
      return;
    }
    // Under the referral's data key (or, sealed before data keys, the
    // ring). An erasure deletes its referral's events in the transaction
    // that destroys the key, so ErasedError here is an event read just
    // before: retried, it is found gone.
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(store_, keys_, event.payload, event.event_id);
    if (!plain.ok()) {
      done(plain.status());
      return;
    }
    // What the call needs until its callback: freed there.
    struct InFlight {
      grpc::ClientContext context;
      Message message;
      Response response;
    };
    auto call = std::make_unique<InFlight>();
    if (!call->message.ParseFromString(*plain)) {
      done(absl::DataLossError("outbox event does not parse"));
      return;
    }
    call->context.set_deadline(
        absl::ToChronoTime(std::min(deadline, absl::Now() + deadline_)));
    call->context.AddMetadata(kSinkActorMetadataKey, actor_);
    // The trace of the call that queued the event, continued from a new
    // span (a new root only when none was stored).
    const TraceContext trace = DeliveryTrace(event);
    call->context.AddMetadata(std::string(kTraceparentHeader),
                              FormatTraceparent(trace, NewSpanId()));
    InFlight* raw = call.release();
    call_(&raw->context, &raw->message, &raw->response,
          [raw, done = std::move(done), topic = topic_,
           event_id = event.event_id, attempts = event.attempts,
           trace_id = trace.trace_id](grpc::Status status) {
            std::unique_ptr<InFlight> owned(raw);
            absl::Status delivered = FromGrpcStatus(status);
            // Answered on one of gRPC's threads: the event's trace again.
            const ScopedTrace scoped(trace_id);
            if (delivered.ok()) {
              Log(Level::kInfo, "outbox.delivered",
                  {{"topic", topic}, {"event_id", event_id},
                   {"attempts", attempts}});
            } else {
              Log(Level::kWarning, "outbox.delivery_failed",
                  {{"topic", topic}, {"event_id", event_id},
                   {"attempts", attempts},
                   {"code", absl::StatusCodeToString(delivered.code())}});
            }
            done(std::move(delivered));
          });
  }

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const std::string topic_;
  const absl::Duration deadline_;
  const std::string actor_;
  Call call_;
};

// A unary method of `Service`'s callback stub, `&Service::Stub::async::M`.
template <typename Service, typename Message, typename Response>
using AsyncMethod = void (Service::Stub::async::*)(
    grpc::ClientContext*, const Message*, Response*,
    std::function<void(grpc::Status)>);

// One hop to the next service: the channel's stub, the sink and the relay
// of one topic, started together and stopped together.
class Hop {
 public:
  // Connects to `downstream` over mTLS with `own` certificate and starts a
  // relay of `topic` (with `options`' back-off, and `options`' dead-letter
  // window or else the downstream's, DeadLetterAfter) that
  // calls `method` of `Service`'s callback stub (`&Stub::async::Method`)
  // for each event. Errors name the step.
  template <typename Service, typename Message, typename Response>
  static absl::StatusOr<std::unique_ptr<Hop>> Start(
      const config::v1::Downstream& downstream,
      const config::v1::TlsFiles& own, store::Store& store,
      const crypto::KeyRing& keys, const Clock& clock, std::string topic,
      std::string actor, AsyncMethod<Service, Message, Response> method,
      RelayOptions options = {}) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        tls::MakeDownstreamChannel(downstream, own);
    if (!channel.ok()) {
      return absl::Status(channel.status().code(),
                          absl::StrCat("connecting to ", downstream.target(),
                                       ": ", channel.status().message()));
    }
    auto hop = std::unique_ptr<Hop>(new Hop());
    std::shared_ptr<typename Service::Stub> stub = Service::NewStub(*channel);
    hop->stub_ = stub;
    hop->sink_ = std::make_unique<UnarySink<Message, Response>>(
        store, keys, topic, DeliveryDeadline(downstream), std::move(actor),
        [stub, method](grpc::ClientContext* context, const Message* message,
                       Response* response,
                       std::function<void(grpc::Status)> done) {
          (stub->async()->*method)(context, message, response,
                                   std::move(done));
        });
    options.topic = std::move(topic);
    // A caller's own window (notify-svc's push settings) wins; otherwise
    // the downstream's, so that no hop retries forever.
    if (options.dead_letter_after == absl::InfiniteDuration()) {
      options.dead_letter_after = DeadLetterAfter(downstream);
    }
    hop->relay_ = std::make_unique<Relay>(store, *hop->sink_, clock, options);
    if (absl::Status s = hop->relay_->Start(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("starting the outbox relay: ",
                                                 s.message()));
    }
    return hop;
  }

  // A hop whose sink is not a gRPC service (notify-svc's email): a relay of
  // `topic` delivering to `sink` with `options`' back-off and dead-letter
  // window (infinite: kDefaultHopDeadLetterAfter), `keep` (what the sink
  // uses, if anything) held alongside. Errors name the step.
  static absl::StatusOr<std::unique_ptr<Hop>> WithSink(
      std::unique_ptr<Sink> sink, std::shared_ptr<void> keep,
      store::Store& store, const Clock& clock, std::string topic,
      RelayOptions options = {}) {
    auto hop = std::unique_ptr<Hop>(new Hop());
    hop->stub_ = std::move(keep);
    hop->sink_ = std::move(sink);
    options.topic = std::move(topic);
    if (options.dead_letter_after == absl::InfiniteDuration()) {
      options.dead_letter_after = kDefaultHopDeadLetterAfter;
    }
    hop->relay_ = std::make_unique<Relay>(store, *hop->sink_, clock, options);
    if (absl::Status s = hop->relay_->Start(); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("starting the outbox relay: ",
                                                 s.message()));
    }
    return hop;
  }

  Relay& relay() { return *relay_; }

  // Stops the relay, then hands over what is due within `flush_budget`;
  // anything left is delivered after restart.
  void Stop(absl::Duration flush_budget) {
    relay_->Stop();
    Flush(flush_budget);
  }

  // After relay().Stop(): hands over what is due within `flush_budget`.
  void Flush(absl::Duration flush_budget) {
    relay_->Flush(flush_budget).IgnoreError();
  }

 private:
  Hop() = default;
  // The gRPC stub, or what a WithSink sink uses; destroyed after the sink.
  std::shared_ptr<void> stub_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<Relay> relay_;
};

}  // namespace frontdoor::outbox
