// The commissioners' report built from the services' answers: tables,
// suppression across them, the service filter, waiting times, first
// contact, funding shares, charts, and the CSV, XLSX and JSON files.
#include "common/report/report_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/report/report_builder.h"
#include "common/report/report_files.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::report {
namespace {

using common::v1::ReportResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const Period kQ3{absl::CivilDay(2026, 10, 1), absl::CivilDay(2026, 12, 31)};

Labels TwoDistricts() {
  Labels l;
  l.districts = {{"tamworth", "Tamworth"}, {"stoke-on-trent", "Stoke-on-Trent"}};
  l.programmes = {{"imatter", "iMatter", "adult_victim", "victim"},
                  {"changing-direction", "Changing Direction",
                   "adult_behaviour_change", "behaviour_change"},
                  {"wematter", "weMatter", "children", "victim"}};
  l.funders = {{"commissioner", "Commissioner"},
               {"county-council", "County council"},
               {"city-council", "City council"}};
  return l;
}

ReportResponse Answer(const std::string& service, const ReportBuilder& b,
                      const Period& period = kQ3) {
  ReportResponse r;
  r.set_service(service);
  r.mutable_first_day()->set_year(static_cast<int>(period.first.year()));
  r.mutable_first_day()->set_month(period.first.month());
  r.mutable_first_day()->set_day(period.first.day());
  r.mutable_last_day()->set_year(static_cast<int>(period.last.year()));
  r.mutable_last_day()->set_month(period.last.month());
  r.mutable_last_day()->set_day(period.last.day());
  b.Fill(r);
  return r;
}

// A quarter's figures: Tamworth 20 police and 3 self-referrals to the
// adult victim service, Stoke 12 police and 6 health, one of them to the
// children's front door; triage and allocation figures alongside.
std::vector<ReportResponse> Quarter() {
  ReportBuilder intake;
  const auto received = [&](const std::string& district,
                            const std::string& source,
                            const std::string& service, int n) {
    intake.Count("referrals_received", {{"channel", "partner_api"},
                                        {"district", district},
                                        {"service", service},
                                        {"source", source}},
                 n);
    intake.Count("referrals_accepted",
                 {{"district", district}, {"service", service}}, n);
  };
  received("tamworth", "police", "adult_victim", 20);
  received("tamworth", "self", "adult_victim", 3);
  received("stoke-on-trent", "police", "adult_victim", 12);
  received("stoke-on-trent", "health", "adult_victim", 5);
  received("stoke-on-trent", "health", "children", 1);
  intake.Count("referrals_rejected", {{"reason", "subject.date_of_birth"},
                                      {"source", "police"}},
               2);
  intake.Count("repeat_referrals",
               {{"district", "tamworth"}, {"service", "adult_victim"}}, 6);

  ReportBuilder triage;
  triage.Count("risk_levels", {{"district", "tamworth"},
                               {"risk", "high"},
                               {"service", "adult_victim"},
                               {"side", "victim"}},
               9);
  triage.Count("risk_levels", {{"district", "tamworth"},
                               {"risk", "standard"},
                               {"service", "adult_victim"},
                               {"side", "victim"}},
               14);
  triage.Count("marac_referrals",
               {{"district", "tamworth"}, {"flag", "visible_high_risk"}}, 7);
  triage.Count("marac_referrals",
               {{"district", "tamworth"}, {"flag", "repeat"}}, 2);
  triage.Count("referred_to_marac",
               {{"district", "tamworth"}, {"service", "adult_victim"}}, 9);
  triage.Count("matac", {{"district", "stoke-on-trent"}}, 1);

  ReportBuilder allocation;
  for (int day = 1; day <= 10; ++day) {
    allocation.Duration("referral_to_allocation",
                        {{"programme", "imatter"}, {"side", "victim"}},
                        absl::Hours(24 * day));
  }
  for (int day : {20, 30, 40}) {
    allocation.Duration(
        "referral_to_allocation",
        {{"programme", "changing-direction"}, {"side", "behaviour_change"}},
        absl::Hours(24 * day));
  }
  allocation.Count("placements_allocated", {{"district", "tamworth"},
                                            {"programme", "imatter"},
                                            {"service", "adult_victim"},
                                            {"side", "victim"},
                                            {"tier", "2"}},
                   6);
  allocation.Count("placements_allocated", {{"district", "stoke-on-trent"},
                                            {"programme", "imatter"},
                                            {"service", "adult_victim"},
                                            {"side", "victim"},
                                            {"tier", "2"}},
                   4);
  allocation.Count("first_contact", {{"outcome", "within_target"},
                                     {"source", "police"},
                                     {"tier", "2"}},
                   8);
  allocation.Count("first_contact",
                   {{"outcome", "late"}, {"source", "police"}, {"tier", "2"}},
                   2);
  // Tamworth's six: the commissioner or the county; Stoke's four: the
  // commissioner or the city.
  allocation.Count("funding", {{"district", "tamworth"},
                               {"funder", "commissioner"},
                               {"shared_by", "2"}},
                   6);
  allocation.Count("funding", {{"district", "tamworth"},
                               {"funder", "county-council"},
                               {"shared_by", "2"}},
                   6);
  allocation.Count("funding", {{"district", "stoke-on-trent"},
                               {"funder", "commissioner"},
                               {"shared_by", "2"}},
                   4);
  allocation.Count("funding", {{"district", "stoke-on-trent"},
                               {"funder", "city-council"},
                               {"shared_by", "2"}},
                   4);
  return {Answer("intake-svc", intake), Answer("triage-svc", triage),
          Answer("allocation-svc", allocation)};
}

Document Build(const std::string& filter = "all") {
  static const Labels labels = TwoDistricts();
  absl::StatusOr<Document> d =
      BuildDocument(Quarter(), kQ3, *FindServiceFilter(filter), labels);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.value_or(Document{});
}

const Table& Find(const Document& d, const std::string& id) {
  for (const Table& t : d.tables) {
    if (t.id == id) return t;
  }
  ADD_FAILURE() << "no table " << id;
  static const Table kNone;
  return kNone;
}

std::vector<std::string> Texts(const std::vector<Entry>& row) {
  std::vector<std::string> out;
  for (const Entry& e : row) out.push_back(e.text);
  return out;
}

TEST(ReportDocumentTest, ReferralsBySourceAreSuppressedWithTheirTotals) {
  const Document d = Build();
  EXPECT_EQ(d.period_name, "2026-Q3");
  const Table& t = Find(d, "referrals_by_source");
  ASSERT_EQ(t.header.size(), 10u);  // district, 8 sources, total
  EXPECT_EQ(t.header[7], "Self-referral");
  EXPECT_THAT(t.row_labels, ElementsAre("Tamworth", "Stoke-on-Trent", "Total"));
  EXPECT_TRUE(t.totals);
  // Tamworth: 20 police, 3 self (shown <5), 23 in all; the 3 could be
  // worked out as 23 - 20, so the 20 is hidden too; then the police
  // column would give it away (32 - 12), so Stoke's 12 is hidden, and then
  // Stoke's row (18 - 6), so its 6 health referrals are.
  EXPECT_THAT(Texts(t.rows[0]),
              ElementsAre("[c]", "0", "0", "0", "0", "0", "<5", "0", "23"));
  EXPECT_FALSE(t.rows[0][6].number.has_value());
  EXPECT_EQ(t.rows[0][8].number, 23.0);
  EXPECT_THAT(Texts(t.rows[1]),
              ElementsAre("[c]", "[c]", "0", "0", "0", "0", "0", "0", "18"));
  // No line of the grid hides exactly one entry.
  for (const auto& row : t.rows) {
    int hidden = 0;
    for (const Entry& e : row) hidden += e.number.has_value() ? 0 : 1;
    EXPECT_NE(hidden, 1);
  }
}

TEST(ReportDocumentTest, AServiceNarrowsWhatKnowsTheServiceAndSaysWhatCannot) {
  const Document all = Build();
  const Document children = Build("children_victim");
  const Table& received = Find(children, "referrals_by_source");
  // One children's referral in Stoke: shown <5; intake knows no side.
  EXPECT_EQ(Texts(received.rows[1])[1], "<5");
  EXPECT_THAT(received.note, HasSubstr("whole children's front door"));
  // MARAC flags carry no service: the whole service's figures, said so.
  EXPECT_THAT(Find(children, "marac").note, HasSubstr("for all services"));
  EXPECT_THAT(Find(all, "marac").note, Not(HasSubstr("for all services")));
  // Programmes are the service's own.
  EXPECT_THAT(Find(children, "allocated").row_labels,
              ElementsAre("weMatter", "Total"));
  EXPECT_THAT(Find(all, "allocated").row_labels,
              ElementsAre("iMatter", "Changing Direction", "weMatter", "Total"));
}

TEST(ReportDocumentTest, WaitingTimesAreNearestRankAndHiddenBelowFive) {
  const Document d = Build();
  const Table& victims = Find(d, "time_to_allocation_victims");
  ASSERT_THAT(victims.row_labels, ElementsAre("iMatter", "weMatter"));
  EXPECT_THAT(Texts(victims.rows[0]), ElementsAre("10", "5.0", "9.0"));
  EXPECT_THAT(Texts(victims.rows[1]), ElementsAre("0", "none", "none"));
  const Table& perpetrators = Find(d, "time_to_allocation_perpetrators");
  ASSERT_THAT(perpetrators.row_labels, ElementsAre("Changing Direction"));
  EXPECT_THAT(Texts(perpetrators.rows[0]), ElementsAre("<5", "[c]", "[c]"));
}

TEST(ReportDocumentTest, FirstContactWithinTargetIsAPercentageOfItsRow) {
  const Document d = Build();
  const Table& t = Find(d, "first_contact_by_tier");
  EXPECT_EQ(t.header.back(), "Within target (%)");
  // Tier 2: 8 within, 2 late (<5, so one more hidden), none not made.
  const std::vector<std::string> tier2 = Texts(t.rows[1]);
  EXPECT_EQ(tier2[1], "<5");
  EXPECT_EQ(tier2.back(), "[c]") << "a percentage would reveal the <5";
  const std::vector<std::string> tier1 = Texts(t.rows[0]);
  EXPECT_EQ(tier1.back(), "none");
}

TEST(ReportDocumentTest, FundingSharesEachPlacementBetweenItsFunders) {
  const Document d = Build();
  const Table& t = Find(d, "funding");
  ASSERT_THAT(t.row_labels,
              ElementsAre("Commissioner", "County council", "City council"));
  // 10 placements: the commissioner may fund all ten and is attributed
  // half of each (5.0, 50%); the county 6 (3.0, 30%); the city 4, which
  // is <5, so its share is withheld and so is the county's, which would
  // reveal it.
  EXPECT_THAT(Texts(t.rows[0]), ElementsAre("10", "5.0", "50.0%"));
  EXPECT_THAT(Texts(t.rows[2]), ElementsAre("<5", "[c]", "[c]"));
  EXPECT_THAT(Texts(t.rows[1]), ElementsAre("[c]", "[c]", "[c]"));
}

TEST(ReportDocumentTest, ChartsCarryTheTablesSuppressedFigures) {
  Document d = Build();
  ASSERT_GE(d.charts.size(), 3u);
  EXPECT_EQ(d.charts[0].id, "referrals_by_district");
  ASSERT_EQ(d.charts[0].bars.size(), 2u);
  EXPECT_EQ(d.charts[0].bars[0].first, "Tamworth");
  EXPECT_EQ(d.charts[0].bars[0].second.text, "23");
  const Chart& waits = d.charts[1];
  EXPECT_EQ(waits.id, "waiting_victims");
  // 1 to 10 days: 6 under a week, 4 in the second week (<5).
  EXPECT_EQ(waits.bars[0].second.text, "6");
  EXPECT_EQ(waits.bars[1].second.text, "<5");
  EXPECT_EQ(waits.bars[1].first, "1 to 2 weeks");

  ReportBuilder earlier;
  earlier.Count("referrals_received", {{"district", "tamworth"},
                                       {"service", "adult_victim"},
                                       {"source", "police"}},
                40);
  const std::vector<Period> quarters = TrendQuarters(kQ3);
  ASSERT_EQ(quarters.size(), 4u);
  EXPECT_EQ(PeriodName(quarters[0]), "2025-Q4");
  EXPECT_EQ(quarters[3], kQ3);
  AddTrend(d, {{"2026-Q2", Answer("intake-svc", earlier)},
               {"2026-Q3", Quarter()[0]}});
  EXPECT_EQ(d.charts.back().id, "trend");
  EXPECT_EQ(d.charts.back().bars[0].second.text, "40");
  EXPECT_EQ(d.charts.back().bars[1].second.text, "41");
}

TEST(ReportDocumentTest, AnswersForAnotherPeriodOrTwiceFromAServiceAreRefused) {
  const Labels labels = TwoDistricts();
  std::vector<ReportResponse> answers = Quarter();
  answers.push_back(answers[0]);
  EXPECT_EQ(BuildDocument(answers, kQ3, kServiceFilters[0], labels)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  const Period q4{absl::CivilDay(2027, 1, 1), absl::CivilDay(2027, 3, 31)};
  EXPECT_EQ(BuildDocument(Quarter(), q4, kServiceFilters[0], labels)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FindServiceFilter("nonsense"), nullptr);
}

TEST(ReportFilesTest, CsvHoldsEveryTableAsShownQuotingWhereNeeded) {
  const Document d = Build();
  const std::string csv = ReportCsv(d);
  EXPECT_THAT(csv, HasSubstr("Period,2026-Q3\r\n"));
  EXPECT_THAT(csv, HasSubstr("Referrals received, by source"));
  EXPECT_THAT(csv, HasSubstr("\"Referrals received, by source\"\r\n"));
  EXPECT_THAT(csv, HasSubstr("Tamworth,"));
  EXPECT_THAT(csv, HasSubstr(",<5,"));
  EXPECT_THAT(csv, HasSubstr("iMatter,10,5.0,9.0\r\n"));
  // Never a raw small number: the self-referral count of 3 does not
  // appear as a cell in Tamworth's row.
  for (absl::string_view line : absl::StrSplit(csv, "\r\n")) {
    if (absl::StartsWith(line, "Tamworth,")) {
      EXPECT_THAT(std::vector<std::string>(absl::StrSplit(line, ',')),
                  Not(::testing::Contains("3")));
    }
  }
  EXPECT_EQ(ReportFileName(d, kFormatCsv), "frontdoor-report-2026-Q3-all.csv");
}

TEST(ReportFilesTest, JsonAndXlsxCarryTheSameEntries) {
  const Document d = Build();
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(ReportJson(d), &json)
                  .ok());
  const auto& tables = json.fields().at("tables").list_value();
  ASSERT_EQ(tables.values_size(), static_cast<int>(d.tables.size()));
  const auto& first_row =
      tables.values(0).struct_value().fields().at("rows").list_value().values(0);
  const auto& entries =
      first_row.struct_value().fields().at("entries").list_value();
  EXPECT_EQ(entries.values(0).string_value(), "[c]");
  EXPECT_EQ(entries.values(6).string_value(), "<5");
  EXPECT_EQ(entries.values(8).number_value(), 23);

  absl::StatusOr<std::string> xlsx = ReportXlsx(d);
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_EQ(xlsx->substr(0, 2), "PK") << "an XLSX is a zip";
  EXPECT_GT(xlsx->size(), 4000u);
  EXPECT_EQ(ReportFile(d, "pdf").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReportLabelsTest, TheSuitesConfigurationNamesDistrictsProgrammesFunders) {
  absl::StatusOr<Labels> l =
      LoadLabels(FRONTDOOR_SOURCE_DIR "/config/districts.json",
                 FRONTDOOR_SOURCE_DIR "/config/catalogue.json");
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->districts.size(), 9u);
  EXPECT_EQ(l->districts.back().second, "Stoke-on-Trent");
  ASSERT_FALSE(l->programmes.empty());
  EXPECT_EQ(l->programmes[0].id, "imatter");
  EXPECT_EQ(l->programmes[0].service, "adult_victim");
  EXPECT_EQ(l->funders.size(), 3u);
  EXPECT_EQ(LoadLabels("/nonexistent.json", "/nonexistent.json").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace frontdoor::report
