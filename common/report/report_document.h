#pragma once

// The commissioners' report as people read it: the services' exact
// figures (ReportResponse from intake-svc, triage-svc and allocation-svc)
// combined into titled tables and charts, with small numbers suppressed
// (suppression.h) before anything is shown. web-svc renders a Document as
// a page with SVG charts; web-svc and frontdoorctl write it as CSV, XLSX
// or JSON (report_files.h). Every text in a Document may be published.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/report/period.h"
#include "frontdoor/common/v1/report.pb.h"

namespace frontdoor::report {

// Display names of the codes figures are broken down by, from the suite's
// configuration (districts.json and allocation's catalogue.json), in the
// order tables list them. A code missing here is shown as itself.
struct Labels {
  struct Programme {
    std::string id;
    std::string name;
    // The service and side it belongs to, as report_codes.h spells them
    // ("adult_victim", "victim").
    std::string service;
    std::string side;
  };
  std::vector<std::pair<std::string, std::string>> districts;  // code, name
  std::vector<Programme> programmes;
  std::vector<std::pair<std::string, std::string>> funders;  // id, name
};

// Reads the labels from the districts file (config::v1::DistrictList) and
// the catalogue file (config::v1::Catalogue); errors name the file.
absl::StatusOr<Labels> LoadLabels(const std::string& districts_file,
                                  const std::string& catalogue_file);

// The services a report can be narrowed to. Intake's figures know the
// front door but not the side, so a side's report shows all of the
// children's front door for them (the tables say so).
struct ServiceFilter {
  absl::string_view code;   // "all", "adult_victim", "children_victim", ...
  absl::string_view title;  // "All services"
  absl::string_view service;  // a ServiceCode, or empty for every service
  absl::string_view side;     // a SideCode, or empty for both sides
};
inline constexpr ServiceFilter kServiceFilters[] = {
    {"all", "All services", "", ""},
    {"adult_victim", "Adult victims", "adult_victim", "victim"},
    {"adult_behaviour_change", "Adult behaviour change",
     "adult_behaviour_change", "behaviour_change"},
    {"children", "Children and young people", "children", ""},
    {"children_victim", "Children and young people: victim side", "children",
     "victim"},
    {"children_behaviour_change",
     "Children and young people: behaviour change side", "children",
     "behaviour_change"},
};
// The filter whose code is `code`, or nullptr.
const ServiceFilter* FindServiceFilter(absl::string_view code);

// One published entry: its text ("12", "<5", "[c]", "4.5", "80%") and,
// unless it is suppressed or not a number, its value (for spreadsheets
// and charts).
struct Entry {
  std::string text;
  std::optional<double> number;
};

struct Table {
  // A stable code: the CSV section, the spreadsheet's sheet, the page's
  // anchor ("referrals_by_source").
  std::string id;
  std::string title;
  // How to read it and what it leaves out; may be empty.
  std::string note;
  // Column headings; the first heads the row labels.
  std::vector<std::string> header;
  std::vector<std::string> row_labels;
  // One row of entries per row label, header.size() - 1 entries each.
  std::vector<std::vector<Entry>> rows;
  // The last row and the last column are totals.
  bool totals = false;
};

// A bar chart: one bar per label. A suppressed value has no bar, only its
// text.
struct Chart {
  std::string id;
  std::string title;
  // What the bars count, for the axis and the text alternative.
  std::string unit;
  std::vector<std::pair<std::string, Entry>> bars;
};

struct Document {
  Period period;
  // "2026-Q3" or "2026-10-01 to 2026-11-15".
  std::string period_name;
  const ServiceFilter* filter = &kServiceFilters[0];
  std::vector<Table> tables;
  std::vector<Chart> charts;
};

// The report of `period` for `filter` from the services' answers for that
// period (any order; one per service). INVALID_ARGUMENT when an answer is
// for another period or two answers are from one service.
absl::StatusOr<Document> BuildDocument(
    const std::vector<common::v1::ReportResponse>& answers,
    const Period& period, const ServiceFilter& filter, const Labels& labels);

// Adds the trend chart: referrals received in each of `quarters` (oldest
// first; each the period's name and intake-svc's answer for it), for the
// document's filter.
void AddTrend(
    Document& document,
    const std::vector<std::pair<std::string, common::v1::ReportResponse>>&
        quarters);

// The four financial quarters ending with the one holding `period.last`,
// oldest first: the trend's periods.
std::vector<Period> TrendQuarters(const Period& period);

}  // namespace frontdoor::report
