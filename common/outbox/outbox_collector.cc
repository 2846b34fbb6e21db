#include "common/outbox/outbox_collector.h"

#include <map>

#include "common/outbox/outbox.h"

namespace frontdoor::outbox {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help,
                                prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  return family;
}

prometheus::ClientMetric CounterValue(const std::string& topic, double value) {
  prometheus::ClientMetric metric;
  metric.label = {{"topic", topic}};
  metric.counter.value = value;
  return metric;
}

prometheus::ClientMetric GaugeValue(const std::string& topic, double value) {
  prometheus::ClientMetric metric;
  metric.label = {{"topic", topic}};
  metric.gauge.value = value;
  return metric;
}

}  // namespace

std::vector<prometheus::MetricFamily> OutboxCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  absl::StatusOr<std::map<std::string, OutboxStats>> by_topic =
      StatsByTopic(store_, clock_.Now());
  if (by_topic.ok()) {
    for (const std::string& topic : topics_) (*by_topic)[topic];
    auto undelivered = Family("frontdoor_outbox_undelivered",
                              "Outbox events not yet delivered, by topic.",
                              prometheus::MetricType::Gauge);
    auto oldest = Family(
        "frontdoor_outbox_oldest_undelivered_age_seconds",
        "Age of the oldest undelivered outbox event, by topic; 0 when none.",
        prometheus::MetricType::Gauge);
    auto dead = Family(
        "frontdoor_outbox_dead_lettered",
        "Outbox events given up on and kept for replay, by topic.",
        prometheus::MetricType::Gauge);
    for (const auto& [topic, stats] : *by_topic) {
      undelivered.metric.push_back(
          GaugeValue(topic, static_cast<double>(stats.undelivered)));
      oldest.metric.push_back(GaugeValue(
          topic, absl::ToDoubleSeconds(stats.oldest_undelivered_age)));
      dead.metric.push_back(
          GaugeValue(topic, static_cast<double>(stats.dead_lettered)));
    }
    families.push_back(std::move(undelivered));
    families.push_back(std::move(oldest));
    families.push_back(std::move(dead));
  }
  if (!relays_.empty()) {
    auto delivered = Family("frontdoor_outbox_delivered_total",
                            "Outbox events delivered by this process's relay.",
                            prometheus::MetricType::Counter);
    auto failed = Family("frontdoor_outbox_delivery_failures_total",
                         "Failed delivery attempts of this process's relay.",
                         prometheus::MetricType::Counter);
    auto given_up = Family(
        "frontdoor_outbox_dead_lettered_total",
        "Events this process's relay gave up on (dead-lettered).",
        prometheus::MetricType::Counter);
    for (const Relay* relay : relays_) {
      delivered.metric.push_back(CounterValue(
          relay->topic(), static_cast<double>(relay->delivered_total())));
      failed.metric.push_back(CounterValue(
          relay->topic(), static_cast<double>(relay->failed_attempts_total())));
      given_up.metric.push_back(CounterValue(
          relay->topic(), static_cast<double>(relay->dead_lettered_total())));
    }
    families.push_back(std::move(delivered));
    families.push_back(std::move(failed));
    families.push_back(std::move(given_up));
  }
  return families;
}

}  // namespace frontdoor::outbox
