#include "notify-svc/notify_metrics.h"

#include "common/logging/logging.h"
#include "common/metrics/families.h"

namespace frontdoor::notify {

using metrics::AddSample;
using metrics::NewCounter;
using metrics::NewGauge;

std::vector<prometheus::MetricFamily> NotifyCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  absl::StatusOr<NotifyStats> stats = core_.Stats();
  if (stats.ok()) {
    auto recorded = NewCounter(
        "frontdoor_notify_notifications_total",
        "Notifications recorded, by event and recipient kind.");
    for (const auto& [key, count] : stats->recorded) {
      AddSample(recorded,
                {{"event", EnumLabel(v1::EventKind_Name(key.first),
                                     "EVENT_KIND_")},
                 {"recipient_kind",
                  EnumLabel(v1::RecipientKind_Name(key.second),
                            "RECIPIENT_KIND_")}},
                static_cast<double>(count));
    }
    auto undelivered = NewGauge(
        "frontdoor_notify_undelivered",
        "Notifications a recipient has not yet acknowledged (pull) or been "
        "delivered (push).");
    auto oldest = NewGauge(
        "frontdoor_notify_oldest_undelivered_age_seconds",
        "Age of a recipient's oldest undelivered notification; 0 when none.");
    auto dead = NewGauge(
        "frontdoor_notify_dead_letters",
        "Push and email notifications given up on and kept for replay.");
    for (const auto& [agency, b] : stats->by_recipient) {
      AddSample(undelivered, {{"recipient", agency}},
                static_cast<double>(b.undelivered));
      AddSample(oldest, {{"recipient", agency}},
                absl::ToDoubleSeconds(b.oldest_undelivered_age));
      AddSample(dead, {{"recipient", agency}},
                static_cast<double>(b.dead_letters));
    }
    auto held = NewGauge(
        "frontdoor_notify_held_back",
        "Notifications held back, not shared, while their referral's "
        "processing is restricted (a data subject's right); shared when "
        "the restriction is lifted.");
    AddSample(held, {}, static_cast<double>(stats->held_back));
    families.push_back(std::move(held));
    families.push_back(std::move(recorded));
    families.push_back(std::move(undelivered));
    families.push_back(std::move(oldest));
    families.push_back(std::move(dead));
  }
  auto delivered = NewCounter("frontdoor_notify_delivered_total",
                              "Push and email notifications delivered.");
  auto retries = NewCounter(
      "frontdoor_notify_retries_total",
      "Failed push and email delivery attempts (each retried).");
  auto given_up = NewCounter("frontdoor_notify_dead_lettered_total",
                             "Push and email notifications dead-lettered.");
  for (const outbox::Relay* relay : push_relays_) {
    // The agency: the topic without its "push." or "email." prefix.
    const std::string& topic = relay->topic();
    const std::string agency = topic.substr(topic.find('.') + 1);
    AddSample(delivered, {{"recipient", agency}},
              static_cast<double>(relay->delivered_total()));
    AddSample(retries, {{"recipient", agency}},
              static_cast<double>(relay->failed_attempts_total()));
    AddSample(given_up, {{"recipient", agency}},
              static_cast<double>(relay->dead_lettered_total()));
  }
  auto sent = NewCounter("frontdoor_notify_stream_sent_total",
                         "Notifications written to Subscribe streams.");
  AddSample(sent, {}, static_cast<double>(counters_.sent.load()));
  auto open = NewGauge("frontdoor_notify_open_subscriptions",
                       "Subscribe streams open, by agency.");
  for (const auto& [agency, count] : hub_.OpenByAgency()) {
    AddSample(open, {{"recipient", agency}}, count);
  }
  families.push_back(std::move(delivered));
  families.push_back(std::move(retries));
  families.push_back(std::move(given_up));
  families.push_back(std::move(sent));
  families.push_back(std::move(open));
  return families;
}

}  // namespace frontdoor::notify
