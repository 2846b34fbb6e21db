#include "common/outbox/outbox_collector.h"

#include <map>

#include "common/metrics/families.h"
#include "common/outbox/outbox.h"

namespace frontdoor::outbox {
using metrics::AddSample;
using metrics::NewCounter;
using metrics::NewGauge;

std::vector<prometheus::MetricFamily> OutboxCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  std::string held_back;  // As the relays hold back (all alike).
  for (const Relay* relay : relays_) {
    if (!relay->held_back_references().empty()) {
      held_back = relay->held_back_references();
    }
  }
  absl::StatusOr<std::map<std::string, OutboxStats>> by_topic =
      StatsByTopic(store_, clock_.Now(), held_back);
  if (by_topic.ok()) {
    for (const std::string& topic : topics_) (*by_topic)[topic];
    auto undelivered = NewGauge("frontdoor_outbox_undelivered",
                                "Outbox events not yet delivered, by topic.");
    auto oldest = NewGauge(
        "frontdoor_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest undelivered outbox event, by topic; 0 when none.");
    auto dead = NewGauge(
        "frontdoor_outbox_dead_lettered",
        "Outbox events given up on and kept for replay, by topic.");
    auto held = NewGauge(
        "frontdoor_outbox_held_back",
        "Outbox events held back, by topic, while their referral's "
        "processing is restricted; delivered when it is lifted.");
    for (const auto& [topic, stats] : *by_topic) {
      AddSample(undelivered, {{"topic", topic}},
                static_cast<double>(stats.undelivered));
      AddSample(oldest, {{"topic", topic}},
                absl::ToDoubleSeconds(stats.oldest_undelivered_age));
      AddSample(dead, {{"topic", topic}},
                static_cast<double>(stats.dead_lettered));
      AddSample(held, {{"topic", topic}},
                static_cast<double>(stats.held_back));
    }
    families.push_back(std::move(undelivered));
    families.push_back(std::move(oldest));
    families.push_back(std::move(dead));
    families.push_back(std::move(held));
  }
  if (!relays_.empty()) {
    auto delivered = NewCounter(
        "frontdoor_outbox_delivered_total",
        "Outbox events delivered by this process's relay.");
    auto failed = NewCounter(
        "frontdoor_outbox_delivery_failures_total",
        "Failed delivery attempts of this process's relay.");
    auto given_up = NewCounter(
        "frontdoor_outbox_dead_lettered_total",
        "Events this process's relay gave up on (dead-lettered).");
    for (const Relay* relay : relays_) {
      const std::string& topic = relay->topic();
      AddSample(delivered, {{"topic", topic}},
                static_cast<double>(relay->delivered_total()));
      AddSample(failed, {{"topic", topic}},
                static_cast<double>(relay->failed_attempts_total()));
      AddSample(given_up, {{"topic", topic}},
                static_cast<double>(relay->dead_lettered_total()));
    }
    families.push_back(std::move(delivered));
    families.push_back(std::move(failed));
    families.push_back(std::move(given_up));
  }
  return families;
}

}  // namespace frontdoor::outbox
