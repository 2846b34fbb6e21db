#pragma once

#include <atomic>
#include <cstdint>

#include "common/server/call_context.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "notify-svc/notify_core.h"
#include "notify-svc/subscriptions.h"

namespace frontdoor::notify {

// Notifications written to Subscribe streams since start.
struct StreamCounters {
  std::atomic<int64_t> sent{0};
};

// The gRPC adapters of notify-svc: authenticate the caller from its
// certificate, carry the trace context, hand the request to the core and
// convert the outcome at the edge. Subscribe streams register with the hub
// and write one notification at a time; reads are short snapshot reads.
class NotifyService final : public v1::NotifyService::CallbackService {
 public:
  NotifyService(NotifyCore& core, tls::ReloadingAgencyRegistry& registry,
                SubscriptionHub& hub, StreamCounters& counters,
                server::EdgeLimits& limits)
      : core_(core),
        registry_(registry),
        hub_(hub),
        counters_(counters),
        limits_(limits) {}

  grpc::ServerWriteReactor<v1::Delivery>* Subscribe(
      grpc::CallbackServerContext* context,
      const v1::SubscribeRequest* request) override;
  grpc::ServerUnaryReactor* Ack(grpc::CallbackServerContext* context,
                                const v1::AckRequest* request,
                                v1::AckResponse* response) override;
  grpc::ServerUnaryReactor* ListUpdates(
      grpc::CallbackServerContext* context,
      const v1::ListUpdatesRequest* request,
      v1::ListUpdatesResponse* response) override;
  grpc::ServerUnaryReactor* ReplayDeadLetters(
      grpc::CallbackServerContext* context,
      const v1::ReplayDeadLettersRequest* request,
      v1::ReplayDeadLettersResponse* response) override;

 private:
  NotifyCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
  SubscriptionHub& hub_;
  StreamCounters& counters_;
  server::EdgeLimits& limits_;
};

// Events from intake-svc, triage-svc and allocation-svc.
class NotifyInbox final : public v1::NotifyInbox::CallbackService {
 public:
  NotifyInbox(NotifyCore& core, tls::ReloadingAgencyRegistry& registry)
      : core_(core), registry_(registry) {}

  grpc::ServerUnaryReactor* DeliverReferralReceived(
      grpc::CallbackServerContext* context,
      const intake::v1::ReferralReceived* request,
      v1::InboxReceipt* response) override;
  grpc::ServerUnaryReactor* DeliverTriageDecided(
      grpc::CallbackServerContext* context,
      const triage::v1::TriageDecided* request,
      v1::InboxReceipt* response) override;
  grpc::ServerUnaryReactor* DeliverPlacementChanged(
      grpc::CallbackServerContext* context,
      const allocation::v1::PlacementChanged* request,
      v1::InboxReceipt* response) override;
  grpc::ServerUnaryReactor* DeliverSerialPerpetrator(
      grpc::CallbackServerContext* context,
      const triage::v1::SerialPerpetratorIdentified* request,
      v1::InboxReceipt* response) override;

 private:
  NotifyCore& core_;
  tls::ReloadingAgencyRegistry& registry_;
};

}  // namespace frontdoor::notify
