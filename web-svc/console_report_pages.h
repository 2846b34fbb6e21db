#pragma once

// The commissioners' report pages of the console, pure: reading the
// report's query (a financial quarter or two dates, and a service),
// rendering the report (tables, and bar charts drawn on the server as
// SVG) and its download links. No HTTP, no calls: console_reports.cc
// does those. The figures arrive suppressed (common/report).

#include <map>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "common/report/period.h"
#include "common/report/report_document.h"
#include "web-svc/console_pages.h"

namespace frontdoor::web {

inline constexpr char kReportPagePath[] = "/console/reports";
inline constexpr char kReportDownloadPath[] = "/console/reports/download";
// How many financial quarters the period list offers, this one included.
inline constexpr int kOfferedQuarters = 8;

// What the report's query asks for. Query parameters (never personal
// data): period=2026-Q3, or from-day/from-month/from-year and
// to-day/to-month/to-year for any range of days; service=<filter code>;
// format=csv|xlsx|json on the download.
struct ReportQuery {
  report::Period period;
  const report::ServiceFilter* filter = &report::kServiceFilters[0];
  // As asked, to show again in the form.
  std::map<std::string, std::string> values;
  // Whether the period is two dates rather than a quarter.
  bool custom = false;
  std::vector<ConsoleError> errors;
};

// Reads `query`; without a period, the last whole quarter before `today`.
// Errors name the form's fields ("period", "from-day", "to-day",
// "service").
ReportQuery ReadReportQuery(const std::map<std::string, std::string>& query,
                            absl::CivilDay today);

// The query string (no "?") of `q`'s period and service, and `format`
// when not empty: for download links.
std::string ReportQueryString(const ReportQuery& q, const std::string& format);

// A bar chart as inline SVG (role="img", titled, each bar labelled with
// its figure; a suppressed figure has its text and no bar). Every text is
// escaped.
std::string ChartSvg(const report::Chart& chart);

// The report page: the form (period, service), then, with `document`, its
// charts, tables and downloads; without it (errors), the form with the
// GOV.UK error summary.
std::string RenderReportPage(const SignedInBar& bar, const ReportQuery& q,
                             absl::CivilDay today,
                             const report::Document* document);

}  // namespace frontdoor::web
