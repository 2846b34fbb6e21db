#include "allocation-svc/allocation_metrics.h"

#include "absl/strings/str_cat.h"

namespace frontdoor::allocation {
namespace {

prometheus::MetricFamily Gauge(const char* name, const char* help) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = prometheus::MetricType::Gauge;
  return family;
}

void Add(prometheus::MetricFamily& family,
         std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

}  // namespace

std::vector<prometheus::MetricFamily> AllocationCollector::Collect() const {
  absl::StatusOr<std::map<std::string, ProgrammeStats>> stats = core_.Stats();
  if (!stats.ok()) return {};
  auto waiting = Gauge("frontdoor_allocation_waiting",
                       "People on a programme's waiting list.");
  auto oldest = Gauge("frontdoor_allocation_oldest_wait_seconds",
                      "Longest wait on a programme's waiting list.");
  auto overdue = Gauge("frontdoor_allocation_first_contact_overdue",
                       "Waiting people whose first contact is overdue.");
  auto in_use = Gauge("frontdoor_allocation_places_in_use",
                      "Places held (cohort seats or caseload slots).");
  auto placements = Gauge("frontdoor_allocation_placements",
                          "Placements by programme, tier and state.");
  for (const auto& [programme, s] : *stats) {
    Add(waiting, {{"programme", programme}}, static_cast<double>(s.waiting));
    Add(oldest, {{"programme", programme}},
        absl::ToDoubleSeconds(s.oldest_wait));
    Add(overdue, {{"programme", programme}}, static_cast<double>(s.overdue));
    Add(in_use, {{"programme", programme}}, static_cast<double>(s.allocated));
    for (const auto& [key, count] : s.by_tier_and_state) {
      Add(placements,
          {{"programme", programme},
           {"state", key.second},
           {"tier", absl::StrCat(key.first)}},
          static_cast<double>(count));
    }
  }
  return {waiting, oldest, overdue, in_use, placements};
}

}  // namespace frontdoor::allocation
