#include "allocation-svc/allocation_metrics.h"

#include "absl/strings/str_cat.h"
#include "common/metrics/families.h"

namespace frontdoor::allocation {
using metrics::AddSample;
using metrics::NewGauge;

std::vector<prometheus::MetricFamily> AllocationCollector::Collect() const {
  absl::StatusOr<std::map<std::string, ProgrammeStats>> stats = core_.Stats();
  if (!stats.ok()) return {};
  auto waiting = NewGauge("frontdoor_allocation_waiting",
                       "People on a programme's waiting list.");
  auto oldest = NewGauge("frontdoor_allocation_oldest_wait_seconds",
                      "Longest wait on a programme's waiting list.");
  auto overdue = NewGauge("frontdoor_allocation_first_contact_overdue",
                       "Open placements (awaiting consent, waiting, "
                       "allocated) whose first contact is overdue.");
  auto first_contacts = NewGauge(
      "frontdoor_allocation_first_contacts",
      "Placements whose first contact was made, by outcome against the "
      "first-contact target (met: by the target; missed: after it).");
  auto in_use = NewGauge("frontdoor_allocation_places_in_use",
                      "Places held (cohort seats or caseload slots).");
  auto placements = NewGauge("frontdoor_allocation_placements",
                          "Placements by programme, tier and state.");
  for (const auto& [programme, s] : *stats) {
    AddSample(waiting, {{"programme", programme}}, static_cast<double>(s.waiting));
    AddSample(oldest, {{"programme", programme}},
        absl::ToDoubleSeconds(s.oldest_wait));
    AddSample(overdue, {{"programme", programme}}, static_cast<double>(s.overdue));
    AddSample(first_contacts, {{"programme", programme}, {"outcome", "met"}},
              static_cast<double>(s.first_contact_met));
    AddSample(first_contacts, {{"programme", programme}, {"outcome", "missed"}},
              static_cast<double>(s.first_contact_missed));
    AddSample(in_use, {{"programme", programme}}, static_cast<double>(s.allocated));
    for (const auto& [key, count] : s.by_tier_and_state) {
      AddSample(placements,
          {{"programme", programme},
           {"state", key.second},
           {"tier", absl::StrCat(key.first)}},
          static_cast<double>(count));
    }
  }
  return {waiting, oldest, overdue, first_contacts, in_use, placements};
}

}  // namespace frontdoor::allocation
