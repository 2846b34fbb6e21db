// The console's report pages, pure: the query (a quarter, two dates, a
// service) with GOV.UK errors naming the fields, the download links, and
// the page and its SVG charts escaping everything they show.
#include "web-svc/console_report_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace frontdoor::web {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::CivilDay kToday(2026, 12, 3);  // in 2026-Q3

std::vector<std::string> Fields(const ReportQuery& q) {
  std::vector<std::string> out;
  for (const ConsoleError& e : q.errors) out.push_back(e.field);
  return out;
}

TEST(ReportQueryTest, WithoutAPeriodTheLastWholeQuarter) {
  const ReportQuery q = ReadReportQuery({}, kToday);
  EXPECT_THAT(q.errors, IsEmpty());
  EXPECT_EQ(report::PeriodName(q.period), "2026-Q2");
  EXPECT_EQ(q.filter->code, "all");
  EXPECT_FALSE(q.custom);
}

TEST(ReportQueryTest, AQuarterAndAService) {
  const ReportQuery q =
      ReadReportQuery({{"period", "2026-Q3"}, {"service", "children"}}, kToday);
  EXPECT_THAT(q.errors, IsEmpty());
  EXPECT_EQ(q.period.first, absl::CivilDay(2026, 10, 1));
  EXPECT_EQ(q.period.last, absl::CivilDay(2026, 12, 31));
  EXPECT_EQ(q.filter->code, "children");
  EXPECT_EQ(ReportQueryString(q, "csv"),
            "period=2026-Q3&service=children&format=csv");
}

TEST(ReportQueryTest, TwoDatesBothIncluded) {
  const ReportQuery q = ReadReportQuery({{"period", "dates"},
                                         {"from-day", "1"},
                                         {"from-month", "10"},
                                         {"from-year", "2026"},
                                         {"to-day", "15"},
                                         {"to-month", "11"},
                                         {"to-year", "2026"}},
                                        kToday);
  EXPECT_THAT(q.errors, IsEmpty());
  EXPECT_TRUE(q.custom);
  EXPECT_EQ(q.period.last, absl::CivilDay(2026, 11, 15));
  EXPECT_EQ(ReportQueryString(q, ""),
            "period=dates&from-day=1&from-month=10&from-year=2026&to-day=15&"
            "to-month=11&to-year=2026&service=all");
}

TEST(ReportQueryTest, EachMistakeNamesItsField) {
  EXPECT_THAT(Fields(ReadReportQuery({{"period", "2026-Q5"}}, kToday)),
              ::testing::ElementsAre("period"));
  EXPECT_THAT(Fields(ReadReportQuery({{"service", "everyone"}}, kToday)),
              ::testing::ElementsAre("service"));
  EXPECT_THAT(Fields(ReadReportQuery({{"period", "dates"}}, kToday)),
              ::testing::ElementsAre("from-day", "to-day"));
  const ReportQuery not_real = ReadReportQuery({{"period", "dates"},
                                                {"from-day", "31"},
                                                {"from-month", "2"},
                                                {"from-year", "2026"},
                                                {"to-day", "1"},
                                                {"to-month", "3"},
                                                {"to-year", "2026"}},
                                               kToday);
  ASSERT_THAT(Fields(not_real), ::testing::ElementsAre("from-day"));
  EXPECT_EQ(not_real.errors[0].message, "The first day must be a real date");
  const ReportQuery backwards = ReadReportQuery({{"period", "dates"},
                                                 {"from-day", "2"},
                                                 {"from-month", "3"},
                                                 {"from-year", "2026"},
                                                 {"to-day", "1"},
                                                 {"to-month", "3"},
                                                 {"to-year", "2026"}},
                                                kToday);
  ASSERT_THAT(Fields(backwards), ::testing::ElementsAre("to-day"));
  EXPECT_THAT(backwards.errors[0].message, HasSubstr("after the first day"));
  // What was typed is shown again.
  EXPECT_EQ(backwards.values.at("from-month"), "3");
}

report::Document Sample() {
  report::Document d;
  d.period = {absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 12, 31)};
  d.period_name = "2026-Q3";
  report::Table t;
  t.id = "referrals_by_source";
  t.title = "Referrals received, by source";
  t.header = {"District", "Police", "Total"};
  t.row_labels = {"<b>Tamworth</b>", "Total"};
  t.rows = {{{"12", 12.0}, {"12", 12.0}}, {{"<5", std::nullopt}, {"[c]", std::nullopt}}};
  t.totals = true;
  d.tables.push_back(t);
  report::Chart c;
  c.id = "referrals_by_district";
  c.title = "Referrals received, by district";
  c.unit = "referrals";
  c.bars = {{"<b>Tamworth</b>", {"12", 12.0}}, {"Lichfield", {"<5", std::nullopt}}};
  d.charts.push_back(c);
  return d;
}

TEST(ReportPageTest, ChartsAreSvgWithABarPerShownFigureAndTextForHidden) {
  const std::string svg = ChartSvg(Sample().charts[0]);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(svg, HasSubstr("<title id=\"svg-referrals_by_district-title\">"));
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;Tamworth&lt;/b&gt;"));
  // One rect: the suppressed bar has none, only its text.
  size_t rects = 0;
  for (size_t at = svg.find("<rect"); at != std::string::npos;
       at = svg.find("<rect", at + 1)) {
    ++rects;
  }
  EXPECT_EQ(rects, 1u);
  EXPECT_THAT(svg, HasSubstr("&lt;5"));
}

TEST(ReportPageTest, ThePageShowsTablesChartsAndDownloadsEscaped) {
  const ReportQuery q = ReadReportQuery({{"period", "2026-Q3"}}, kToday);
  const report::Document d = Sample();
  const std::string page =
      RenderReportPage({"Cara Commissioner", "Commissioner", "tok"}, q, kToday, &d);
  EXPECT_THAT(page, HasSubstr("id=\"table-referrals_by_source\""));
  EXPECT_THAT(page, HasSubstr("id=\"svg-referrals_by_district\""));
  EXPECT_THAT(page, HasSubstr(
                        "href=\"/console/reports/download?period=2026-Q3&amp;"
                        "service=all&amp;format=xlsx\""));
  EXPECT_THAT(page, Not(HasSubstr("<b>Tamworth")));
  EXPECT_THAT(page, HasSubstr("<option value=\"2026-Q3\" selected>"));
  EXPECT_THAT(page, HasSubstr("2026-Q3: 1 October 2026 to 31 December 2026 (so far)"));
  EXPECT_THAT(page, HasSubstr("<option value=\"dates\">Other dates</option>"));
}

TEST(ReportPageTest, ErrorsUseTheGovUkPatternWithoutFigures) {
  const ReportQuery q = ReadReportQuery({{"period", "dates"}}, kToday);
  const std::string page =
      RenderReportPage({"Cara Commissioner", "Commissioner", "tok"}, q, kToday,
                       nullptr);
  EXPECT_THAT(page, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(page, HasSubstr("href=\"#from-day\""));
  EXPECT_THAT(page, HasSubstr("id=\"from-day-error\""));
  EXPECT_THAT(page, HasSubstr("<title>Error: "));
  EXPECT_THAT(page, Not(HasSubstr("id=\"downloads\"")));
  EXPECT_THAT(page, HasSubstr("<details class=\"govuk-details\" open>"));
}

}  // namespace
}  // namespace frontdoor::web
