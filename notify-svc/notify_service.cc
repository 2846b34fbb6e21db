#include "notify-svc/notify_service.h"

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/server/call_context.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/tls/authenticate.h"

namespace frontdoor::notify {
namespace {

using server::Finisher;
using server::FinishWith;
using server::HandleUnary;

// Notifications read from the store per fetch of a stream.
constexpr int kStreamBatch = 100;

// One Subscribe stream: writes the caller's notifications after its cursor,
// one at a time, and fetches more whenever it runs dry or is woken. Before
// each fetch and write it checks the caller against the registry in force
// (tls::Reauthenticate, then NotifyCore::CanSubscribe): once the agency is
// removed from the registry, or may no longer subscribe, the stream ends
// PERMISSION_DENIED before anything more is written. The hub wakes every
// stream every poll interval, so an idle stream of a revoked agency ends
// too. The reactor deletes itself in OnDone, after leaving the hub.
class SubscribeReactor final : public grpc::ServerWriteReactor<v1::Delivery>,
                               public Subscriber {
 public:
  SubscribeReactor(NotifyCore& core, tls::ReloadingAgencyRegistry& registry,
                   SubscriptionHub& hub, StreamCounters& counters,
                   Caller caller, int64_t after)
      : core_(core),
        registry_(registry),
        hub_(hub),
        counters_(counters),
        caller_(std::move(caller)),
        cursor_(after) {}

  void Start() {
    if (!hub_.Add(this)) {
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the server is stopping; reconnect"));
      return;
    }
    in_hub_ = true;
    Log(Level::kInfo, "subscription.opened",
        {{"agency", caller_.agency_id}, {"after", cursor_}});
    Pump();
  }

  const std::string& agency_id() const override { return caller_.agency_id; }
  void Wake() override { Pump(); }
  void Close() override {
    FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the server is stopping; reconnect"));
  }

  void OnWriteDone(bool ok) override {
    std::optional<Positioned> sent;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (ok) {
        cursor_ = pending_.front().seq;
        sent = std::move(pending_.front());
        pending_.pop_front();
        ++counters_.sent;
      }
    }
    if (sent.has_value()) {
      // Under the trace of the call that recorded it: the referral's.
      std::optional<TraceContext> trace = ParseTraceparent(sent->traceparent);
      ScopedTrace scope(trace.has_value() ? trace->trace_id : "");
      Log(Level::kInfo, "notification.streamed",
          {{"notification", sent->notification.id()},
           {"agency", caller_.agency_id},
           {"position", sent->seq}});
    }
    if (!ok) {
      // The stream broke (the client went away).
      FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "stream broken"));
      return;
    }
    Pump();
  }

  void OnCancel() override {
    FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    if (in_hub_) hub_.Remove(this);
    Log(Level::kInfo, "subscription.closed",
        {{"agency", caller_.agency_id}, {"position", cursor_}});
    delete this;
  }

 private:
  // OK while the caller may go on receiving; otherwise the refusal.
  absl::Status StillAllowed() const {
    absl::StatusOr<Caller> now = tls::Reauthenticate(caller_, registry_);
    if (!now.ok()) return now.status();
    return core_.CanSubscribe(*now);
  }

  // Starts the next write if none is in flight, fetching when dry.
  void Pump() {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
    }
    if (absl::Status allowed = StillAllowed(); !allowed.ok()) {
      Log(Level::kWarning, "subscription.revoked",
          {{"agency", caller_.agency_id},
           {"code", absl::StatusCodeToString(allowed.code())}});
      FinishOnce(ToGrpcStatus(allowed));
      return;
    }
    std::optional<grpc::Status> failed;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (pending_.empty()) {
        absl::StatusOr<std::vector<Positioned>> batch =
            core_.Fetch(caller_, cursor_, kStreamBatch);
        if (!batch.ok()) {
          failed = ToGrpcStatus(batch.status());
        } else {
          for (Positioned& p : *batch) pending_.push_back(std::move(p));
        }
      }
      if (!failed.has_value()) {
        if (pending_.empty()) return;
        delivery_.set_position(pending_.front().seq);
        *delivery_.mutable_notification() = pending_.front().notification;
        writing_ = true;
        StartWrite(&delivery_);
        return;
      }
    }
    FinishOnce(*failed);
  }

  // Finish exactly once; never under mu_ (OnDone may delete this at once).
  void FinishOnce(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(std::move(status));
  }

  NotifyCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
  SubscriptionHub& hub_;
  StreamCounters& counters_;
  const Caller caller_;
  bool in_hub_ = false;

  absl::Mutex mu_;
  int64_t cursor_ ABSL_GUARDED_BY(mu_);
  std::deque<Positioned> pending_ ABSL_GUARDED_BY(mu_);
  v1::Delivery delivery_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A stream refused before it started.
class RefusedStream final : public grpc::ServerWriteReactor<v1::Delivery> {
 public:
  explicit RefusedStream(const absl::Status& status) {
    Finish(ToGrpcStatus(status));
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::Delivery>* NotifyService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  ScopedTrace trace(server::TraceIdOf(*context));
  absl::StatusOr<Caller> caller = tls::AuthenticateCaller(*context, registry_);
  if (!caller.ok()) {
    Log(Level::kWarning, "call.refused",
        {{"code", absl::StatusCodeToString(caller.status().code())}});
    return new RefusedStream(caller.status());
  }
  // Opening a stream is a read; what it then delivers is not limited.
  if (absl::Status admitted = limits_.Admit(*caller, server::CallKind::kRead);
      !admitted.ok()) {
    return new RefusedStream(admitted);
  }
  if (absl::Status allowed = core_.CanSubscribe(*caller); !allowed.ok()) {
    return new RefusedStream(allowed);
  }
  int64_t after = 0;
  if (request->has_after_position()) {
    if (request->after_position() < 0) {
      return new RefusedStream(InvalidArgumentWithViolations(
          "the request is not valid",
          {{"after_position", "must not be negative"}}));
    }
    after = request->after_position();
  } else {
    absl::StatusOr<int64_t> acked = core_.AckedPosition(*caller);
    if (!acked.ok()) return new RefusedStream(acked.status());
    after = *acked;
  }
  auto* reactor =
      new SubscribeReactor(core_, registry_, hub_, counters_,
                           *std::move(caller), after);
  reactor->Start();
  return reactor;
}

grpc::ServerUnaryReactor* NotifyService::Ack(
    grpc::CallbackServerContext* context, const v1::AckRequest* request,
    v1::AckResponse* response) {
  return HandleUnary(
      context, registry_, limits_, server::CallKind::kWrite,
      [&](const Caller& caller, auto* reactor) {
        core_.Ack(caller, request->position(),
                  [reactor, response](absl::StatusOr<int64_t> position) {
                    if (position.ok()) {
                      response->set_acknowledged_position(*position);
                    }
                    reactor->Finish(ToGrpcStatus(position.status()));
                  });
      });
}

grpc::ServerUnaryReactor* NotifyService::ListUpdates(
    grpc::CallbackServerContext* context,
    const v1::ListUpdatesRequest* request, v1::ListUpdatesResponse* response) {
  return HandleUnary(context, registry_, limits_, server::CallKind::kRead,
                     [&](const Caller& caller, auto* reactor) {
                       core_.ListUpdates(
                           caller, request->reference(),
                           [reactor, response](
                               absl::StatusOr<std::vector<v1::Notification>>
                                   updates) {
                             if (updates.ok()) {
                               for (v1::Notification& n : *updates) {
                                 *response->add_updates() = std::move(n);
                               }
                             }
                             reactor->Finish(ToGrpcStatus(updates.status()));
                           });
                     });
}

grpc::ServerUnaryReactor* NotifyService::ReplayDeadLetters(
    grpc::CallbackServerContext* context,
    const v1::ReplayDeadLettersRequest* request,
    v1::ReplayDeadLettersResponse* response) {
  return HandleUnary(
      context, registry_, limits_, server::CallKind::kWrite,
      [&](const Caller& caller, auto* reactor) {
        core_.ReplayDeadLetters(
            caller, request->recipient_agency(),
            [reactor, response](absl::StatusOr<int64_t> replayed) {
              if (replayed.ok()) response->set_replayed(*replayed);
              reactor->Finish(ToGrpcStatus(replayed.status()));
            });
      });
}

namespace {

// Finishes `reactor` with the inbox outcome: recorded now, or before.
std::function<void(absl::StatusOr<bool>)> ReceiptFinisher(
    grpc::ServerUnaryReactor* reactor, v1::InboxReceipt* response) {
  return [reactor, response](absl::StatusOr<bool> recorded) {
    if (recorded.ok()) response->set_recorded(*recorded);
    reactor->Finish(ToGrpcStatus(recorded.status()));
  };
}

}  // namespace

grpc::ServerUnaryReactor* NotifyInbox::DeliverReferralReceived(
    grpc::CallbackServerContext* context,
    const intake::v1::ReferralReceived* request, v1::InboxReceipt* response) {
  return HandleUnary(context, registry_,
                     [&](const Caller& caller, auto* reactor) {
                       core_.ReferralReceived(
                           caller, *request, ReceiptFinisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* NotifyInbox::DeliverTriageDecided(
    grpc::CallbackServerContext* context,
    const triage::v1::TriageDecided* request, v1::InboxReceipt* response) {
  return HandleUnary(context, registry_,
                     [&](const Caller& caller, auto* reactor) {
                       core_.TriageDecided(caller, *request,
                                           ReceiptFinisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* NotifyInbox::DeliverPlacementChanged(
    grpc::CallbackServerContext* context,
    const allocation::v1::PlacementChanged* request,
    v1::InboxReceipt* response) {
  return HandleUnary(context, registry_,
                     [&](const Caller& caller, auto* reactor) {
                       core_.PlacementChanged(
                           caller, *request, ReceiptFinisher(reactor, response));
                     });
}

grpc::ServerUnaryReactor* NotifyInbox::DeliverSerialPerpetrator(
    grpc::CallbackServerContext* context,
    const triage::v1::SerialPerpetratorIdentified* request,
    v1::InboxReceipt* response) {
  return HandleUnary(context, registry_,
                     [&](const Caller& caller, auto* reactor) {
                       core_.SerialPerpetrator(
                           caller, *request, ReceiptFinisher(reactor, response));
                     });
}

}  // namespace frontdoor::notify
