#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "allocation-svc/allocation_core.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::allocation {

// Allocation gauges computed from the store at each scrape, per programme:
//   frontdoor_allocation_waiting{programme}
//   frontdoor_allocation_oldest_wait_seconds{programme}
//   frontdoor_allocation_first_contact_overdue{programme}  (open placements)
//   frontdoor_allocation_first_contacts{programme,outcome}  (met, missed)
//   frontdoor_allocation_places_in_use{programme}
//   frontdoor_allocation_placements{programme,tier,state}  (allocations by
//       programme and tier, and every other state)
// A failed read leaves them out of that scrape.
class AllocationCollector final : public prometheus::Collectable {
 public:
  explicit AllocationCollector(AllocationCore& core) : core_(core) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  AllocationCore& core_;
};

}  // namespace frontdoor::allocation
