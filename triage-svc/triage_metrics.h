#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "frontdoor/triage/v1/triage.pb.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace frontdoor::triage {

struct QueueStats;

// triage-svc's domain metrics. Labels are bounded: enum names and tiers.
//   frontdoor_triage_decisions_total{risk_level,tier,front_door,mode}
//       mode is "auto" or "practitioner": the auto-triage share is
//       sum(rate(...{mode="auto"})) / sum(rate(...)).
//   frontdoor_triage_marac_flags_total{kind}
//   frontdoor_triage_referrals_recorded_total{front_door,outcome}
//       outcome "auto_triaged" or "queued".
//   frontdoor_triage_serial_perpetrators_total
//       serial-perpetrator events raised for MATAC.
//   frontdoor_triage_queue_depth, frontdoor_triage_queue_oldest_wait_seconds
//       gauges read from the store at each scrape (see QueueCollector).
class TriageMetrics {
 public:
  explicit TriageMetrics(prometheus::Registry& registry);

  void Decided(const v1::Decision& decision);
  void Recorded(common::v1::FrontDoor front_door, bool auto_triaged);
  void SerialPerpetrator();

 private:
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& marac_flags_;
  prometheus::Family<prometheus::Counter>& recorded_;
  prometheus::Counter& serial_perpetrators_;
};

// Queue gauges computed at scrape time from `stats` (the store); a failed
// read leaves the gauges out of that scrape.
class QueueCollector final : public prometheus::Collectable {
 public:
  explicit QueueCollector(std::function<absl::StatusOr<QueueStats>()> stats)
      : stats_(std::move(stats)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::function<absl::StatusOr<QueueStats>()> stats_;
};

}  // namespace frontdoor::triage
