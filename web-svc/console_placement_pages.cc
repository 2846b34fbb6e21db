#include "web-svc/console_placement_pages.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/logging/logging.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "kainjow/mustache.hpp"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using allocation::v1::Placement;
using google::protobuf::util::TimeUtil;
using kainjow::mustache::data;

constexpr char kUkZone[] = "Europe/London";

// The form fields' names.
constexpr char kWho[] = "who";
constexpr char kConsent[] = "consent";
constexpr char kHow[] = "how";
constexpr char kGivenAt[] = "given-at";
constexpr char kMethod[] = "method";
constexpr char kMadeAt[] = "made-at";
constexpr char kFailure[] = "failure";
constexpr char kNote[] = "note";

constexpr char kPlacement[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{banner}}}{{{summary}}}<span class="govuk-caption-l">Placement</span>
<h1 class="govuk-heading-l" id="reference">{{reference}}</h1>
<dl class="govuk-summary-list" id="placement">
{{#rows}}<div class="govuk-summary-list__row">
<dt class="govuk-summary-list__key">{{key}}</dt>
<dd class="govuk-summary-list__value" id="{{id}}">{{#tag}}<strong class="govuk-tag {{tag_class}}">{{tag}}</strong>{{/tag}}{{#lines}}<p class="govuk-body govuk-!-margin-bottom-1">{{.}}</p>{{/lines}}</dd>
</div>
{{/rows}}</dl>
{{#release}}<a href="/console/placements/{{reference}}/release" role="button" draggable="false" class="govuk-button govuk-button--warning" data-module="govuk-button" id="release">Release this place</a>
{{/release}}{{#has_links}}<ul class="govuk-list" id="links">
{{#referral}}<li><a class="govuk-link" href="/console/referrals/{{reference}}">The referral</a></li>
<li><a class="govuk-link" href="/console/referrals/{{reference}}/history">Its history</a></li>
{{/referral}}{{#waiting_list}}<li><a class="govuk-link" href="/console/waiting-lists/{{programme_id}}" id="waiting-list">Waiting list for {{programme}}</a></li>
{{/waiting_list}}</ul>
{{/has_links}}{{{forms}}}{{#closed}}<p class="govuk-body" id="closed">The placement is closed: nothing more can be recorded on it here.</p>
{{/closed}}</div></div>
)";

constexpr char kBanner[] =
    R"(<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner" id="recorded">
<div class="govuk-notification-banner__header">
<h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">Success</h2>
</div>
<div class="govuk-notification-banner__content">
<h3 class="govuk-notification-banner__heading">{{heading}}</h3>
<p class="govuk-body">{{text}}</p>
</div>
</div>
)";

constexpr char kForm[] =
    R"(<h2 class="govuk-heading-m" id="{{path}}-heading">{{heading}}</h2>
{{#intro}}<p class="govuk-body">{{intro}}</p>
{{/intro}}<form method="post" action="/console/placements/{{reference}}/{{path}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{fields}}}<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="{{button_id}}">{{button}}</button>
</form>
)";

constexpr char kNoPlacement[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">Placement</span>
<h1 class="govuk-heading-l">{{reference}} has no placement yet</h1>
<p class="govuk-body">Allocation hears of a referral once triage has decided its risk and tier. Until then there is nothing to record here.</p>
<p class="govuk-body"><a class="govuk-link" href="/console">Back to your work</a></p>
</div></div>
)";

constexpr char kWaitingLists[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<h1 class="govuk-heading-l">{{heading}}</h1>
<p class="govuk-body">Highest risk first, then longest waiting. Times are {{zone}}.</p>
{{#single}}<p class="govuk-body"><a class="govuk-link" href="/console/waiting-lists">All waiting lists</a></p>
{{/single}}{{#lists}}<h2 class="govuk-heading-m" id="programme-{{id}}">{{label}}</h2>
<p class="govuk-body" id="counts-{{id}}"><span id="waiting-count-{{id}}">{{waiting}}</span> waiting. First contact with those waiting: <span id="overdue-{{id}}">{{overdue}}</span> overdue, <span id="met-{{id}}">{{met}}</span> met the target, <span id="missed-{{id}}">{{missed}}</span> missed it.</p>
{{#has_rows}}<table class="govuk-table" id="waiting-{{id}}">
<caption class="govuk-table__caption govuk-visually-hidden">Waiting list for {{label}}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Position</th>
<th scope="col" class="govuk-table__header">Reference</th>
<th scope="col" class="govuk-table__header">Risk</th>
<th scope="col" class="govuk-table__header">Waiting since</th>
<th scope="col" class="govuk-table__header">First contact due</th>
<th scope="col" class="govuk-table__header">First contact</th>
</tr></thead>
<tbody class="govuk-table__body">
{{#rows}}<tr class="govuk-table__row">
<td class="govuk-table__cell">{{position}}</td>
<td class="govuk-table__cell"><a class="govuk-link" href="/console/placements/{{reference}}">{{reference}}</a></td>
<td class="govuk-table__cell">{{risk}}</td>
<td class="govuk-table__cell">{{waiting_since}}</td>
<td class="govuk-table__cell">{{due}}</td>
<td class="govuk-table__cell">{{#tag}}<strong class="govuk-tag {{tag_class}}">{{tag}}</strong>{{/tag}}</td>
</tr>
{{/rows}}</tbody>
</table>
{{/has_rows}}{{^has_rows}}<p class="govuk-body">Nobody is waiting.</p>
{{/has_rows}}{{^single}}<p class="govuk-body"><a class="govuk-link" href="/console/waiting-lists/{{id}}">Only the waiting list for {{label}}</a></p>
{{/single}}{{/lists}}</div></div>
)";

struct Tag {
  std::string text;
  std::string css;  // a govuk-tag--colour class, or ""
};

std::string Trimmed(const PostedFields& form, const std::string& name) {
  auto it = form.find(name);
  if (it == form.end()) return "";
  return std::string(absl::StripAsciiWhitespace(it->second));
}

bool IsOpen(allocation::v1::PlacementState s) {
  return s == allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT ||
         s == allocation::v1::PLACEMENT_STATE_WAITING ||
         s == allocation::v1::PLACEMENT_STATE_ALLOCATED;
}

Tag StateTag(allocation::v1::PlacementState s) {
  switch (s) {
    case allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT:
      return {"Awaiting consent", "govuk-tag--yellow"};
    case allocation::v1::PLACEMENT_STATE_WAITING:
      return {"Waiting", "govuk-tag--blue"};
    case allocation::v1::PLACEMENT_STATE_ALLOCATED:
      return {"Allocated", "govuk-tag--green"};
    case allocation::v1::PLACEMENT_STATE_RELEASED:
      return {"Released", "govuk-tag--grey"};
    case allocation::v1::PLACEMENT_STATE_FAILED:
      return {"Failed", "govuk-tag--red"};
    default:
      return {"Not known", "govuk-tag--grey"};
  }
}

Tag FirstContactTag(allocation::v1::FirstContact f) {
  switch (f) {
    case allocation::v1::FIRST_CONTACT_DUE:
      return {"Due", "govuk-tag--blue"};
    case allocation::v1::FIRST_CONTACT_OVERDUE:
      return {"Overdue", "govuk-tag--red"};
    case allocation::v1::FIRST_CONTACT_MET:
      return {"Met", "govuk-tag--green"};
    case allocation::v1::FIRST_CONTACT_MISSED:
      return {"Missed", "govuk-tag--orange"};
    case allocation::v1::FIRST_CONTACT_NOT_MADE:
      return {"Not made", "govuk-tag--grey"};
    default:
      return {"", ""};
  }
}

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

std::string ConsentLabel(common::v1::Consent c) {
  switch (c) {
    case common::v1::CONSENT_GIVEN:
      return "Given";
    case common::v1::CONSENT_REFUSED:
      return "Refused or withdrawn";
    case common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING:
      return "Not sought (asking would undermine their protection)";
    default:
      return "Not recorded";
  }
}

std::string MethodLabel(allocation::v1::ContactMethod m) {
  switch (m) {
    case allocation::v1::CONTACT_METHOD_PHONE:
      return "by phone";
    case allocation::v1::CONTACT_METHOD_IN_PERSON:
      return "in person";
    case allocation::v1::CONTACT_METHOD_VIDEO:
      return "by video call";
    case allocation::v1::CONTACT_METHOD_MESSAGE:
      return "by message (text, email or live chat)";
    default:
      return "";
  }
}

std::string FailureLabel(allocation::v1::FailureReason f) {
  switch (f) {
    case allocation::v1::FAILURE_REASON_NO_CAPACITY:
      return "No capacity";
    case allocation::v1::FAILURE_REASON_DECLINED:
      return "Declined";
    case allocation::v1::FAILURE_REASON_NO_CONTACT:
      return "No contact";
    case allocation::v1::FAILURE_REASON_NOT_ELIGIBLE:
      return "Not eligible";
    default:
      return "";
  }
}

std::string NeedLabel(common::v1::SpecialistNeed n) {
  switch (n) {
    case common::v1::SPECIALIST_NEED_LGBTQ_PLUS:
      return "A practitioner for LGBTQ+ people";
    case common::v1::SPECIALIST_NEED_MALE_VICTIM:
      return "A practitioner for male victims";
    case common::v1::SPECIALIST_NEED_OLDER_VICTIM:
      return "A practitioner for older victims";
    case common::v1::SPECIALIST_NEED_DISABLED_VICTIM:
      return "A practitioner for disabled victims";
    case common::v1::SPECIALIST_NEED_RACIALLY_MINORITISED:
      return "A practitioner for Black, Asian and racially minoritised "
             "victims";
    default:
      return "";
  }
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

// "3rd"-free wording: "Number 3 of 7".
std::string PositionText(int position, int waiting) {
  return absl::StrCat("Number ", position, " of ", waiting,
                      " waiting (highest risk first, then longest waiting)");
}

// The sentence the success banner ends with: where the placement stands.
std::string StandsText(const Placement& p, const std::string& programme) {
  const std::string name = programme.empty() ? p.programme_id() : programme;
  switch (p.state()) {
    case allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT:
      return "The placement is awaiting consent.";
    case allocation::v1::PLACEMENT_STATE_WAITING:
      return absl::StrCat("The placement is on the waiting list for ", name,
                          ".");
    case allocation::v1::PLACEMENT_STATE_ALLOCATED:
      return absl::StrCat("The placement is allocated to ", name, ".");
    case allocation::v1::PLACEMENT_STATE_RELEASED:
      return "The place has been released.";
    case allocation::v1::PLACEMENT_STATE_FAILED:
      return absl::StrCat("Allocation has failed: ", FailureLabel(p.failure()),
                          ".");
    default:
      return "";
  }
}

std::string BannerHeading(Recorded r) {
  switch (r) {
    case Recorded::kConsentGiven:
      return "Consent recorded";
    case Recorded::kConsentRefused:
      return "Refusal of consent recorded";
    case Recorded::kConsentWithdrawn:
      return "Withdrawal of consent recorded";
    case Recorded::kFirstContact:
      return "First contact recorded";
    case Recorded::kFailure:
      return "Failure recorded";
  }
  return "";
}

std::string Banner(Recorded r, const PlacementPageView& v) {
  std::string text;
  if (r == Recorded::kFirstContact) {
    text = v.placement.first_contact() == allocation::v1::FIRST_CONTACT_MET
               ? "It met the first-contact target."
           : v.placement.first_contact() == allocation::v1::FIRST_CONTACT_MISSED
               ? "It missed the first-contact target."
               : "";
    absl::StrAppend(&text, text.empty() ? "" : " ",
                    StandsText(v.placement, v.programme_name));
  } else {
    text = StandsText(v.placement, v.programme_name);
  }
  data d;
  d.set("heading", BannerHeading(r));
  d.set("text", text);
  return parts::Render(kBanner, d);
}

// A form's view for the shared GOV.UK components.
FormView ViewOf(const PostedFields& values,
                const std::vector<ConsoleError>& errors) {
  FormView v;
  v.values = values;
  for (const ConsoleError& e : errors) v.errors.push_back({e.field, e.message});
  return v;
}

// Reads `prefix`-day/-month/-year and `prefix`-time as a time in `zone`;
// otherwise an error on the part that is wrong. `what` completes "Enter
// the date ..." ("consent was given").
std::optional<absl::Time> ReadWhen(const PostedFields& form,
                                   const std::string& prefix,
                                   const std::string& what, absl::TimeZone zone,
                                   std::vector<ConsoleError>& errors) {
  const std::string day_field = prefix + "-day";
  const std::string time_field = prefix + "-time";
  const std::string day = Trimmed(form, day_field);
  const std::string month = Trimmed(form, prefix + "-month");
  const std::string year = Trimmed(form, prefix + "-year");
  const std::string time = Trimmed(form, time_field);
  bool ok = true;
  int d = 0, m = 0, y = 0;
  if (day.empty() && month.empty() && year.empty()) {
    errors.push_back({day_field, absl::StrCat("Enter the date ", what)});
    ok = false;
  } else if (!absl::SimpleAtoi(day, &d) || !absl::SimpleAtoi(month, &m) ||
             !absl::SimpleAtoi(year, &y) || year.size() != 4 ||
             absl::CivilDay(y, m, d).day() != d ||
             absl::CivilDay(y, m, d).month() != m || m < 1 || m > 12) {
    errors.push_back(
        {day_field, absl::StrCat("The date ", what, " must be a real date")});
    ok = false;
  }
  int h = -1, min = -1;
  if (time.empty()) {
    errors.push_back({time_field, absl::StrCat("Enter the time ", what)});
    ok = false;
  } else {
    std::vector<std::string> hm = absl::StrSplit(time, absl::ByAnyChar(":."));
    if (hm.size() != 2 || hm[1].size() != 2 || hm[0].empty() ||
        hm[0].size() > 2 || !absl::SimpleAtoi(hm[0], &h) ||
        !absl::SimpleAtoi(hm[1], &min) || h < 0 || h > 23 || min < 0 ||
        min > 59) {
      errors.push_back(
          {time_field,
           "Enter the time as hours and minutes on the 24-hour clock, for "
           "example 14:30"});
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, min, 0), zone);
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

// The date and time inputs of `prefix`, showing `v`'s values.
std::string WhenFields(const FormView& v, const std::string& prefix,
                       const std::string& legend, absl::TimeZone zone) {
  return absl::StrCat(
      parts::Date(v, prefix, legend, ""),
      parts::Input(v, {prefix + "-time", "Time",
                       absl::StrCat("On the 24-hour clock, ", ZoneLabel(zone),
                                    ", for example 14:30"),
                       "off", "govuk-input--width-5", "text", 5}));
}

// Each form's fields as first shown: when is now.
PostedFields Defaults(absl::Time now, absl::TimeZone zone) {
  const absl::CivilSecond cs = zone.At(now).cs;
  PostedFields f;
  for (const char* prefix : {kGivenAt, kMadeAt}) {
    const std::string p = prefix;
    f[p + "-day"] = absl::StrCat(cs.day());
    f[p + "-month"] = absl::StrCat(cs.month());
    f[p + "-year"] = absl::StrCat(cs.year());
    f[p + "-time"] = absl::StrFormat("%02d:%02d", cs.hour(), cs.minute());
  }
  return f;
}

std::string FormHtml(const PlacementPageView& view, const SignedInBar& bar,
                     PlacementForm form, const std::string& heading,
                     const std::string& intro, const std::string& fields,
                     const std::string& button, const std::string& button_id) {
  data d;
  d.set("path", std::string(PlacementFormPath(form)));
  d.set("heading", heading);
  if (!intro.empty()) d.set("intro", intro);
  d.set("reference", view.placement.reference());
  d.set("csrf_token", bar.csrf_token);
  d.set("fields", fields);
  d.set("button", button);
  d.set("button_id", button_id);
  return parts::Render(kForm, d);
}

std::string Forms(const PlacementPageView& view, const SignedInBar& bar) {
  const Placement& p = view.placement;
  const PostedFields defaults = Defaults(view.now, view.zone);
  const auto view_for = [&](PlacementForm f) {
    return f == view.form ? ViewOf(view.values, view.errors)
                          : ViewOf(defaults, {});
  };
  std::string out;
  // Each form is offered while allocation would take it, and the form just
  // refused stays, so that its errors sit beside it.
  const auto shown = [&](PlacementForm f, bool offered) {
    return offered || (f == view.form && !view.errors.empty());
  };
  if (shown(PlacementForm::kConsent,
            p.state() != allocation::v1::PLACEMENT_STATE_RELEASED)) {
    const FormView v = view_for(PlacementForm::kConsent);
    const std::string fields = absl::StrCat(
        parts::Radios(v, kWho, "Whose consent is it?", "",
                      {{"subject", "The person referred"},
                       {"parent-or-carer", "A parent or carer"}},
                      false),
        parts::Radios(v, kConsent, "What did they say?",
                      "Withdrawn means consent given before has been taken "
                      "back: any place held is freed",
                      {{"given", "Consent given"},
                       {"refused", "Consent refused"},
                       {"withdrawn", "Consent withdrawn"}},
                      false),
        parts::Input(v, {kHow, "How was it given, refused or withdrawn?",
                         "For example, by phone to the CYP practitioner", "off",
                         "govuk-!-width-full", "text", kPlacementTextChars}),
        WhenFields(v, kGivenAt, "When", view.zone));
    absl::StrAppend(
        &out, FormHtml(view, bar, PlacementForm::kConsent, "Record consent",
                       "Children under 17 need a parent's or carer's consent "
                       "before a place is allocated; behaviour change needs "
                       "the person's own.",
                       fields, "Record consent", "record-consent"));
  }
  if (shown(PlacementForm::kFirstContact,
            IsOpen(p.state()) && !p.has_first_contact_at())) {
    const FormView v = view_for(PlacementForm::kFirstContact);
    const std::string fields = absl::StrCat(
        parts::Radios(v, kMethod, "How was contact made?", "",
                      {{"phone", "By phone"},
                       {"in-person", "In person"},
                       {"video", "By video call"},
                       {"message", "By message: text, email or live chat"}},
                      false),
        WhenFields(v, kMadeAt, "When", view.zone));
    absl::StrAppend(
        &out,
        FormHtml(view, bar, PlacementForm::kFirstContact,
                 "Record first contact",
                 "Record the first time the service spoke or wrote to the "
                 "person. It meets the target when made by the time due.",
                 fields, "Record first contact", "record-first-contact"));
  }
  if (shown(PlacementForm::kFailure, IsOpen(p.state()))) {
    const FormView v = view_for(PlacementForm::kFailure);
    const std::string fields = absl::StrCat(
        parts::Radios(
            v, kFailure, "Why has allocation failed?",
            "Eligibility is allocation's decision from the triage decision: "
            "if the person is not eligible because the assessment was "
            "wrong, correct the assessment instead",
            {{"no-contact", "No contact: the person could not be reached"},
             {"declined", "Declined: the person does not want support"}},
            false),
        parts::Input(
            v, {kNote, "What happened?",
                "For example, three calls at safe times, no answer. "
                "Do not write the person's details.",
                "off", "govuk-!-width-full", "text", kPlacementTextChars}));
    absl::StrAppend(
        &out, FormHtml(view, bar, PlacementForm::kFailure,
                       "Record that allocation failed",
                       "Any place held is freed and goes to the next person "
                       "on the waiting list.",
                       fields, "Record failure", "record-failure"));
  }
  return out;
}

data Row(const std::string& key, const std::string& id, const Tag& tag,
         const std::vector<std::string>& lines) {
  data row;
  row.set("key", key);
  row.set("id", id);
  if (!tag.text.empty()) {
    row.set("tag", tag.text);
    row.set("tag_class", tag.css);
  }
  data list{data::type::list};
  for (const std::string& l : lines) {
    if (!l.empty()) list.push_back(data(l));
  }
  row.set("lines", list);
  return row;
}

// Where each of allocation's request fields is on a form: the one mapping
// of its field violations (a time shows on its date's day input).
struct FieldOfViolation {
  PlacementForm form;
  std::string_view service_field;
  std::string_view form_field;
};
constexpr FieldOfViolation kFields[] = {
    {PlacementForm::kConsent, "who", "who"},
    {PlacementForm::kConsent, "consent", "consent"},
    {PlacementForm::kConsent, "how", "how"},
    {PlacementForm::kConsent, "given_at", "given-at-day"},
    {PlacementForm::kFirstContact, "method", "method"},
    {PlacementForm::kFirstContact, "made_at", "made-at-day"},
    {PlacementForm::kFailure, "failure", "failure"},
    {PlacementForm::kFailure, "note", "note"},
};

std::string FirstField(PlacementForm form) {
  switch (form) {
    case PlacementForm::kConsent:
      return kWho;
    case PlacementForm::kFirstContact:
      return kMethod;
    case PlacementForm::kFailure:
      return kFailure;
    default:
      return "";
  }
}

// A violation in words for the person, by field (`description` is
// allocation's, for example "required", "must not be in the future").
std::string ViolationText(std::string_view field,
                          const std::string& description) {
  const bool required = description == "required";
  const bool future = absl::StrContains(description, "future");
  if (field == "who") return "Select whose consent it is";
  if (field == "consent") {
    return "Select whether consent was given, refused or withdrawn";
  }
  if (field == "how") {
    return required ? "Enter how consent was given, refused or withdrawn"
                    : absl::StrCat("How consent was given ", description);
  }
  if (field == "given_at") {
    return required ? "Enter when consent was given, refused or withdrawn"
           : future ? "The date and time of consent must be in the past"
                    : "Enter a real date and time of consent";
  }
  if (field == "method") return "Select how first contact was made";
  if (field == "made_at") {
    if (required) return "Enter when first contact was made";
    if (future) return "The date and time of first contact must be in the past";
    if (absl::StrContains(description, "before the referral")) {
      return "The date and time of first contact must be after the referral "
             "was received";
    }
    return "Enter a real date and time of first contact";
  }
  if (field == "failure") return "Select why allocation failed";
  if (field == "note") {
    return required ? "Enter what happened"
                    : absl::StrCat("What happened ", description);
  }
  return absl::StrCat("This could not be recorded: ", description);
}

std::string PreconditionText(PlacementForm form, const absl::Status& s) {
  switch (form) {
    case PlacementForm::kFirstContact:
      return absl::StrContains(s.message(), "recorded before")
                 ? "First contact has already been recorded for this "
                   "placement"
                 : "First contact can only be recorded while the placement "
                   "is open: awaiting consent, waiting or allocated";
    case PlacementForm::kFailure:
      return "This placement is already closed: released or failed";
    default:
      return "This cannot be recorded on the placement as it stands now";
  }
}

}  // namespace

absl::TimeZone ConsoleTimeZone() {
  absl::TimeZone zone;
  if (absl::LoadTimeZone(kUkZone, &zone)) return zone;
  Log(Level::kWarning, "web.console_time_zone_missing",
      {{"service", "web-svc"}, {"zone", kUkZone}, {"showing", "UTC"}});
  return absl::UTCTimeZone();
}

std::string ZoneLabel(absl::TimeZone zone) {
  return zone.name() == kUkZone ? "UK time" : zone.name();
}

std::string ConsoleTime(absl::Time t, absl::TimeZone zone) {
  const absl::CivilSecond cs = zone.At(t).cs;
  const int hour12 = cs.hour() % 12 == 0 ? 12 : cs.hour() % 12;
  return absl::StrFormat("%d %s %d at %d:%02d%s", cs.day(),
                         MonthName(cs.month()), cs.year(), hour12,
                         cs.minute(), cs.hour() < 12 ? "am" : "pm");
}

std::string_view PlacementFormPath(PlacementForm form) {
  switch (form) {
    case PlacementForm::kConsent:
      return "consent";
    case PlacementForm::kFirstContact:
      return "first-contact";
    case PlacementForm::kFailure:
      return "failure";
    default:
      return "";
  }
}

PlacementForm PlacementFormOfPath(std::string_view path) {
  for (PlacementForm f : {PlacementForm::kConsent, PlacementForm::kFirstContact,
                          PlacementForm::kFailure}) {
    if (path == PlacementFormPath(f)) return f;
  }
  return PlacementForm::kNone;
}

ParsedForm<allocation::v1::RecordConsentRequest> ParseConsentForm(
    const std::string& reference, const PostedFields& form,
    absl::TimeZone zone) {
  ParsedForm<allocation::v1::RecordConsentRequest> out;
  out.request.set_reference(reference);
  const std::string who = Trimmed(form, kWho);
  if (who == "subject") {
    out.request.set_who(allocation::v1::RecordConsentRequest::WHO_SUBJECT);
  } else if (who == "parent-or-carer") {
    out.request.set_who(
        allocation::v1::RecordConsentRequest::WHO_PARENT_OR_CARER);
  }
  const std::string consent = Trimmed(form, kConsent);
  if (consent == "given") {
    out.request.set_consent(common::v1::CONSENT_GIVEN);
  } else if (consent == "refused" || consent == "withdrawn") {
    out.request.set_consent(common::v1::CONSENT_REFUSED);
  }
  out.request.set_how(Trimmed(form, kHow));
  if (auto at =
          ReadWhen(form, kGivenAt, "consent was given, refused or withdrawn",
                   zone, out.errors)) {
    *out.request.mutable_given_at() = ToTimestamp(*at);
  }
  return out;
}

ParsedForm<allocation::v1::RecordFirstContactRequest> ParseFirstContactForm(
    const std::string& reference, const PostedFields& form,
    absl::TimeZone zone) {
  ParsedForm<allocation::v1::RecordFirstContactRequest> out;
  out.request.set_reference(reference);
  const std::string method = Trimmed(form, kMethod);
  if (method == "phone") {
    out.request.set_method(allocation::v1::CONTACT_METHOD_PHONE);
  } else if (method == "in-person") {
    out.request.set_method(allocation::v1::CONTACT_METHOD_IN_PERSON);
  } else if (method == "video") {
    out.request.set_method(allocation::v1::CONTACT_METHOD_VIDEO);
  } else if (method == "message") {
    out.request.set_method(allocation::v1::CONTACT_METHOD_MESSAGE);
  }
  if (auto at = ReadWhen(form, kMadeAt, "of first contact", zone, out.errors)) {
    *out.request.mutable_made_at() = ToTimestamp(*at);
  }
  return out;
}

ParsedForm<allocation::v1::RecordFailureRequest> ParseFailureForm(
    const std::string& reference, const PostedFields& form) {
  ParsedForm<allocation::v1::RecordFailureRequest> out;
  out.request.set_reference(reference);
  const std::string failure = Trimmed(form, kFailure);
  if (failure == "no-contact") {
    out.request.set_failure(allocation::v1::FAILURE_REASON_NO_CONTACT);
  } else if (failure == "declined") {
    out.request.set_failure(allocation::v1::FAILURE_REASON_DECLINED);
  }
  out.request.set_note(Trimmed(form, kNote));
  return out;
}

std::vector<ConsoleError> PlacementFormErrors(PlacementForm form,
                                              const absl::Status& status) {
  std::vector<ConsoleError> out;
  if (absl::IsFailedPrecondition(status)) {
    out.push_back({FirstField(form), PreconditionText(form, status)});
    return out;
  }
  if (!absl::IsInvalidArgument(status)) return out;
  for (const FieldViolation& v : GetFieldViolations(status)) {
    std::string field = FirstField(form);
    for (const FieldOfViolation& f : kFields) {
      if (f.form == form && f.service_field == v.field) {
        field = std::string(f.form_field);
      }
    }
    out.push_back({field, ViolationText(v.field, v.description)});
  }
  if (out.empty()) {
    // Refused without a field named: said on the form's first field.
    out.push_back({FirstField(form),
                   "This could not be recorded: check the "
                   "answers and try again"});
  }
  return out;
}

std::string_view RecordedCode(Recorded r) {
  switch (r) {
    case Recorded::kConsentGiven:
      return "consent-given";
    case Recorded::kConsentRefused:
      return "consent-refused";
    case Recorded::kConsentWithdrawn:
      return "consent-withdrawn";
    case Recorded::kFirstContact:
      return "first-contact";
    case Recorded::kFailure:
      return "failure";
  }
  return "";
}

std::optional<Recorded> RecordedFromCode(std::string_view code) {
  for (Recorded r : {Recorded::kConsentGiven, Recorded::kConsentRefused,
                     Recorded::kConsentWithdrawn, Recorded::kFirstContact,
                     Recorded::kFailure}) {
    if (code == RecordedCode(r)) return r;
  }
  return std::nullopt;
}

Recorded RecordedOfConsent(const PostedFields& form) {
  const std::string consent = Trimmed(form, kConsent);
  if (consent == "withdrawn") return Recorded::kConsentWithdrawn;
  if (consent == "refused") return Recorded::kConsentRefused;
  return Recorded::kConsentGiven;
}

std::string ProgrammeLabel(const config::v1::Programme& p) {
  return absl::StrCat(
      p.name(), " (",
      p.door() == config::v1::DOOR_CHILD ? "children" : "adults", ", ",
      p.side() == common::v1::SIDE_BEHAVIOUR_CHANGE ? "behaviour change"
                                                    : "victim",
      " side, tier ", p.tier(), ")");
}

std::string RenderPlacementPage(const SignedInBar& bar,
                                const PlacementPageView& view) {
  const Placement& p = view.placement;
  const absl::TimeZone zone = view.zone;
  data rows{data::type::list};
  rows.push_back(Row("Status", "state", StateTag(p.state()), {}));
  rows.push_back(
      Row("Programme", "programme", {},
          {p.programme_id().empty()
               ? std::string("None")
               : absl::StrCat(view.programme_name.empty() ? p.programme_id()
                                                          : view.programme_name,
                              ", tier ", p.tier())}));
  if (!p.practitioner_id().empty()) {
    rows.push_back(
        Row("Practitioner", "practitioner", {}, {p.practitioner_id()}));
  }
  rows.push_back(Row("Risk", "risk", {}, {RiskLabel(p.risk_level())}));
  if (p.state() == allocation::v1::PLACEMENT_STATE_WAITING) {
    std::vector<std::string> lines;
    if (view.position > 0) {
      lines.push_back(PositionText(view.position, view.waiting));
    }
    if (p.has_waiting_since()) {
      lines.push_back(
          absl::StrCat("Since ", ConsoleTime(TimeOf(p.waiting_since()), zone)));
    }
    rows.push_back(Row("Waiting list", "position", {}, lines));
  }
  if (p.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED &&
      p.has_allocated_at()) {
    rows.push_back(Row("Allocated", "allocated", {},
                       {ConsoleTime(TimeOf(p.allocated_at()), zone)}));
  }
  rows.push_back(
      Row("Consent", "consent-held", {},
          {absl::StrCat("The person referred: ",
                        ConsentLabel(p.consent().subject())),
           absl::StrCat("A parent or carer: ",
                        ConsentLabel(p.consent().parent_or_carer()))}));
  {
    std::vector<std::string> lines;
    if (p.has_first_contact_due()) {
      lines.push_back(absl::StrCat(
          "Due by ", ConsoleTime(TimeOf(p.first_contact_due()), zone)));
    } else {
      lines.push_back("No target");
    }
    if (p.has_first_contact_at()) {
      lines.push_back(
          absl::StrCat("Made ", ConsoleTime(TimeOf(p.first_contact_at()), zone),
                       ", ", MethodLabel(p.first_contact_method())));
    }
    rows.push_back(Row("First contact", "first-contact",
                       FirstContactTag(p.first_contact()), lines));
  }
  if (p.state() == allocation::v1::PLACEMENT_STATE_FAILED) {
    rows.push_back(
        Row("Failure", "failure-reason", {}, {FailureLabel(p.failure())}));
  }
  if (!p.reason().empty()) {
    rows.push_back(Row("Reason", "reason", {}, {p.reason()}));
  }
  if (const std::string need = NeedLabel(p.specialist_need()); !need.empty()) {
    rows.push_back(Row("Specialist asked for", "specialist", {}, {need}));
  }

  data d;
  d.set("reference", p.reference());
  d.set("rows", rows);
  d.set("summary", RenderConsoleErrorSummary(view.errors));
  if (view.recorded.has_value()) d.set("banner", Banner(*view.recorded, view));
  d.set("release", view.may_release &&
                       p.state() == allocation::v1::PLACEMENT_STATE_ALLOCATED);
  if (view.may_view_waiting_lists && !p.programme_id().empty()) {
    data link;
    link.set("programme_id", p.programme_id());
    link.set("programme", view.programme_name.empty() ? p.programme_id()
                                                      : view.programme_name);
    d.set("waiting_list", link);
  }
  d.set("referral", view.may_view_referral);
  d.set("has_links", view.may_view_referral || (view.may_view_waiting_lists &&
                                                !p.programme_id().empty()));
  const std::string forms = view.may_record ? Forms(view, bar) : "";
  d.set("forms", forms);
  d.set("closed", view.may_record && forms.empty());
  return RenderConsolePage(bar, absl::StrCat("Placement ", p.reference()),
                           parts::Render(kPlacement, d), !view.errors.empty());
}

std::string RenderNoPlacementPage(const SignedInBar& bar,
                                  const std::string& reference) {
  data d;
  d.set("reference", reference);
  return RenderConsolePage(bar, "No placement yet",
                           parts::Render(kNoPlacement, d), false);
}

std::string RenderWaitingListsPage(const SignedInBar& bar,
                                   const std::vector<WaitingListView>& lists,
                                   bool single, absl::TimeZone zone) {
  data items{data::type::list};
  for (const WaitingListView& l : lists) {
    data item;
    item.set("id", l.programme.id());
    item.set("label", ProgrammeLabel(l.programme));
    item.set("waiting", std::to_string(l.list.waiting_size()));
    item.set("overdue", std::to_string(l.list.overdue()));
    item.set("met", std::to_string(l.list.first_contact_met()));
    item.set("missed", std::to_string(l.list.first_contact_missed()));
    data rows{data::type::list};
    int position = 0;
    for (const Placement& p : l.list.waiting()) {
      data row;
      row.set("position", std::to_string(++position));
      row.set("reference", p.reference());
      row.set("risk", RiskLabel(p.risk_level()));
      row.set("waiting_since",
              p.has_waiting_since()
                  ? ConsoleTime(TimeOf(p.waiting_since()), zone)
                  : std::string());
      row.set("due", p.has_first_contact_due()
                         ? ConsoleTime(TimeOf(p.first_contact_due()), zone)
                         : std::string("No target"));
      const Tag tag = FirstContactTag(p.first_contact());
      if (!tag.text.empty()) {
        row.set("tag", tag.text);
        row.set("tag_class", tag.css);
      }
      rows.push_back(row);
    }
    item.set("has_rows", position > 0);
    item.set("rows", rows);
    items.push_back(item);
  }
  const std::string heading =
      single && lists.size() == 1
          ? absl::StrCat("Waiting list for ", lists[0].programme.name())
          : std::string("Waiting lists");
  data d;
  d.set("heading", heading);
  d.set("zone", ZoneLabel(zone));
  d.set("single", single);
  d.set("lists", items);
  return RenderConsolePage(bar, heading, parts::Render(kWaitingLists, d),
                           false);
}

}  // namespace frontdoor::web
