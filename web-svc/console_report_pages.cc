#include "web-svc/console_report_pages.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/report/report_files.h"
#include "kainjow/mustache.hpp"
#include "web-svc/page_parts.h"

namespace frontdoor::web {
namespace {

using kainjow::mustache::data;

constexpr char kPeriodField[] = "period";
constexpr char kServiceField[] = "service";
constexpr char kFrom[] = "from";
constexpr char kTo[] = "to";
// The period list's choice for two dates instead of a quarter.
constexpr char kOtherDates[] = "dates";
// The year a date must be after, and the furthest ahead it may be.
constexpr int kEarliestYear = 2000;

// Chart geometry, in SVG user units (the SVG scales to its container).
constexpr int kChartWidth = 720;
constexpr int kLabelWidth = 220;
constexpr int kValueWidth = 60;
constexpr int kBarHeight = 22;
constexpr int kBarGap = 8;
constexpr int kTopPad = 4;
// GOV.UK's blue, and its text colour.
constexpr char kBarColour[] = "#1d70b8";
constexpr char kTextColour[] = "#0b0c0c";

constexpr char kChart[] =
    R"(<svg xmlns="http://www.w3.org/2000/svg" class="frontdoor-chart" id="svg-{{id}}" role="img" aria-labelledby="svg-{{id}}-title" viewBox="0 0 {{width}} {{height}}" width="100%">
<title id="svg-{{id}}-title">{{title}}: bar chart of {{unit}}; the figures are in the table below it</title>
{{#bars}}<g class="frontdoor-chart__bar" data-label="{{label}}" data-value="{{text}}">
<text x="{{label_x}}" y="{{text_y}}" text-anchor="end" font-size="15" fill="{{text_colour}}">{{label}}</text>
{{#bar_width}}<rect x="{{bar_x}}" y="{{y}}" width="{{bar_width}}" height="{{bar_height}}" fill="{{colour}}"></rect>
{{/bar_width}}<text x="{{value_x}}" y="{{text_y}}" font-size="15" fill="{{text_colour}}">{{text}}</text>
</g>
{{/bars}}</svg>)";

constexpr char kDateInput[] = R"(<div class="govuk-form-group{{#error}} govuk-form-group--error{{/error}}">
<fieldset class="govuk-fieldset" role="group" aria-describedby="{{prefix}}-hint{{#error}} {{id}}-error{{/error}}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{{label}}</legend>
<div id="{{prefix}}-hint" class="govuk-hint">For example, 1 10 2026</div>
{{> error_message}}<div class="govuk-date-input" id="{{prefix}}">
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-day">Day</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-2{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-day" name="{{prefix}}-day" type="text" inputmode="numeric" maxlength="2" value="{{day}}">
</div></div>
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-month">Month</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-2{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-month" name="{{prefix}}-month" type="text" inputmode="numeric" maxlength="2" value="{{month}}">
</div></div>
<div class="govuk-date-input__item"><div class="govuk-form-group">
<label class="govuk-label govuk-date-input__label" for="{{prefix}}-year">Year</label>
<input class="govuk-input govuk-date-input__input govuk-input--width-4{{#error}} govuk-input--error{{/error}}" id="{{prefix}}-year" name="{{prefix}}-year" type="text" inputmode="numeric" maxlength="4" value="{{year}}">
</div></div>
</div>
</fieldset>
</div>
)";

constexpr char kReportPage[] = R"(<div class="govuk-grid-row"><div class="govuk-grid-column-full">
{{{summary}}}<span class="govuk-caption-l">Reports</span>
<h1 class="govuk-heading-l">{{heading}}</h1>
<form method="get" action="/console/reports" novalidate>
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="period">Period</label>
<div id="period-hint" class="govuk-hint">Financial quarters: Q1 is April to June, Q4 January to March.</div>
<select class="govuk-select" id="period" name="period" aria-describedby="period-hint">
{{#quarters}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/quarters}}</select>
</div>
<details class="govuk-details"{{#custom}} open{{/custom}}>
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Other dates</span></summary>
<div class="govuk-details__text">
<p class="govuk-body">Choose "Other dates" as the period, then the first and last day (both included).</p>
{{{from}}}{{{to}}}</div>
</details>
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="service">Service</label>
<select class="govuk-select" id="service" name="service">
{{#services}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>
{{/services}}</select>
</div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" id="show-report">Show the report</button>
</form>
{{#report}}<h2 class="govuk-heading-m" id="about">{{period_name}}: {{filter_title}}</h2>
<p class="govuk-body" id="period-days">{{first_day}} to {{last_day}}, whole days in UK time.</p>
<div class="govuk-inset-text">Counts from 1 to 4 are shown as &lt;5, and [c] hides a figure that would reveal one of them, so that no one can be identified. No personal data is used: each service counts its own records.</div>
<h2 class="govuk-heading-s">Download these figures</h2>
<ul class="govuk-list" id="downloads">
<li><a class="govuk-link" id="download-csv" href="/console/reports/download?{{csv_query}}">CSV (comma-separated values)</a></li>
<li><a class="govuk-link" id="download-xlsx" href="/console/reports/download?{{xlsx_query}}">Spreadsheet (XLSX)</a></li>
<li><a class="govuk-link" id="download-json" href="/console/reports/download?{{json_query}}">JSON</a></li>
</ul>
<h2 class="govuk-heading-s">Contents</h2>
<ul class="govuk-list" id="contents">
{{#charts}}<li><a class="govuk-link" href="#chart-{{id}}">{{title}}</a></li>
{{/charts}}{{#tables}}<li><a class="govuk-link" href="#{{id}}">{{title}}</a></li>
{{/tables}}</ul>
{{#charts}}<h2 class="govuk-heading-m" id="chart-{{id}}">{{title}}</h2>
<div class="frontdoor-chart-box">{{{svg}}}</div>
<details class="govuk-details">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">The figures of this chart</span></summary>
<div class="govuk-details__text"><table class="govuk-table" id="chart-table-{{id}}">
<caption class="govuk-table__caption govuk-visually-hidden">{{title}}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header"></th><th scope="col" class="govuk-table__header govuk-table__header--numeric">{{unit_title}}</th></tr></thead>
<tbody class="govuk-table__body">
{{#bars}}<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">{{label}}</th><td class="govuk-table__cell govuk-table__cell--numeric">{{text}}</td></tr>
{{/bars}}</tbody></table></div>
</details>
{{/charts}}{{#tables}}<h2 class="govuk-heading-m" id="{{id}}">{{title}}</h2>
{{#note}}<p class="govuk-body-s">{{note}}</p>
{{/note}}<div class="frontdoor-table-scroll" tabindex="0" role="region" aria-labelledby="{{id}}"><table class="govuk-table govuk-table--small-text-until-tablet" id="table-{{id}}">
<caption class="govuk-table__caption govuk-visually-hidden">{{title}}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
{{#header}}<th scope="col" class="govuk-table__header{{^first}} govuk-table__header--numeric{{/first}}">{{text}}</th>
{{/header}}</tr></thead>
<tbody class="govuk-table__body">
{{#rows}}<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header">{{label}}</th>
{{#entries}}<td class="govuk-table__cell govuk-table__cell--numeric">{{text}}</td>
{{/entries}}</tr>
{{/rows}}</tbody>
</table></div>
{{/tables}}{{/report}}</div></div>
)";

std::string Value(const std::map<std::string, std::string>& q,
                  const std::string& name) {
  auto it = q.find(name);
  if (it == q.end()) return "";
  return std::string(absl::StripAsciiWhitespace(it->second));
}

// The day the three fields `prefix`-day/-month/-year give, or an error
// for the form (named after the day field).
std::optional<absl::CivilDay> ReadDay(
    const std::map<std::string, std::string>& q, const std::string& prefix,
    const std::string& what, std::vector<ConsoleError>& errors) {
  const std::string field = absl::StrCat(prefix, "-day");
  int d = 0, m = 0, y = 0;
  const std::string ds = Value(q, field);
  const std::string ms = Value(q, absl::StrCat(prefix, "-month"));
  const std::string ys = Value(q, absl::StrCat(prefix, "-year"));
  if (ds.empty() && ms.empty() && ys.empty()) {
    errors.push_back({field, absl::StrCat("Enter the ", what)});
    return std::nullopt;
  }
  if (!absl::SimpleAtoi(ds, &d) || !absl::SimpleAtoi(ms, &m) ||
      !absl::SimpleAtoi(ys, &y) || y < kEarliestYear || y > 9999) {
    errors.push_back(
        {field, absl::StrCat("The ", what,
                             " must be a real date, with a day, a month and "
                             "a four-digit year")});
    return std::nullopt;
  }
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    errors.push_back({field, absl::StrCat("The ", what, " must be a real date")});
    return std::nullopt;
  }
  return day;
}

std::string DateInput(const ReportQuery& q, const std::string& prefix,
                      const std::string& label) {
  data d;
  d.set("prefix", prefix);
  d.set("label", label);
  const std::string id = absl::StrCat(prefix, "-day");
  d.set("id", id);
  for (const ConsoleError& e : q.errors) {
    if (e.field == id) d.set("error", e.message);
  }
  auto get = [&](const char* part) {
    auto it = q.values.find(absl::StrCat(prefix, "-", part));
    return it == q.values.end() ? std::string() : it->second;
  };
  d.set("day", get("day"));
  d.set("month", get("month"));
  d.set("year", get("year"));
  return parts::Render(kDateInput, d);
}

}  // namespace

ReportQuery ReadReportQuery(const std::map<std::string, std::string>& query,
                            absl::CivilDay today) {
  ReportQuery q;
  for (const char* name :
       {"period", "service", "from-day", "from-month", "from-year", "to-day",
        "to-month", "to-year"}) {
    const std::string v = Value(query, name);
    if (!v.empty()) q.values[name] = v;
  }
  const std::string service = Value(query, kServiceField);
  if (!service.empty()) {
    q.filter = report::FindServiceFilter(service);
    if (q.filter == nullptr) {
      q.filter = &report::kServiceFilters[0];
      q.errors.push_back({kServiceField, "Choose a service from the list"});
    }
  }
  const std::string period = Value(query, kPeriodField);
  if (period == kOtherDates) {
    q.custom = true;
    std::optional<absl::CivilDay> first =
        ReadDay(query, kFrom, "first day", q.errors);
    std::optional<absl::CivilDay> last =
        ReadDay(query, kTo, "last day", q.errors);
    if (first.has_value() && last.has_value()) {
      absl::StatusOr<report::Period> p = report::MakePeriod(*first, *last);
      if (!p.ok()) {
        q.errors.push_back(
            {"to-day", *last < *first
                           ? "The last day must be the same as or after the "
                             "first day"
                           : "The period must be 5 years or shorter"});
      } else {
        q.period = *p;
      }
    }
    return q;
  }
  if (period.empty()) {
    q.period = report::PreviousQuarter(report::QuarterOf(today));
    q.values[kPeriodField] = report::PeriodName(q.period);
    return q;
  }
  absl::StatusOr<report::Period> p = report::ParseQuarter(period);
  if (!p.ok()) {
    q.period = report::PreviousQuarter(report::QuarterOf(today));
    q.errors.push_back({kPeriodField, "Choose a period from the list"});
  } else {
    q.period = *p;
  }
  return q;
}

std::string ReportQueryString(const ReportQuery& q, const std::string& format) {
  std::vector<std::string> parts;
  if (q.custom) {
    parts.push_back(absl::StrCat(kPeriodField, "=", kOtherDates));
    const auto day = [&](const char* prefix, absl::CivilDay d) {
      parts.push_back(absl::StrCat(prefix, "-day=", d.day()));
      parts.push_back(absl::StrCat(prefix, "-month=", d.month()));
      parts.push_back(absl::StrCat(prefix, "-year=", d.year()));
    };
    day(kFrom, q.period.first);
    day(kTo, q.period.last);
  } else {
    parts.push_back(
        absl::StrCat(kPeriodField, "=", report::PeriodName(q.period)));
  }
  parts.push_back(absl::StrCat(kServiceField, "=", q.filter->code));
  if (!format.empty()) parts.push_back(absl::StrCat("format=", format));
  return absl::StrJoin(parts, "&");
}

std::string ChartSvg(const report::Chart& chart) {
  double largest = 0;
  for (const auto& [label, entry] : chart.bars) {
    if (entry.number.has_value()) largest = std::max(largest, *entry.number);
  }
  const int bar_space = kChartWidth - kLabelWidth - kValueWidth;
  data bars{data::type::list};
  int y = kTopPad;
  for (const auto& [label, entry] : chart.bars) {
    data bar;
    bar.set("label", label);
    bar.set("text", entry.text);
    bar.set("label_x", std::to_string(kLabelWidth - kBarGap));
    bar.set("bar_x", std::to_string(kLabelWidth));
    bar.set("y", std::to_string(y));
    bar.set("text_y", std::to_string(y + kBarHeight - 6));
    bar.set("bar_height", std::to_string(kBarHeight));
    bar.set("colour", std::string(kBarColour));
    bar.set("text_colour", std::string(kTextColour));
    // Only a bar with a shown, non-zero figure has a rect (named apart
    // from the chart's own width, which Mustache would otherwise find).
    int width = 0;
    if (entry.number.has_value() && largest > 0 && *entry.number > 0) {
      width = std::max(1, static_cast<int>(*entry.number / largest * bar_space));
      bar.set("bar_width", std::to_string(width));
    }
    bar.set("value_x", std::to_string(kLabelWidth + width + kBarGap));
    bars.push_back(bar);
    y += kBarHeight + kBarGap;
  }
  data d;
  d.set("id", chart.id);
  d.set("title", chart.title);
  d.set("unit", chart.unit);
  d.set("width", std::to_string(kChartWidth));
  d.set("height", std::to_string(y + kTopPad));
  d.set("bars", bars);
  return parts::Render(kChart, d);
}

std::string RenderReportPage(const SignedInBar& bar, const ReportQuery& q,
                             absl::CivilDay today,
                             const report::Document* document) {
  data d;
  d.set("summary", RenderConsoleErrorSummary(q.errors));
  d.set("heading", "Referrals, risk, places and waiting times");
  d.set("custom", q.custom);
  data quarters{data::type::list};
  report::Period quarter = report::QuarterOf(today);
  const std::string chosen =
      q.custom ? std::string(kOtherDates) : report::PeriodName(q.period);
  for (int i = 0; i < kOfferedQuarters; ++i) {
    data option;
    const std::string name = report::PeriodName(quarter);
    option.set("value", name);
    option.set("label",
               absl::StrCat(name, ": ", DayText(quarter.first), " to ",
                            DayText(quarter.last), i == 0 ? " (so far)" : ""));
    option.set("selected", name == chosen);
    quarters.push_back(option);
    quarter = report::PreviousQuarter(quarter);
  }
  data other;
  other.set("value", std::string(kOtherDates));
  other.set("label", "Other dates");
  other.set("selected", q.custom);
  quarters.push_back(other);
  d.set("quarters", quarters);
  d.set("from", DateInput(q, kFrom, "First day"));
  d.set("to", DateInput(q, kTo, "Last day"));
  data services{data::type::list};
  for (const report::ServiceFilter& f : report::kServiceFilters) {
    data option;
    option.set("value", std::string(f.code));
    option.set("label", std::string(f.title));
    option.set("selected", &f == q.filter);
    services.push_back(option);
  }
  d.set("services", services);
  if (document != nullptr) {
    data r;
    r.set("period_name", document->period_name);
    r.set("filter_title", std::string(document->filter->title));
    r.set("first_day", DayText(document->period.first));
    r.set("last_day", DayText(document->period.last));
    r.set("csv_query", ReportQueryString(q, report::kFormatCsv));
    r.set("xlsx_query", ReportQueryString(q, report::kFormatXlsx));
    r.set("json_query", ReportQueryString(q, report::kFormatJson));
    data charts{data::type::list};
    for (const report::Chart& c : document->charts) {
      data chart;
      chart.set("id", c.id);
      chart.set("title", c.title);
      std::string unit_title = c.unit;
      if (!unit_title.empty()) {
        unit_title[0] = absl::ascii_toupper(static_cast<unsigned char>(unit_title[0]));
      }
      chart.set("unit_title", unit_title);
      chart.set("svg", ChartSvg(c));
      data rows{data::type::list};
      for (const auto& [label, entry] : c.bars) {
        data row;
        row.set("label", label);
        row.set("text", entry.text);
        rows.push_back(row);
      }
      chart.set("bars", rows);
      charts.push_back(chart);
    }
    r.set("charts", charts);
    data tables{data::type::list};
    for (const report::Table& t : document->tables) {
      data table;
      table.set("id", t.id);
      table.set("title", t.title);
      if (!t.note.empty()) table.set("note", t.note);
      data header{data::type::list};
      for (size_t i = 0; i < t.header.size(); ++i) {
        data h;
        h.set("text", t.header[i]);
        h.set("first", i == 0);
        header.push_back(h);
      }
      table.set("header", header);
      data rows{data::type::list};
      for (size_t i = 0; i < t.rows.size(); ++i) {
        data row;
        row.set("label", t.row_labels[i]);
        data entries{data::type::list};
        for (const report::Entry& e : t.rows[i]) {
          data entry;
          entry.set("text", e.text);
          entries.push_back(entry);
        }
        row.set("entries", entries);
        rows.push_back(row);
      }
      table.set("rows", rows);
      tables.push_back(table);
    }
    r.set("tables", tables);
    d.set("report", r);
  }
  return RenderConsolePage(bar, "Reports", parts::Render(kReportPage, d),
                           !q.errors.empty());
}

}  // namespace frontdoor::web
