#include "triage-svc/rules.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace frontdoor::triage {
namespace {

using common::v1::RiskLevel;

constexpr int kMaxRepeatWindowMonths = 120;
constexpr int kMaxSerialWindowMonths = 240;
// Fewer than two victims is not a series.
constexpr int kMinSerialVictims = 2;
constexpr int kMaxSerialVictims = 100;
constexpr RiskLevel kLevels[] = {common::v1::RISK_LEVEL_STANDARD,
                                 common::v1::RISK_LEVEL_MEDIUM,
                                 common::v1::RISK_LEVEL_HIGH};

bool IsKnownLevel(RiskLevel level) {
  for (RiskLevel l : kLevels) {
    if (l == level) return true;
  }
  return false;
}

bool IsIndicatorId(absl::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

class Problems {
 public:
  void Add(std::string field, std::string description) {
    violations_.push_back({std::move(field), std::move(description)});
  }
  void Require(bool ok, const std::string& field, absl::string_view what) {
    if (!ok) Add(field, std::string(what));
  }
  void Range(int value, int lo, int hi, const std::string& field) {
    if (value < lo || value > hi) {
      Add(field, absl::StrCat("must be from ", lo, " to ", hi, " (got ",
                              value, ")"));
    }
  }
  void AgeRange(int lo, int hi, const std::string& lo_field,
                const std::string& hi_field) {
    Range(lo, 0, kMaxChildAge, lo_field);
    Range(hi, 0, kMaxChildAge, hi_field);
    if (lo > hi) Add(hi_field, absl::StrCat("must not be below ", lo_field));
  }
  absl::Status ToStatus() const {
    if (violations_.empty()) return absl::OkStatus();
    return InvalidArgumentWithViolations("triage rules are not valid",
                                         violations_);
  }

 private:
  std::vector<FieldViolation> violations_;
};

void CheckQuestionSet(Problems& p, const config::v1::QuestionSet& set,
                      const std::string& field) {
  p.Require(!set.version().empty(), field + ".version", "required");
  p.Range(set.questions(), 1, kMaxQuestions, field + ".questions");
}

// One entry per risk level, each level once.
template <typename Entry>
void CheckOnePerLevel(Problems& p,
                      const google::protobuf::RepeatedPtrField<Entry>& entries,
                      const std::string& field) {
  absl::flat_hash_set<int> seen;
  for (int i = 0; i < entries.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "].level");
    if (!IsKnownLevel(entries[i].level())) {
      p.Add(f, "must be RISK_LEVEL_STANDARD, _MEDIUM or _HIGH");
    } else if (!seen.insert(entries[i].level()).second) {
      p.Add(f, "level given twice");
    }
  }
  for (RiskLevel level : kLevels) {
    if (!seen.contains(level)) {
      p.Add(field, absl::StrCat("no entry for ", RiskLevel_Name(level)));
    }
  }
}

void CheckDash(Problems& p, const config::v1::DashRules& d) {
  p.Require(!d.version().empty(), "dash.version", "required");
  p.Require(d.forms_size() > 0, "dash.forms", "at least one question set");
  absl::flat_hash_set<std::string> versions;
  int most_questions = 0;
  for (int i = 0; i < d.forms_size(); ++i) {
    const std::string f = absl::StrCat("dash.forms[", i, "]");
    CheckQuestionSet(p, d.forms(i), f);
    if (!versions.insert(d.forms(i).version()).second) {
      p.Add(f + ".version", "question set given twice");
    }
    most_questions = std::max(most_questions, d.forms(i).questions());
  }
  p.Range(d.visible_high_risk_threshold(), 1, std::max(1, most_questions),
          "dash.visible_high_risk_threshold");
  p.Range(d.escalation_callouts_threshold(), 1, 1000,
          "dash.escalation_callouts_threshold");
  p.Range(d.repeat_window_months(), 1, kMaxRepeatWindowMonths,
          "dash.repeat_window_months");
  CheckOnePerLevel(p, d.bands(), "dash.bands");
  // Bands must rise with the level, the lowest from 0.
  int previous = -1;
  for (RiskLevel level : kLevels) {
    for (int i = 0; i < d.bands_size(); ++i) {
      if (d.bands(i).level() != level) continue;
      const std::string f = absl::StrCat("dash.bands[", i, "].min_score");
      if (level == common::v1::RISK_LEVEL_STANDARD && d.bands(i).min_score()) {
        p.Add(f, "the standard band must start at 0");
      } else if (d.bands(i).min_score() <= previous) {
        p.Add(f, "must be above the band below");
      }
      previous = d.bands(i).min_score();
    }
  }
}

void CheckChild(Problems& p, const config::v1::ChildRules& c) {
  p.Require(!c.version().empty(), "child.version", "required");
  p.Require(c.indicators_size() > 0, "child.indicators",
            "at least one indicator");
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < c.indicators_size(); ++i) {
    const config::v1::ChildIndicator& ind = c.indicators(i);
    const std::string f = absl::StrCat("child.indicators[", i, "]");
    if (!IsIndicatorId(ind.id())) {
      p.Add(f + ".id", "must be lower-case letters, digits and hyphens");
    } else if (!ids.insert(ind.id()).second) {
      p.Add(f + ".id", absl::StrCat("\"", ind.id(), "\" given twice"));
    }
    p.Require(!ind.text().empty(), f + ".text", "required");
    p.Require(ind.side() == common::v1::SIDE_VICTIM ||
                  ind.side() == common::v1::SIDE_BEHAVIOUR_CHANGE,
              f + ".side", "must be SIDE_VICTIM or SIDE_BEHAVIOUR_CHANGE");
    p.Range(ind.severity(), kMinSeverity, kMaxSeverity, f + ".severity");
    if (ind.min_age() != 0 || ind.max_age() != 0) {
      p.AgeRange(ind.min_age(), ind.max_age(), f + ".min_age",
                 f + ".max_age");
    }
  }
  p.Range(c.raise_level_under_age(), 0, kMaxChildAge,
          "child.raise_level_under_age");
  absl::flat_hash_set<int> severities;
  for (int i = 0; i < c.levels_size(); ++i) {
    const config::v1::ChildLevel& level = c.levels(i);
    const std::string f = absl::StrCat("child.levels[", i, "]");
    p.Range(level.severity(), kMinSeverity, kMaxSeverity, f + ".severity");
    if (!severities.insert(level.severity()).second) {
      p.Add(f + ".severity", "severity given twice");
    }
    p.Require(IsKnownLevel(level.risk_level()), f + ".risk_level",
              "must be RISK_LEVEL_STANDARD, _MEDIUM or _HIGH");
    p.Range(level.tier(), kMinTier, kMaxTier, f + ".tier");
  }
  for (int s = kMinSeverity; s <= kMaxSeverity; ++s) {
    if (!severities.contains(s)) {
      p.Add("child.levels", absl::StrCat("no entry for severity ", s));
    }
  }
  CheckQuestionSet(p, c.young_people_checklist(),
                   "child.young_people_checklist");
  p.AgeRange(c.checklist_min_age(), c.checklist_max_age(),
             "child.checklist_min_age", "child.checklist_max_age");
  p.Range(c.checklist_high_risk_threshold(), 1,
          std::max(1, c.young_people_checklist().questions()),
          "child.checklist_high_risk_threshold");
  p.AgeRange(c.marac_min_age(), c.marac_max_age(), "child.marac_min_age",
             "child.marac_max_age");
}

void CheckSerial(Problems& p, const config::v1::TriageRules& proto) {
  if (!proto.has_serial_perpetrator()) {
    p.Add("serial_perpetrator", "required");
    return;
  }
  const config::v1::SerialPerpetratorRules& s = proto.serial_perpetrator();
  p.Range(s.distinct_victims(), kMinSerialVictims, kMaxSerialVictims,
          "serial_perpetrator.distinct_victims");
  p.Range(s.window_months(), 1, kMaxSerialWindowMonths,
          "serial_perpetrator.window_months");
}

}  // namespace

absl::StatusOr<Rules> Rules::FromProto(const config::v1::TriageRules& proto) {
  Problems p;
  CheckDash(p, proto.dash());
  CheckChild(p, proto.child());
  CheckSerial(p, proto);
  CheckOnePerLevel(p, proto.tiers(), "tiers");
  for (int i = 0; i < proto.tiers_size(); ++i) {
    p.Range(proto.tiers(i).tier(), kMinTier, kMaxTier,
            absl::StrCat("tiers[", i, "].tier"));
  }
  CheckOnePerLevel(p, proto.first_contact_targets(), "first_contact_targets");
  for (int i = 0; i < proto.first_contact_targets_size(); ++i) {
    const auto& target = proto.first_contact_targets(i).target();
    if (target.seconds() <= 0 || target.nanos() < 0) {
      p.Add(absl::StrCat("first_contact_targets[", i, "].target"),
            "must be a positive duration");
    }
  }
  if (absl::Status s = p.ToStatus(); !s.ok()) return s;

  Rules rules;
  rules.proto_ = proto;
  for (const auto& form : proto.dash().forms()) {
    rules.dash_questions_[form.version()] = form.questions();
  }
  for (int i = 0; i < proto.child().indicators_size(); ++i) {
    rules.indicator_index_[proto.child().indicators(i).id()] = i;
  }
  for (int i = 0; i < proto.child().levels_size(); ++i) {
    rules.child_level_index_[proto.child().levels(i).severity()] = i;
  }
  for (const auto& t : proto.tiers()) rules.tier_by_level_[t.level()] = t.tier();
  for (const auto& t : proto.first_contact_targets()) {
    rules.target_by_level_[t.level()] =
        absl::Seconds(t.target().seconds()) +
        absl::Nanoseconds(t.target().nanos());
  }
  return rules;
}

std::optional<int> Rules::DashQuestions(absl::string_view form_version) const {
  auto it = dash_questions_.find(form_version);
  if (it == dash_questions_.end()) return std::nullopt;
  return it->second;
}

RiskLevel Rules::BandFor(int score) const {
  RiskLevel level = common::v1::RISK_LEVEL_STANDARD;
  int best = -1;
  for (const auto& band : proto_.dash().bands()) {
    if (score >= band.min_score() && band.min_score() > best) {
      best = band.min_score();
      level = band.level();
    }
  }
  return level;
}

int Rules::TierFor(RiskLevel level) const { return tier_by_level_.at(level); }

const config::v1::ChildLevel& Rules::ChildLevelFor(int severity) const {
  return proto_.child().levels(child_level_index_.at(severity));
}

const config::v1::ChildIndicator* Rules::Indicator(absl::string_view id) const {
  auto it = indicator_index_.find(id);
  if (it == indicator_index_.end()) return nullptr;
  return &proto_.child().indicators(it->second);
}

absl::Duration Rules::FirstContactTarget(RiskLevel level) const {
  return target_by_level_.at(level);
}

}  // namespace frontdoor::triage
