#include "triage-svc/serial.h"

#include <algorithm>

#include "common/clock/clock.h"

namespace frontdoor::triage {

bool SamePerson(const std::string& index_a, const std::string& name_index_a,
                const std::string& index_b, const std::string& name_index_b) {
  if (!index_a.empty() && !index_b.empty()) return index_a == index_b;
  return !name_index_a.empty() && name_index_a == name_index_b;
}

SerialOutcome DecideSerial(const SuspectLink& current,
                           const std::vector<SuspectLink>& earlier,
                           std::optional<int> stated_victims,
                           const Rules& rules) {
  const config::v1::SerialPerpetratorRules& r = rules.serial_perpetrator();
  const absl::Time window_start =
      MonthsBefore(current.received_at, r.window_months());
  std::vector<const SuspectLink*> in_window;
  for (const SuspectLink& link : earlier) {
    if (link.reference == current.reference) continue;
    if (link.received_at < window_start ||
        link.received_at > current.received_at) {
      continue;
    }
    if (!SamePerson(link.suspect_index, link.suspect_name_index,
                    current.suspect_index, current.suspect_name_index)) {
      continue;
    }
    in_window.push_back(&link);
  }
  std::stable_sort(in_window.begin(), in_window.end(),
                   [](const SuspectLink* a, const SuspectLink* b) {
                     return a->received_at < b->received_at;
                   });

  // Distinct victims: each counted once, the earliest referral first.
  std::vector<const SuspectLink*> victims;
  const auto known = [&victims](const SuspectLink& l) {
    return std::any_of(
        victims.begin(), victims.end(), [&l](const SuspectLink* v) {
          return SamePerson(v->victim_index, v->victim_name_index,
                            l.victim_index, l.victim_name_index);
        });
  };
  SerialOutcome out;
  for (const SuspectLink* link : in_window) {
    if (!known(*link)) victims.push_back(link);
    out.related_references.push_back(link->reference);
  }
  out.related_references.push_back(current.reference);
  const bool new_victim = !known(current);
  if (new_victim) victims.push_back(&current);
  out.distinct_victims =
      std::max(static_cast<int>(victims.size()), stated_victims.value_or(0));
  out.raise = new_victim && out.distinct_victims >= r.distinct_victims();
  return out;
}

}  // namespace frontdoor::triage
