#include "triage-svc/triage_metrics.h"

#include "common/metrics/families.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "triage-svc/triage_core.h"

namespace frontdoor::triage {

TriageMetrics::TriageMetrics(prometheus::Registry& registry)
    : decisions_(prometheus::BuildCounter()
                     .Name("frontdoor_triage_decisions_total")
                     .Help("Triage decisions by risk level, tier, front door "
                           "and mode (auto or practitioner).")
                     .Register(registry)),
      marac_flags_(prometheus::BuildCounter()
                       .Name("frontdoor_triage_marac_flags_total")
                       .Help("MARAC criteria met in decisions, by kind.")
                       .Register(registry)),
      recorded_(prometheus::BuildCounter()
                    .Name("frontdoor_triage_referrals_recorded_total")
                    .Help("Referrals recorded from intake, by front door and "
                          "outcome (auto_triaged or queued).")
                    .Register(registry)),
      serial_perpetrators_(
          prometheus::BuildCounter()
              .Name("frontdoor_triage_serial_perpetrators_total")
              .Help("Serial-perpetrator events raised for MATAC.")
              .Register(registry)
              .Add({})) {}

void TriageMetrics::SerialPerpetrator() { serial_perpetrators_.Increment(); }

void TriageMetrics::Decided(const v1::Decision& d) {
  decisions_
      .Add({{"risk_level",
             EnumLabel(common::v1::RiskLevel_Name(d.risk_level()),
                       "RISK_LEVEL_")},
            {"tier", absl::StrCat(d.tier())},
            {"front_door",
             EnumLabel(common::v1::FrontDoor_Name(d.front_door()),
                       "FRONT_DOOR_")},
            {"mode", d.auto_triaged() ? "auto" : "practitioner"}})
      .Increment();
  const auto flag = [&](bool set, const char* kind) {
    if (set) marac_flags_.Add({{"kind", kind}}).Increment();
  };
  flag(d.marac().visible_high_risk(), "visible_high_risk");
  flag(d.marac().professional_judgement(), "professional_judgement");
  flag(d.marac().potential_escalation(), "potential_escalation");
  flag(d.marac().repeat(), "repeat");
}

void TriageMetrics::Recorded(common::v1::FrontDoor front_door,
                             bool auto_triaged) {
  recorded_
      .Add({{"front_door",
             EnumLabel(common::v1::FrontDoor_Name(front_door), "FRONT_DOOR_")},
            {"outcome", auto_triaged ? "auto_triaged" : "queued"}})
      .Increment();
}

std::vector<prometheus::MetricFamily> QueueCollector::Collect() const {
  absl::StatusOr<QueueStats> stats = stats_();
  if (!stats.ok()) return {};
  const auto gauge = [](const char* name, const char* help, double value) {
    prometheus::MetricFamily family = metrics::NewGauge(name, help);
    metrics::AddSample(family, {}, value);
    return family;
  };
  return {gauge("frontdoor_triage_queue_depth",
                "Referrals waiting for a practitioner's assessment.",
                static_cast<double>(stats->waiting)),
          gauge("frontdoor_triage_queue_oldest_wait_seconds",
                "How long the longest-waiting referral has waited.",
                absl::ToDoubleSeconds(stats->oldest_wait))};
}

}  // namespace frontdoor::triage
