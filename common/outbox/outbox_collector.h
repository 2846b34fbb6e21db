#pragma once

#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/outbox/relay.h"
#include "common/store/store.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::outbox {

// Outbox gauges read from the store at each scrape, per topic (a topic is a
// hop to the next service), for the "outbox oldest age per hop" alerts:
//   frontdoor_outbox_undelivered{topic}
//   frontdoor_outbox_oldest_undelivered_age_seconds{topic}
// Every topic in `topics` is reported, at 0 when nothing waits, so that an
// alert sees a value rather than nothing. Dead letters (events a relay gave
// up on, kept for replay) are counted apart:
//   frontdoor_outbox_dead_lettered{topic}
// and each of this process's relays adds its counters, by its topic:
//   frontdoor_outbox_delivered_total{topic},
//   frontdoor_outbox_delivery_failures_total{topic},
//   frontdoor_outbox_dead_lettered_total{topic}
// Events the relays hold back (a restricted referral's, common/rights) are
// not undelivered in those gauges (their age would raise the hop's alert)
// but counted apart:
//   frontdoor_outbox_held_back{topic}
// A failed read leaves the gauges out of that scrape.
class OutboxCollector final : public prometheus::Collectable {
 public:
  OutboxCollector(store::Store& store, const Clock& clock,
                  std::vector<std::string> topics,
                  std::vector<const Relay*> relays)
      : store_(store), clock_(clock), topics_(std::move(topics)),
        relays_(std::move(relays)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  store::Store& store_;
  const Clock& clock_;
  const std::vector<std::string> topics_;
  const std::vector<const Relay*> relays_;
};

}  // namespace frontdoor::outbox
