#include "web-svc/console_triage_pages.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"
#include "web-svc/page_parts.h"
#include "web-svc/professional_referral.h"

namespace frontdoor::web {
namespace {

using google::protobuf::util::TimeUtil;
using kainjow::mustache::data;

constexpr char kAssessmentSuffix[] = "/assessment";
constexpr char kDecisionSuffix[] = "/decision";
// Free-text limits of triage's assessments (triage.proto), for maxlength.
constexpr int kMaxCommentChars = 2000;
constexpr int kMaxSourceChars = 200;
constexpr int kMaxReasonChars = 2000;
// Radio values of an answer (the professionals' DASH uses the same).
const std::vector<parts::Option>& AnswerOptions() {
  static const auto* const kOptions = new std::vector<parts::Option>{
      {kDashYes, "Yes"}, {kDashNo, "No"}, {kDashDontKnow, "Don't know"}};
  return *kOptions;
}

// ---- Words for the services' enums ----------------------------------------

std::string FrontDoorText(common::v1::FrontDoor door) {
  switch (door) {
    case common::v1::FRONT_DOOR_ADULT_VICTIM:
      return "Adult victim service";
    case common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE:
      return "Adult behaviour change service";
    case common::v1::FRONT_DOOR_CHILDREN:
      return "Children's front door";
    default:
      return "Not routed";
  }
}

std::string RiskText(common::v1::RiskLevel level) {
  switch (level) {
    case common::v1::RISK_LEVEL_HIGH:
      return "High";
    case common::v1::RISK_LEVEL_MEDIUM:
      return "Medium";
    case common::v1::RISK_LEVEL_STANDARD:
      return "Standard";
    default:
      return "Not known";
  }
}

std::string RiskTagClass(common::v1::RiskLevel level) {
  switch (level) {
    case common::v1::RISK_LEVEL_HIGH:
      return "govuk-tag--red";
    case common::v1::RISK_LEVEL_MEDIUM:
      return "govuk-tag--orange";
    default:
      return "govuk-tag--grey";
  }
}

std::string ChannelText(common::v1::Channel channel) {
  switch (channel) {
    case common::v1::CHANNEL_PARTNER_API:
      return "Partner agency's system";
    case common::v1::CHANNEL_SECURE_EMAIL:
      return "Secure email";
    case common::v1::CHANNEL_WEB_FORM:
      return "Web form";
    case common::v1::CHANNEL_PHONE:
      return "Phone";
    case common::v1::CHANNEL_LIVE_CHAT:
      return "Live chat";
    default:
      return "Not recorded";
  }
}

std::string StatusText(intake::v1::ReferralStatus status) {
  switch (status) {
    case intake::v1::REFERRAL_STATUS_ACCEPTED:
      return "Accepted";
    case intake::v1::REFERRAL_STATUS_RETURNED:
      return "Returned to the referrer";
    default:
      return "Not known";
  }
}

std::string RepeatText(intake::v1::RepeatStatus repeat) {
  switch (repeat) {
    case intake::v1::REPEAT_STATUS_FIRST:
      return "No referral of this person in the past 12 months";
    case intake::v1::REPEAT_STATUS_REPEAT:
      return "Repeat: referred in the past 12 months";
    case intake::v1::REPEAT_STATUS_POSSIBLE:
      return "Possible repeat: check whether someone referred in the past 12 "
             "months with a similar name is this person";
    default:
      return "Not shown to your role";
  }
}

std::string ConsentText(common::v1::Consent consent) {
  switch (consent) {
    case common::v1::CONSENT_GIVEN:
      return "Given";
    case common::v1::CONSENT_REFUSED:
      return "Refused";
    case common::v1::CONSENT_NOT_SOUGHT_SAFEGUARDING:
      return "Not asked, because asking would put them at risk";
    default:
      return "";
  }
}

std::string AnswerText(common::v1::Answer answer) {
  switch (answer) {
    case common::v1::ANSWER_YES:
      return "Yes";
    case common::v1::ANSWER_NO:
      return "No";
    case common::v1::ANSWER_DONT_KNOW:
      return "Don't know";
    default:
      return "";
  }
}

std::string RelationshipText(common::v1::Relationship r) {
  switch (r) {
    case common::v1::RELATIONSHIP_CURRENT_PARTNER:
      return "Current partner";
    case common::v1::RELATIONSHIP_EX_PARTNER:
      return "Ex-partner";
    case common::v1::RELATIONSHIP_FAMILY_MEMBER:
      return "Family member";
    case common::v1::RELATIONSHIP_OTHER:
      return "Other";
    default:
      return "";
  }
}

std::string NeedText(common::v1::SpecialistNeed need) {
  switch (need) {
    case common::v1::SPECIALIST_NEED_LGBTQ_PLUS:
      return "LGBTQ+ practitioner";
    case common::v1::SPECIALIST_NEED_MALE_VICTIM:
      return "Practitioner for male victims";
    case common::v1::SPECIALIST_NEED_OLDER_VICTIM:
      return "Practitioner for older victims";
    case common::v1::SPECIALIST_NEED_DISABLED_VICTIM:
      return "Practitioner for disabled victims";
    case common::v1::SPECIALIST_NEED_RACIALLY_MINORITISED:
      return "Practitioner for Black, Asian and racially minoritised victims";
    default:
      return "";
  }
}

std::string SideText(common::v1::Side side) {
  switch (side) {
    case common::v1::SIDE_VICTIM:
      return "Victim support";
    case common::v1::SIDE_BEHAVIOUR_CHANGE:
      return "Behaviour change";
    default:
      return "";
  }
}

std::string SeverityText(triage::v1::ChildSeverity s) {
  switch (s) {
    case triage::v1::CHILD_SEVERITY_MODERATE:
      return "Moderate";
    case triage::v1::CHILD_SEVERITY_MODERATE_TO_SERIOUS:
      return "Moderate to serious";
    case triage::v1::CHILD_SEVERITY_SERIOUS:
      return "Serious";
    case triage::v1::CHILD_SEVERITY_SEVERE:
      return "Severe";
    default:
      return "";
  }
}

std::string YesNoText(bool b) { return b ? "Yes" : "No"; }

// "2 Dec 2026 at 09:05" in `zone`.
std::string TimeText(const google::protobuf::Timestamp& ts,
                     absl::TimeZone zone) {
  const absl::Time t =
      absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
  std::string text = absl::FormatTime("%d %b %Y at %H:%M", t, zone);
  if (absl::StartsWith(text, "0")) text.erase(0, 1);
  return text;
}

std::string DateText(const google::type::Date& d) {
  if (d.year() == 0 || d.month() < 1 || d.month() > 12) return "";
  return absl::StrCat(d.day(), " ", MonthName(d.month()), " ", d.year());
}

std::string NameText(const common::v1::PersonName& n) {
  return std::string(absl::StripAsciiWhitespace(
      absl::StrCat(n.given_names(), " ", n.family_name())));
}

std::string Plural(int64_t n, const char* unit) {
  return absl::StrCat(n, " ", unit, n == 1 ? "" : "s");
}

// ---- Summary lists --------------------------------------------------------

constexpr char kSummaryList[] =
    R"(<h2 class="govuk-heading-m" id="{{id}}">{{title}}</h2>
<dl class="govuk-summary-list govuk-!-margin-bottom-9">
{{#rows}}<div class="govuk-summary-list__row">
<dt class="govuk-summary-list__key">{{key}}</dt>
<dd class="govuk-summary-list__value"{{#value_id}} id="{{value_id}}"{{/value_id}}>{{#lines}}{{text}}{{^last}}<br>{{/last}}{{/lines}}{{^lines}}Not given{{/lines}}</dd>
</div>
{{/rows}}</dl>
)";

struct Row {
  std::string key;
  // Each shown on its own line; none: "Not given".
  std::vector<std::string> lines;
  std::string value_id;
};

Row R(std::string key, const std::string& value, std::string id = "") {
  Row r{std::move(key), {}, std::move(id)};
  if (!absl::StripAsciiWhitespace(value).empty()) r.lines.push_back(value);
  return r;
}

// Text with line breaks, one line each (blank lines dropped).
Row Lines(std::string key, const std::string& text, std::string id = "") {
  Row r{std::move(key), {}, std::move(id)};
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\r\n"))) {
    if (!absl::StripAsciiWhitespace(line).empty()) r.lines.emplace_back(line);
  }
  return r;
}

std::string SummaryList(const std::string& id, const std::string& title,
                        const std::vector<Row>& rows) {
  data d;
  d.set("id", id);
  d.set("title", title);
  data list{data::type::list};
  for (const Row& r : rows) {
    data row;
    row.set("key", r.key);
    if (!r.value_id.empty()) row.set("value_id", r.value_id);
    data lines{data::type::list};
    for (size_t i = 0; i < r.lines.size(); ++i) {
      data l;
      l.set("text", r.lines[i]);
      l.set("last", i + 1 == r.lines.size());
      lines.push_back(l);
    }
    if (!r.lines.empty()) row.set("lines", lines);
    list.push_back(row);
  }
  d.set("rows", list);
  return parts::Render(kSummaryList, d);
}

std::vector<std::string> ContactLines(const common::v1::SafeContact& c) {
  std::vector<std::string> out;
  if (!c.phone().empty()) out.push_back(absl::StrCat("Phone: ", c.phone()));
  if (!c.email().empty()) out.push_back(absl::StrCat("Email: ", c.email()));
  return out;
}

// ---- Links ---------------------------------------------------------------

constexpr char kLinks[] = R"(<ul class="govuk-list" id="referral-links">
{{#links}}<li><a class="govuk-link" id="{{id}}" href="{{href}}">{{text}}</a></li>
{{/links}}</ul>
)";

std::string Links(const std::string& reference, const ReferralLinks& l,
                  bool referral_link) {
  struct Link {
    bool show;
    const char* id;
    std::string href;
    const char* text;
  };
  const Link all[] = {
      {referral_link, "referral-link", ReferralPath(reference),
       "Read the referral in full"},
      {l.assessment, "assessment-link", AssessmentPath(reference),
       "Complete the assessment"},
      {l.decision, "decision-link", DecisionPath(reference),
       "See the triage decision"},
      {l.history, "history-link", HistoryPath(reference),
       "See the referral's history"},
      {l.placement, "placement-link", PlacementPath(reference),
       "See the placement"},
      {true, "queue-link", kConsoleQueuePath, "Back to the triage queue"},
  };
  data list{data::type::list};
  for (const Link& link : all) {
    if (!link.show) continue;
    data item;
    item.set("id", std::string(link.id));
    item.set("href", link.href);
    item.set("text", std::string(link.text));
    list.push_back(item);
  }
  data d;
  d.set("links", list);
  return parts::Render(kLinks, d);
}

FormView ViewOf(const FormValues& values,
                const std::vector<ConsoleError>& errors) {
  FormView v;
  v.values = values;
  for (const ConsoleError& e : errors) v.errors.push_back({e.field, e.message});
  return v;
}

std::string Value(const FormValues& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

bool Blank(const std::string& s) {
  return absl::StripAsciiWhitespace(s).empty();
}

std::optional<common::v1::Answer> AnswerFromValue(const std::string& v) {
  if (v == kDashYes) return common::v1::ANSWER_YES;
  if (v == kDashNo) return common::v1::ANSWER_NO;
  if (v == kDashDontKnow) return common::v1::ANSWER_DONT_KNOW;
  return std::nullopt;
}

std::string DashField(const char* prefix, int q) {
  return absl::StrCat(prefix, "-", q);
}
std::string IndicatorField(const std::string& id) {
  return absl::StrCat("indicator-", id);
}
constexpr char kDashPrefix[] = "dash";
constexpr char kChecklistPrefix[] = "yp";

// Reads one checklist question (`prefix`-N, -comment, -source) into
// `answers`; an error when a comment or source has no answer, or the
// answer is not one of the three.
void ReadChecklistAnswer(
    const FormValues& form, const char* prefix, int q,
    google::protobuf::RepeatedPtrField<common::v1::DashAnswer>* answers,
    std::vector<ConsoleError>& errors) {
  const std::string id = DashField(prefix, q);
  const std::string value = Value(form, id);
  const std::string comment = Value(form, id + "-comment");
  const std::string source = Value(form, id + "-source");
  if (value.empty()) {
    if (!Blank(comment) || !Blank(source)) {
      errors.push_back(
          {id, absl::StrCat("Select yes, no or don't know for question ", q,
                            ", or remove its comment and source")});
    }
    return;
  }
  const std::optional<common::v1::Answer> answer = AnswerFromValue(value);
  if (!answer.has_value()) {
    errors.push_back(
        {id, absl::StrCat("Select yes, no or don't know for question ", q)});
    return;
  }
  common::v1::DashAnswer& a = *answers->Add();
  a.set_question(q);
  a.set_answer(*answer);
  a.set_comment(comment);
  a.set_source(std::string(absl::StripAsciiWhitespace(source)));
}

// The page order of a form's fields, for ordering its errors.
std::vector<std::string> ChecklistFields(const char* prefix, int questions) {
  std::vector<std::string> out;
  for (int q = 1; q <= questions; ++q) {
    const std::string id = DashField(prefix, q);
    out.push_back(id);
    out.push_back(id + "-comment");
    out.push_back(id + "-source");
  }
  return out;
}

// "answers[3].comment" with list "answers": index 3, leaf "comment".
bool ParseIndexed(absl::string_view path, absl::string_view list, int* index,
                  std::string* leaf) {
  if (!absl::ConsumePrefix(&path, list) || !absl::ConsumePrefix(&path, "[")) {
    return false;
  }
  const size_t close = path.find(']');
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(path.substr(0, close), index) || *index < 0) {
    return false;
  }
  path.remove_prefix(close + 1);
  leaf->clear();
  if (absl::ConsumePrefix(&path, ".")) *leaf = std::string(path);
  return path.empty() || !leaf->empty();
}

// One checklist violation: an answer's field, or the unanswered ones.
// False when the path is none of these.
bool MapChecklist(
    absl::string_view path, const char* prefix, const char* name,
    int questions,
    const google::protobuf::RepeatedPtrField<common::v1::DashAnswer>& sent,
    std::vector<ConsoleError>& out) {
  if (path.empty()) {
    // Questions not answered: each, or one error when none was.
    std::set<int> answered;
    for (const auto& a : sent) answered.insert(a.question());
    if (questions <= 0) return false;
    if (answered.empty()) {
      out.push_back({DashField(prefix, 1),
                     absl::StrCat("Answer every question of the ", name)});
      return true;
    }
    for (int q = 1; q <= questions; ++q) {
      if (answered.count(q) == 0) {
        out.push_back(
            {DashField(prefix, q),
             absl::StrCat("Select yes, no or don't know for question ", q)});
      }
    }
    return true;
  }
  int index = 0;
  std::string leaf;
  if (!ParseIndexed(path, "", &index, &leaf) || index >= sent.size()) {
    return false;
  }
  const int q = sent[index].question();
  const std::string id = DashField(prefix, q);
  if (leaf == "answer") {
    out.push_back(
        {id, absl::StrCat("Select yes, no or don't know for question ", q)});
  } else if (leaf == "comment") {
    out.push_back({id + "-comment",
                   absl::StrCat("Enter a comment on question ", q, " of ",
                                kMaxCommentChars,
                                " characters or fewer, without control "
                                "characters")});
  } else if (leaf == "source") {
    out.push_back({id + "-source",
                   absl::StrCat("Enter where the answer to question ", q,
                                " came from on one line, in ",
                                kMaxSourceChars, " characters or fewer")});
  } else {
    return false;
  }
  return true;
}

// ---- Templates -------------------------------------------------------------

constexpr char kQueue[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<h1 class="govuk-heading-l">Triage queue</h1>
<p class="govuk-body" id="waiting">{{waiting}}</p>
{{#has_rows}}<table class="govuk-table" id="queue">
<caption class="govuk-table__caption govuk-table__caption--m">Referrals waiting for an assessment, highest risk first, then longest waiting</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Reference</th>
<th scope="col" class="govuk-table__header">Front door</th>
<th scope="col" class="govuk-table__header">Provisional risk</th>
<th scope="col" class="govuk-table__header">Waiting since</th>
<th scope="col" class="govuk-table__header">Waited</th>
<th scope="col" class="govuk-table__header">First-contact target</th>
<th scope="col" class="govuk-table__header">Why it waits</th>
</tr></thead>
<tbody class="govuk-table__body">
{{#rows}}<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header"><a class="govuk-link" href="{{href}}">{{reference}}</a></th>
<td class="govuk-table__cell">{{door}}</td>
<td class="govuk-table__cell"><strong class="govuk-tag {{risk_class}}">{{risk}}</strong></td>
<td class="govuk-table__cell">{{since}}</td>
<td class="govuk-table__cell">{{waited}}{{#overdue}} <strong class="govuk-tag govuk-tag--red frontdoor-overdue">Overdue</strong>{{/overdue}}</td>
<td class="govuk-table__cell">{{target}}</td>
<td class="govuk-table__cell">{{reason}}</td>
</tr>
{{/rows}}</tbody>
</table>
{{/has_rows}}{{#paged}}<nav class="govuk-pagination govuk-pagination--block" aria-label="Pages of the queue">
{{#first_page}}<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="/console/queue" rel="prev" id="queue-first"><svg class="govuk-pagination__icon govuk-pagination__icon--prev" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m6.5938-0.0078125-6.7266 6.7266 6.7441 6.4062 1.377-1.449-4.1856-3.9768h12.896v-2h-12.984l4.2931-4.293-1.414-1.414z"></path></svg><span class="govuk-pagination__link-title">First page<span class="govuk-visually-hidden"> of the queue</span></span></a></div>
{{/first_page}}{{#next}}<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="/console/queue?page={{next}}" rel="next" id="queue-next"><svg class="govuk-pagination__icon govuk-pagination__icon--next" xmlns="http://www.w3.org/2000/svg" height="13" width="15" aria-hidden="true" focusable="false" viewBox="0 0 15 13"><path d="m8.107-0.0078125-1.4136 1.414 4.2926 4.293h-12.986v2h12.896l-4.1855 3.9766 1.377 1.4492 6.7441-6.4062-6.7246-6.7266z"></path></svg><span class="govuk-pagination__link-title">Next page<span class="govuk-visually-hidden"> of the queue</span></span></a></div>
{{/next}}</nav>
{{/paged}}<p class="govuk-body"><a class="govuk-link" href="/console">Back to your work</a></p>
</div></div>
)";

constexpr char kPurpose[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">{{reference}}</span>
<h1 class="govuk-heading-l">Why are you opening this referral?</h1>
<p class="govuk-body">The referral holds the person's details. Your name and the reason you give are recorded each time you open it.</p>
<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{radios}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Open the referral</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/console/queue">Back to the triage queue</a></p>
</div></div>
)";

constexpr char kReferral[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">Referral</span>
<h1 class="govuk-heading-l" id="reference">{{reference}}</h1>
<div class="govuk-inset-text" id="opened-for">Opened for: {{purpose}}. This view is recorded with your name and this reason.</div>
{{{links}}}{{{sections}}}{{{links_again}}}</div></div>
)";

constexpr char kAssessment[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{{summary}}}<span class="govuk-caption-l">{{reference}}</span>
<h1 class="govuk-heading-l">{{heading}}</h1>
{{#intro}}<p class="govuk-body">{{.}}</p>
{{/intro}}<form method="post" action="{{action}}" novalidate>
<input type="hidden" name="csrf-token" value="{{csrf_token}}">
{{{questions}}}<button type="submit" class="govuk-button" data-module="govuk-button" id="continue">Record the assessment</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="{{referral}}">Back to the referral</a></p>
</div></div>
)";

constexpr char kQuestionBlock[] = R"(<div class="frontdoor-dash-question">
{{{radios}}}{{{comment}}}{{{source}}}</div>
)";

constexpr char kSubheading[] = R"(<h2 class="govuk-heading-m" id="{{id}}">{{text}}</h2>
{{#hint}}<p class="govuk-body">{{hint}}</p>
{{/hint}})";

constexpr char kDecision[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{{#recorded}}<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="govuk-notification-banner-title" data-module="govuk-notification-banner">
<div class="govuk-notification-banner__header">
<h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">Success</h2>
</div>
<div class="govuk-notification-banner__content">
<p class="govuk-notification-banner__heading">{{recorded}}</p>
</div>
</div>
{{/recorded}}<span class="govuk-caption-l">{{reference}}</span>
<h1 class="govuk-heading-l">Triage decision</h1>
<p class="govuk-body">Risk level <strong class="govuk-tag {{risk_class}}" id="risk-level">{{risk}}</strong></p>
{{{details}}}{{#may_override}}<p class="govuk-body"><a class="govuk-button govuk-button--secondary" data-module="govuk-button" role="button" draggable="false" id="override" href="{{override}}">Override the tier</a></p>
{{/may_override}}{{{links}}}</div></div>
)";

constexpr char kNotDecided[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<span class="govuk-caption-l">{{reference}}</span>
<h1 class="govuk-heading-l">Not decided yet</h1>
<p class="govuk-body">This referral has no triage decision yet: it is waiting for an assessment, or it has not reached triage.</p>
{{#assess}}<p class="govuk-body"><a class="govuk-link" id="assessment-link" href="{{assess}}">Complete the assessment</a></p>
{{/assess}}<p class="govuk-body"><a class="govuk-link" href="/console/queue">Back to the triage queue</a></p>
</div></div>
)";

std::string Subheading(const std::string& id, const std::string& text,
                       const std::string& hint = "") {
  data d;
  d.set("id", id);
  d.set("text", text);
  if (!hint.empty()) d.set("hint", hint);
  return parts::Render(kSubheading, d);
}

// The question block of a checklist: radios, comment and source.
std::string ChecklistQuestion(const FormView& v, const char* prefix, int q,
                              const std::string& question) {
  const std::string id = DashField(prefix, q);
  data d;
  d.set("radios", parts::Radios(v, id, absl::StrCat(q, ". ", question), "",
                                AnswerOptions(), true));
  d.set("comment", parts::Input(v, {id + "-comment",
                                    absl::StrCat("Comment on question ", q,
                                                 " (optional)"),
                                    "", "off", "", "text", kMaxCommentChars}));
  d.set("source",
        parts::Input(v, {id + "-source",
                         absl::StrCat("Where the answer to question ", q,
                                      " came from (optional)"),
                         "For example, the person, police records",
                         "off", "govuk-!-width-two-thirds", "text",
                         kMaxSourceChars}));
  return parts::Render(kQuestionBlock, d);
}

std::string AssessmentPage(const SignedInBar& bar, const std::string& reference,
                           const std::string& heading,
                           const std::vector<std::string>& intro,
                           const std::string& questions,
                           const std::vector<ConsoleError>& errors) {
  data d;
  d.set("summary", RenderConsoleErrorSummary(errors));
  d.set("reference", reference);
  d.set("heading", heading);
  data list{data::type::list};
  for (const std::string& p : intro) list.push_back(data(p));
  d.set("intro", list);
  d.set("action", AssessmentPath(reference));
  d.set("csrf_token", bar.csrf_token);
  d.set("questions", questions);
  d.set("referral", ReferralPath(reference));
  return RenderConsolePage(bar, heading, parts::Render(kAssessment, d),
                           !errors.empty());
}

// Errors ordered as the fields are on the page, one per field.
std::vector<ConsoleError> InPageOrder(std::vector<ConsoleError> errors,
                                      const std::vector<std::string>& order) {
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < order.size(); ++i) position.emplace(order[i], i);
  std::stable_sort(errors.begin(), errors.end(),
                   [&](const ConsoleError& a, const ConsoleError& b) {
                     auto pa = position.find(a.field);
                     auto pb = position.find(b.field);
                     const size_t ia =
                         pa == position.end() ? order.size() : pa->second;
                     const size_t ib =
                         pb == position.end() ? order.size() : pb->second;
                     return ia < ib;
                   });
  std::vector<ConsoleError> out;
  std::set<std::string> seen;
  for (ConsoleError& e : errors) {
    if (seen.insert(e.field).second) out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> DashFieldOrder() {
  std::vector<std::string> f = ChecklistFields(kDashPrefix, kDashQuestions);
  f.push_back("police-callouts");
  f.push_back("judgement");
  f.push_back("judgement-reason");
  return f;
}

std::vector<std::string> ChildFieldOrder(
    const triage::v1::ChildAssessmentForm& child) {
  std::vector<std::string> f;
  for (const auto& q : child.indicators()) {
    f.push_back(IndicatorField(q.indicator()));
    f.push_back(IndicatorField(q.indicator()) + "-comment");
  }
  f.push_back("special-needs");
  for (const std::string& c : ChecklistFields(
           kChecklistPrefix, child.young_people_checklist_questions())) {
    f.push_back(c);
  }
  return f;
}

}  // namespace

// ---- Paths -----------------------------------------------------------------

std::optional<TriagePath> ParseTriagePath(std::string_view path) {
  absl::string_view p(path.data(), path.size());
  if (!absl::ConsumePrefix(&p, kConsoleReferralsPath)) return std::nullopt;
  TriagePath out;
  if (absl::ConsumeSuffix(&p, kAssessmentSuffix)) {
    out.page = TriagePage::kAssessment;
  } else if (absl::ConsumeSuffix(&p, kDecisionSuffix)) {
    out.page = TriagePage::kDecision;
  }
  if (p.empty() || absl::StrContains(p, '/')) return std::nullopt;
  out.reference = std::string(p);
  return out;
}

std::string ReferralPath(const std::string& reference) {
  return absl::StrCat(kConsoleReferralsPath, reference);
}
std::string AssessmentPath(const std::string& reference) {
  return absl::StrCat(ReferralPath(reference), kAssessmentSuffix);
}
std::string DecisionPath(const std::string& reference) {
  return absl::StrCat(ReferralPath(reference), kDecisionSuffix);
}
std::string HistoryPath(const std::string& reference) {
  return absl::StrCat(ReferralPath(reference), "/history");
}
std::string OverridePath(const std::string& reference) {
  return absl::StrCat(ReferralPath(reference), "/override");
}
std::string PlacementPath(const std::string& reference) {
  return absl::StrCat("/console/placements/", reference);
}

// ---- The queue -------------------------------------------------------------

std::string WaitText(absl::Duration d) {
  const int64_t minutes = absl::ToInt64Minutes(d);
  if (minutes < 1) return "under a minute";
  const int64_t days = minutes / (24 * 60);
  const int64_t hours = (minutes / 60) % 24;
  const int64_t mins = minutes % 60;
  if (days > 0) {
    return hours > 0 ? absl::StrCat(Plural(days, "day"), " ",
                                    Plural(hours, "hour"))
                     : Plural(days, "day");
  }
  if (hours > 0) {
    return mins > 0 ? absl::StrCat(Plural(hours, "hour"), " ",
                                   Plural(mins, "minute"))
                    : Plural(hours, "hour");
  }
  return Plural(mins, "minute");
}

bool IsQueuePageToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxQueueTokenChars) return false;
  for (char c : token) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_' && c != '=') {
      return false;
    }
  }
  return true;
}

std::string RenderQueuePage(const SignedInBar& bar,
                            const triage::v1::ListQueueResponse& queue,
                            absl::TimeZone zone, bool later_page) {
  data d;
  const int total = queue.total_waiting();
  std::string waiting =
      total == 0 ? "No referral is waiting for an assessment."
                 : absl::StrCat(total == 1 ? "1 referral is"
                                           : absl::StrCat(total, " referrals are"),
                                " waiting for an assessment.");
  if (later_page) {
    absl::StrAppend(&waiting, " These ", queue.entries_size(),
                    " come after those on the earlier pages.");
  } else if (queue.entries_size() < total) {
    absl::StrAppend(&waiting, " The ", queue.entries_size(),
                    " with the highest risk and the longest wait are shown.");
  }
  const bool next = IsQueuePageToken(queue.next_page_token());
  d.set("paged", next || later_page);
  d.set("first_page", later_page);
  if (next) d.set("next", queue.next_page_token());
  d.set("waiting", waiting);
  d.set("has_rows", queue.entries_size() > 0);
  data rows{data::type::list};
  for (const triage::v1::QueueEntry& e : queue.entries()) {
    data row;
    row.set("reference", e.reference());
    row.set("href", ReferralPath(e.reference()));
    row.set("door", FrontDoorText(e.front_door()));
    row.set("risk", RiskText(e.provisional_risk()));
    row.set("risk_class", RiskTagClass(e.provisional_risk()));
    row.set("since", TimeText(e.received_at(), zone));
    row.set("waited", WaitText(absl::Microseconds(
                          TimeUtil::DurationToMicroseconds(e.waited()))));
    row.set("overdue", e.overdue());
    row.set("target",
            WaitText(absl::Microseconds(
                TimeUtil::DurationToMicroseconds(e.first_contact_target()))));
    row.set("reason", e.waiting_reason());
    rows.push_back(row);
  }
  d.set("rows", rows);
  return RenderConsolePage(bar, "Triage queue", parts::Render(kQueue, d),
                           false);
}

// ---- A referral in full ------------------------------------------------------

const std::vector<PurposeOption>& ReadPurposes() {
  static const auto* const kPurposes = new std::vector<PurposeOption>{
      {intake::v1::READ_PURPOSE_TRIAGE, "triage", "Triage",
       "Deciding what the referral needs while it waits"},
      {intake::v1::READ_PURPOSE_ASSESSMENT, "assessment", "Assessment",
       "Completing a DASH or children's assessment"},
      {intake::v1::READ_PURPOSE_ALLOCATION, "allocation", "Allocation",
       "Finding a programme, a place or a practitioner"},
      {intake::v1::READ_PURPOSE_FIRST_CONTACT, "first-contact",
       "First contact", "Preparing for or making first contact"},
      {intake::v1::READ_PURPOSE_SAFEGUARDING, "safeguarding", "Safeguarding",
       "Acting on a concern about the person or a child"},
      {intake::v1::READ_PURPOSE_QUALITY_REVIEW, "quality-review",
       "Quality review", "Supervision, case audit or a complaint"},
  };
  return *kPurposes;
}

std::optional<intake::v1::ReadPurpose> PurposeFromValue(
    std::string_view value) {
  for (const PurposeOption& p : ReadPurposes()) {
    if (value == p.value) return p.purpose;
  }
  return std::nullopt;
}

std::string PurposeLabel(intake::v1::ReadPurpose purpose) {
  for (const PurposeOption& p : ReadPurposes()) {
    if (p.purpose == purpose) return p.label;
  }
  return "";
}

std::string RenderPurposePage(const SignedInBar& bar,
                              const std::string& reference,
                              const std::vector<ConsoleError>& errors) {
  std::vector<parts::Option> options;
  for (const PurposeOption& p : ReadPurposes()) {
    options.push_back({p.value, absl::StrCat(p.label, ": ", p.hint)});
  }
  data d;
  d.set("summary", RenderConsoleErrorSummary(errors));
  d.set("reference", reference);
  d.set("action", ReferralPath(reference));
  d.set("csrf_token", bar.csrf_token);
  d.set("radios", parts::Radios(ViewOf({}, errors), kPurposeField,
                                "Why are you opening it?", "", options,
                                false));
  return RenderConsolePage(bar, "Why are you opening this referral?",
                           parts::Render(kPurpose, d), !errors.empty());
}

std::string RenderReferralPage(const SignedInBar& bar,
                               const intake::v1::ReadReferralResponse& read,
                               intake::v1::ReadPurpose purpose,
                               const ReferralLinks& links,
                               absl::TimeZone zone) {
  const intake::v1::Receipt& receipt = read.receipt();
  const common::v1::Referral& r = read.referral();
  std::string sections;

  std::vector<Row> facts = {
      R("Status", StatusText(receipt.status()), "status"),
      R("Front door", FrontDoorText(receipt.front_door()), "front-door"),
      R("Received", TimeText(receipt.received_at(), zone), "received"),
      R("How it came", ChannelText(read.channel()), "channel"),
      R("Referring agency", read.referring_agency(), "referring-agency"),
      R("District", receipt.district(), "district"),
      R("Repeat referral", RepeatText(receipt.repeat()), "repeat"),
  };
  if (read.submitting_agency() != read.referring_agency()) {
    facts.push_back(R("Keyed by", read.submitting_agency(), "submitting-agency"));
  }
  if (receipt.return_reasons_size() > 0) {
    Row returned{"Why it was returned", {}, "return-reasons"};
    for (const auto& reason : receipt.return_reasons()) {
      returned.lines.push_back(reason.message());
    }
    facts.push_back(returned);
  }
  sections += SummaryList("receipt", "The referral", facts);

  const common::v1::Referrer& ref = r.referrer();
  sections += SummaryList(
      "referrer", "Who referred",
      {R("Name", ref.name()), R("Role", ref.role()),
       R("Organisation", ref.organisation()), R("Phone", ref.phone()),
       R("Email", ref.email()),
       R("Their case reference", ref.agency_case_reference()),
       R("Self-referral", YesNoText(ref.self_referral()))});

  const common::v1::Subject& s = r.subject();
  Row address{"Address", {}, ""};
  for (const std::string& line : s.address().lines()) {
    if (!Blank(line)) address.lines.push_back(line);
  }
  for (const std::string* part : {&s.address().town(), &s.address().postcode()}) {
    if (!Blank(*part)) address.lines.push_back(*part);
  }
  Row needs{"Specialist practitioner", {}, ""};
  for (int n : s.specialist_needs()) {
    const std::string text = NeedText(static_cast<common::v1::SpecialistNeed>(n));
    if (!text.empty()) needs.lines.push_back(text);
  }
  sections += SummaryList(
      "subject", "The person",
      {R("Name", NameText(s.name()), "subject-name"),
       R("Date of birth", DateText(s.date_of_birth())),
       R("Gender", s.gender()), address, R("Phone", s.contact().phone()),
       R("Email", s.contact().email()),
       R("Safe to call", YesNoText(s.contact().safe_to_call())),
       R("Safe to leave a message",
         YesNoText(s.contact().safe_to_leave_message())),
       Lines("Safe times", s.contact().safe_times()), needs});

  if (r.has_other_party()) {
    const common::v1::OtherParty& o = r.other_party();
    Row contact{"Contact", ContactLines(o.contact()), ""};
    sections += SummaryList(
        "other-party", "The other party",
        {R("Name", NameText(o.name())),
         R("Date of birth", DateText(o.date_of_birth())),
         R("Relationship", RelationshipText(o.relationship())), contact,
         R("Safe to contact", YesNoText(o.contact().safe_to_call()))});
  }

  std::vector<Row> children;
  for (int i = 0; i < r.children_size(); ++i) {
    const common::v1::Child& c = r.children(i);
    children.push_back(R(absl::StrCat("Child ", i + 1),
                         absl::StrCat(NameText(c.name()), ", born ",
                                      DateText(c.date_of_birth()))));
  }
  if (children.empty()) children.push_back(R("Children", "None listed"));
  sections += SummaryList("children", "Children in the household", children);

  std::vector<Row> consent = {
      R("The person's consent", ConsentText(r.consent().subject()))};
  if (r.consent().parent_or_carer() != common::v1::CONSENT_UNSPECIFIED) {
    consent.push_back(R("A parent's or carer's consent",
                        ConsentText(r.consent().parent_or_carer())));
  }
  sections += SummaryList("consent", "Consent", consent);
  sections += SummaryList("concerns", "What is happening",
                          {Lines("Concerns", r.concerns(), "concerns-text")});

  if (receipt.front_door() == common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE ||
      r.has_behaviour_change()) {
    const common::v1::BehaviourChangeDetails& b = r.behaviour_change();
    sections += SummaryList(
        "behaviour-change", "Behaviour change",
        {R("Known to probation", AnswerText(b.known_to_probation())),
         R("Done a programme before", AnswerText(b.previous_programme())),
         R("Which programme", b.previous_programme_name()),
         R("After an out-of-court disposal",
           YesNoText(b.out_of_court_disposal()))});
  }
  if (r.has_suspect_known_victims()) {
    sections += SummaryList(
        "suspect", "The person suspected of the abuse",
        {R("Victims known to the referrer",
           absl::StrCat(r.suspect_known_victims()))});
  }

  if (r.has_risk_assessment()) {
    const common::v1::RiskAssessment& a = r.risk_assessment();
    int yes = 0;
    for (const auto& ans : a.answers()) {
      if (ans.answer() == common::v1::ANSWER_YES) ++yes;
    }
    std::vector<Row> rows = {
        R("Question set", a.form_version()),
        R("Answered", absl::StrCat(a.answers_size(), " questions, ", yes,
                                   " yes")),
        R("Police call-outs in the past 12 months",
          a.has_police_callouts_past_12_months()
              ? absl::StrCat(a.police_callouts_past_12_months())
              : ""),
        R("Professional judgement of high risk",
          YesNoText(a.professional_judgement_high_risk())),
        Lines("Why", a.professional_judgement_reason()),
        R("Last MARAC referral they know of",
          DateText(a.previous_marac_referral_date()))};
    const bool known_wording = a.form_version() == kConsoleDashForm ||
                               a.form_version() == "safelives-yp-dash-24";
    for (const auto& ans : a.answers()) {
      Row row{absl::StrCat("Question ", ans.question()), {}, ""};
      if (known_wording && ans.question() >= 1 &&
          ans.question() <= kDashQuestions) {
        row.key = absl::StrCat(ans.question(), ". ",
                               DashQuestion(ans.question()));
      }
      row.lines.push_back(AnswerText(ans.answer()));
      if (!Blank(ans.comment())) {
        row.lines.push_back(absl::StrCat("Comment: ", ans.comment()));
      }
      if (!Blank(ans.source())) {
        row.lines.push_back(absl::StrCat("Source: ", ans.source()));
      }
      rows.push_back(row);
    }
    sections += SummaryList("risk-assessment", "Risk assessment attached",
                            rows);
  }

  data d;
  d.set("reference", receipt.reference());
  d.set("purpose", PurposeLabel(purpose));
  d.set("links", Links(receipt.reference(), links, false));
  d.set("sections", sections);
  d.set("links_again", std::string());
  return RenderConsolePage(bar, absl::StrCat("Referral ", receipt.reference()),
                           parts::Render(kReferral, d), false);
}

// ---- Assessments -------------------------------------------------------------

std::string RenderDashPage(const SignedInBar& bar, const std::string& reference,
                           const FormValues& values,
                           const std::vector<ConsoleError>& errors) {
  const FormView v = ViewOf(values, errors);
  std::string q;
  for (int n = 1; n <= kDashQuestions; ++n) {
    q += ChecklistQuestion(v, kDashPrefix, n, DashQuestion(n));
  }
  q += Subheading("other-factors", "Other risk factors");
  q += parts::Input(v, {"police-callouts",
                        "Police call-outs in the past 12 months (optional)",
                        "Incidents the police attended, if known",
                        "off", "govuk-input--width-3", "text", 4});
  q += parts::Radios(
      v, "judgement",
      "Do you judge the risk to be high, whatever the score? (optional)",
      "A professional judgement refers the case to MARAC with fewer than 14 "
      "yes answers. It never lowers a score.",
      {{"yes", "Yes"}, {"no", "No"}}, true);
  q += parts::Textarea(v, "judgement-reason",
                       "Why you judge the risk to be high",
                       "Needed when you judge the risk high", kMaxReasonChars);
  return AssessmentPage(
      bar, reference, "DASH risk checklist",
      {"Ask each question of the person, or answer it from what you know. "
       "Only yes answers count towards the score.",
       "Add a comment and where the information came from when it helps."},
      q, errors);
}

std::string RenderChildAssessmentPage(
    const SignedInBar& bar, const std::string& reference,
    const triage::v1::ChildAssessmentForm& form, const FormValues& values,
    const std::vector<ConsoleError>& errors) {
  const FormView v = ViewOf(values, errors);
  std::string q = Subheading("indicators", "Indicators");
  for (const triage::v1::IndicatorQuestion& ind : form.indicators()) {
    const std::string id = IndicatorField(ind.indicator());
    q += parts::Radios(v, id, ind.text(), "", AnswerOptions(), true);
    q += parts::Input(v, {id + "-comment", "Comment (optional)", "", "off", "",
                          "text", kMaxCommentChars});
  }
  if (form.special_needs_asked()) {
    q += parts::Radios(
        v, "special-needs",
        "Does the child have special educational needs or a disability?",
        "This raises the level of concern by one", {{"yes", "Yes"}, {"no", "No"}},
        true);
  }
  if (!form.young_people_checklist().empty()) {
    q += Subheading("young-people-checklist",
                    "Young people's DASH risk checklist",
                    "Ask the young person in their own words. If the referral "
                    "came with a young people's DASH, you can leave these "
                    "blank to use it.");
    for (int n = 1; n <= form.young_people_checklist_questions(); ++n) {
      q += ChecklistQuestion(v, kChecklistPrefix, n,
                             n <= kDashQuestions ? DashQuestion(n)
                                                 : absl::StrCat("Question ", n));
    }
  }
  return AssessmentPage(
      bar, reference, "Children's assessment",
      {"Answer each indicator yes, no or don't know. Only yes answers raise "
       "the level of concern."},
      q, errors);
}

BuiltAssessment BuildDashAssessment(const std::string& reference,
                                    const FormValues& form, absl::Time now) {
  BuiltAssessment out;
  out.request.set_reference(reference);
  common::v1::RiskAssessment& dash = *out.request.mutable_dash();
  dash.set_form_version(kConsoleDashForm);
  for (int q = 1; q <= kDashQuestions; ++q) {
    ReadChecklistAnswer(form, kDashPrefix, q, dash.mutable_answers(),
                        out.errors);
  }
  const std::string callouts(
      absl::StripAsciiWhitespace(Value(form, "police-callouts")));
  if (!callouts.empty()) {
    int n = 0;
    if (absl::SimpleAtoi(callouts, &n) && n >= 0) {
      dash.set_police_callouts_past_12_months(n);
    } else {
      out.errors.push_back(
          {"police-callouts",
           "Enter the number of police call-outs as a whole number, like 2"});
    }
  }
  dash.set_professional_judgement_high_risk(Value(form, "judgement") == "yes");
  dash.set_professional_judgement_reason(Value(form, "judgement-reason"));
  *dash.mutable_completed_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  return out;
}

BuiltAssessment BuildChildAssessment(
    const std::string& reference, const triage::v1::ChildAssessmentForm& child,
    const FormValues& form) {
  BuiltAssessment out;
  out.request.set_reference(reference);
  triage::v1::ChildAssessment& c = *out.request.mutable_child();
  c.set_rules_version(child.rules_version());
  for (const triage::v1::IndicatorQuestion& ind : child.indicators()) {
    const std::string id = IndicatorField(ind.indicator());
    const std::string value = Value(form, id);
    const std::string comment = Value(form, id + "-comment");
    if (value.empty()) {
      if (!Blank(comment)) {
        out.errors.push_back(
            {id, "Select yes, no or don't know, or remove the comment"});
      }
      continue;
    }
    const std::optional<common::v1::Answer> answer = AnswerFromValue(value);
    if (!answer.has_value()) {
      out.errors.push_back({id, "Select yes, no or don't know"});
      continue;
    }
    triage::v1::IndicatorAnswer& a = *c.add_indicators();
    a.set_indicator(ind.indicator());
    a.set_answer(*answer);
    a.set_comment(comment);
  }
  if (child.special_needs_asked()) {
    const std::string needs = Value(form, "special-needs");
    if (needs == "yes" || needs == "no") {
      c.set_special_needs(needs == "yes");
    } else {
      out.errors.push_back(
          {"special-needs",
           "Select yes if the child has special educational needs or a "
           "disability"});
    }
  }
  for (int q = 1; q <= child.young_people_checklist_questions(); ++q) {
    ReadChecklistAnswer(form, kChecklistPrefix, q,
                        c.mutable_young_people_checklist(), out.errors);
  }
  out.errors = InPageOrder(std::move(out.errors), ChildFieldOrder(child));
  return out;
}

std::vector<ConsoleError> AssessmentErrors(
    const std::vector<FieldViolation>& violations,
    const triage::v1::SubmitAssessmentRequest& request,
    const triage::v1::ChildAssessmentForm* child,
    std::vector<std::string>* unmapped) {
  std::vector<ConsoleError> out;
  for (const FieldViolation& v : violations) {
    absl::string_view path = v.field;
    bool mapped = false;
    if (request.has_dash() && absl::ConsumePrefix(&path, "dash.")) {
      const common::v1::RiskAssessment& dash = request.dash();
      absl::string_view rest = path;
      if (absl::ConsumePrefix(&rest, "answers")) {
        mapped = MapChecklist(rest, kDashPrefix, "DASH checklist",
                              kDashQuestions, dash.answers(), out);
      } else if (path == "police_callouts_past_12_months") {
        out.push_back({"police-callouts",
                       "Enter the number of police call-outs as 0 or more"});
        mapped = true;
      } else if (path == "professional_judgement_reason") {
        out.push_back(
            {"judgement-reason",
             Blank(dash.professional_judgement_reason())
                 ? "Enter why you judge the risk to be high"
                 : absl::StrCat("Enter why you judge the risk to be high in ",
                                kMaxReasonChars,
                                " characters or fewer, without control "
                                "characters")});
        mapped = true;
      }
    } else if (request.has_child() && child != nullptr &&
               absl::ConsumePrefix(&path, "child.")) {
      const triage::v1::ChildAssessment& c = request.child();
      absl::string_view rest = path;
      int index = 0;
      std::string leaf;
      if (path == "indicators") {
        std::set<std::string> answered;
        for (const auto& a : c.indicators()) answered.insert(a.indicator());
        for (const auto& q : child->indicators()) {
          if (answered.count(q.indicator()) == 0) {
            out.push_back({IndicatorField(q.indicator()),
                           absl::StrCat("Select yes, no or don't know: ",
                                        q.text())});
            mapped = true;
          }
        }
      } else if (ParseIndexed(path, "indicators", &index, &leaf) &&
                 index < c.indicators_size()) {
        const std::string id = IndicatorField(c.indicators(index).indicator());
        if (leaf == "answer") {
          out.push_back({id, "Select yes, no or don't know"});
          mapped = true;
        } else if (leaf == "comment") {
          out.push_back({id + "-comment",
                         absl::StrCat("Enter a comment of ", kMaxCommentChars,
                                      " characters or fewer, without control "
                                      "characters")});
          mapped = true;
        }
      } else if (absl::ConsumePrefix(&rest, "young_people_checklist")) {
        mapped = MapChecklist(rest, kChecklistPrefix,
                              "young people's DASH checklist",
                              child->young_people_checklist_questions(),
                              c.young_people_checklist(), out);
      }
    }
    if (!mapped && unmapped != nullptr) unmapped->push_back(v.field);
  }
  if (request.has_child() && child != nullptr) {
    return InPageOrder(std::move(out), ChildFieldOrder(*child));
  }
  return InPageOrder(std::move(out), DashFieldOrder());
}

// ---- The decision ------------------------------------------------------------

std::string RenderDecisionPage(const SignedInBar& bar,
                               const triage::v1::Decision& decision,
                               const std::string& recorded, bool may_override,
                               const ReferralLinks& links,
                               absl::TimeZone zone) {
  const bool child = decision.front_door() == common::v1::FRONT_DOOR_CHILDREN;
  std::vector<Row> rows;
  rows.push_back(R("Front door", FrontDoorText(decision.front_door())));
  rows.push_back(R("Side", SideText(decision.side()), "side"));
  if (child) {
    rows.push_back(R("Level of concern", SeverityText(decision.child_severity()),
                     "child-severity"));
    if (decision.score() > 0) {
      rows.push_back(R("Young people's DASH score",
                       absl::StrCat(decision.score(), " yes"), "score"));
    }
  } else {
    rows.push_back(R("DASH score",
                     absl::StrCat(decision.score(), " yes of ",
                                  kDashQuestions),
                     "score"));
  }
  Row flags{"MARAC criteria met", {}, "marac-flags"};
  const common::v1::MaracFlags& m = decision.marac();
  if (m.visible_high_risk()) flags.lines.push_back("Visible high risk");
  if (m.professional_judgement()) {
    flags.lines.push_back("Professional judgement");
  }
  if (m.potential_escalation()) flags.lines.push_back("Potential escalation");
  if (m.repeat()) flags.lines.push_back("Repeat referral to MARAC");
  if (flags.lines.empty()) flags.lines.push_back("None");
  rows.push_back(flags);
  rows.push_back(R("Tier", absl::StrCat(decision.tier()), "tier"));
  if (!decision.tier_override_reason().empty()) {
    rows.push_back(R("Tier from risk alone",
                     absl::StrCat(decision.tier_from_risk())));
    rows.push_back(Lines("Why the tier was changed",
                         decision.tier_override_reason()));
  }
  Row told{"Who will be told", {"The referrer"}, "recipients"};
  const triage::v1::Recipients& to = decision.recipients();
  if (to.marac()) told.lines.push_back("MARAC and the police harm reduction hub");
  if (to.idva()) told.lines.push_back("The IDVA service");
  if (to.ypva()) {
    told.lines.push_back("The CYP practitioners and YPVA service");
  }
  if (to.childrens_social_care()) {
    told.lines.push_back("Children's social care");
  }
  if (to.mace()) told.lines.push_back("The child exploitation (MACE) panel");
  rows.push_back(told);
  rows.push_back(R("Decided",
                   decision.auto_triaged()
                       ? absl::StrCat("Automatically from the referral's own "
                                      "assessment, ",
                                      TimeText(decision.decided_at(), zone))
                       : TimeText(decision.decided_at(), zone),
                   "decided"));
  rows.push_back(R("Rules", decision.rules_version()));

  data d;
  if (!recorded.empty()) d.set("recorded", recorded);
  d.set("reference", decision.reference());
  d.set("risk", RiskText(decision.risk_level()));
  d.set("risk_class", RiskTagClass(decision.risk_level()));
  d.set("details", SummaryList("decision", "The decision", rows));
  d.set("may_override", may_override);
  d.set("override", OverridePath(decision.reference()));
  ReferralLinks l = links;
  l.decision = false;
  d.set("links", Links(decision.reference(), l, true));
  return RenderConsolePage(bar, "Triage decision", parts::Render(kDecision, d),
                           false);
}

std::string RenderNotDecidedPage(const SignedInBar& bar,
                                 const std::string& reference,
                                 bool may_assess) {
  data d;
  d.set("reference", reference);
  if (may_assess) d.set("assess", AssessmentPath(reference));
  return RenderConsolePage(bar, "Not decided yet", parts::Render(kNotDecided, d),
                           false);
}

}  // namespace frontdoor::web
