#include "common/report/report_document.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/config.h"
#include "common/report/report_codes.h"
#include "common/report/suppression.h"
#include "frontdoor/config/v1/catalogue.pb.h"
#include "frontdoor/config/v1/config.pb.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::report {
namespace {

using common::v1::ReportCount;
using common::v1::ReportDurations;
using common::v1::ReportResponse;
using google::protobuf::util::TimeUtil;

// The services whose answers make a report.
constexpr char kIntake[] = "intake-svc";
constexpr char kTriage[] = "triage-svc";
constexpr char kAllocation[] = "allocation-svc";

// Measures the services answer (their protos document them).
constexpr char kReceived[] = "referrals_received";
constexpr char kAccepted[] = "referrals_accepted";
constexpr char kReturned[] = "referrals_returned";
constexpr char kRejected[] = "referrals_rejected";
constexpr char kRepeatVictims[] = "repeat_referrals";
constexpr char kRiskLevels[] = "risk_levels";
constexpr char kMaracByFlag[] = "marac_referrals";
constexpr char kReferredToMarac[] = "referred_to_marac";
constexpr char kNotifications[] = "notifications";
constexpr char kMatac[] = "matac";
constexpr char kTiers[] = "tiers";
constexpr char kRepeatPerpetrators[] = "repeat_perpetrators";
constexpr char kSerialPerpetrators[] = "serial_perpetrators";
constexpr char kAllocated[] = "placements_allocated";
constexpr char kWaitingAtEnd[] = "waiting_at_end";
constexpr char kFailed[] = "placements_failed";
constexpr char kReferralToAllocation[] = "referral_to_allocation";
constexpr char kFirstContact[] = "first_contact";
constexpr char kFunding[] = "funding";

constexpr char kProgramme[] = "programme";
constexpr char kReason[] = "reason";
constexpr char kFlag[] = "flag";
constexpr char kRecipient[] = "recipient";
constexpr char kOutcome[] = "outcome";
constexpr char kFunder[] = "funder";
constexpr char kSharedBy[] = "shared_by";

constexpr char kTotal[] = "Total";
constexpr double kDaysPerWeek = 7;
// The waiting-time charts' bars: whole weeks, then this many or more.
constexpr int kWeekBars = 12;
constexpr double kPercent = 100;

// Filters on dimensions: (name, value) pairs every counted row must have.
using Where = std::vector<std::pair<std::string, std::string>>;

std::string DimensionOf(
    const google::protobuf::RepeatedPtrField<common::v1::ReportDimension>& ds,
    absl::string_view name) {
  for (const auto& d : ds) {
    if (d.name() == name) return d.value();
  }
  return "";
}

template <typename Figure>
bool Matches(const Figure& f, const Where& where) {
  for (const auto& [name, value] : where) {
    if (DimensionOf(f.dimensions(), name) != value) return false;
  }
  return true;
}

// The services' answers, searchable by measure. Holds pointers into
// `answers`, which must outlive it.
class Index {
 public:
  explicit Index(const std::vector<ReportResponse>& answers) {
    for (const ReportResponse& a : answers) {
      for (const ReportCount& c : a.counts()) counts_[c.measure()].push_back(&c);
      for (const ReportDurations& d : a.durations()) {
        durations_[d.measure()].push_back(&d);
      }
    }
  }

  int64_t Sum(const std::string& measure, const Where& where) const {
    int64_t sum = 0;
    auto it = counts_.find(measure);
    if (it == counts_.end()) return 0;
    for (const ReportCount* c : it->second) {
      if (Matches(*c, where)) sum += c->count();
    }
    return sum;
  }

  // The values `dimension` takes in `measure`'s counts.
  std::set<std::string> Values(const std::string& measure,
                               absl::string_view dimension) const {
    std::set<std::string> out;
    auto it = counts_.find(measure);
    if (it == counts_.end()) return out;
    for (const ReportCount* c : it->second) {
      out.insert(DimensionOf(c->dimensions(), dimension));
    }
    return out;
  }

  // Whether `measure` is broken down by `dimension` (false when no count
  // of it was answered: then nothing is filtered away either).
  bool Has(const std::string& measure, absl::string_view dimension) const {
    auto it = counts_.find(measure);
    if (it == counts_.end() || it->second.empty()) return true;
    for (const auto& d : it->second.front()->dimensions()) {
      if (d.name() == dimension) return true;
    }
    return false;
  }

  std::vector<const ReportDurations*> Durations(const std::string& measure,
                                                const Where& where) const {
    std::vector<const ReportDurations*> out;
    auto it = durations_.find(measure);
    if (it == durations_.end()) return out;
    for (const ReportDurations* d : it->second) {
      if (Matches(*d, where)) out.push_back(d);
    }
    return out;
  }

 private:
  std::map<std::string, std::vector<const ReportCount*>> counts_;
  std::map<std::string, std::vector<const ReportDurations*>> durations_;
};

std::string Humanise(absl::string_view code) {
  if (code.empty() || code == kCodeUnknown) return "Not recorded";
  std::string out(code);
  for (char& c : out) {
    if (c == '_' || c == '-') c = ' ';
  }
  out[0] = absl::ascii_toupper(static_cast<unsigned char>(out[0]));
  return out;
}

Entry Number(int64_t n) { return {absl::StrCat(n), static_cast<double>(n)}; }

Entry Published(const Shown& s) {
  if (s.suppressed()) return {s.Text(), std::nullopt};
  return Number(s.value);
}

Entry Withheld() { return {std::string(kSecondaryText), std::nullopt}; }

// A count as shown on its own, with no total beside it to protect.
Entry PrimaryOnly(int64_t n) {
  if (n > 0 && n < kSmallestShown) return {std::string(kPrimaryText), std::nullopt};
  return Number(n);
}

Entry Decimal(double value, absl::string_view suffix = "") {
  return {absl::StrCat(absl::StrFormat("%.1f", value), suffix), value};
}

// One column of a table: the values of its dimension counted in it.
struct Column {
  std::string heading;
  std::vector<std::string> values;
};
// One row of a table: its label and what its counts must match.
struct Row {
  std::string label;
  Where where;
};

struct Spec {
  std::string id;
  std::string title;
  std::string note;
  std::string row_heading;
  std::string measure;
  std::vector<Row> rows;
  std::string column_dimension;
  std::vector<Column> columns;
  // Where a value no column lists is counted: this column's heading (an
  // existing column's, or a new last column); empty for a column per value.
  std::string other_column;
  // Cells add up to the rows' and columns' totals (one referral counted
  // once): the table gets totals and secondary suppression. Otherwise each
  // cell is suppressed on its own and no totals are shown.
  bool additive = true;
};

class Builder {
 public:
  Builder(const Index& index, const ServiceFilter& filter, const Labels& labels)
      : index_(index), filter_(filter), labels_(labels) {}

  // What `measure`'s counts must match for the filter: the service and
  // side where the measure has them. *note (when asked) says what could
  // not apply (empty when all of it did).
  Where FilterFor(const std::string& measure,
                  std::string* note = nullptr) const {
    std::string unused;
    if (note == nullptr) note = &unused;
    Where where;
    note->clear();
    if (!filter_.service.empty()) {
      if (!index_.Has(measure, kDimensionService)) {
        *note = "These figures are for all services.";
        return where;
      }
      where.push_back({kDimensionService, std::string(filter_.service)});
    }
    if (!filter_.side.empty()) {
      if (index_.Has(measure, kDimensionSide)) {
        where.push_back({kDimensionSide, std::string(filter_.side)});
      } else if (filter_.service == "children") {
        *note =
            "These figures are for the whole children's front door: the "
            "side is decided at triage.";
      }
    }
    return where;
  }

  std::vector<Row> DistrictRows(const std::vector<std::string>& measures) const {
    std::vector<Row> rows;
    std::set<std::string> listed;
    for (const auto& [code, name] : labels_.districts) {
      rows.push_back({name, {{kDimensionDistrict, code}}});
      listed.insert(code);
    }
    std::set<std::string> extra;
    for (const std::string& m : measures) {
      for (const std::string& v : index_.Values(m, kDimensionDistrict)) {
        if (!listed.count(v)) extra.insert(v);
      }
    }
    for (const std::string& v : extra) {
      rows.push_back({Humanise(v), {{kDimensionDistrict, v}}});
    }
    return rows;
  }

  // The programmes of the filter's service and side, in catalogue order,
  // and any programme the figures name that the catalogue does not.
  std::vector<Row> ProgrammeRows(const std::vector<std::string>& measures,
                                 absl::string_view only_side = "") const {
    std::vector<Row> rows;
    std::set<std::string> listed;
    for (const Labels::Programme& p : labels_.programmes) {
      listed.insert(p.id);
      if (!filter_.service.empty() && p.service != filter_.service) continue;
      if (!filter_.side.empty() && p.side != filter_.side) continue;
      if (!only_side.empty() && p.side != only_side) continue;
      rows.push_back({p.name, {{kProgramme, p.id}}});
    }
    if (filter_.service.empty() && only_side.empty()) {
      std::set<std::string> extra;
      for (const std::string& m : measures) {
        for (const std::string& v : index_.Values(m, kProgramme)) {
          if (!listed.count(v)) extra.insert(v);
        }
      }
      for (const std::string& v : extra) {
        rows.push_back({Humanise(v), {{kProgramme, v}}});
      }
    }
    return rows;
  }

  absl::StatusOr<Table> CountTable(Spec spec) const {
    std::string filter_note;
    const Where filter = FilterFor(spec.measure, &filter_note);
    // Every value the figures hold finds a column.
    std::set<std::string> listed;
    for (const Column& c : spec.columns) {
      listed.insert(c.values.begin(), c.values.end());
    }
    for (const std::string& v :
         index_.Values(spec.measure, spec.column_dimension)) {
      if (spec.column_dimension.empty() || listed.count(v)) continue;
      auto it = std::find_if(
          spec.columns.begin(), spec.columns.end(),
          [&](const Column& c) { return c.heading == spec.other_column; });
      if (!spec.other_column.empty() && it != spec.columns.end()) {
        it->values.push_back(v);
      } else if (!spec.other_column.empty()) {
        spec.columns.push_back({spec.other_column, {v}});
      } else {
        spec.columns.push_back({Humanise(v), {v}});
      }
    }
    std::vector<std::vector<int64_t>> grid;
    for (const Row& r : spec.rows) {
      std::vector<int64_t> line;
      for (const Column& c : spec.columns) {
        int64_t n = 0;
        for (const std::string& v : c.values) {
          Where where = filter;
          where.insert(where.end(), r.where.begin(), r.where.end());
          if (!spec.column_dimension.empty()) {
            where.push_back({spec.column_dimension, v});
          }
          n += index_.Sum(spec.measure, where);
        }
        line.push_back(n);
      }
      grid.push_back(std::move(line));
    }
    Table t;
    t.id = spec.id;
    t.title = spec.title;
    t.note = spec.note;
    if (!filter_note.empty()) {
      t.note = t.note.empty() ? filter_note : absl::StrCat(t.note, " ", filter_note);
    }
    t.header.push_back(spec.row_heading);
    for (const Column& c : spec.columns) t.header.push_back(c.heading);
    for (const Row& r : spec.rows) t.row_labels.push_back(r.label);
    if (!spec.additive) {
      for (const auto& line : grid) {
        std::vector<Entry> entries;
        for (int64_t n : line) entries.push_back(PrimaryOnly(n));
        t.rows.push_back(std::move(entries));
      }
      return t;
    }
    absl::StatusOr<SuppressedTable> s = Suppress(grid);
    if (!s.ok()) return s.status();
    t.totals = true;
    t.header.push_back(kTotal);
    t.row_labels.push_back(kTotal);
    for (size_t i = 0; i < grid.size(); ++i) {
      std::vector<Entry> entries;
      for (const Shown& cell : s->cells[i]) entries.push_back(Published(cell));
      entries.push_back(Published(s->row_totals[i]));
      t.rows.push_back(std::move(entries));
    }
    std::vector<Entry> totals;
    for (const Shown& cell : s->column_totals) totals.push_back(Published(cell));
    totals.push_back(Published(s->grand_total));
    t.rows.push_back(std::move(totals));
    return t;
  }

  const Index& index() const { return index_; }
  const Labels& labels() const { return labels_; }
  const ServiceFilter& filter() const { return filter_; }

 private:
  const Index& index_;
  const ServiceFilter& filter_;
  const Labels& labels_;
};

const std::vector<Column>& SourceColumns() {
  static const auto* const kColumns = new std::vector<Column>{
      {"Police", {"police"}},
      {"Health", {"health"}},
      {"Social care", {"social_care"}},
      {"Probation", {"probation"}},
      {"Education", {"education"}},
      {"Housing", {"housing"}},
      {"Self-referral", {kSourceSelf}},
      {"Other or not recorded",
       {"specialist_service", kCodeOther, kCodeUnknown, ""}},
  };
  return *kColumns;
}

std::string SourceLabel(const std::string& code) {
  for (const Column& c : SourceColumns()) {
    if (std::find(c.values.begin(), c.values.end(), code) != c.values.end()) {
      return c.heading;
    }
  }
  return Humanise(code);
}

// Days, to one decimal place, of a protobuf duration.
double DaysOf(const google::protobuf::Duration& d) {
  return static_cast<double>(TimeUtil::DurationToMicroseconds(d)) /
         (24.0 * 60 * 60 * 1000 * 1000);
}

Table DurationsTable(const Builder& b, std::string id, std::string title,
                     std::string note, const std::vector<Row>& rows) {
  Table t;
  t.id = std::move(id);
  t.title = std::move(title);
  t.note = std::move(note);
  t.header = {"Programme", "Allocated", "Median days", "90th percentile days"};
  for (const Row& r : rows) {
    std::vector<const ReportDurations*> found =
        b.index().Durations(kReferralToAllocation, r.where);
    int64_t count = 0;
    for (const ReportDurations* d : found) count += d->count();
    t.row_labels.push_back(r.label);
    if (count == 0) {
      t.rows.push_back({Number(0), {"none", std::nullopt}, {"none", std::nullopt}});
    } else if (count < kSmallestShown) {
      t.rows.push_back({PrimaryOnly(count), Withheld(), Withheld()});
    } else if (found.size() == 1) {
      t.rows.push_back({Number(count), Decimal(DaysOf(found[0]->median())),
                        Decimal(DaysOf(found[0]->p90()))});
    } else {
      // One programme answered in parts (by side): the parts' whole-day
      // counts merged, so whole days.
      std::vector<int64_t> days;
      for (const ReportDurations* d : found) {
        for (int k = 0; k < d->by_days_size(); ++k) {
          days.insert(days.end(), d->by_days(k), k);
        }
      }
      std::sort(days.begin(), days.end());
      const auto rank = [&](double p) {
        const size_t r = static_cast<size_t>(
            std::ceil(p / kPercent * static_cast<double>(days.size())));
        return static_cast<double>(days[std::max<size_t>(r, 1) - 1]);
      };
      t.rows.push_back({Number(count), Decimal(rank(50)), Decimal(rank(90))});
    }
  }
  return t;
}

absl::StatusOr<Table> FirstContactTable(const Builder& b, std::string id,
                                        std::string title,
                                        std::string row_heading,
                                        std::vector<Row> rows) {
  Spec spec{std::move(id),
            std::move(title),
            "Placements whose first-contact target fell due in the period. "
            "Not made: no first contact recorded by the period's end.",
            std::move(row_heading),
            kFirstContact,
            std::move(rows),
            kOutcome,
            {{"Within target", {"within_target"}},
             {"Late", {"late"}},
             {"Not made", {"not_made"}}},
            "",
            true};
  absl::StatusOr<Table> t = b.CountTable(std::move(spec));
  if (!t.ok()) return t;
  t->header.push_back("Within target (%)");
  for (std::vector<Entry>& row : t->rows) {
    const Entry& within = row[0];
    const Entry& total = row[row.size() - 1];
    if (!within.number.has_value() || !total.number.has_value()) {
      row.push_back(Withheld());
    } else if (*total.number == 0) {
      row.push_back({"none", std::nullopt});
    } else {
      row.push_back(Decimal(*within.number / *total.number * kPercent, "%"));
    }
  }
  return t;
}

absl::StatusOr<Table> FundingTable(const Builder& b) {
  Table t;
  t.id = "funding";
  t.title = "Placements attributed to funders";
  t.note =
      "Each placement allocated in the period is shared equally between the "
      "funders whose money may pay for it by its district (county money in "
      "the county's districts, city money in the city, the commissioner's "
      "anywhere).";
  t.header = {"Funder", "Placements it may fund", "Placements attributed",
              "Share (%)"};
  std::vector<std::pair<std::string, std::string>> funders = b.labels().funders;
  std::set<std::string> listed;
  for (const auto& f : funders) listed.insert(f.first);
  for (const std::string& v : b.index().Values(kFunding, kFunder)) {
    if (!listed.count(v)) funders.push_back({v, Humanise(v)});
  }
  std::vector<int64_t> may;
  std::vector<double> attributed;
  double placements = 0;
  for (const auto& [id, name] : funders) {
    int64_t n = 0;
    double share = 0;
    for (const std::string& k : b.index().Values(kFunding, kSharedBy)) {
      int shared_by = 0;
      if (!absl::SimpleAtoi(k, &shared_by) || shared_by <= 0) continue;
      const int64_t c = b.index().Sum(kFunding, {{kFunder, id}, {kSharedBy, k}});
      n += c;
      share += static_cast<double>(c) / shared_by;
    }
    may.push_back(n);
    attributed.push_back(share);
    placements += share;
  }
  absl::StatusOr<SuppressedList> s = SuppressList(may);
  if (!s.ok()) return s.status();
  for (size_t i = 0; i < funders.size(); ++i) {
    t.row_labels.push_back(funders[i].second);
    if (s->counts[i].suppressed()) {
      t.rows.push_back({Published(s->counts[i]), Withheld(), Withheld()});
      continue;
    }
    t.rows.push_back({Number(may[i]), Decimal(attributed[i]),
                      placements == 0
                          ? Entry{"none", std::nullopt}
                          : Decimal(attributed[i] / placements * kPercent, "%")});
  }
  return t;
}

// Bars of whole weeks from the referral-to-allocation distributions on
// `side`, each bar suppressed on its own.
Chart WaitingChart(const Builder& b, std::string id, std::string title,
                   absl::string_view side) {
  Chart c;
  c.id = std::move(id);
  c.title = std::move(title);
  c.unit = "placements allocated";
  std::vector<int64_t> weeks(kWeekBars + 1, 0);
  for (const ReportDurations* d : b.index().Durations(
           kReferralToAllocation, {{kDimensionSide, std::string(side)}})) {
    for (int k = 0; k < d->by_days_size(); ++k) {
      weeks[std::min<int>(kWeekBars, static_cast<int>(k / kDaysPerWeek))] +=
          d->by_days(k);
    }
  }
  for (int w = 0; w <= kWeekBars; ++w) {
    std::string label =
        w == 0 ? "Under 1 week"
        : w == kWeekBars
            ? absl::StrCat(kWeekBars, " weeks or more")
            : absl::StrCat(w, " to ", w + 1, " weeks");
    c.bars.push_back({std::move(label), PrimaryOnly(weeks[w])});
  }
  return c;
}

}  // namespace

absl::StatusOr<Labels> LoadLabels(const std::string& districts_file,
                                  const std::string& catalogue_file) {
  absl::StatusOr<config::v1::DistrictList> districts =
      config::LoadJsonFile<config::v1::DistrictList>(districts_file);
  if (!districts.ok()) return districts.status();
  absl::StatusOr<config::v1::Catalogue> catalogue =
      config::LoadJsonFile<config::v1::Catalogue>(catalogue_file);
  if (!catalogue.ok()) return catalogue.status();
  Labels labels;
  for (const config::v1::District& d : districts->districts()) {
    labels.districts.push_back({d.code(), d.name()});
  }
  for (const config::v1::Programme& p : catalogue->programmes()) {
    Labels::Programme out;
    out.id = p.id();
    out.name = p.name();
    out.side = SideCode(p.side());
    out.service = p.door() == config::v1::DOOR_CHILD ? "children"
                  : p.side() == common::v1::SIDE_BEHAVIOUR_CHANGE
                      ? "adult_behaviour_change"
                      : "adult_victim";
    labels.programmes.push_back(std::move(out));
  }
  for (const config::v1::Funder& f : catalogue->funders()) {
    labels.funders.push_back({f.id(), f.name()});
  }
  return labels;
}

const ServiceFilter* FindServiceFilter(absl::string_view code) {
  for (const ServiceFilter& f : kServiceFilters) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

std::vector<Period> TrendQuarters(const Period& period) {
  std::vector<Period> out{QuarterOf(period.last)};
  while (out.size() < 4) out.insert(out.begin(), PreviousQuarter(out.front()));
  return out;
}

absl::StatusOr<Document> BuildDocument(
    const std::vector<ReportResponse>& answers, const Period& period,
    const ServiceFilter& filter, const Labels& labels) {
  std::set<std::string> services;
  for (const ReportResponse& a : answers) {
    const absl::CivilDay first(a.first_day().year(), a.first_day().month(),
                               a.first_day().day());
    const absl::CivilDay last(a.last_day().year(), a.last_day().month(),
                              a.last_day().day());
    if (first != period.first || last != period.last) {
      return absl::InvalidArgumentError(absl::StrCat(
          a.service(), " answered for another period than ",
          PeriodName(period)));
    }
    if (!services.insert(a.service()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two answers from ", a.service()));
    }
  }
  const Index index(answers);
  const Builder b(index, filter, labels);
  Document doc;
  doc.period = period;
  doc.period_name = PeriodName(period);
  doc.filter = &filter;

  std::vector<absl::StatusOr<Table>> tables;
  const std::vector<Row> districts = b.DistrictRows(
      {kReceived, kRiskLevels, kTiers, kMaracByFlag, kNotifications});
  tables.push_back(b.CountTable({"referrals_by_source",
                                 "Referrals received, by source",
                                 "",
                                 "District",
                                 kReceived,
                                 districts,
                                 kDimensionSource,
                                 SourceColumns(),
                                 "Other or not recorded",
                                 true}));
  tables.push_back(b.CountTable({"referrals_by_channel",
                                 "Referrals received, by channel",
                                 "",
                                 "District",
                                 kReceived,
                                 districts,
                                 kDimensionChannel,
                                 {{"Partner system", {"partner_api"}},
                                  {"Secure email", {"secure_email"}},
                                  {"Web form", {"web_form"}},
                                  {"Phone", {"phone"}},
                                  {"Live chat", {"live_chat"}}},
                                 "Other",
                                 true}));
  // Accepted and returned (a referral is one or the other): two measures
  // side by side, so the grid is built here.
  {
    const Where filter_where = b.FilterFor(kAccepted);
    std::vector<std::vector<int64_t>> grid;
    for (const Row& r : districts) {
      Where where = filter_where;
      where.insert(where.end(), r.where.begin(), r.where.end());
      Where returned = r.where;  // returned referrals have no front door
      grid.push_back({index.Sum(kAccepted, where), index.Sum(kReturned, returned)});
    }
    absl::StatusOr<SuppressedTable> s = Suppress(grid);
    if (!s.ok()) return s.status();
    Table t;
    t.id = "referral_outcomes";
    t.title = "Referrals accepted and returned";
    t.note =
        "Returned: sent back to the referrer, for example for the wrong "
        "front door. Rejected referrals (not valid, never stored) are "
        "counted below.";
    if (!filter.service.empty()) {
      absl::StrAppend(&t.note,
                      " Returned referrals reached no front door: the "
                      "returned column is for all services.");
    }
    t.header = {"District", "Accepted", "Returned", kTotal};
    t.totals = true;
    for (size_t i = 0; i < districts.size(); ++i) {
      t.row_labels.push_back(districts[i].label);
      t.rows.push_back({Published(s->cells[i][0]), Published(s->cells[i][1]),
                        Published(s->row_totals[i])});
    }
    t.row_labels.push_back(kTotal);
    t.rows.push_back({Published(s->column_totals[0]),
                      Published(s->column_totals[1]),
                      Published(s->grand_total)});
    tables.push_back(std::move(t));
  }
  {
    std::vector<Row> reasons;
    for (const std::string& v : index.Values(kReturned, kReason)) {
      reasons.push_back({Humanise(v), {{kReason, v}}});
    }
    tables.push_back(b.CountTable({"returned_by_reason",
                                   "Referrals returned, by reason",
                                   "A referral returned for two reasons "
                                   "counts under each.",
                                   "Reason", kReturned, reasons, "",
                                   {{"Referrals", {""}}}, "", true}));
  }
  {
    std::vector<Row> reasons;
    for (const std::string& v : index.Values(kRejected, kReason)) {
      reasons.push_back({Humanise(v), {{kReason, v}}});
    }
    std::vector<Column> sources = SourceColumns();
    tables.push_back(b.CountTable(
        {"rejected_by_reason", "Referrals rejected, by reason",
         "Submissions refused as not valid, by the first field at fault; "
         "the referrer was told at once and nothing was stored.",
         "Reason", kRejected, reasons, kDimensionSource, sources,
         "Other or not recorded", true}));
  }
  tables.push_back(b.CountTable({"risk_levels",
                                 "Risk levels",
                                 "Each referral at its latest triage decision.",
                                 "District",
                                 kRiskLevels,
                                 districts,
                                 kDimensionRisk,
                                 {{"Standard", {"standard"}},
                                  {"Medium", {"medium"}},
                                  {"High", {"high"}},
                                  {"Not yet assessed", {"undecided"}}},
                                 "Not yet assessed",
                                 true}));
  {
    Spec spec{"marac",
              "MARAC referrals, by criterion",
              "A referral meeting two criteria counts under each, so the "
              "columns do not add up; 'Referred to MARAC' counts each "
              "referral once.",
              "District",
              kMaracByFlag,
              districts,
              kFlag,
              {{"Visible high risk", {"visible_high_risk"}},
               {"Professional judgement", {"professional_judgement"}},
               {"Potential escalation", {"potential_escalation"}},
               {"Repeat", {"repeat"}}},
              "",
              false};
    absl::StatusOr<Table> t = b.CountTable(std::move(spec));
    if (t.ok()) {
      const Where where = b.FilterFor(kReferredToMarac);
      t->header.push_back("Referred to MARAC");
      for (size_t i = 0; i < districts.size(); ++i) {
        Where w = where;
        w.insert(w.end(), districts[i].where.begin(), districts[i].where.end());
        t->rows[i].push_back(PrimaryOnly(index.Sum(kReferredToMarac, w)));
      }
    }
    tables.push_back(std::move(t));
  }
  {
    Spec spec{"notifications",
              "Who was told",
              "Referrals whose latest decision told each partner; MATAC: "
              "serial perpetrators identified. A referral can tell several.",
              "District",
              kNotifications,
              districts,
              kRecipient,
              {{"MARAC", {"marac"}},
               {"IDVA", {"idva"}},
               {"Children's social care", {"childrens_social_care"}},
               {"MACE", {"mace"}},
               {"YPVA", {"ypva"}}},
              "",
              false};
    absl::StatusOr<Table> t = b.CountTable(std::move(spec));
    if (t.ok()) {
      t->header.push_back("MATAC");
      for (size_t i = 0; i < districts.size(); ++i) {
        t->rows[i].push_back(PrimaryOnly(index.Sum(kMatac, districts[i].where)));
      }
    }
    tables.push_back(std::move(t));
  }
  tables.push_back(b.CountTable({"tiers",
                                 "Tiers",
                                 "Decided referrals, at their latest decision.",
                                 "District",
                                 kTiers,
                                 districts,
                                 kDimensionTier,
                                 {{"Tier 1", {"1"}},
                                  {"Tier 2", {"2"}},
                                  {"Tier 3", {"3"}},
                                  {"Tier 4", {"4"}}},
                                 "",
                                 true}));
  {
    Table t;
    t.id = "repeats";
    t.title = "Repeat victims and repeat or serial perpetrators";
    t.note =
        "Repeat victims: people referred again within 12 months. Repeat "
        "perpetrators: suspects named in another referral in the 12 months "
        "before. Serial perpetrators: people identified to MATAC.";
    t.header = {"District", "Repeat victims", "Repeat perpetrators",
                "Serial perpetrators"};
    const Where where = b.FilterFor(kRepeatVictims);
    for (const Row& r : districts) {
      Where w = where;
      w.insert(w.end(), r.where.begin(), r.where.end());
      t.row_labels.push_back(r.label);
      t.rows.push_back({PrimaryOnly(index.Sum(kRepeatVictims, w)),
                        PrimaryOnly(index.Sum(kRepeatPerpetrators, r.where)),
                        PrimaryOnly(index.Sum(kSerialPerpetrators, r.where))});
    }
    tables.push_back(std::move(t));
  }
  const std::vector<Row> programmes =
      b.ProgrammeRows({kAllocated, kWaitingAtEnd, kFailed});
  std::vector<Column> district_columns;
  for (const auto& [code, name] : labels.districts) {
    district_columns.push_back({name, {code}});
  }
  tables.push_back(b.CountTable({"allocated",
                                 "Placements allocated, by programme",
                                 "",
                                 "Programme",
                                 kAllocated,
                                 programmes,
                                 kDimensionDistrict,
                                 district_columns,
                                 "",
                                 true}));
  tables.push_back(b.CountTable({"waiting_at_end",
                                 "Waiting at the end of the period",
                                 "People on a programme's waiting list at "
                                 "midnight at the end of the period's last day.",
                                 "Programme",
                                 kWaitingAtEnd,
                                 programmes,
                                 kDimensionDistrict,
                                 district_columns,
                                 "",
                                 true}));
  tables.push_back(b.CountTable({"failed",
                                 "Placements that failed, by reason",
                                 "",
                                 "Programme",
                                 kFailed,
                                 programmes,
                                 kReason,
                                 {{"No contact", {"no_contact"}},
                                  {"Declined", {"declined"}},
                                  {"Not eligible", {"not_eligible"}},
                                  {"No capacity", {"no_capacity"}}},
                                 "",
                                 true}));
  const std::string wait_note =
      "From the referral's receipt to its allocation, for placements "
      "allocated in the period. A programme with fewer than 5 shows no "
      "times.";
  tables.push_back(DurationsTable(
      b, "time_to_allocation_victims",
      "Time from referral to allocation: victims' programmes", wait_note,
      b.ProgrammeRows({}, "victim")));
  tables.push_back(DurationsTable(
      b, "time_to_allocation_perpetrators",
      "Time from referral to allocation: perpetrator programmes", wait_note,
      b.ProgrammeRows({}, "behaviour_change")));
  tables.push_back(FirstContactTable(
      b, "first_contact_by_tier", "First contact within target, by tier",
      "Tier",
      {{"Tier 1", {{kDimensionTier, "1"}}},
       {"Tier 2", {{kDimensionTier, "2"}}},
       {"Tier 3", {{kDimensionTier, "3"}}},
       {"Tier 4", {{kDimensionTier, "4"}}}}));
  {
    std::vector<Row> sources;
    for (const Column& c : SourceColumns()) {
      for (const std::string& v : c.values) {
        if (!v.empty() && index.Sum(kFirstContact, {{kDimensionSource, v}}) > 0) {
          sources.push_back({SourceLabel(v), {{kDimensionSource, v}}});
        }
      }
    }
    tables.push_back(FirstContactTable(b, "first_contact_by_source",
                                       "First contact within target, by source",
                                       "Source", std::move(sources)));
  }
  tables.push_back(FundingTable(b));
  for (absl::StatusOr<Table>& t : tables) {
    if (!t.ok()) return t.status();
    doc.tables.push_back(*std::move(t));
  }

  // Charts: referrals by district (the source table's totals), and the
  // waiting times of each side.
  const Table& by_source = doc.tables.front();
  Chart by_district;
  by_district.id = "referrals_by_district";
  by_district.title = "Referrals received, by district";
  by_district.unit = "referrals";
  for (size_t i = 0; i + 1 < by_source.rows.size(); ++i) {
    by_district.bars.push_back({by_source.row_labels[i], by_source.rows[i].back()});
  }
  doc.charts.push_back(std::move(by_district));
  if (filter.side.empty() || filter.side == "victim") {
    doc.charts.push_back(WaitingChart(
        b, "waiting_victims", "Weeks from referral to allocation: victims",
        "victim"));
  }
  if (filter.side.empty() || filter.side == "behaviour_change") {
    doc.charts.push_back(WaitingChart(
        b, "waiting_perpetrators",
        "Weeks from referral to allocation: perpetrator programmes",
        "behaviour_change"));
  }
  return doc;
}

void AddTrend(
    Document& document,
    const std::vector<std::pair<std::string, ReportResponse>>& quarters) {
  Chart c;
  c.id = "trend";
  c.title = "Referrals received, last four quarters";
  c.unit = "referrals";
  const Labels no_labels;
  for (const auto& [name, answer] : quarters) {
    const std::vector<ReportResponse> answers{answer};
    const Index index(answers);
    const Builder b(index, *document.filter, no_labels);
    const Where where = b.FilterFor(kReceived);
    c.bars.push_back({name, PrimaryOnly(index.Sum(kReceived, where))});
  }
  document.charts.push_back(std::move(c));
}

}  // namespace frontdoor::report
