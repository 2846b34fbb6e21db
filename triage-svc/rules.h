#pragma once

// triage-svc's rules, checked once at start-up: everything DOMAIN.md calls
// local practice (thresholds, bands, tiers, the children's indicators) comes
// from a TriageRules file, never from code.

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "frontdoor/common/v1/risk.pb.h"
#include "frontdoor/config/v1/triage_rules.pb.h"

namespace frontdoor::triage {

inline constexpr int kMinTier = 1;
inline constexpr int kMaxTier = 4;
inline constexpr int kMinSeverity = 1;
inline constexpr int kMaxSeverity = 4;
// Ages the children's front door serves.
inline constexpr int kMaxChildAge = 17;
// Question sets larger than this are a typing error in the rules file.
inline constexpr int kMaxQuestions = 100;

// Validated rules with fast lookups. Immutable once built; safe to share.
class Rules {
 public:
  // Checks every entry; INVALID_ARGUMENT carries a field violation per
  // problem, each naming the entry (for example "child.indicators[3].severity").
  static absl::StatusOr<Rules> FromProto(const config::v1::TriageRules& proto);

  const config::v1::TriageRules& proto() const { return proto_; }
  const config::v1::DashRules& dash() const { return proto_.dash(); }
  const config::v1::ChildRules& child() const { return proto_.child(); }
  const config::v1::SerialPerpetratorRules& serial_perpetrator() const {
    return proto_.serial_perpetrator();
  }

  // Questions in a DASH question set; nullopt for an unknown version.
  std::optional<int> DashQuestions(absl::string_view form_version) const;
  // The band a DASH score falls in.
  common::v1::RiskLevel BandFor(int score) const;
  // Adults' tier for a risk level.
  int TierFor(common::v1::RiskLevel level) const;
  // What a children's severity level (1 to 4) leads to.
  const config::v1::ChildLevel& ChildLevelFor(int severity) const;
  // The children's indicator with this id, or nullptr.
  const config::v1::ChildIndicator* Indicator(absl::string_view id) const;
  // First-contact target for a provisional risk level.
  absl::Duration FirstContactTarget(common::v1::RiskLevel level) const;

 private:
  Rules() = default;

  config::v1::TriageRules proto_;
  absl::flat_hash_map<std::string, int> dash_questions_;
  absl::flat_hash_map<std::string, int> indicator_index_;
  absl::flat_hash_map<int, int> child_level_index_;
  absl::flat_hash_map<int, int> tier_by_level_;
  absl::flat_hash_map<int, absl::Duration> target_by_level_;
};

}  // namespace frontdoor::triage
