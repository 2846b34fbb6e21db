#include "triage-svc/assess.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock/clock.h"
#include "common/status/errors.h"
#include "common/text/text_rules.h"

namespace frontdoor::triage {
namespace {

using common::v1::Answer;
using common::v1::RiskLevel;

constexpr char kNotValid[] = "the assessment is not complete or not valid";
// Free-text limits, in characters, as the contract documents them.
constexpr size_t kMaxReasonChars = 2000;
constexpr size_t kMaxCommentChars = 2000;
constexpr size_t kMaxSourceChars = 200;

bool IsKnownAnswer(Answer a) {
  return a == common::v1::ANSWER_YES || a == common::v1::ANSWER_NO ||
         a == common::v1::ANSWER_DONT_KNOW;
}

bool IsBlank(absl::string_view s) {
  return absl::StripAsciiWhitespace(s).empty();
}

// Checks answers to a numbered checklist of `questions` and returns the
// number of "yes" answers. Every question 1..questions must be answered
// exactly once, with yes, no or don't know.
int CheckChecklist(
    const google::protobuf::RepeatedPtrField<common::v1::DashAnswer>& answers,
    int questions, absl::string_view form, const std::string& field,
    std::vector<FieldViolation>& out) {
  absl::flat_hash_set<int> seen;
  int yes = 0;
  for (int i = 0; i < answers.size(); ++i) {
    const common::v1::DashAnswer& a = answers[i];
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (a.question() < 1 || a.question() > questions) {
      out.push_back({f + ".question",
                     absl::StrCat("must be from 1 to ", questions, " for ",
                                  form)});
      continue;
    }
    if (!seen.insert(a.question()).second) {
      out.push_back({f + ".question", absl::StrCat("question ", a.question(),
                                                   " is answered twice")});
      continue;
    }
    CheckText(f + ".comment", a.comment(), kMaxCommentChars, Lines::kMulti,
              out);
    CheckText(f + ".source", a.source(), kMaxSourceChars, Lines::kSingle, out);
    if (!IsKnownAnswer(a.answer())) {
      out.push_back({f + ".answer", "must be yes, no or don't know"});
      continue;
    }
    if (a.answer() == common::v1::ANSWER_YES) ++yes;
  }
  std::vector<int> missing;
  for (int q = 1; q <= questions; ++q) {
    if (!seen.contains(q)) missing.push_back(q);
  }
  if (!missing.empty()) {
    out.push_back({field, absl::StrCat(missing.size(), " of ", questions,
                                       " questions not answered: ",
                                       absl::StrJoin(missing, ", "))});
  }
  return yes;
}

int CountYes(
    const google::protobuf::RepeatedPtrField<common::v1::DashAnswer>& answers) {
  return static_cast<int>(std::count_if(
      answers.begin(), answers.end(), [](const common::v1::DashAnswer& a) {
        return a.answer() == common::v1::ANSWER_YES;
      }));
}

bool IndicatorApplies(const config::v1::ChildIndicator& ind, int age) {
  if (ind.min_age() == 0 && ind.max_age() == 0) return true;
  return age >= ind.min_age() && age <= ind.max_age();
}

bool InRange(int age, int lo, int hi) { return age >= lo && age <= hi; }

}  // namespace

bool IsAdultDoor(common::v1::FrontDoor door) {
  return door == common::v1::FRONT_DOOR_ADULT_VICTIM ||
         door == common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE;
}

std::optional<absl::Time> ReportedMaracReferral(
    const common::v1::RiskAssessment& assessment, absl::Time received_at) {
  if (!assessment.has_previous_marac_referral_date()) return std::nullopt;
  const google::type::Date& d = assessment.previous_marac_referral_date();
  const absl::Time next_day = absl::FromCivil(
      absl::CivilDay(d.year(), d.month(), d.day()) + 1, absl::UTCTimeZone());
  return std::min(next_day - absl::Microseconds(1), received_at);
}

std::optional<absl::Time> Latest(std::optional<absl::Time> a,
                                 std::optional<absl::Time> b) {
  if (!a.has_value()) return b;
  if (!b.has_value()) return a;
  return std::max(*a, *b);
}

v1::Recipients WhoIsTold(const v1::Decision& decision, const CaseFacts& facts,
                         const Rules& rules, bool exploitation) {
  const bool high = decision.risk_level() == common::v1::RISK_LEVEL_HIGH;
  const bool victim = decision.side() == common::v1::SIDE_VICTIM;
  const bool child = facts.front_door == common::v1::FRONT_DOOR_CHILDREN;
  v1::Recipients to;
  if (child) {
    to.set_marac(high && InRange(facts.age, rules.child().marac_min_age(),
                                 rules.child().marac_max_age()));
    to.set_ypva(high && victim);
    to.set_mace(exploitation);
  } else {
    to.set_marac(high);
    to.set_idva(high && victim);
  }
  to.set_childrens_social_care(child || facts.children_in_household > 0);
  return to;
}

bool IsMaracRepeat(std::optional<absl::Time> last_marac,
                   absl::Time received_at, const Rules& rules) {
  if (!last_marac.has_value()) return false;
  return *last_marac <= received_at &&
         *last_marac >=
             MonthsBefore(received_at, rules.dash().repeat_window_months());
}

absl::StatusOr<v1::Decision> AssessAdult(const common::v1::RiskAssessment& dash,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field) {
  const std::string f(field);
  std::vector<FieldViolation> problems;
  int score = 0;
  const std::optional<int> questions = rules.DashQuestions(dash.form_version());
  if (dash.form_version().empty()) {
    problems.push_back({f + ".form_version", "required"});
  } else if (!questions.has_value()) {
    problems.push_back(
        {f + ".form_version",
         absl::StrCat("unknown question set \"", dash.form_version(), "\"")});
  } else {
    score = CheckChecklist(dash.answers(), *questions, dash.form_version(),
                           f + ".answers", problems);
  }
  if (dash.has_police_callouts_past_12_months() &&
      dash.police_callouts_past_12_months() < 0) {
    problems.push_back(
        {f + ".police_callouts_past_12_months", "must not be negative"});
  }
  CheckText(f + ".professional_judgement_reason",
            dash.professional_judgement_reason(), kMaxReasonChars,
            Lines::kMulti, problems);
  if (dash.professional_judgement_high_risk() &&
      IsBlank(dash.professional_judgement_reason())) {
    problems.push_back({f + ".professional_judgement_reason",
                        "required when professional_judgement_high_risk is "
                        "set: say why the risk is judged high"});
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations(kNotValid, problems);
  }

  v1::Decision d;
  d.set_front_door(facts.front_door);
  d.set_side(facts.front_door == common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE
                 ? common::v1::SIDE_BEHAVIOUR_CHANGE
                 : common::v1::SIDE_VICTIM);
  d.set_score(score);
  common::v1::MaracFlags& marac = *d.mutable_marac();
  marac.set_visible_high_risk(score >=
                              rules.dash().visible_high_risk_threshold());
  // Judgement is an assertion, with its reason: it can raise, never lower,
  // since it only ever sets its own flag.
  marac.set_professional_judgement(dash.professional_judgement_high_risk());
  marac.set_potential_escalation(
      dash.has_police_callouts_past_12_months() &&
      dash.police_callouts_past_12_months() >=
          rules.dash().escalation_callouts_threshold());
  marac.set_repeat(IsMaracRepeat(
      Latest(facts.last_marac_referral_at, ReportedMaracReferral(dash, facts.received_at)),
      facts.received_at, rules));
  const bool any_flag = marac.visible_high_risk() ||
                        marac.professional_judgement() ||
                        marac.potential_escalation() || marac.repeat();
  d.set_risk_level(any_flag ? common::v1::RISK_LEVEL_HIGH
                            : rules.BandFor(score));
  d.set_tier(rules.TierFor(d.risk_level()));
  *d.mutable_recipients() = WhoIsTold(d, facts, rules, /*exploitation=*/false);
  d.set_rules_version(rules.dash().version());
  return d;
}

absl::StatusOr<v1::Decision> AssessChild(const v1::ChildAssessment& child,
                                         const CaseFacts& facts,
                                         const Rules& rules,
                                         absl::string_view field) {
  const std::string f(field);
  const config::v1::ChildRules& cr = rules.child();
  std::vector<FieldViolation> problems;
  if (child.rules_version() != cr.version()) {
    problems.push_back(
        {f + ".rules_version",
         child.rules_version().empty()
             ? std::string("required")
             : absl::StrCat("unknown rules version \"", child.rules_version(),
                            "\"; this service uses \"", cr.version(), "\"")});
    return InvalidArgumentWithViolations(kNotValid, problems);
  }

  int severity = 0;
  int strongest_behaviour_change = 0;
  int strongest_victim = 0;
  bool exploitation = false;
  absl::flat_hash_set<std::string> answered;
  for (int i = 0; i < child.indicators_size(); ++i) {
    const v1::IndicatorAnswer& a = child.indicators(i);
    const std::string af = absl::StrCat(f, ".indicators[", i, "]");
    const config::v1::ChildIndicator* ind = rules.Indicator(a.indicator());
    if (ind == nullptr) {
      problems.push_back({af + ".indicator",
                          absl::StrCat("unknown indicator \"", a.indicator(),
                                       "\" in ", cr.version())});
      continue;
    }
    if (!IndicatorApplies(*ind, facts.age)) {
      problems.push_back(
          {af + ".indicator",
           absl::StrCat("\"", ind->id(), "\" is for ages ", ind->min_age(),
                        " to ", ind->max_age(), "; the child is ",
                        facts.age)});
      continue;
    }
    if (!answered.insert(ind->id()).second) {
      problems.push_back(
          {af + ".indicator", absl::StrCat("\"", ind->id(), "\" is answered twice")});
      continue;
    }
    if (!IsKnownAnswer(a.answer())) {
      problems.push_back({af + ".answer", "must be yes, no or don't know"});
      continue;
    }
    CheckText(af + ".comment", a.comment(), kMaxCommentChars, Lines::kMulti,
              problems);
    if (a.answer() != common::v1::ANSWER_YES) continue;
    severity = std::max(severity, ind->severity());
    exploitation = exploitation || ind->exploitation();
    int& strongest = ind->side() == common::v1::SIDE_BEHAVIOUR_CHANGE
                         ? strongest_behaviour_change
                         : strongest_victim;
    strongest = std::max(strongest, ind->severity());
  }
  std::vector<std::string> missing;
  for (const config::v1::ChildIndicator& ind : cr.indicators()) {
    if (IndicatorApplies(ind, facts.age) && !answered.contains(ind.id())) {
      missing.push_back(ind.id());
    }
  }
  if (!missing.empty()) {
    problems.push_back({f + ".indicators",
                        absl::StrCat("not answered: ",
                                     absl::StrJoin(missing, ", "))});
  }

  int checklist_score = 0;
  const bool checklist_age =
      InRange(facts.age, cr.checklist_min_age(), cr.checklist_max_age());
  const std::string cf = f + ".young_people_checklist";
  if (checklist_age) {
    checklist_score = CheckChecklist(
        child.young_people_checklist(), cr.young_people_checklist().questions(),
        cr.young_people_checklist().version(), cf, problems);
  } else if (!child.young_people_checklist().empty()) {
    problems.push_back(
        {cf, absl::StrCat("is for ages ", cr.checklist_min_age(), " to ",
                          cr.checklist_max_age(), "; the child is ",
                          facts.age)});
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations(kNotValid, problems);
  }

  // The side the most severe "yes" points to; victim when even or none.
  const common::v1::Side side = strongest_behaviour_change > strongest_victim
                                    ? common::v1::SIDE_BEHAVIOUR_CHANGE
                                    : common::v1::SIDE_VICTIM;
  // The level: on the victim side the most severe "yes", raised by one for
  // a young child and by one for special needs (the child's vulnerability);
  // on the behaviour change side the most severe harm the child causes.
  // Moderate when none; at most severe.
  const bool behaviour_change = side == common::v1::SIDE_BEHAVIOUR_CHANGE;
  if (behaviour_change) severity = strongest_behaviour_change;
  severity = std::max(severity, kMinSeverity);
  if (!behaviour_change || cr.raise_level_for_behaviour_change()) {
    if (facts.age < cr.raise_level_under_age()) ++severity;
    if (child.special_needs() && cr.raise_level_for_special_needs()) {
      ++severity;
    }
  }
  severity = std::min(severity, kMaxSeverity);
  const config::v1::ChildLevel& level = rules.ChildLevelFor(severity);

  v1::Decision d;
  d.set_front_door(facts.front_door);
  d.set_side(side);
  d.set_child_severity(static_cast<v1::ChildSeverity>(severity));
  d.set_score(checklist_score);
  const bool checklist_high =
      checklist_age && checklist_score >= cr.checklist_high_risk_threshold();
  d.mutable_marac()->set_visible_high_risk(checklist_high);
  d.set_risk_level(checklist_high ? common::v1::RISK_LEVEL_HIGH
                                  : level.risk_level());
  d.set_tier(checklist_high
                 ? std::max(level.tier(),
                            rules.TierFor(common::v1::RISK_LEVEL_HIGH))
                 : level.tier());
  *d.mutable_recipients() = WhoIsTold(d, facts, rules, exploitation);
  d.set_rules_version(cr.version());
  return d;
}

v1::ChildAssessmentForm ChildFormFor(int age, const Rules& rules) {
  const config::v1::ChildRules& cr = rules.child();
  v1::ChildAssessmentForm form;
  form.set_rules_version(cr.version());
  for (const config::v1::ChildIndicator& ind : cr.indicators()) {
    if (!IndicatorApplies(ind, age)) continue;
    v1::IndicatorQuestion& q = *form.add_indicators();
    q.set_indicator(ind.id());
    q.set_text(ind.text());
  }
  if (InRange(age, cr.checklist_min_age(), cr.checklist_max_age())) {
    form.set_young_people_checklist(cr.young_people_checklist().version());
    form.set_young_people_checklist_questions(
        cr.young_people_checklist().questions());
  }
  form.set_special_needs_asked(cr.raise_level_for_special_needs());
  return form;
}

absl::Status ApplyTierOverride(const v1::TierOverride& override_tier,
                               absl::string_view field,
                               v1::Decision* decision) {
  std::vector<FieldViolation> problems;
  const std::string f(field);
  if (override_tier.tier() < kMinTier || override_tier.tier() > kMaxTier) {
    problems.push_back({f + ".tier", absl::StrCat("must be from ", kMinTier,
                                                  " to ", kMaxTier)});
  }
  if (IsBlank(override_tier.reason())) {
    problems.push_back({f + ".reason", "required when the tier is changed"});
  } else {
    CheckText(f + ".reason", override_tier.reason(), kMaxReasonChars,
              Lines::kMulti, problems);
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations("the tier override is not valid",
                                         problems);
  }
  decision->set_tier_from_risk(decision->tier());
  decision->set_tier(override_tier.tier());
  decision->set_tier_override_reason(override_tier.reason());
  return absl::OkStatus();
}

RiskLevel ProvisionalRisk(const common::v1::Referral& referral,
                          const CaseFacts& facts, const Rules& rules) {
  const common::v1::RiskAssessment& a = referral.risk_assessment();
  if (IsAdultDoor(facts.front_door) &&
      IsMaracRepeat(
          Latest(facts.last_marac_referral_at, ReportedMaracReferral(a, facts.received_at)),
          facts.received_at, rules)) {
    return common::v1::RISK_LEVEL_HIGH;
  }
  if (!referral.has_risk_assessment()) return common::v1::RISK_LEVEL_STANDARD;
  if (a.professional_judgement_high_risk() ||
      (a.has_police_callouts_past_12_months() &&
       a.police_callouts_past_12_months() >=
           rules.dash().escalation_callouts_threshold())) {
    return common::v1::RISK_LEVEL_HIGH;
  }
  const int yes = CountYes(a.answers());
  const int high_at =
      a.form_version() == rules.child().young_people_checklist().version()
          ? rules.child().checklist_high_risk_threshold()
          : rules.dash().visible_high_risk_threshold();
  if (yes >= high_at) return common::v1::RISK_LEVEL_HIGH;
  return rules.BandFor(yes);
}

}  // namespace frontdoor::triage
