// The team leaders' console pages, pure: when re-authentication is due
// (time as an argument), where the confirm page may send back to (never out
// of the console), the override and release forms read and their errors
// mapped, and the pages' escaping and ids.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "web-svc/console.h"
#include "web-svc/console_leader_pages.h"
#include "web-svc/sessions.h"

namespace frontdoor::web {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kSignedIn = absl::FromUnixSeconds(1'800'000'000);

TEST(ReauthenticationTest, DueOnlyAfterTheWindow) {
  const SignInPolicy policy;  // 5 minutes
  EXPECT_EQ(policy.reauthentication, absl::Minutes(5));
  EXPECT_FALSE(ReauthenticationDue(kSignedIn, kSignedIn, policy));
  EXPECT_FALSE(
      ReauthenticationDue(kSignedIn, kSignedIn + absl::Minutes(5), policy));
  EXPECT_TRUE(ReauthenticationDue(
      kSignedIn, kSignedIn + absl::Minutes(5) + absl::Seconds(1), policy));
  // A session from before the time was kept (the epoch): due.
  EXPECT_TRUE(ReauthenticationDue(absl::UnixEpoch(), kSignedIn, policy));
  // A clock set back proves nothing: due.
  EXPECT_TRUE(
      ReauthenticationDue(kSignedIn, kSignedIn - absl::Seconds(1), policy));
}

TEST(ReauthenticationTest, TheWindowComesFromThePolicy) {
  SignInPolicy policy;
  policy.reauthentication = absl::Seconds(30);
  EXPECT_FALSE(
      ReauthenticationDue(kSignedIn, kSignedIn + absl::Seconds(30), policy));
  EXPECT_TRUE(
      ReauthenticationDue(kSignedIn, kSignedIn + absl::Seconds(31), policy));
}

TEST(ReauthenticationTest, TheConfirmPageSendsBackOnlyIntoTheConsole) {
  for (const char* ok :
       {"/console/referrals/FD-3K9QX2M4T7BW/override",
        "/console/placements/FD-3K9QX2M4T7BW/release", "/console/queue"}) {
    EXPECT_EQ(SafeReturnPath(ok), ok);
  }
  for (const char* bad :
       {"", "https://evil.example/console/queue", "//evil.example/console/",
        "/console//evil.example", "/console//queue", "/consolex", "/console/../self-referral",
        "/console/queue?x=1", "/console/queue#x", "/console/a\\b",
        "/console/a%2F%2Fevil", "/console/confirm-identity", "/console/",
        "/console/queue\r\nLocation: https://evil.example", "/assets/x.js",
        "javascript:alert(1)"}) {
    EXPECT_EQ(SafeReturnPath(bad), "/console") << bad;
  }
  EXPECT_EQ(SafeReturnPath(std::string(300, 'a').insert(0, "/console/")),
            "/console");
  EXPECT_EQ(ConfirmIdentityPath("/console/placements/FD-3K9QX2M4T7BW/release"),
            "/console/confirm-identity?return-to=/console/placements/"
            "FD-3K9QX2M4T7BW/release");
  EXPECT_EQ(ConfirmIdentityPath("https://evil.example"),
            "/console/confirm-identity?return-to=/console");
}

TEST(ReauthenticationTest, TheConfirmPageKeepsTheReturnPathAndSaysWhatIsLost) {
  const std::string page = RenderConfirmIdentityPage(
      {"Lee <Smith>", "Team leader", "tok"},
      "/console/referrals/FD-3K9QX2M4T7BW/override",
      {{"password", "Enter your password"}});
  EXPECT_THAT(page, HasSubstr("name=\"return-to\" value=\"/console/referrals/"
                              "FD-3K9QX2M4T7BW/override\""));
  EXPECT_THAT(page, HasSubstr("action=\"/console/confirm-identity\""));
  EXPECT_THAT(page, HasSubstr("name=\"csrf-token\" value=\"tok\""));
  EXPECT_THAT(page, HasSubstr("has not been kept"));
  EXPECT_THAT(page, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(page, HasSubstr("Lee &lt;Smith&gt;"));
  EXPECT_THAT(page, HasSubstr("id=\"confirm-identity\""));
}

TEST(LeaderPathTest, OnlyTheLeadersPagesWithAReference) {
  const auto o = ParseLeaderPath("/console/referrals/FD-3K9QX2M4T7BW/override");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->page, LeaderPage::kOverride);
  EXPECT_EQ(o->reference, "FD-3K9QX2M4T7BW");
  const auto r = ParseLeaderPath("/console/placements/FD-3K9QX2M4T7BW/release");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->page, LeaderPage::kRelease);
  EXPECT_EQ(ParseLeaderPath("/console/placements/FD-3K9QX2M4T7BW/released")
                ->page,
            LeaderPage::kReleased);
  for (const char* other :
       {"/console/referrals/FD-3K9QX2M4T7BW/decision",
        "/console/referrals/FD-3K9QX2M4T7BW", "/console/referrals/nope/override",
        "/console/placements/FD-3K9QX2M4T7BW/release/x",
        "/console/placements/FD-3K9QX2M4T7BW/override",
        "/console/referrals/FD-3K9QX2M4T7BW/release"}) {
    EXPECT_FALSE(ParseLeaderPath(other).has_value()) << other;
  }
  EXPECT_EQ(ReleasedPath("FD-3K9QX2M4T7BW", "FD-7K3M9Q2X4W8P"),
            "/console/placements/FD-3K9QX2M4T7BW/released?allocated="
            "FD-7K3M9Q2X4W8P");
  EXPECT_EQ(DecisionAfterOverridePath("FD-3K9QX2M4T7BW"),
            "/console/referrals/FD-3K9QX2M4T7BW/decision?done=override");
}

TEST(OverrideFormTest, ATierOneToFourAndAReason) {
  OverrideInput ok = ReadOverrideForm({{"tier", "4"}, {"reason", "Threats"}});
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.tier_override.tier(), 4);
  EXPECT_EQ(ok.tier_override.reason(), "Threats");
  OverrideInput none = ReadOverrideForm({});
  std::vector<std::string> fields;
  for (const auto& e : none.errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ElementsAre("tier", "reason"));
  for (const char* bad : {"0", "5", "x", "4 "}) {
    EXPECT_EQ(ReadOverrideForm({{"tier", bad}, {"reason", "r"}}).errors.size(),
              1u)
        << bad;
  }
  EXPECT_EQ(ReadOverrideForm({{"tier", "2"}, {"reason", "  \n "}})
                .errors[0]
                .field,
            "reason");
  // 2000 characters (of two bytes each) fit; one more does not.
  std::string longest;
  for (size_t i = 0; i < kMaxOverrideReasonChars; ++i) longest += "é";
  EXPECT_TRUE(
      ReadOverrideForm({{"tier", "2"}, {"reason", longest}}).errors.empty());
  EXPECT_FALSE(ReadOverrideForm({{"tier", "2"}, {"reason", longest + "e"}})
                   .errors.empty());
}

TEST(ReleaseFormTest, AOneLineReason) {
  ReleaseInput ok = ReadReleaseForm({{"reason", "Case closed"}});
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.reason, "Case closed");
  EXPECT_EQ(ReadReleaseForm({}).errors[0].field, "reason");
  EXPECT_EQ(ReadReleaseForm({{"reason", "two\nlines"}}).errors.size(), 1u);
  EXPECT_EQ(
      ReadReleaseForm({{"reason", std::string(kMaxReleaseReasonChars + 1, 'a')}})
          .errors.size(),
      1u);
}

TEST(LeaderViolationsTest, TheServicesFieldsMapToTheForms) {
  std::vector<std::string> unmapped;
  const std::vector<ConsoleError> errors = MapLeaderViolations(
      {{"tier_override.tier", "must be from 1 to 4"},
       {"tier_override.reason", "must not hold control characters"},
       {"reason", "required"},
       {"reference", "must be a referral reference"}},
      &unmapped);
  std::vector<std::string> fields;
  for (const auto& e : errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ElementsAre("tier", "reason", "reason"));
  EXPECT_THAT(unmapped, ElementsAre("reference"));
}

TEST(LeaderPagesTest, TheOverridePageShowsTheDecisionAndEscapes) {
  triage::v1::Decision d;
  d.set_risk_level(common::v1::RISK_LEVEL_MEDIUM);
  d.set_tier(2);
  d.set_tier_from_risk(3);
  d.set_tier_override_reason("<script>x</script>");
  const std::string page = RenderOverridePage(
      {"Lee", "Team leader", "tok"}, "FD-3K9QX2M4T7BW", d,
      {{"tier", "4"}, {"reason", "Says \"now\" <b>"}},
      {{"reason", "Enter why you are changing the tier"}});
  EXPECT_THAT(page, HasSubstr("<h1 class=\"govuk-heading-l\">Override the "
                              "tier</h1>"));
  EXPECT_THAT(page, HasSubstr("id=\"risk-level\">Medium<"));
  EXPECT_THAT(page, HasSubstr("id=\"current-tier\">Tier 2<"));
  EXPECT_THAT(page, HasSubstr("id=\"tier-from-risk\">Tier 3<"));
  EXPECT_THAT(page, Not(HasSubstr("<script>x")));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  EXPECT_THAT(page, HasSubstr("value=\"4\" checked"));
  EXPECT_THAT(page, HasSubstr("action=\"/console/referrals/FD-3K9QX2M4T7BW/"
                              "override\""));
  EXPECT_THAT(page, HasSubstr("name=\"csrf-token\" value=\"tok\""));
  EXPECT_THAT(page, HasSubstr("href=\"#reason\""));
  EXPECT_THAT(page, HasSubstr("<title>Error: "));
}

TEST(LeaderPagesTest, TheReleaseFormOnlyForAPlaceHeld) {
  allocation::v1::Placement p;
  p.set_state(allocation::v1::PLACEMENT_STATE_ALLOCATED);
  p.set_programme_id("imatter");
  const std::string held =
      RenderReleasePage({"Lee", "Team leader", "tok"}, "FD-3K9QX2M4T7BW", p, {},
                        {});
  EXPECT_THAT(held, HasSubstr("id=\"release-place\""));
  EXPECT_THAT(held, HasSubstr("id=\"programme\">imatter<"));
  p.set_state(allocation::v1::PLACEMENT_STATE_WAITING);
  const std::string waiting =
      RenderReleasePage({"Lee", "Team leader", "tok"}, "FD-3K9QX2M4T7BW", p, {},
                        {});
  EXPECT_THAT(waiting, Not(HasSubstr("id=\"release-place\"")));
  EXPECT_THAT(waiting, HasSubstr("id=\"not-allocated\""));
}

TEST(LeaderPagesTest, TheReleasedPageNamesWhoTookThePlace) {
  const std::string taken = RenderReleasedPage(
      {"Lee", "Team leader", "tok"}, "FD-3K9QX2M4T7BW", "FD-7K3M9Q2X4W8P");
  EXPECT_THAT(taken, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(taken, HasSubstr("href=\"/console/placements/FD-7K3M9Q2X4W8P\""));
  const std::string free = RenderReleasedPage({"Lee", "Team leader", "tok"},
                                              "FD-3K9QX2M4T7BW", "");
  EXPECT_THAT(free, HasSubstr("Nobody was waiting"));
}

}  // namespace
}  // namespace frontdoor::web
