#include "web-svc/console_history.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/logging/logging.h"
#include "common/reference/reference.h"
#include "kainjow/mustache.hpp"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kReferralsPrefix[] = "/console/referrals/";
constexpr char kHistorySuffix[] = "/history";
constexpr char kRoute[] = "console_history";
constexpr char kHeading[] = "Referral history";
// web-svc's own agency: console staff are named by their account and role.
constexpr char kConsoleAgency[] = "frontdoor-web";

struct Words {
  std::string_view code;
  std::string_view words;
};

// The audit actions of intake-svc, triage-svc and allocation-svc
// (common/audit/README.md), as the console says them.
constexpr Words kActions[] = {
    {"referral.receive", "Referral received"},
    {"referral.read", "Referral read in full"},
    {"referral.read_refused", "Referral not shown (no access)"},
    {"referral.read_failed", "Referral could not be opened (integrity check)"},
    {"triage.record", "Recorded for triage"},
    {"triage.decide", "Triage decision made"},
    {"triage.serial_perpetrator", "Serial perpetrator threshold reached"},
    {"triage.read_decision", "Triage decision viewed"},
    {"triage.read_decision_failed",
     "Triage decision could not be opened (integrity check)"},
    {"triage.assess_failed", "Assessment not saved (integrity check)"},
    {"allocation.plan", "Placement planned"},
    {"allocation.decision_recorded", "New triage decision recorded"},
    {"allocation.consent", "Consent recorded"},
    {"allocation.consent_failed", "Consent not saved (integrity check)"},
    {"allocation.release", "Place released"},
    {"allocation.release_failed", "Release not saved (integrity check)"},
    {"allocation.failure", "Placement failed"},
    {"allocation.failure_failed", "Failure not saved (integrity check)"},
    {"allocation.allocate_next", "Allocated a freed place"},
    {"allocation.first_contact", "First contact recorded"},
    {"allocation.first_contact_failed",
     "First contact not saved (integrity check)"},
    {"history.read", "History viewed"},
};

constexpr Words kReasons[] = {
    {"referral_accepted", "accepted"},
    {"referral_returned", "returned to the referrer"},
    {"submitting_agency_view", "by the agency that sent it"},
    {"referring_agency_view", "by the agency it was sent for"},
    {"not_owner", "another agency's referral"},
    {"unknown_reference", "unknown reference"},
    {"integrity", "integrity check failed"},
    {"auto_triage", "decided from the referral's complete DASH"},
    {"no_assessment_attached", "waiting: no assessment attached"},
    {"childrens_assessment_needed", "waiting: children's assessment needed"},
    {"attached_assessment_incomplete", "waiting: attached assessment incomplete"},
    {"complete_dash_attached", "from the referral's complete DASH"},
    {"practitioner_assessment", "practitioner's assessment"},
    {"serial_perpetrator_threshold", "MATAC told"},
    {"practitioner_view", ""},
    {"triage_decision", ""},
    {"consent_recorded", ""},
    {"place_released", ""},
    {"failure_recorded", ""},
    {"place_freed", "from the waiting list"},
    {"first_contact_recorded", ""},
    {"history_view", ""},
};

std::optional<std::string_view> Find(const Words* table, size_t n,
                                     std::string_view code) {
  for (size_t i = 0; i < n; ++i) {
    if (table[i].code == code) return table[i].words;
  }
  return std::nullopt;
}

// GOV.UK style: "2 December 2026, 9:05am".
std::string When(absl::Time t, absl::TimeZone zone) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, zone);
  const int hour12 = c.hour() % 12 == 0 ? 12 : c.hour() % 12;
  return absl::StrFormat("%d %s %d, %d:%02d%s", c.day(),
                         MonthName(c.month()), c.year(), hour12, c.minute(),
                         c.hour() < 12 ? "am" : "pm");
}

absl::Time TimeOf(const common::v1::HistoryEntry& e) {
  return absl::FromUnixSeconds(e.at().seconds()) +
         absl::Nanoseconds(e.at().nanos());
}

// Who did it, as the page shows them: console staff by their account and
// role; anyone else with their agency; a service's own step as automatic.
std::string Who(const common::v1::HistoryEntry& e) {
  if (e.agency().empty()) return e.actor();
  if (absl::EndsWith(e.agency(), "-svc")) {
    return absl::StrCat("Automatic (", e.agency(), ")");
  }
  if (e.agency() == kConsoleAgency || e.actor().empty()) {
    return e.actor().empty() ? e.agency() : e.actor();
  }
  return absl::StrCat(e.actor(), " (", e.agency(), ")");
}

constexpr char kPage[] =
    R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
<span class="govuk-caption-l" id="reference">{{reference}}</span>
<h1 class="govuk-heading-l">{{heading}}</h1>
<p class="govuk-body">What intake, triage and allocation have recorded about this referral, oldest first. Every view of this page is recorded too.</p>
{{#unavailable}}<div class="govuk-warning-text" id="history-unavailable">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> {{unavailable}}</strong>
</div>
{{/unavailable}}{{#truncated}}<div class="govuk-inset-text" id="history-truncated">{{truncated}}</div>
{{/truncated}}{{#has_entries}}<table class="govuk-table" id="history">
<caption class="govuk-table__caption govuk-table__caption--m">Recorded events</caption>
<thead class="govuk-table__head">
<tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">When</th>
<th scope="col" class="govuk-table__header">Service</th>
<th scope="col" class="govuk-table__header">What happened</th>
<th scope="col" class="govuk-table__header">Who</th>
</tr>
</thead>
<tbody class="govuk-table__body">
{{#entries}}<tr class="govuk-table__row">
<td class="govuk-table__cell"><time datetime="{{iso}}">{{when}}</time></td>
<td class="govuk-table__cell">{{service}}</td>
<td class="govuk-table__cell">{{what}}{{#why}}<br><span class="govuk-body-s govuk-!-margin-bottom-0">{{why}}</span>{{/why}}</td>
<td class="govuk-table__cell">{{who}}</td>
</tr>
{{/entries}}</tbody>
</table>
{{/has_entries}}{{^has_entries}}<p class="govuk-body" id="no-history">Nothing has been recorded about this referral{{#unavailable}} by the services that answered{{/unavailable}}.</p>
{{/has_entries}}<p class="govuk-body"><a class="govuk-link" href="/console/referrals/{{reference}}" id="back-to-referral">Back to the referral</a></p>
</div></div>
)";

}  // namespace

std::optional<std::string> HistoryReferenceOf(std::string_view path) {
  const absl::string_view p(path.data(), path.size());
  if (!absl::StartsWith(p, kReferralsPrefix) ||
      !absl::EndsWith(p, kHistorySuffix)) {
    return std::nullopt;
  }
  const size_t prefix = sizeof(kReferralsPrefix) - 1;
  const size_t suffix = sizeof(kHistorySuffix) - 1;
  if (p.size() < prefix + suffix) return std::nullopt;
  const absl::string_view reference =
      p.substr(prefix, p.size() - prefix - suffix);
  if (!IsWellFormedReference(reference)) return std::nullopt;
  return std::string(reference);
}

std::optional<std::string_view> DescribeHistoryAction(
    std::string_view action) {
  return Find(kActions, std::size(kActions), action);
}

std::optional<std::string_view> DescribeHistoryReason(
    std::string_view reason) {
  return Find(kReasons, std::size(kReasons), reason);
}

absl::TimeZone HistoryTimeZone() {
  absl::TimeZone zone;
  if (absl::LoadTimeZone("Europe/London", &zone)) return zone;
  return absl::UTCTimeZone();
}

std::string RenderHistoryPage(const SignedInBar& bar,
                              const std::string& reference,
                              const std::vector<HistoryPart>& parts,
                              absl::TimeZone zone) {
  struct Row {
    absl::Time at;
    size_t part;
    int64_t seq;
    const common::v1::HistoryEntry* entry;
  };
  std::vector<Row> rows;
  std::vector<std::string> unavailable, truncated;
  for (size_t i = 0; i < parts.size(); ++i) {
    const HistoryPart& part = parts[i];
    if (!part.answer.ok()) {
      unavailable.push_back(part.service);
      continue;
    }
    if (part.answer->truncated()) truncated.push_back(part.service);
    for (const common::v1::HistoryEntry& e : part.answer->entries()) {
      rows.push_back({TimeOf(e), i, e.seq(), &e});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.at != b.at) return a.at < b.at;
    if (a.part != b.part) return a.part < b.part;
    return a.seq < b.seq;
  });

  data d;
  d.set("reference", reference);
  d.set("heading", std::string(kHeading));
  if (!unavailable.empty()) {
    d.set("unavailable",
          absl::StrCat(
              "Not shown: what ", absl::StrJoin(unavailable, " and "),
              unavailable.size() == 1 ? " has" : " have",
              " recorded. ", unavailable.size() == 1 ? "It" : "They",
              " could not answer just now. Try again later."));
  }
  if (!truncated.empty()) {
    d.set("truncated",
          absl::StrCat("Only the oldest entries from ",
                       absl::StrJoin(truncated, " and "),
                       " are shown: there are too many to show here."));
  }
  data entries{data::type::list};
  for (const Row& row : rows) {
    const common::v1::HistoryEntry& e = *row.entry;
    data item;
    item.set("iso", absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", row.at,
                                     absl::UTCTimeZone()));
    item.set("when", When(row.at, zone));
    item.set("service", parts[row.part].service);
    const std::optional<std::string_view> what =
        DescribeHistoryAction(e.action());
    item.set("what", what.has_value() ? std::string(*what) : e.action());
    if (!e.reason().empty()) {
      const std::optional<std::string_view> why =
          DescribeHistoryReason(e.reason());
      if (!why.has_value()) {
        item.set("why", e.reason());
      } else if (!why->empty()) {
        item.set("why", std::string(*why));
      }
    }
    item.set("who", Who(e));
    entries.push_back(item);
  }
  d.set("has_entries", !rows.empty());
  d.set("entries", entries);
  return RenderConsolePage(bar, kHeading, web::parts::Render(kPage, d),
                           false);
}

bool HistorySection::Owns(std::string_view path) const {
  return HistoryReferenceOf(path).has_value();
}

ConsoleResponse HistorySection::Handle(const StaffRequest& r) {
  if (!May(r.role, Permission::kViewReferral)) {
    return ForbiddenResponse(r, kRoute);
  }
  if (r.req.post) return MethodNotAllowedResponse("GET", kRoute);
  const std::optional<std::string> reference = HistoryReferenceOf(r.req.path);
  if (!reference.has_value()) return NotFoundResponse(kRoute);

  const Staff staff{r.account_id, r.role};
  common::v1::ListHistoryRequest request;
  request.set_reference(*reference);
  std::vector<HistoryPart> parts;
  parts.push_back({"Intake", calls_.Intake(&StaffCalls::IntakeStub::ListHistory,
                                           staff, request)});
  parts.push_back({"Triage", calls_.Triage(&StaffCalls::TriageStub::ListHistory,
                                           staff, request)});
  parts.push_back(
      {"Allocation", calls_.Allocation(&StaffCalls::AllocationStub::ListHistory,
                                       staff, request)});
  size_t failed = 0;
  for (const HistoryPart& part : parts) {
    if (part.answer.ok()) continue;
    ++failed;
    Log(Level::kWarning, "web.console_history_part_failed",
        {{"route", kRoute},
         {"part", part.service},
         {"code", absl::StatusCodeToString(part.answer.status().code())}});
  }
  if (failed == parts.size()) {
    return ServiceProblemResponse(parts[0].answer.status(), kRoute);
  }
  static const absl::TimeZone* const kZone =
      new absl::TimeZone(HistoryTimeZone());
  return PageResponse(200, RenderHistoryPage(r.bar, *reference, parts, *kZone),
                      kRoute);
}

}  // namespace frontdoor::web
