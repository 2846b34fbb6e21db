// The data-protection officer's console pages, pure: which page a path is,
// the forms read into DataRights requests and their errors, each
// service's answer shown (a service that cannot answer said plainly), the
// subject access review (what is released, what is withheld, when it may
// be released) and the files of a released export.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "web-svc/console_data_rights_pages.h"
#include "web-svc/subject_access.h"
#include "web-svc/subject_access_bundle.h"
#include "web-svc/subject_access_store.h"

namespace frontdoor::web {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRef[] = "FD-3K9QX2M4T7BW";
constexpr char kExportId[] = "sar-0123456789abcdef0123";
const SignedInBar kBar{"Dee Officer", "Data-protection officer", "csrf-1"};

TEST(DataRightsPathTest, EachPageAndNothingElse) {
  struct Case {
    std::string path;
    DataRightsPage page;
  };
  for (const Case& c : std::vector<Case>{
           {"/console/data-rights", DataRightsPage::kFind},
           {absl::StrCat("/console/data-rights/", kRef), DataRightsPage::kReferral},
           {absl::StrCat("/console/data-rights/", kRef, "/restriction"),
            DataRightsPage::kRestriction},
           {absl::StrCat("/console/data-rights/", kRef, "/hold"),
            DataRightsPage::kHold},
           {absl::StrCat("/console/data-rights/", kRef, "/rectify"),
            DataRightsPage::kRectify},
           {absl::StrCat("/console/data-rights/", kRef, "/erase"),
            DataRightsPage::kErase},
           {absl::StrCat("/console/data-rights/", kRef, "/export"),
            DataRightsPage::kPrepareExport},
           {absl::StrCat("/console/data-rights/exports/", kExportId),
            DataRightsPage::kExport},
           {absl::StrCat("/console/data-rights/exports/", kExportId, "/review"),
            DataRightsPage::kReview},
           {absl::StrCat("/console/data-rights/exports/", kExportId, "/release"),
            DataRightsPage::kRelease},
           {absl::StrCat("/console/data-rights/exports/", kExportId,
                         "/download"),
            DataRightsPage::kDownload}}) {
    const std::optional<DataRightsPath> at = ParseDataRightsPath(c.path);
    ASSERT_TRUE(at.has_value()) << c.path;
    EXPECT_EQ(at->page, c.page) << c.path;
  }
  EXPECT_EQ(ParseDataRightsPath(absl::StrCat("/console/data-rights/", kRef))
                ->reference,
            kRef);
  EXPECT_EQ(ParseDataRightsPath(
                absl::StrCat("/console/data-rights/exports/", kExportId))
                ->export_id,
            kExportId);
  for (const std::string& bad : std::vector<std::string>{
           "/console/data-rights/", "/console/data-rights/FD-1",
        "/console/data-rights/fd-3k9qx2m4t7bw",
        absl::StrCat("/console/data-rights/", kRef, "/purge"),
        absl::StrCat("/console/data-rights/", kRef, "/hold/x"),
        "/console/data-rights/exports/sar-1",
        "/console/data-rights/exports/sar-0123456789ABCDEF0123",
        absl::StrCat("/console/data-rights/exports/", kExportId, "/erase"),
        "/console/data-rightsx", "/console/reports"}) {
    EXPECT_FALSE(ParseDataRightsPath(bad).has_value()) << bad;
  }
}

TEST(DataRightsFormsTest, FindByReferenceOrByNameAndBirth) {
  FindInput by_ref =
      ReadFindForm({{"by", "reference"}, {"reference", " fd-3k9qx2m4t7bw "}});
  EXPECT_TRUE(by_ref.errors.empty());
  EXPECT_EQ(by_ref.request.reference(), kRef);

  FindInput by_name = ReadFindForm({{"by", "name"},
                                    {"given-names", "Aisha"},
                                    {"family-name", "Rahman"},
                                    {"dob-day", "29"},
                                    {"dob-month", "2"},
                                    {"dob-year", "1996"}});
  EXPECT_TRUE(by_name.errors.empty());
  EXPECT_EQ(by_name.request.name_and_birth().name().family_name(), "Rahman");
  EXPECT_EQ(by_name.request.name_and_birth().date_of_birth().day(), 29);

  EXPECT_THAT(ReadFindForm({}).errors,
              ElementsAre(::testing::Field(&ConsoleError::field, "by")));
  EXPECT_THAT(ReadFindForm({{"by", "reference"}, {"reference", "FD-1"}}).errors,
              ElementsAre(::testing::Field(&ConsoleError::field, "reference")));
  const FindInput bad = ReadFindForm({{"by", "name"},
                                      {"dob-day", "30"},
                                      {"dob-month", "2"},
                                      {"dob-year", "1996"}});
  std::vector<std::string> fields;
  for (const ConsoleError& e : bad.errors) fields.push_back(e.field);
  EXPECT_THAT(fields, ElementsAre("given-names", "family-name", "dob-day"));
}

TEST(DataRightsFormsTest, RestrictAndHoldNeedAReasonAndLiftSaysLifted) {
  RestrictionInput restrict = ReadRestrictionForm(
      kRef, {{"action", "set"}, {"restriction-reason", "objection"}});
  EXPECT_TRUE(restrict.errors.empty());
  EXPECT_TRUE(restrict.request.restricted());
  EXPECT_EQ(restrict.request.reason(), "objection");
  EXPECT_EQ(restrict.request.reference(), kRef);
  RestrictionInput lift = ReadRestrictionForm(kRef, {{"action", "lift"}});
  EXPECT_TRUE(lift.errors.empty());
  EXPECT_FALSE(lift.request.restricted());
  EXPECT_EQ(lift.request.reason(), "lifted");
  EXPECT_FALSE(ReadRestrictionForm(kRef, {{"action", "set"}}).errors.empty());
  EXPECT_FALSE(ReadRestrictionForm(
                   kRef, {{"action", "set"}, {"restriction-reason", "lifted"}})
                   .errors.empty());

  HoldInput hold =
      ReadHoldForm(kRef, {{"action", "set"}, {"hold-reason", "litigation"}});
  EXPECT_TRUE(hold.errors.empty());
  EXPECT_TRUE(hold.request.held());
  EXPECT_EQ(ReadHoldForm(kRef, {{"action", "lift"}}).request.reason(), "lifted");
  EXPECT_FALSE(ReadHoldForm(kRef, {{"action", "set"}, {"hold-reason", "x"}})
                   .errors.empty());
}

TEST(DataRightsFormsTest, RectifyNamesTheChildByNumberAndOnlyKnownFields) {
  RectifyInput in = ReadRectifyForm(kRef, {{"party", "child"},
                                           {"child-number", "2"},
                                           {"field", "name.givenNames"},
                                           {"value", "Zara"},
                                           {"rectify-reason", "found_in_review"}});
  ASSERT_TRUE(in.errors.empty());
  EXPECT_EQ(in.request.person().party(), common::v1::PARTY_CHILD);
  EXPECT_EQ(in.request.person().child_index(), 1);
  EXPECT_EQ(in.request.field(), "name.givenNames");
  EXPECT_EQ(in.request.value(), "Zara");

  RectifyInput bad = ReadRectifyForm(
      kRef, {{"party", "child"}, {"field", "riskLevel"}, {"value", " "}});
  std::vector<std::string> fields;
  for (const ConsoleError& e : bad.errors) fields.push_back(e.field);
  EXPECT_THAT(fields,
              ElementsAre("child-number", "field", "value", "rectify-reason"));
}

TEST(DataRightsFormsTest, EraseAndExportNeedTheirChoices) {
  EXPECT_FALSE(ReadEraseForm(kRef, {}).errors.empty());
  EraseInput erase = ReadEraseForm(kRef, {{"erase-reason", "court_order"}});
  EXPECT_TRUE(erase.errors.empty());
  EXPECT_EQ(erase.request.reason(), "court_order");
  EXPECT_FALSE(ReadExportForm(kRef, {}).errors.empty());
  ExportInput ex = ReadExportForm(kRef, {{"export-party", "other_party"}});
  EXPECT_TRUE(ex.errors.empty());
  EXPECT_EQ(ex.person.party(), common::v1::PARTY_OTHER_PARTY);
  EXPECT_EQ(ex.person.reference(), kRef);
}

common::v1::RightsState State(const std::string& service, bool restricted) {
  common::v1::RightsState s;
  s.set_service(service);
  s.set_reference(kRef);
  s.set_held_here(true);
  s.set_restricted(restricted);
  s.mutable_restricted_at()->set_seconds(1'800'000'000);
  return s;
}

TEST(DataRightsPagesTest, TheReferralPageShowsEachServiceAndSaysWhoDidNotAnswer) {
  std::vector<ServiceAnswer<common::v1::RightsState>> states = {
      {"intake-svc", State("intake-svc", true)},
      {"triage-svc", State("triage-svc", false)},
      {"allocation-svc", absl::UnavailableError("down")},
      {"notify-svc", absl::UnimplementedError("later")}};
  const ActionOutcome outcome = OutcomeOf("Restriction of processing", states);
  const std::string page = RenderReferralRightsPage(
      kBar, kRef, states, &outcome, {}, {}, false);
  EXPECT_THAT(page, HasSubstr("id=\"rights-state\""));
  EXPECT_THAT(page, HasSubstr("Restricted since"));
  EXPECT_THAT(page, HasSubstr("id=\"state-allocation-svc\""));
  EXPECT_THAT(page, HasSubstr("Did not answer"));
  EXPECT_THAT(page, HasSubstr("Cannot do this yet"));
  // Not every service did it: no success banner.
  EXPECT_THAT(page, Not(HasSubstr("govuk-notification-banner--success")));
  EXPECT_THAT(page, HasSubstr("id=\"outcome-intake-svc\""));
  for (const char* id : {"restrict", "lift-restriction", "hold", "lift-hold",
                         "rectify", "prepare-export", "erase-link"}) {
    EXPECT_THAT(page, HasSubstr(absl::StrCat("id=\"", id, "\""))) << id;
  }
  EXPECT_THAT(page, HasSubstr("shown by their role"));
}

TEST(DataRightsPagesTest, TheErasePageWarnsItCannotBeUndone) {
  const std::string page = RenderErasePage(
      kBar, kRef, {{"intake-svc", State("intake-svc", false)}}, {}, {});
  EXPECT_THAT(page, HasSubstr("cannot be undone"));
  EXPECT_THAT(page, HasSubstr("govuk-button--warning"));
  EXPECT_THAT(page, HasSubstr("name=\"erase-reason\""));
}

TEST(DataRightsPagesTest, TheFoundPageCombinesServicesAndLinksTheReference) {
  common::v1::FindPersonRequest request;
  request.set_reference(kRef);
  common::v1::FindPersonResponse intake;
  intake.set_service("intake-svc");
  auto* found = intake.add_referrals();
  found->mutable_person()->set_reference(kRef);
  found->mutable_person()->set_party(common::v1::PARTY_SUBJECT);
  found->set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  *found->mutable_state() = State("intake-svc", true);
  const std::string page = RenderFoundPage(
      kBar, request,
      {{"intake-svc", intake},
       {"triage-svc", absl::UnimplementedError("x")},
       {"allocation-svc", absl::DeadlineExceededError("x")},
       {"notify-svc", absl::PermissionDeniedError("x")}});
  EXPECT_THAT(page, HasSubstr("id=\"found\""));
  EXPECT_THAT(page, HasSubstr("Held here; Restricted"));
  EXPECT_THAT(page, HasSubstr("Adult victim"));
  EXPECT_THAT(page, HasSubstr("id=\"not-answered-triage-svc\""));
  EXPECT_THAT(page, HasSubstr("triage-svc: Cannot do this yet"));
  EXPECT_THAT(page, HasSubstr("allocation-svc: Did not answer"));
  EXPECT_THAT(page, HasSubstr("notify-svc: Refused"));
  EXPECT_THAT(page, HasSubstr(absl::StrCat("href=\"/console/data-rights/", kRef,
                                           "\" id=\"open-referral\"")));

  // Nothing found anywhere: said, and the reference still opens.
  const std::string none = RenderFoundPage(
      kBar, request,
      {{"intake-svc", absl::UnimplementedError("x")},
       {"triage-svc", absl::UnimplementedError("x")}});
  EXPECT_THAT(none, HasSubstr("id=\"nothing-found\""));
  EXPECT_THAT(none, HasSubstr("id=\"open-referral\""));
}

// An export: intake holds a referral record and a child-abuse record
// needing review; triage a second one needing review.
SubjectAccessExport Example() {
  SubjectAccessExport e;
  e.id = kExportId;
  e.reference = kRef;
  e.party = common::v1::PARTY_SUBJECT;
  e.prepared_by = "staff-1";
  e.prepared_at = absl::FromUnixSeconds(1'800'000'000);
  common::v1::ExportSubjectResponse intake;
  intake.set_service("intake-svc");
  auto* plain = intake.add_records();
  plain->set_kind("referral");
  plain->set_id(kRef);
  plain->set_json(R"({"subject":{"name":{"givenNames":"Aisha <b>"}}})");
  auto* red = plain->add_redactions();
  red->set_path("otherParty");
  red->set_rule("other_party");
  auto* child = intake.add_records();
  child->set_kind("referral");
  child->set_id("children");
  child->set_json(R"({"children":[{"concern":"CHILD-SECRET"}]})");
  child->set_needs_review(true);
  common::v1::ExportSubjectResponse triage;
  triage.set_service("triage-svc");
  auto* assessment = triage.add_records();
  assessment->set_kind("assessment");
  assessment->set_id("1");
  assessment->set_json(R"({"note":"TRIAGE-CHILD"})");
  assessment->set_needs_review(true);
  e.responses = {intake, triage};
  return e;
}

TEST(SubjectAccessTest, OnlyReviewedRecordsChosenForReleaseAreReleased) {
  SubjectAccessExport e = Example();
  EXPECT_EQ(NeedsReviewCount(e.responses), 2);
  std::vector<ReviewItem> items = ItemsNeedingReview(e);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].key, "intake-svc-1");
  EXPECT_EQ(items[1].key, "triage-svc-0");
  EXPECT_FALSE(AllReviewed(e));
  // Undecided records are not released.
  EXPECT_EQ(ReleasedResponses(e)[0].records_size(), 1);
  EXPECT_EQ(ReleasedResponses(e)[1].records_size(), 0);

  e.decisions = {{"intake-svc-1", false}, {"triage-svc-0", true}};
  EXPECT_TRUE(AllReviewed(e));
  EXPECT_EQ(WithheldCount(e), 1);
  const auto released = ReleasedResponses(e);
  ASSERT_EQ(released[0].records_size(), 1);
  EXPECT_EQ(released[0].records(0).id(), kRef);
  ASSERT_EQ(released[1].records_size(), 1);
  EXPECT_EQ(released[1].records(0).id(), "1");
}

TEST(SubjectAccessTest, TheReviewFormTakesReleaseOrWithholdPerItem) {
  const SubjectAccessExport e = Example();
  ReviewInput in = ReadReviewForm(
      e, {{"item-intake-svc-1", "withhold"}, {"item-nothing-9", "release"}});
  EXPECT_TRUE(in.errors.empty());
  EXPECT_EQ(in.decisions, (std::map<std::string, bool>{{"intake-svc-1", false}}));
  EXPECT_FALSE(ReadReviewForm(e, {{"item-triage-svc-0", "maybe"}}).errors.empty());
}

TEST(SubjectAccessTest, TheExportPageOffersReleaseOnlyWhenReviewedAndDownloadsOnlyWhenReleased) {
  SubjectAccessExport e = Example();
  std::string page = RenderExportPage(kBar, e, "", {});
  EXPECT_THAT(page, HasSubstr("0 of 2 reviewed"));
  EXPECT_THAT(page, HasSubstr("name=\"item-intake-svc-1\""));
  EXPECT_THAT(page, HasSubstr("id=\"not-ready\""));
  EXPECT_THAT(page, Not(HasSubstr("id=\"release\"")));
  EXPECT_THAT(page, Not(HasSubstr("id=\"downloads\"")));
  // The records under review are shown, escaped; the others are not.
  EXPECT_THAT(page, HasSubstr("CHILD-SECRET"));
  EXPECT_THAT(page, Not(HasSubstr("Aisha")));

  e.decisions = {{"intake-svc-1", false}, {"triage-svc-0", true}};
  page = RenderExportPage(kBar, e, "Your review was saved", {});
  EXPECT_THAT(page, HasSubstr("2 of 2 reviewed"));
  EXPECT_THAT(page, HasSubstr("id=\"release\""));
  EXPECT_THAT(page, Not(HasSubstr("id=\"downloads\"")));
  EXPECT_THAT(page, HasSubstr("Your review was saved"));

  e.released_at = e.prepared_at + absl::Hours(1);
  e.released_by = "staff-2";
  page = RenderExportPage(kBar, e, "", {});
  EXPECT_THAT(page, HasSubstr("id=\"download-json\""));
  EXPECT_THAT(page, HasSubstr("id=\"download-html\""));
  EXPECT_THAT(page, Not(HasSubstr("id=\"release\"")));
  EXPECT_THAT(page, Not(HasSubstr("id=\"save-review\"")));
}

TEST(SubjectAccessBundleTest, NothingBeforeReleaseThenOnlyTheReleasedRecords) {
  SubjectAccessExport e = Example();
  e.decisions = {{"intake-svc-1", false}, {"triage-svc-0", true}};
  EXPECT_TRUE(absl::IsFailedPrecondition(
      WriteSubjectAccessBundle(e, kBundleJson).status()));
  e.released_at = e.prepared_at + absl::Hours(1);
  EXPECT_TRUE(absl::IsInvalidArgument(
      WriteSubjectAccessBundle(e, "pdf").status()));

  absl::StatusOr<std::string> json = WriteSubjectAccessBundle(e, kBundleJson);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("Aisha \\u003cb\\u003e"));
  EXPECT_THAT(*json, Not(HasSubstr("Aisha <b>")));
  EXPECT_THAT(*json, HasSubstr("TRIAGE-CHILD"));
  EXPECT_THAT(*json, Not(HasSubstr("CHILD-SECRET")));
  EXPECT_THAT(*json, HasSubstr("\"recordsWithheld\":1"));
  EXPECT_THAT(*json, HasSubstr("\"releasedAt\":"));

  absl::StatusOr<std::string> html = WriteSubjectAccessBundle(e, kBundleHtml);
  ASSERT_TRUE(html.ok()) << html.status();
  EXPECT_THAT(*html, HasSubstr("Aisha &lt;b&gt;"));
  EXPECT_THAT(*html, Not(HasSubstr("<b>")));
  EXPECT_THAT(*html, HasSubstr("<code>otherParty</code>: other_party"));
  EXPECT_THAT(*html, HasSubstr("after review; 1 records withheld"));
  EXPECT_THAT(*html, Not(HasSubstr("CHILD-SECRET")));
}

TEST(SubjectAccessBundleTest, TheSealedFormRoundTrips) {
  const SubjectAccessExport e = Example();
  absl::StatusOr<std::vector<common::v1::ExportSubjectResponse>> back =
      ParseResponses(SerialiseResponses(e.responses));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < back->size(); ++i) {
    EXPECT_EQ((*back)[i].SerializeAsString(),
              e.responses[i].SerializeAsString());
  }
  EXPECT_FALSE(ParseResponses("00000099abc").ok());
  EXPECT_FALSE(ParseResponses("x").ok());
}

}  // namespace
}  // namespace frontdoor::web
