#include "web-svc/console_data_rights_pages.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/reference/reference.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"
#include "kainjow/mustache.hpp"
#include "web-svc/console_placement_pages.h"  // ConsoleTime, ConsoleTimeZone
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kExportsSegment[] = "exports";
constexpr char kActionSet[] = "set";
constexpr char kActionLift[] = "lift";
constexpr char kRelease[] = "release";
constexpr char kWithhold[] = "withhold";
constexpr char kItemPrefix[] = "item-";

// Debian's Abseil has its own string_view.
absl::string_view A(std::string_view s) { return {s.data(), s.size()}; }

std::string Value(const std::map<std::string, std::string>& form,
                  const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? ""
                          : std::string(absl::StripAsciiWhitespace(it->second));
}

// Characters of UTF-8 text (code points), as the services count them.
size_t Chars(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

FormView ViewOf(const std::map<std::string, std::string>& values,
                const std::vector<ConsoleError>& errors) {
  FormView v;
  v.values = values;
  for (const ConsoleError& e : errors) v.errors.push_back({e.field, e.message});
  return v;
}

struct Label {
  std::string_view code;
  std::string_view words;
};
constexpr Label kReasonLabels[] = {
    {"accuracy_contested", "The person contests the data's accuracy"},
    {"objection", "The person objects to the processing"},
    {"unlawful_processing",
     "The processing is unlawful and the person asks for restriction "
     "instead of erasure"},
    {"legal_claims", "The person needs the data kept for legal claims"},
    {"litigation", "Litigation"},
    {"inquiry", "An inquiry"},
    {"police_request", "A police request"},
    {"safeguarding_review", "A safeguarding review"},
    {"erasure_request", "The person asked for their data to be erased"},
    {"retention_schedule", "The retention schedule has passed"},
    {"court_order", "A court order"},
    {"requested_by_subject", "The person asked for the correction"},
    {"found_in_review", "Found to be wrong in a review"},
    {"lifted", "Lifted"},
};
constexpr Label kFieldLabels[] = {
    {"name.givenNames", "Given names"},
    {"name.familyName", "Family name"},
    {"dateOfBirth", "Date of birth (yyyy-mm-dd)"},
    {"contact.phone", "Phone number"},
    {"contact.email", "Email address"},
    {"contact.safeTimes", "Safe times to make contact"},
    {"address.lines", "Address lines (one a line)"},
    {"address.town", "Town"},
    {"address.postcode", "Postcode"},
};

template <size_t N>
std::vector<parts::Option> Options(const std::string_view (&codes)[N]) {
  std::vector<parts::Option> out;
  for (std::string_view c : codes) {
    out.push_back({std::string(c), ReasonLabel(c)});
  }
  return out;
}

template <size_t N>
bool OneOf(const std::string& value, const std::string_view (&codes)[N]) {
  for (std::string_view c : codes) {
    if (value == c) return true;
  }
  return false;
}

const std::vector<parts::Option>& PartyOptions() {
  static const auto* options = new std::vector<parts::Option>{
      {"subject", "The person referred (the victim, or the person referred "
                  "for behaviour change)"},
      {"other_party", "The other party"},
      {"child", "A child of the household"},
      {"referrer", "The professional who referred"},
  };
  return *options;
}

// The person named by `party_field` and `child_field`.
std::optional<common::v1::PersonInReferral> ReadPerson(
    const std::string& reference, const std::map<std::string, std::string>& form,
    const std::string& party_field, const std::string& child_field,
    std::map<std::string, std::string>& values,
    std::vector<ConsoleError>& errors) {
  const std::string party = Value(form, party_field);
  const std::string child = Value(form, child_field);
  values[party_field] = party;
  values[child_field] = child;
  const std::optional<common::v1::Party> p = PartyFromCode(party);
  if (!p.has_value()) {
    errors.push_back({party_field, "Select whose data it is"});
    return std::nullopt;
  }
  common::v1::PersonInReferral person;
  person.set_reference(reference);
  person.set_party(*p);
  if (*p == common::v1::PARTY_CHILD) {
    int n = 0;
    if (!absl::SimpleAtoi(child, &n) || n < 1 || n > kMaxChildNumber) {
      errors.push_back(
          {child_field, absl::StrCat("Enter which child it is, a number from "
                                     "1 to ",
                                     kMaxChildNumber)});
      return std::nullopt;
    }
    person.set_child_index(n - 1);
  }
  return person;
}

std::string FrontDoorLabel(common::v1::FrontDoor door) {
  switch (door) {
    case common::v1::FRONT_DOOR_ADULT_VICTIM:
      return "Adult victim";
    case common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE:
      return "Adult behaviour change";
    case common::v1::FRONT_DOOR_CHILDREN:
      return "Children";
    default:
      return "Not known";
  }
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

std::string When(const google::protobuf::Timestamp& t) {
  return ConsoleTime(TimeOf(t), ConsoleTimeZone());
}

// A refusal or a silence in plain words (never the message, which may
// quote what was sent).
std::string Failure(const absl::Status& s, std::string_view precondition) {
  switch (s.code()) {
    case absl::StatusCode::kUnimplemented:
      return "Cannot do this yet";
    case absl::StatusCode::kPermissionDenied:
      return "Refused: you may not ask this service";
    case absl::StatusCode::kFailedPrecondition:
      return std::string(precondition);
    case absl::StatusCode::kInvalidArgument: {
      std::vector<std::string> fields;
      for (const FieldViolation& v : GetFieldViolations(s)) {
        fields.push_back(v.field);
      }
      return fields.empty()
                 ? "Refused: the request was not valid"
                 : absl::StrCat("Refused: not valid (",
                                absl::StrJoin(fields, ", "), ")");
    }
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return "Did not answer";
    default:
      return absl::StrCat("Did not answer (",
                          absl::StatusCodeToString(s.code()), ")");
  }
}

// The state's cells: held here, restricted, legal hold, erased.
data StateData(const common::v1::RightsState& s) {
  data d;
  d.set("held_here", s.held_here() ? "Yes" : "No");
  d.set("restricted", s.restricted()
                          ? absl::StrCat("Restricted since ", When(s.restricted_at()))
                          : "No");
  d.set("is_restricted", s.restricted());
  d.set("legal_hold", s.legal_hold()
                          ? absl::StrCat("On hold since ", When(s.held_at()))
                          : "No");
  d.set("is_held", s.legal_hold());
  d.set("erased", s.has_erased_at()
                      ? absl::StrCat("Erased ", When(s.erased_at()))
                      : "No");
  return d;
}

// A state in one line, for the find page's cells.
std::string StateLine(const common::v1::RightsState& s) {
  std::vector<std::string> parts;
  parts.push_back(s.held_here() ? "Held here" : "Not held here");
  if (s.restricted()) parts.push_back("Restricted");
  if (s.legal_hold()) parts.push_back("Legal hold");
  if (s.has_erased_at()) parts.push_back("Erased");
  return absl::StrJoin(parts, "; ");
}

constexpr char kStatesTable[] =
    R"(<table class="govuk-table" id="rights-state">
<caption class="govuk-table__caption govuk-table__caption--m">Where each service stands</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Service</th>
<th scope="col" class="govuk-table__header">Holds the referral</th>
<th scope="col" class="govuk-table__header">Restriction</th>
<th scope="col" class="govuk-table__header">Legal hold</th>
<th scope="col" class="govuk-table__header">Erasure</th>
</tr></thead>
<tbody class="govuk-table__body">
{{#rows}}<tr class="govuk-table__row" id="state-{{service}}">
<th scope="row" class="govuk-table__header">{{service}}</th>
{{#failed}}<td class="govuk-table__cell" colspan="4"><strong class="govuk-tag govuk-tag--red">{{failed}}</strong></td>
{{/failed}}{{^failed}}<td class="govuk-table__cell">{{held_here}}</td>
<td class="govuk-table__cell">{{restricted}}</td>
<td class="govuk-table__cell">{{legal_hold}}</td>
<td class="govuk-table__cell">{{erased}}</td>
{{/failed}}</tr>
{{/rows}}</tbody>
</table>
)";

std::string StatesTable(
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states) {
  data rows{data::type::list};
  for (const auto& a : states) {
    data row = a.answer.ok() ? StateData(*a.answer) : data();
    row.set("service", a.service);
    if (!a.answer.ok()) row.set("failed", Failure(a.answer.status(), ""));
    rows.push_back(row);
  }
  data d;
  d.set("rows", rows);
  return parts::Render(kStatesTable, d);
}

constexpr char kOutcome[] =
    R"(<div class="govuk-notification-banner{{#all_ok}} govuk-notification-banner--success{{/all_ok}}" role="{{#all_ok}}alert{{/all_ok}}{{^all_ok}}region{{/all_ok}}" aria-labelledby="outcome-title" data-module="govuk-notification-banner" id="outcome">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="outcome-title">{{#all_ok}}Success{{/all_ok}}{{^all_ok}}Important{{/all_ok}}</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">{{heading}}</p>
<ul class="govuk-list">
{{#lines}}<li id="outcome-{{service}}"><strong>{{service}}</strong>: {{text}}</li>
{{/lines}}</ul>
{{^all_ok}}<p class="govuk-body">Every request can be made again: a service that did not do it now will when asked again.</p>{{/all_ok}}
</div></div>
)";

std::string OutcomeHtml(const ActionOutcome& o) {
  data lines{data::type::list};
  bool all_ok = true;
  for (const ActionOutcome::Line& l : o.lines) {
    data line;
    line.set("service", l.service);
    line.set("text", l.text);
    lines.push_back(line);
    all_ok = all_ok && l.ok;
  }
  data d;
  d.set("heading", o.heading);
  d.set("lines", lines);
  d.set("all_ok", all_ok);
  return parts::Render(kOutcome, d);
}

constexpr char kFind[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">Data rights</span>
<h1 class="govuk-heading-l">Find a person</h1>
<p class="govuk-body">Each of intake, triage, allocation and notifications is asked what it holds. A name is matched through each service's blind index, never by reading the records.</p>
<form method="post" action="/console/data-rights" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{by}}}{{{reference}}}
<h2 class="govuk-heading-m">Or by name and date of birth</h2>
{{{given}}}{{{family}}}{{{dob}}}
<button type="submit" class="govuk-button" data-module="govuk-button" id="find">Find</button>
</form>
</div></div>
)";

constexpr char kFound[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<span class="govuk-caption-l">Data rights</span>
<h1 class="govuk-heading-l">{{heading}}</h1>
{{#any_failures}}<div class="govuk-warning-text" id="not-answered"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<div class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Not every service could search, so this list may not be complete:
<ul class="govuk-list">{{#failures}}<li id="not-answered-{{service}}">{{service}}: {{text}}</li>{{/failures}}</ul></div></div>
{{/any_failures}}{{#not_indexed}}<p class="govuk-body" id="not-indexed">{{not_indexed}} keep no index of people and were not searched by name: open a referral to see where they stand.</p>
{{/not_indexed}}{{#any_found}}<table class="govuk-table" id="found">
<caption class="govuk-table__caption govuk-table__caption--m">Referrals found</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Reference</th>
<th scope="col" class="govuk-table__header">Person</th>
<th scope="col" class="govuk-table__header">Front door</th>
<th scope="col" class="govuk-table__header">Received</th>
{{#services}}<th scope="col" class="govuk-table__header">{{.}}</th>{{/services}}
</tr></thead>
<tbody class="govuk-table__body">
{{#found}}<tr class="govuk-table__row">
<td class="govuk-table__cell"><a class="govuk-link" href="{{href}}">{{reference}}</a></td>
<td class="govuk-table__cell">{{person}}</td>
<td class="govuk-table__cell">{{front_door}}</td>
<td class="govuk-table__cell">{{received}}</td>
{{#cells}}<td class="govuk-table__cell">{{.}}</td>{{/cells}}
</tr>
{{/found}}</tbody></table>
{{/any_found}}{{^any_found}}<p class="govuk-body" id="nothing-found">No service that answered holds a referral for this search.</p>
{{/any_found}}{{#by_reference}}<p class="govuk-body"><a class="govuk-link" href="{{by_reference_href}}" id="open-referral">Open the data-rights page of {{by_reference}}</a></p>
{{/by_reference}}<p class="govuk-body"><a class="govuk-link" href="/console/data-rights">Find another person</a></p>
</div></div>
)";

constexpr char kReferral[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
{{{outcome}}}{{{summary}}}<span class="govuk-caption-l">Data rights</span>
<h1 class="govuk-heading-l">Referral {{reference}}</h1>
{{{states}}}
</div></div>
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h2 class="govuk-heading-m" id="restriction-heading">Restriction</h2>
<p class="govuk-body">While restricted, the services store the referral's data but neither process nor share it further, except what the law requires; no notification is sent for it.</p>
<form method="post" action="{{base}}/restriction" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="action" value="set">
{{{restriction_reason}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="restrict">Restrict processing</button>
</form>
<form method="post" action="{{base}}/restriction" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="action" value="lift">
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="lift-restriction">Lift the restriction</button>
</form>
<h2 class="govuk-heading-m" id="hold-heading">Legal hold</h2>
<p class="govuk-body">While on legal hold, neither a retention schedule nor an erasure touches the referral's data.</p>
<form method="post" action="{{base}}/hold" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="action" value="set">
{{{hold_reason}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="hold">Place a legal hold</button>
</form>
<form method="post" action="{{base}}/hold" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<input type="hidden" name="action" value="lift">
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="lift-hold">Lift the legal hold</button>
</form>
<h2 class="govuk-heading-m" id="rectify-heading">Correct a field</h2>
<p class="govuk-body">The field is corrected in every copy each service holds; the old and new values are kept sealed in each service's history.</p>
<form method="post" action="{{base}}/rectify" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{party}}}{{{child_number}}}
<div class="govuk-form-group{{#field_error}} govuk-form-group--error{{/field_error}}">
<label class="govuk-label govuk-label--s" for="field">Field</label>
{{#field_error}}<p id="field-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {{field_error}}</p>{{/field_error}}
<select class="govuk-select{{#field_error}} govuk-select--error{{/field_error}}" id="field" name="field"{{#field_error}} aria-describedby="field-error"{{/field_error}}>
<option value="">Choose a field</option>
{{#fields}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/fields}}</select>
</div>
{{{value}}}{{{rectify_reason}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="rectify">Correct the field</button>
</form>
<h2 class="govuk-heading-m" id="export-heading">Subject access</h2>
<p class="govuk-body">Everything the services hold about one person of this referral, each service's redaction rules applied. The export is kept sealed until you have reviewed it and released it.</p>
<form method="post" action="{{base}}/export" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{export_party}}}{{{export_child_number}}}<p class="govuk-body" id="staff-names">{{staff_names}}</p>
<button type="submit" class="govuk-button" data-module="govuk-button" id="prepare-export">Prepare an export</button>
</form>
<h2 class="govuk-heading-m" id="erase-heading">Erasure</h2>
<p class="govuk-body"><a class="govuk-link" href="{{base}}/erase" id="erase-link">Erase this referral's personal data</a></p>
<p class="govuk-body"><a class="govuk-link" href="/console/data-rights">Find another person</a></p>
</div></div>
)";

constexpr char kErase[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">Referral {{reference}}</span>
<h1 class="govuk-heading-l">Erase the referral's personal data</h1>
{{{states}}}
<div class="govuk-warning-text" id="erase-warning"><span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>Erasure cannot be undone. Each service destroys the referral's data key, so no copy of its personal data, in any table or any backup, can be read again. Ids, dates and codes stay, so reports and the audit trail still add up. A service holding the referral on legal hold refuses.</strong></div>
<form method="post" action="{{base}}/erase" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{erase_reason}}}<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" data-prevent-double-click="true" id="erase">Erase for good</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="{{base}}">Back to the referral's data rights</a></p>
</div></div>
)";

constexpr char kNotPrepared[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">Referral {{reference}}</span>
<h1 class="govuk-heading-l">The export was not prepared</h1>
<p class="govuk-body">An export must hold what every service holds. These services could not give theirs, so nothing was kept:</p>
<ul class="govuk-list" id="not-exported">{{#failures}}<li id="not-exported-{{service}}"><strong>{{service}}</strong>: {{text}}</li>{{/failures}}</ul>
<p class="govuk-body"><a class="govuk-link" href="{{base}}">Back to the referral's data rights</a></p>
</div></div>
)";

constexpr char kExport[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
{{#notice}}<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="notice-title" data-module="govuk-notification-banner" id="notice">
<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">Success</h2></div>
<div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">{{notice}}</p></div></div>
{{/notice}}{{{summary}}}<span class="govuk-caption-l">Subject access export {{id}}</span>
<h1 class="govuk-heading-l">Review the export</h1>
<dl class="govuk-summary-list" id="export-summary">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Referral</dt><dd class="govuk-summary-list__value"><a class="govuk-link" href="{{referral_href}}">{{reference}}</a></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Whose data</dt><dd class="govuk-summary-list__value">{{party}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Prepared</dt><dd class="govuk-summary-list__value">{{prepared_at}} by {{prepared_by}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Records</dt><dd class="govuk-summary-list__value" id="records">{{#services}}{{service}}: {{count}}<br>{{/services}}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Needing review</dt><dd class="govuk-summary-list__value" id="review-count">{{reviewed}} of {{needs_review}} reviewed</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value" id="export-status">{{status}}</dd></div>
</dl>
{{#any_items}}<h2 class="govuk-heading-m">Records needing review</h2>
<p class="govuk-body">Each holds information about the abuse of a child. Release it only when disclosure is in the child's interests.</p>
{{^released}}<form method="post" action="{{base}}/review" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{/released}}{{#items}}<div class="govuk-summary-card" id="card-{{key}}"><div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">{{service}}: {{kind}} {{record_id}}, recorded {{recorded_at}}</h3></div>
<div class="govuk-summary-card__content">
<pre class="frontdoor-record" tabindex="0" role="region" aria-label="Record {{key}} as exported">{{json}}</pre>
{{#any_redactions}}<p class="govuk-body">Withheld by the service's rules: {{#redactions}}{{path}} ({{rule}}) {{/redactions}}</p>{{/any_redactions}}
{{^released}}{{{radios}}}{{/released}}{{#released}}<p class="govuk-body">{{decision}}</p>{{/released}}
</div></div>
{{/items}}{{^released}}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="save-review">Save the review</button>
</form>
{{/released}}{{/any_items}}{{^released}}{{#ready}}<form method="post" action="{{base}}/release" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" id="release">Release the export</button>
</form>
{{/ready}}{{^ready}}<p class="govuk-body" id="not-ready">Review every record marked for review before the export can be released.</p>
{{/ready}}{{/released}}{{#released}}<h2 class="govuk-heading-m">Downloads</h2>
<ul class="govuk-list" id="downloads">
<li><a class="govuk-link" href="{{base}}/download?format=json" id="download-json" download>The released records as JSON</a></li>
<li><a class="govuk-link" href="{{base}}/download?format=html" id="download-html" download>The released records as a readable page (HTML)</a></li>
</ul>
{{/released}}</div></div>
)";

std::string Render(const SignedInBar& bar, const char* tmpl, data d,
                   const std::vector<ConsoleError>& errors) {
  d.set("csrf_token", bar.csrf_token);
  d.set("summary", RenderConsoleErrorSummary(errors));
  return parts::Render(tmpl, d);
}

std::string FieldError(const std::vector<ConsoleError>& errors,
                       const std::string& field) {
  for (const ConsoleError& e : errors) {
    if (e.field == field) return e.message;
  }
  return "";
}

}  // namespace

std::optional<DataRightsPath> ParseDataRightsPath(std::string_view path) {
  const absl::string_view p = A(path);
  const absl::string_view base = kDataRightsPath;
  if (p == base) return DataRightsPath{DataRightsPage::kFind, "", ""};
  if (!absl::StartsWith(p, absl::StrCat(base, "/"))) return std::nullopt;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(p.substr(base.size() + 1), '/');
  if (parts.size() >= 2 && parts.size() <= 3 && parts[0] == kExportsSegment) {
    if (!IsWellFormedExportId(std::string_view(parts[1].data(), parts[1].size()))) {
      return std::nullopt;
    }
    DataRightsPath out{DataRightsPage::kExport, "", std::string(parts[1])};
    if (parts.size() == 2) return out;
    if (parts[2] == "review") out.page = DataRightsPage::kReview;
    else if (parts[2] == "release") out.page = DataRightsPage::kRelease;
    else if (parts[2] == "download") out.page = DataRightsPage::kDownload;
    else return std::nullopt;
    return out;
  }
  if (parts.empty() || parts.size() > 2 || !IsWellFormedReference(parts[0])) {
    return std::nullopt;
  }
  DataRightsPath out{DataRightsPage::kReferral, std::string(parts[0]), ""};
  if (parts.size() == 1) return out;
  static const std::pair<absl::string_view, DataRightsPage> kPages[] = {
      {"restriction", DataRightsPage::kRestriction},
      {"hold", DataRightsPage::kHold},
      {"rectify", DataRightsPage::kRectify},
      {"erase", DataRightsPage::kErase},
      {"export", DataRightsPage::kPrepareExport}};
  for (const auto& [name, page] : kPages) {
    if (parts[1] == name) {
      out.page = page;
      return out;
    }
  }
  return std::nullopt;
}

std::string ReferralRightsPath(const std::string& reference) {
  return absl::StrCat(kDataRightsPath, "/", reference);
}
std::string ErasePath(const std::string& reference) {
  return absl::StrCat(kDataRightsPath, "/", reference, "/erase");
}
std::string ExportPath(const std::string& id) {
  return absl::StrCat(kDataRightsPath, "/", kExportsSegment, "/", id);
}

std::string ReasonLabel(std::string_view code) {
  for (const Label& l : kReasonLabels) {
    if (l.code == code) return std::string(l.words);
  }
  return std::string(code);
}

std::string FieldLabel(std::string_view field) {
  for (const Label& l : kFieldLabels) {
    if (l.code == field) return std::string(l.words);
  }
  return std::string(field);
}

FindInput ReadFindForm(const std::map<std::string, std::string>& form) {
  FindInput in;
  for (const char* name : {"by", "reference", "given-names", "family-name",
                           "dob-day", "dob-month", "dob-year"}) {
    in.values[name] = Value(form, name);
  }
  const std::string by = in.values["by"];
  if (by == "reference") {
    const std::string reference =
        absl::AsciiStrToUpper(in.values["reference"]);
    if (reference.empty()) {
      in.errors.push_back({"reference", "Enter the referral's reference"});
    } else if (!IsWellFormedReference(reference)) {
      in.errors.push_back(
          {"reference",
           "Enter a reference as intake gives it, like FD-3K9QX2M4T7BW"});
    } else {
      in.request.set_reference(reference);
    }
    return in;
  }
  if (by != "name") {
    in.errors.push_back({"by", "Select how to find the person"});
    return in;
  }
  auto* nb = in.request.mutable_name_and_birth();
  if (in.values["given-names"].empty()) {
    in.errors.push_back({"given-names", "Enter the person's given names"});
  }
  if (in.values["family-name"].empty()) {
    in.errors.push_back({"family-name", "Enter the person's family name"});
  }
  nb->mutable_name()->set_given_names(in.values["given-names"]);
  nb->mutable_name()->set_family_name(in.values["family-name"]);
  int d = 0, m = 0, y = 0;
  const bool numbers = absl::SimpleAtoi(in.values["dob-day"], &d) &&
                       absl::SimpleAtoi(in.values["dob-month"], &m) &&
                       absl::SimpleAtoi(in.values["dob-year"], &y);
  const absl::CivilDay day(y, m, d);
  if (in.values["dob-day"].empty() && in.values["dob-month"].empty() &&
      in.values["dob-year"].empty()) {
    in.errors.push_back({"dob-day", "Enter the person's date of birth"});
  } else if (!numbers || y < 1900 || y > 9999 || day.year() != y ||
             day.month() != m || day.day() != d) {
    in.errors.push_back(
        {"dob-day", "The date of birth must be a real date, with a day, a "
                    "month and a four-digit year"});
  } else {
    nb->mutable_date_of_birth()->set_year(y);
    nb->mutable_date_of_birth()->set_month(m);
    nb->mutable_date_of_birth()->set_day(d);
  }
  return in;
}

RestrictionInput ReadRestrictionForm(
    const std::string& reference,
    const std::map<std::string, std::string>& form) {
  RestrictionInput in;
  const std::string action = Value(form, "action");
  const std::string reason = Value(form, "restriction-reason");
  in.values = {{"restriction-reason", reason}};
  in.request.set_reference(reference);
  if (action == kActionLift) {
    in.request.set_restricted(false);
    in.request.set_reason(rights::kReasonLifted);
  } else if (action != kActionSet) {
    in.errors.push_back({"restriction-reason", "Choose to restrict or lift"});
  } else if (!OneOf(reason, rights::kRestrictionReasons)) {
    in.errors.push_back(
        {"restriction-reason", "Select why processing is restricted"});
  } else {
    in.request.set_restricted(true);
    in.request.set_reason(reason);
  }
  return in;
}

HoldInput ReadHoldForm(const std::string& reference,
                       const std::map<std::string, std::string>& form) {
  HoldInput in;
  const std::string action = Value(form, "action");
  const std::string reason = Value(form, "hold-reason");
  in.values = {{"hold-reason", reason}};
  in.request.set_reference(reference);
  if (action == kActionLift) {
    in.request.set_held(false);
    in.request.set_reason(rights::kReasonLifted);
  } else if (action != kActionSet) {
    in.errors.push_back({"hold-reason", "Choose to hold or lift"});
  } else if (!OneOf(reason, rights::kHoldReasons)) {
    in.errors.push_back({"hold-reason", "Select why the referral is held"});
  } else {
    in.request.set_held(true);
    in.request.set_reason(reason);
  }
  return in;
}

RectifyInput ReadRectifyForm(const std::string& reference,
                             const std::map<std::string, std::string>& form) {
  RectifyInput in;
  std::optional<common::v1::PersonInReferral> person =
      ReadPerson(reference, form, "party", "child-number", in.values, in.errors);
  const std::string field = Value(form, "field");
  // The value as typed (a line break separates address lines).
  auto it = form.find("value");
  const std::string value = it == form.end() ? "" : it->second;
  const std::string reason = Value(form, "rectify-reason");
  in.values["field"] = field;
  in.values["value"] = value;
  in.values["rectify-reason"] = reason;
  if (!OneOf(field, rights::kRectifiableFields)) {
    in.errors.push_back({"field", "Select the field to correct"});
  }
  if (absl::StripAsciiWhitespace(value).empty()) {
    in.errors.push_back({"value", "Enter the corrected value"});
  } else if (Chars(value) > kMaxRectifiedValueChars) {
    in.errors.push_back(
        {"value", absl::StrCat("The value must be ", kMaxRectifiedValueChars,
                               " characters or fewer")});
  }
  if (!OneOf(reason, rights::kRectificationReasons)) {
    in.errors.push_back({"rectify-reason", "Select why the field is corrected"});
  }
  if (in.errors.empty()) {
    *in.request.mutable_person() = *person;
    in.request.set_field(field);
    in.request.set_value(value);
    in.request.set_reason(reason);
  }
  return in;
}

EraseInput ReadEraseForm(const std::string& reference,
                         const std::map<std::string, std::string>& form) {
  EraseInput in;
  const std::string reason = Value(form, "erase-reason");
  in.values = {{"erase-reason", reason}};
  if (!OneOf(reason, rights::kErasureReasons)) {
    in.errors.push_back({"erase-reason", "Select why the data is erased"});
  } else {
    in.request.set_reference(reference);
    in.request.set_reason(reason);
  }
  return in;
}

ExportInput ReadExportForm(const std::string& reference,
                           const std::map<std::string, std::string>& form) {
  ExportInput in;
  std::optional<common::v1::PersonInReferral> person = ReadPerson(
      reference, form, "export-party", "export-child-number", in.values,
      in.errors);
  if (person.has_value()) in.person = *person;
  return in;
}

ReviewInput ReadReviewForm(const SubjectAccessExport& e,
                           const std::map<std::string, std::string>& form) {
  ReviewInput in;
  for (const ReviewItem& item : ItemsNeedingReview(e)) {
    const std::string field = absl::StrCat(kItemPrefix, item.key);
    const std::string v = Value(form, field);
    if (v.empty()) continue;
    if (v == kRelease) {
      in.decisions[item.key] = true;
    } else if (v == kWithhold) {
      in.decisions[item.key] = false;
    } else {
      in.errors.push_back({field, "Select release or withhold"});
    }
  }
  return in;
}

std::string RenderFindPage(const SignedInBar& bar,
                           const std::map<std::string, std::string>& values,
                           const std::vector<ConsoleError>& errors) {
  const FormView v = ViewOf(values, errors);
  data d;
  d.set("by", parts::Radios(v, "by", "Find by", "",
                            {{"reference", "The referral's reference"},
                             {"name", "Name and date of birth"}},
                            false));
  d.set("reference",
        parts::Input(v, {"reference", "Reference", "For example, FD-3K9QX2M4T7BW",
                         "off", "govuk-input--width-20", "text", 32}));
  d.set("given", parts::Input(v, {"given-names", "Given names", "", "off",
                                  "govuk-!-width-two-thirds", "text", 200}));
  d.set("family", parts::Input(v, {"family-name", "Family name", "", "off",
                                   "govuk-!-width-two-thirds", "text", 200}));
  d.set("dob", parts::Date(v, "dob", "Date of birth", ""));
  return RenderConsolePage(bar, "Find a person",
                           Render(bar, kFind, d, errors), !errors.empty());
}

std::string RenderFoundPage(
    const SignedInBar& bar, const common::v1::FindPersonRequest& request,
    const std::vector<ServiceAnswer<common::v1::FindPersonResponse>>& answers) {
  const bool by_name = request.has_name_and_birth();
  // Each person found, by reference, party and child, in the order first
  // found; each service's state of it.
  struct Found {
    common::v1::FoundReferral first;
    std::map<std::string, std::string> cells;
  };
  std::vector<std::string> order;
  std::map<std::string, Found> found;
  data failures{data::type::list};
  std::vector<std::string> not_indexed;
  data services{data::type::list};
  for (const auto& a : answers) {
    services.push_back(data(a.service));
    if (!a.answer.ok()) {
      data f;
      f.set("service", a.service);
      f.set("text", Failure(a.answer.status(), "Could not search now"));
      failures.push_back(f);
      continue;
    }
    if (by_name && !a.answer->searched_by_name()) not_indexed.push_back(a.service);
    for (const common::v1::FoundReferral& r : a.answer->referrals()) {
      const std::string key =
          absl::StrCat(r.person().reference(), "/", r.person().party(), "/",
                       r.person().child_index());
      auto [it, added] = found.try_emplace(key);
      if (added) {
        it->second.first = r;
        order.push_back(key);
      }
      it->second.cells[a.service] = StateLine(r.state());
    }
  }
  data rows{data::type::list};
  for (const std::string& key : order) {
    const Found& f = found[key];
    const common::v1::PersonInReferral& p = f.first.person();
    data row;
    row.set("reference", p.reference());
    row.set("href", ReferralRightsPath(p.reference()));
    row.set("person", PartyLabel(p.party(), p.child_index()));
    row.set("front_door", FrontDoorLabel(f.first.front_door()));
    row.set("received", f.first.has_received_at() ? When(f.first.received_at())
                                                  : "Not known");
    data cells{data::type::list};
    for (const auto& a : answers) {
      auto c = f.cells.find(a.service);
      cells.push_back(data(c != f.cells.end()         ? c->second
                           : a.answer.ok()            ? "Nothing found"
                                                      : "Did not answer"));
    }
    row.set("cells", cells);
    rows.push_back(row);
  }
  data d;
  d.set("heading", by_name ? "People found by name and date of birth"
                           : absl::StrCat("Referral ", request.reference()));
  d.set("any_failures", !failures.list_value().empty());
  d.set("failures", failures);
  if (!not_indexed.empty()) d.set("not_indexed", absl::StrJoin(not_indexed, " and "));
  d.set("services", services);
  d.set("any_found", !rows.list_value().empty());
  d.set("found", rows);
  if (!by_name && IsWellFormedReference(request.reference())) {
    d.set("by_reference", request.reference());
    d.set("by_reference_href", ReferralRightsPath(request.reference()));
  }
  return RenderConsolePage(bar, "Find a person", Render(bar, kFound, d, {}),
                           false);
}

ActionOutcome OutcomeOf(
    const std::string& heading,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& answers) {
  ActionOutcome out;
  out.heading = heading;
  for (const auto& a : answers) {
    ActionOutcome::Line line;
    line.service = a.service;
    if (a.answer.ok()) {
      line.ok = true;
      line.text = absl::StrCat("Done. ", StateLine(*a.answer));
    } else {
      line.text = Failure(a.answer.status(),
                          "Not done: the referral is on legal hold here");
    }
    out.lines.push_back(std::move(line));
  }
  return out;
}

ActionOutcome OutcomeOf(
    const std::string& heading,
    const std::vector<ServiceAnswer<common::v1::RectifyResponse>>& answers) {
  ActionOutcome out;
  out.heading = heading;
  for (const auto& a : answers) {
    ActionOutcome::Line line;
    line.service = a.service;
    if (a.answer.ok()) {
      line.ok = true;
      const int n = a.answer->copies_corrected();
      line.text = n == 0 ? "Done: it holds no copy"
                         : absl::StrCat("Done: ", n,
                                        n == 1 ? " copy corrected"
                                               : " copies corrected");
    } else {
      line.text = Failure(a.answer.status(),
                          "Not done: the referral's data is erased here");
    }
    out.lines.push_back(std::move(line));
  }
  return out;
}

std::string RenderReferralRightsPage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
    const ActionOutcome* outcome,
    const std::map<std::string, std::string>& values,
    const std::vector<ConsoleError>& errors, bool show_staff_names) {
  const FormView v = ViewOf(values, errors);
  data d;
  d.set("staff_names",
        show_staff_names
            ? "Staff who acted are named in exports (this service's policy)."
            : "Staff who acted are shown by their role in exports, never by "
              "name (this service's policy).");
  d.set("reference", reference);
  d.set("base", ReferralRightsPath(reference));
  d.set("states", StatesTable(states));
  if (outcome != nullptr) d.set("outcome", OutcomeHtml(*outcome));
  d.set("restriction_reason",
        parts::Radios(v, "restriction-reason", "Why restrict processing?", "",
                      Options(rights::kRestrictionReasons), false));
  d.set("hold_reason", parts::Radios(v, "hold-reason", "Why hold?", "",
                                     Options(rights::kHoldReasons), false));
  d.set("party", parts::Radios(v, "party", "Whose data is it?", "",
                               PartyOptions(), false));
  d.set("child_number",
        parts::Input(v, {"child-number", "For a child: which child (1 for the "
                                         "first on the referral)",
                         "", "off", "govuk-input--width-2", "text", 2}));
  data fields{data::type::list};
  const std::string chosen = values.count("field") ? values.at("field") : "";
  for (std::string_view f : rights::kRectifiableFields) {
    data o;
    o.set("value", std::string(f));
    o.set("label", FieldLabel(f));
    o.set("selected", chosen == f);
    fields.push_back(o);
  }
  d.set("fields", fields);
  const std::string field_error = FieldError(errors, "field");
  if (!field_error.empty()) d.set("field_error", field_error);
  d.set("value", parts::Textarea(v, "value", "The corrected value",
                                 "A date as yyyy-mm-dd; address lines one a line",
                                 static_cast<int>(kMaxRectifiedValueChars)));
  d.set("rectify_reason",
        parts::Radios(v, "rectify-reason", "Why correct it?", "",
                      Options(rights::kRectificationReasons), false));
  d.set("export_party", parts::Radios(v, "export-party", "Whose data?", "",
                                      PartyOptions(), false));
  d.set("export_child_number",
        parts::Input(v, {"export-child-number",
                         "For a child: which child (1 for the first on the "
                         "referral)",
                         "", "off", "govuk-input--width-2", "text", 2}));
  return RenderConsolePage(bar, absl::StrCat("Data rights: ", reference),
                           Render(bar, kReferral, d, errors), !errors.empty());
}

std::string RenderErasePage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::RightsState>>& states,
    const std::map<std::string, std::string>& values,
    const std::vector<ConsoleError>& errors) {
  const FormView v = ViewOf(values, errors);
  data d;
  d.set("reference", reference);
  d.set("base", ReferralRightsPath(reference));
  d.set("states", StatesTable(states));
  d.set("erase_reason", parts::Radios(v, "erase-reason", "Why erase?", "",
                                      Options(rights::kErasureReasons), false));
  return RenderConsolePage(bar, "Erase the referral's personal data",
                           Render(bar, kErase, d, errors), !errors.empty());
}

std::string RenderExportNotPreparedPage(
    const SignedInBar& bar, const std::string& reference,
    const std::vector<ServiceAnswer<common::v1::ExportSubjectResponse>>&
        answers) {
  data failures{data::type::list};
  for (const auto& a : answers) {
    if (a.answer.ok()) continue;
    data f;
    f.set("service", a.service);
    f.set("text", Failure(a.answer.status(), "Could not export now"));
    failures.push_back(f);
  }
  data d;
  d.set("reference", reference);
  d.set("base", ReferralRightsPath(reference));
  d.set("failures", failures);
  return RenderConsolePage(bar, "The export was not prepared",
                           Render(bar, kNotPrepared, d, {}), false);
}

std::string RenderExportPage(const SignedInBar& bar,
                             const SubjectAccessExport& e,
                             const std::string& notice,
                             const std::vector<ConsoleError>& errors) {
  const absl::TimeZone zone = ConsoleTimeZone();
  data d;
  d.set("id", e.id);
  d.set("base", ExportPath(e.id));
  d.set("reference", e.reference);
  d.set("referral_href", ReferralRightsPath(e.reference));
  d.set("party", PartyLabel(e.party, e.child_index));
  d.set("prepared_at", ConsoleTime(e.prepared_at, zone));
  d.set("prepared_by", e.prepared_by);
  if (!notice.empty()) d.set("notice", notice);
  data services{data::type::list};
  for (const common::v1::ExportSubjectResponse& r : e.responses) {
    data s;
    s.set("service", r.service());
    s.set("count", std::to_string(r.records_size()));
    services.push_back(s);
  }
  d.set("services", services);
  const int needs_review = NeedsReviewCount(e.responses);
  d.set("needs_review", std::to_string(needs_review));
  d.set("reviewed", std::to_string(ReviewedCount(e)));
  const bool released = e.released_at.has_value();
  d.set("released", released);
  d.set("ready", AllReviewed(e));
  d.set("status",
        released ? absl::StrCat("Released ", ConsoleTime(*e.released_at, zone),
                                " by ", e.released_by)
                 : "Sealed: not released");
  data items{data::type::list};
  for (const ReviewItem& item : ItemsNeedingReview(e)) {
    const std::string field = absl::StrCat(kItemPrefix, item.key);
    std::map<std::string, std::string> values;
    if (item.release.has_value()) {
      values[field] = *item.release ? kRelease : kWithhold;
    }
    data i;
    i.set("key", item.key);
    i.set("service", item.service);
    i.set("kind", item.record->kind());
    i.set("record_id", item.record->id());
    i.set("recorded_at", ConsoleTime(TimeOf(item.record->recorded_at()), zone));
    i.set("json", item.record->json());
    data redactions{data::type::list};
    for (const common::v1::Redaction& r : item.record->redactions()) {
      data rd;
      rd.set("path", r.path());
      rd.set("rule", r.rule());
      redactions.push_back(rd);
    }
    i.set("any_redactions", !redactions.list_value().empty());
    i.set("redactions", redactions);
    i.set("radios", parts::Radios(ViewOf(values, errors), field,
                                  "Release this record?", "",
                                  {{kRelease, "Release"},
                                   {kWithhold, "Withhold"}},
                                  true));
    i.set("decision", !item.release.has_value() ? "Not reviewed"
                      : *item.release           ? "Released"
                                                : "Withheld");
    items.push_back(i);
  }
  d.set("any_items", !items.list_value().empty());
  d.set("items", items);
  return RenderConsolePage(bar, "Review the export",
                           Render(bar, kExport, d, errors), !errors.empty());
}

}  // namespace frontdoor::web
