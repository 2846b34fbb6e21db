#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/outbox/relay.h"
#include "notify-svc/notify_core.h"
#include "notify-svc/notify_service.h"
#include "notify-svc/subscriptions.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::notify {

// notify-svc's metrics, read at each scrape:
//   frontdoor_notify_notifications_total{event,recipient_kind}  (recorded)
//   frontdoor_notify_undelivered{recipient}  (pull: after the acknowledged
//       position; push and email: not yet delivered)
//   frontdoor_notify_oldest_undelivered_age_seconds{recipient}
//   frontdoor_notify_dead_letters{recipient}  (push, email: given up on, kept)
//   frontdoor_notify_delivered_total{recipient}  (push and email deliveries)
//   frontdoor_notify_retries_total{recipient}  (failed push, email attempts)
//   frontdoor_notify_dead_lettered_total{recipient}
//   frontdoor_notify_stream_sent_total  (written to Subscribe streams)
//   frontdoor_notify_open_subscriptions{recipient}
// Recipients are agencies in the recipients registry (an email agency's
// label is its id, never an address); the push and email counters are this
// process's since start. A failed read leaves the store-derived
// families out of that scrape.
class NotifyCollector final : public prometheus::Collectable {
 public:
  NotifyCollector(NotifyCore& core, const SubscriptionHub& hub,
                  const StreamCounters& counters,
                  std::vector<const outbox::Relay*> push_relays)
      : core_(core),
        hub_(hub),
        counters_(counters),
        push_relays_(std::move(push_relays)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  NotifyCore& core_;
  const SubscriptionHub& hub_;
  const StreamCounters& counters_;
  const std::vector<const outbox::Relay*> push_relays_;
};

}  // namespace frontdoor::notify
