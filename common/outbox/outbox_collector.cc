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

prometheus::ClientMetric CounterValue(double value) {
  prometheus::ClientMetric metric;
  metric.counter.value = value;
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
    for (const auto& [topic, stats] : *by_topic) {
      prometheus::ClientMetric count;
      count.label = {{"topic", topic}};
      count.gauge.value = static_cast<double>(stats.undelivered);
      undelivered.metric.push_back(count);
      prometheus::ClientMetric age;
      age.label = {{"topic", topic}};
      age.gauge.value = absl::ToDoubleSeconds(stats.oldest_undelivered_age);
      oldest.metric.push_back(age);
    }
    families.push_back(std::move(undelivered));
    families.push_back(std::move(oldest));
  }
  if (relay_ != nullptr) {
    auto delivered = Family("frontdoor_outbox_delivered_total",
                            "Outbox events delivered by this process's relay.",
                            prometheus::MetricType::Counter);
    delivered.metric.push_back(
        CounterValue(static_cast<double>(relay_->delivered_total())));
    auto failed = Family("frontdoor_outbox_delivery_failures_total",
                         "Failed delivery attempts of this process's relay.",
                         prometheus::MetricType::Counter);
    failed.metric.push_back(
        CounterValue(static_cast<double>(relay_->failed_attempts_total())));
    families.push_back(std::move(delivered));
    families.push_back(std::move(failed));
  }
  return families;
}

}  // namespace frontdoor::outbox
