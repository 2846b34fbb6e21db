#include "web-svc/console_leader_pages.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/reference/reference.h"
#include "kainjow/mustache.hpp"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kReferralsPrefix[] = "/console/referrals/";
constexpr char kPlacementsPrefix[] = "/console/placements/";
constexpr int kMinTier = 1;
constexpr int kMaxTier = 4;

constexpr char kOverride[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">Referral {{reference}}</span>
<h1 class="govuk-heading-l">Override the tier</h1>
<dl class="govuk-summary-list" id="current-decision">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Risk level</dt><dd class="govuk-summary-list__value" id="risk-level">{{risk}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Tier now</dt><dd class="govuk-summary-list__value" id="current-tier">{{tier}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Tier from risk</dt><dd class="govuk-summary-list__value" id="tier-from-risk">{{tier_from_risk}}</dd></div>
{{#earlier_reason}}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Reason for the earlier override</dt><dd class="govuk-summary-list__value">{{earlier_reason}}</dd></div>
{{/earlier_reason}}</dl>
<p class="govuk-body">The referral is decided again on the same assessment with the tier you choose. Allocation and the partners who must be told hear of the new decision.</p>
<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{tier_radios}}}{{{reason}}}<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="save-override">Override the tier</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="{{decision_href}}">Back to the decision</a></p>
</div></div>
)";

constexpr char kRelease[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">Referral {{reference}}</span>
<h1 class="govuk-heading-l">Release the place</h1>
<dl class="govuk-summary-list" id="placement">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Programme</dt><dd class="govuk-summary-list__value" id="programme">{{programme}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Where it stands</dt><dd class="govuk-summary-list__value" id="state">{{state}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Risk level</dt><dd class="govuk-summary-list__value">{{risk}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Tier</dt><dd class="govuk-summary-list__value">{{tier}}</dd></div>
{{#practitioner}}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Practitioner</dt><dd class="govuk-summary-list__value">{{practitioner}}</dd></div>
{{/practitioner}}</dl>
{{#allocated}}<p class="govuk-body">Releasing the place closes this placement. The place goes at once to the person at the head of the programme's waiting list, if anyone is waiting.</p>
<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{reason}}}<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" id="release-place">Release the place</button>
</form>
{{/allocated}}{{^allocated}}<div class="govuk-inset-text" id="not-allocated">This referral holds no place, so there is nothing to release.</div>
{{/allocated}}<p class="govuk-body"><a class="govuk-link" href="{{placement_href}}">Back to the placement</a></p>
</div></div>
)";

constexpr char kReleased[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">Success</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">The place held by {{reference}} was released</p></div>
</div>
<h1 class="govuk-heading-l">Place released</h1>
{{#allocated}}<p class="govuk-body" id="allocated">The freed place was allocated to <a class="govuk-link" href="{{allocated_href}}">{{allocated}}</a>, the head of the programme's waiting list.</p>
{{/allocated}}{{^allocated}}<p class="govuk-body" id="allocated">Nobody was waiting for this programme, so the place is free.</p>
{{/allocated}}<p class="govuk-body"><a class="govuk-link" href="{{placement_href}}">Back to the placement of {{reference}}</a></p>
</div></div>
)";

std::string RiskLabel(common::v1::RiskLevel r) {
  switch (r) {
    case common::v1::RISK_LEVEL_STANDARD:
      return "Standard";
    case common::v1::RISK_LEVEL_MEDIUM:
      return "Medium";
    case common::v1::RISK_LEVEL_HIGH:
      return "High";
    default:
      return "Not known";
  }
}

std::string StateLabel(allocation::v1::PlacementState s) {
  switch (s) {
    case allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT:
      return "Awaiting consent";
    case allocation::v1::PLACEMENT_STATE_WAITING:
      return "On the waiting list";
    case allocation::v1::PLACEMENT_STATE_ALLOCATED:
      return "Holds a place";
    case allocation::v1::PLACEMENT_STATE_RELEASED:
      return "Released";
    case allocation::v1::PLACEMENT_STATE_FAILED:
      return "Failed";
    default:
      return "Not known";
  }
}

std::string TierLabel(int tier) {
  return tier <= 0 ? "None" : absl::StrCat("Tier ", tier);
}

// Characters of UTF-8 text (code points), as the services count them.
size_t Chars(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Value(const std::map<std::string, std::string>& form,
                  const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

// A console form's view for the shared GOV.UK components.
FormView ViewOf(const std::map<std::string, std::string>& values,
                const std::vector<ConsoleError>& errors) {
  FormView v;
  v.values = values;
  for (const ConsoleError& e : errors) v.errors.push_back({e.field, e.message});
  return v;
}

}  // namespace

std::optional<LeaderPath> ParseLeaderPath(std::string_view path) {
  const absl::string_view p(path.data(), path.size());
  for (const auto& [prefix, pages] :
       {std::pair<absl::string_view,
                  std::vector<std::pair<absl::string_view, LeaderPage>>>{
            kReferralsPrefix, {{"override", LeaderPage::kOverride}}},
        {kPlacementsPrefix,
         {{"release", LeaderPage::kRelease},
          {"released", LeaderPage::kReleased}}}}) {
    if (!absl::StartsWith(p, prefix)) continue;
    const std::vector<absl::string_view> parts =
        absl::StrSplit(p.substr(prefix.size()), '/');
    if (parts.size() != 2 || !IsWellFormedReference(parts[0])) continue;
    for (const auto& [name, page] : pages) {
      if (parts[1] == name) return LeaderPath{page, std::string(parts[0])};
    }
  }
  return std::nullopt;
}

std::string ReleasePath(const std::string& reference) {
  return absl::StrCat(kPlacementsPrefix, reference, "/release");
}
std::string ReleasedPath(const std::string& reference,
                         const std::string& allocated) {
  std::string out = absl::StrCat(kPlacementsPrefix, reference, "/released");
  if (!allocated.empty()) absl::StrAppend(&out, "?allocated=", allocated);
  return out;
}
std::string DecisionAfterOverridePath(const std::string& reference) {
  return absl::StrCat(kReferralsPrefix, reference, "/decision?done=override");
}

OverrideInput ReadOverrideForm(const std::map<std::string, std::string>& form) {
  OverrideInput in;
  const std::string tier = Value(form, "tier");
  const std::string reason = Value(form, "reason");
  in.values = {{"tier", tier}, {"reason", reason}};
  // Exactly one of the radios' values.
  const int t = tier.size() == 1 ? tier[0] - '0' : 0;
  if (t < kMinTier || t > kMaxTier) {
    in.errors.push_back({"tier", "Select the tier to use"});
  }
  if (absl::StripAsciiWhitespace(reason).empty()) {
    in.errors.push_back({"reason", "Enter why you are changing the tier"});
  } else if (Chars(reason) > kMaxOverrideReasonChars) {
    in.errors.push_back(
        {"reason", absl::StrCat("The reason must be ", kMaxOverrideReasonChars,
                                " characters or fewer")});
  }
  if (in.errors.empty()) {
    in.tier_override.set_tier(t);
    in.tier_override.set_reason(reason);
  }
  return in;
}

ReleaseInput ReadReleaseForm(const std::map<std::string, std::string>& form) {
  ReleaseInput in;
  const std::string reason = Value(form, "reason");
  in.values = {{"reason", reason}};
  if (absl::StripAsciiWhitespace(reason).empty()) {
    in.errors.push_back({"reason", "Enter why the place is being released"});
  } else if (Chars(reason) > kMaxReleaseReasonChars) {
    in.errors.push_back(
        {"reason", absl::StrCat("The reason must be ", kMaxReleaseReasonChars,
                                " characters or fewer")});
  } else if (absl::StrContains(reason, "\n") ||
             absl::StrContains(reason, "\r")) {
    in.errors.push_back({"reason", "Enter the reason on one line"});
  }
  if (in.errors.empty()) in.reason = reason;
  return in;
}

std::vector<ConsoleError> MapLeaderViolations(
    const std::vector<FieldViolation>& violations,
    std::vector<std::string>* unmapped) {
  std::vector<ConsoleError> out;
  for (const FieldViolation& v : violations) {
    std::string field;
    if (v.field == "tier_override" || v.field == "tier_override.tier") {
      field = "tier";
    } else if (v.field == "tier_override.reason" || v.field == "reason") {
      field = "reason";
    }
    if (field.empty()) {
      unmapped->push_back(v.field);
      continue;
    }
    const std::string message =
        field == "tier" ? "Select the tier to use"
                        : absl::StrCat("Check the reason: it ", v.description);
    out.push_back({field, message});
  }
  return out;
}

std::string RenderOverridePage(const SignedInBar& bar,
                               const std::string& reference,
                               const triage::v1::Decision& current,
                               const std::map<std::string, std::string>& values,
                               const std::vector<ConsoleError>& errors) {
  const FormView view = ViewOf(values, errors);
  data d;
  d.set("summary", RenderConsoleErrorSummary(errors));
  d.set("reference", reference);
  d.set("risk", RiskLabel(current.risk_level()));
  d.set("tier", TierLabel(current.tier()));
  d.set("tier_from_risk", TierLabel(current.tier_from_risk() > 0
                                        ? current.tier_from_risk()
                                        : current.tier()));
  if (!current.tier_override_reason().empty()) {
    d.set("earlier_reason", current.tier_override_reason());
  }
  d.set("action", OverridePath(reference));
  d.set("csrf_token", bar.csrf_token);
  d.set("decision_href", absl::StrCat(kReferralsPrefix, reference, "/decision"));
  std::vector<parts::Option> tiers;
  for (int t = kMinTier; t <= kMaxTier; ++t) {
    tiers.push_back({std::to_string(t), TierLabel(t)});
  }
  d.set("tier_radios",
        parts::Radios(view, "tier", "Which tier should the referral have?",
                      "Tier 1 is prevention; tiers 2 to 4 are programmes",
                      tiers, false));
  d.set("reason",
        parts::Textarea(view, "reason", "Why are you changing the tier?",
                        "The reason is kept with the decision and shown to "
                        "those who read it",
                        static_cast<int>(kMaxOverrideReasonChars)));
  return RenderConsolePage(bar, "Override the tier",
                           parts::Render(kOverride, d), !errors.empty());
}

std::string RenderReleasePage(const SignedInBar& bar,
                              const std::string& reference,
                              const allocation::v1::Placement& placement,
                              const std::map<std::string, std::string>& values,
                              const std::vector<ConsoleError>& errors) {
  const FormView view = ViewOf(values, errors);
  data d;
  d.set("summary", RenderConsoleErrorSummary(errors));
  d.set("reference", reference);
  d.set("programme", placement.programme_id().empty()
                         ? std::string("None")
                         : placement.programme_id());
  d.set("state", StateLabel(placement.state()));
  d.set("risk", RiskLabel(placement.risk_level()));
  d.set("tier", TierLabel(placement.tier()));
  if (!placement.practitioner_id().empty()) {
    d.set("practitioner", placement.practitioner_id());
  }
  d.set("allocated",
        placement.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED);
  d.set("action", ReleasePath(reference));
  d.set("csrf_token", bar.csrf_token);
  d.set("placement_href", absl::StrCat(kPlacementsPrefix, reference));
  InputSpec spec;
  spec.id = "reason";
  spec.label = "Why is the place being released?";
  spec.hint = "For example, case closed or cohort ended";
  spec.maxlength = static_cast<int>(kMaxReleaseReasonChars);
  d.set("reason", parts::Input(view, spec));
  return RenderConsolePage(bar, "Release the place",
                           parts::Render(kRelease, d), !errors.empty());
}

std::string RenderReleasedPage(const SignedInBar& bar,
                               const std::string& reference,
                               const std::string& allocated) {
  data d;
  d.set("reference", reference);
  d.set("placement_href", absl::StrCat(kPlacementsPrefix, reference));
  if (!allocated.empty()) {
    d.set("allocated", allocated);
    d.set("allocated_href", absl::StrCat(kPlacementsPrefix, allocated));
  }
  return RenderConsolePage(bar, "Place released", parts::Render(kReleased, d),
                           false);
}

}  // namespace frontdoor::web
