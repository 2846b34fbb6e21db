// The console's history page, pure: which paths it owns, the plain words of
// the services' audit codes, and one table from three answers, ordered by
// time, with a service that could not answer named.
#include "web-svc/console_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace frontdoor::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

common::v1::HistoryEntry Entry(int64_t seconds, const std::string& action,
                               const std::string& reason,
                               const std::string& actor,
                               const std::string& agency, int64_t seq) {
  common::v1::HistoryEntry e;
  e.mutable_at()->set_seconds(seconds);
  e.set_action(action);
  e.set_reason(reason);
  e.set_actor(actor);
  e.set_agency(agency);
  e.set_seq(seq);
  return e;
}

// 2 December 2026 09:00:00 UTC.
constexpr int64_t kNine = 1796202000;

TEST(HistoryPathTest, OnlyAWellFormedReferencesHistoryIsOwned) {
  EXPECT_EQ(HistoryReferenceOf("/console/referrals/FD-3K9QX2M4T7BW/history"),
            "FD-3K9QX2M4T7BW");
  for (const char* not_ours :
       {"/console/referrals/FD-3K9QX2M4T7BW", "/console/referrals//history",
        "/console/referrals/nope/history",
        "/console/referrals/FD-3K9QX2M4T7BW/history/more",
        "/console/referrals/FD-3K9QX2M4T7BW/x/history", "/console/history"}) {
    EXPECT_FALSE(HistoryReferenceOf(not_ours).has_value()) << not_ours;
  }
}

TEST(HistoryWordsTest, KnownCodesHaveWordsUnknownOnesNone) {
  EXPECT_EQ(DescribeHistoryAction("triage.decide"), "Triage decision made");
  EXPECT_EQ(DescribeHistoryAction("allocation.first_contact"),
            "First contact recorded");
  EXPECT_FALSE(DescribeHistoryAction("something.new").has_value());
  EXPECT_EQ(DescribeHistoryReason("practitioner_assessment"),
            "practitioner's assessment");
  EXPECT_EQ(DescribeHistoryReason("history_view"), "");  // adds nothing
  EXPECT_FALSE(DescribeHistoryReason("a_new_code").has_value());
}

TEST(HistoryPageTest, OneTableOldestFirstWithAFailedServiceNamed) {
  common::v1::ListHistoryResponse intake, triage;
  *intake.add_entries() = Entry(kNine, "referral.receive", "referral_accepted",
                                "PC 1", "staffs-police", 7);
  *intake.add_entries() =
      Entry(kNine + 600, "referral.read", "a_new_code",
            "staff-42 as practitioner", "frontdoor-web", 9);
  *triage.add_entries() = Entry(kNine + 60, "triage.record", "auto_triage",
                                "relay", "intake-svc", 3);
  *triage.add_entries() = Entry(kNine + 60, "something.new", "",
                                "<script>x</script>", "frontdoor-web", 4);
  triage.set_truncated(true);
  const std::vector<HistoryPart> parts = {
      {"Intake", intake},
      {"Triage", triage},
      {"Allocation", absl::UnavailableError("down")}};
  const std::string html = RenderHistoryPage(
      {"Nat Hale", "Practitioner", "tok"}, "FD-3K9QX2M4T7BW", parts,
      absl::UTCTimeZone());

  const size_t received = html.find("Referral received");
  const size_t recorded = html.find("Recorded for triage");
  const size_t unknown = html.find("something.new");
  const size_t read = html.find("Referral read in full");
  ASSERT_NE(received, std::string::npos);
  ASSERT_NE(recorded, std::string::npos);
  ASSERT_NE(unknown, std::string::npos);
  ASSERT_NE(read, std::string::npos);
  EXPECT_LT(received, recorded);
  EXPECT_LT(recorded, unknown);  // same time: by position in the trail
  EXPECT_LT(unknown, read);
  EXPECT_THAT(html, HasSubstr("2 December 2026, 9:00am"));
  EXPECT_THAT(html, HasSubstr("2 December 2026, 9:10am"));
  EXPECT_THAT(html, HasSubstr("datetime=\"2026-12-02T09:00:00Z\""));
  EXPECT_THAT(html, HasSubstr("PC 1 (staffs-police)"));
  EXPECT_THAT(html, HasSubstr("Automatic (intake-svc)"));
  EXPECT_THAT(html, HasSubstr("staff-42 as practitioner"));
  EXPECT_THAT(html, HasSubstr("a_new_code"));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("<script>x")));
  EXPECT_THAT(html, HasSubstr("id=\"history-unavailable\""));
  EXPECT_THAT(html, HasSubstr("Not shown: what Allocation has recorded."));
  EXPECT_THAT(html, HasSubstr("Only the oldest entries from Triage"));
  EXPECT_THAT(html, HasSubstr("href=\"/console/referrals/FD-3K9QX2M4T7BW\""));
  EXPECT_THAT(html, HasSubstr("<title>Referral history"));
}

TEST(HistoryPageTest, NothingRecordedSaysSo) {
  const std::string html = RenderHistoryPage(
      {"Nat Hale", "Practitioner", "tok"}, "FD-3K9QX2M4T7BW",
      {{"Intake", common::v1::ListHistoryResponse()}}, absl::UTCTimeZone());
  EXPECT_THAT(html, HasSubstr("id=\"no-history\""));
  EXPECT_THAT(html, Not(HasSubstr("id=\"history\"")));
  EXPECT_THAT(html, Not(HasSubstr("history-unavailable")));
}

}  // namespace
}  // namespace frontdoor::web
