// The console's placement and waiting-list pages, pure: the forms read into
// allocation's requests, allocation's field violations on the forms'
// fields, and what the pages show (escaped) to whom.
#include "web-svc/console_placement_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::web {

// For the matchers (found by argument-dependent lookup, so not in the
// unnamed namespace).
bool operator==(const ConsoleError& a, const ConsoleError& b) {
  return a.field == b.field && a.message == b.message;
}

namespace {

using allocation::v1::Placement;
using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

absl::TimeZone London() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &zone));
  return zone;
}

absl::Time Utc(int y, int m, int d, int h, int min) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, h, min, 0),
                         absl::UTCTimeZone());
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(t));
}

google::protobuf::Timestamp Stamp(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

const SignedInBar kBar{"Sam Okafor", "Practitioner", "csrf-123"};

TEST(ConsoleTimeTest, DayMonthYearAndTwelveHourTime) {
  EXPECT_EQ(ConsoleTime(Utc(2026, 12, 2, 14, 30), absl::UTCTimeZone()),
            "2 December 2026 at 2:30pm");
  EXPECT_EQ(ConsoleTime(Utc(2026, 12, 2, 0, 5), absl::UTCTimeZone()),
            "2 December 2026 at 12:05am");
  // British Summer Time: an hour ahead of UTC.
  EXPECT_EQ(ConsoleTime(Utc(2026, 7, 1, 11, 0), London()),
            "1 July 2026 at 12:00pm");
  EXPECT_EQ(ZoneLabel(London()), "UK time");
  EXPECT_EQ(ZoneLabel(absl::UTCTimeZone()), "UTC");
}

TEST(ConsentFormTest, ReadsWhoWhatHowAndWhenInUkTime) {
  auto parsed =
      ParseConsentForm("FD-7K3M9Q2X4W8P",
                       {{"who", "parent-or-carer"},
                        {"consent", "given"},
                        {"how", "  by phone to the CYP practitioner "},
                        {"given-at-day", "1"},
                        {"given-at-month", "7"},
                        {"given-at-year", "2026"},
                        {"given-at-time", "9.15"}},
                       London());
  EXPECT_THAT(parsed.errors, IsEmpty());
  const auto& r = parsed.request;
  EXPECT_EQ(r.reference(), "FD-7K3M9Q2X4W8P");
  EXPECT_EQ(r.who(), allocation::v1::RecordConsentRequest::WHO_PARENT_OR_CARER);
  EXPECT_EQ(r.consent(), common::v1::CONSENT_GIVEN);
  EXPECT_EQ(r.how(), "by phone to the CYP practitioner");
  // 9:15 UK summer time is 8:15 UTC.
  EXPECT_EQ(TimeOf(r.given_at()), Utc(2026, 7, 1, 8, 15));
}

TEST(ConsentFormTest, RefusedAndWithdrawnAreBothARefusal) {
  for (const char* said : {"refused", "withdrawn"}) {
    auto parsed = ParseConsentForm("FD-7K3M9Q2X4W8P",
                                   {{"who", "subject"},
                                    {"consent", said},
                                    {"how", "in person"},
                                    {"given-at-day", "2"},
                                    {"given-at-month", "12"},
                                    {"given-at-year", "2026"},
                                    {"given-at-time", "14:30"}},
                                   London());
    EXPECT_EQ(parsed.request.who(),
              allocation::v1::RecordConsentRequest::WHO_SUBJECT);
    EXPECT_EQ(parsed.request.consent(), common::v1::CONSENT_REFUSED) << said;
    EXPECT_EQ(TimeOf(parsed.request.given_at()), Utc(2026, 12, 2, 14, 30));
  }
  EXPECT_EQ(RecordedOfConsent({{"consent", "withdrawn"}}),
            Recorded::kConsentWithdrawn);
  EXPECT_EQ(RecordedOfConsent({{"consent", "refused"}}),
            Recorded::kConsentRefused);
  EXPECT_EQ(RecordedOfConsent({{"consent", "given"}}), Recorded::kConsentGiven);
}

TEST(ConsentFormTest, UnansweredQuestionsAreLeftForAllocationToName) {
  auto parsed = ParseConsentForm("FD-7K3M9Q2X4W8P",
                                 {{"given-at-day", "2"},
                                  {"given-at-month", "12"},
                                  {"given-at-year", "2026"},
                                  {"given-at-time", "14:30"}},
                                 London());
  EXPECT_THAT(parsed.errors, IsEmpty());
  EXPECT_EQ(parsed.request.who(),
            allocation::v1::RecordConsentRequest::WHO_UNSPECIFIED);
  EXPECT_EQ(parsed.request.consent(), common::v1::CONSENT_UNSPECIFIED);
  EXPECT_EQ(parsed.request.how(), "");
}

TEST(ConsentFormTest, ADateOrTimeThatIsNotOneIsWebSvcsToSay) {
  const auto errors_for = [](PostedFields f) {
    return ParseConsentForm("FD-7K3M9Q2X4W8P", f, absl::UTCTimeZone()).errors;
  };
  EXPECT_THAT(errors_for({{"given-at-time", "14:30"}}),
              ElementsAre(ConsoleError{
                  "given-at-day",
                  "Enter the date consent was given, refused or withdrawn"}));
  EXPECT_THAT(errors_for({{"given-at-day", "31"},
                          {"given-at-month", "2"},
                          {"given-at-year", "2026"},
                          {"given-at-time", "14:30"}}),
              ElementsAre(ConsoleError{"given-at-day",
                                       "The date consent was given, refused or "
                                       "withdrawn must be a real date"}));
  EXPECT_THAT(
      errors_for({{"given-at-day", "2"},
                  {"given-at-month", "12"},
                  {"given-at-year", "26"},
                  {"given-at-time", "14:30"}}),
      ElementsAre(::testing::Field(&ConsoleError::field, "given-at-day")));
  for (const char* time : {"25:00", "14:3", "2pm", "14:30:00", ":30"}) {
    EXPECT_THAT(errors_for({{"given-at-day", "2"},
                            {"given-at-month", "12"},
                            {"given-at-year", "2026"},
                            {"given-at-time", time}}),
                ElementsAre(ConsoleError{
                    "given-at-time",
                    "Enter the time as hours and minutes on the 24-hour "
                    "clock, for example 14:30"}))
        << time;
  }
  EXPECT_THAT(errors_for({{"given-at-day", "2"},
                          {"given-at-month", "12"},
                          {"given-at-year", "2026"}}),
              ElementsAre(ConsoleError{
                  "given-at-time",
                  "Enter the time consent was given, refused or withdrawn"}));
}

TEST(FirstContactFormTest, EachMethodAndTheTime) {
  const std::pair<const char*, allocation::v1::ContactMethod> kMethods[] = {
      {"phone", allocation::v1::CONTACT_METHOD_PHONE},
      {"in-person", allocation::v1::CONTACT_METHOD_IN_PERSON},
      {"video", allocation::v1::CONTACT_METHOD_VIDEO},
      {"message", allocation::v1::CONTACT_METHOD_MESSAGE},
      {"carrier pigeon", allocation::v1::CONTACT_METHOD_UNSPECIFIED},
  };
  for (const auto& [value, method] : kMethods) {
    auto parsed = ParseFirstContactForm("FD-7K3M9Q2X4W8P",
                                        {{"method", value},
                                         {"made-at-day", "02"},
                                         {"made-at-month", "12"},
                                         {"made-at-year", "2026"},
                                         {"made-at-time", "09:05"}},
                                        absl::UTCTimeZone());
    EXPECT_THAT(parsed.errors, IsEmpty());
    EXPECT_EQ(parsed.request.method(), method) << value;
    EXPECT_EQ(parsed.request.reference(), "FD-7K3M9Q2X4W8P");
    EXPECT_EQ(TimeOf(parsed.request.made_at()), Utc(2026, 12, 2, 9, 5));
  }
  auto no_time = ParseFirstContactForm("FD-7K3M9Q2X4W8P", {{"method", "phone"}},
                                       absl::UTCTimeZone());
  EXPECT_FALSE(no_time.request.has_made_at());
  EXPECT_THAT(
      no_time.errors,
      ElementsAre(
          ConsoleError{"made-at-day", "Enter the date of first contact"},
          ConsoleError{"made-at-time", "Enter the time of first contact"}));
}

TEST(FailureFormTest, NoContactOrDeclinedWithANote) {
  auto parsed = ParseFailureForm(
      "FD-7K3M9Q2X4W8P",
      {{"failure", "no-contact"}, {"note", " three calls, no answer "}});
  EXPECT_THAT(parsed.errors, IsEmpty());
  EXPECT_EQ(parsed.request.failure(),
            allocation::v1::FAILURE_REASON_NO_CONTACT);
  EXPECT_EQ(parsed.request.note(), "three calls, no answer");
  EXPECT_EQ(ParseFailureForm("FD-7K3M9Q2X4W8P", {{"failure", "declined"}})
                .request.failure(),
            allocation::v1::FAILURE_REASON_DECLINED);
  // Eligibility is allocation's decision: the form cannot send it.
  EXPECT_EQ(ParseFailureForm("FD-7K3M9Q2X4W8P", {{"failure", "not-eligible"}})
                .request.failure(),
            allocation::v1::FAILURE_REASON_UNSPECIFIED);
}

TEST(PlacementFormErrorsTest, EachViolationOnTheFieldThatHoldsIt) {
  const absl::Status consent = InvalidArgumentWithViolations(
      "the request is not valid",
      {{"who", "WHO_SUBJECT or WHO_PARENT_OR_CARER"},
       {"how", "required"},
       {"given_at", "must not be in the future"}});
  EXPECT_THAT(
      PlacementFormErrors(PlacementForm::kConsent, consent),
      ElementsAre(
          ConsoleError{"who", "Select whose consent it is"},
          ConsoleError{"how",
                       "Enter how consent was given, refused or withdrawn"},
          ConsoleError{"given-at-day",
                       "The date and time of consent must be in the past"}));
  const absl::Status contact = InvalidArgumentWithViolations(
      "the request is not valid",
      {{"method", "required: how contact was made"},
       {"made_at", "must not be before the referral was received"}});
  EXPECT_THAT(
      PlacementFormErrors(PlacementForm::kFirstContact, contact),
      ElementsAre(ConsoleError{"method", "Select how first contact was made"},
                  ConsoleError{"made-at-day",
                               "The date and time of first contact "
                               "must be after the referral was "
                               "received"}));
  const absl::Status failure = InvalidArgumentWithViolations(
      "the request is not valid",
      {{"failure", "FAILURE_REASON_NO_CONTACT or FAILURE_REASON_DECLINED"},
       {"note", "required"},
       {"reference", "must be a referral reference"}});
  EXPECT_THAT(
      PlacementFormErrors(PlacementForm::kFailure, failure),
      ElementsAre(ConsoleError{"failure", "Select why allocation failed"},
                  ConsoleError{"note", "Enter what happened"},
                  ConsoleError{"failure",
                               "This could not be recorded: must be a "
                               "referral reference"}));
}

TEST(PlacementFormErrorsTest, PreconditionsOnTheFormsFirstFieldOthersNone) {
  EXPECT_THAT(PlacementFormErrors(PlacementForm::kFirstContact,
                                  absl::FailedPreconditionError(
                                      "first contact was recorded before")),
              ElementsAre(ConsoleError{
                  "method",
                  "First contact has already been recorded for this "
                  "placement"}));
  EXPECT_THAT(
      PlacementFormErrors(
          PlacementForm::kFailure,
          absl::FailedPreconditionError("the placement is already failed")),
      ElementsAre(ConsoleError{
          "failure", "This placement is already closed: released or failed"}));
  EXPECT_THAT(PlacementFormErrors(PlacementForm::kConsent,
                                  absl::UnavailableError("down")),
              IsEmpty());
  EXPECT_THAT(PlacementFormErrors(PlacementForm::kConsent,
                                  absl::InvalidArgumentError("no fields")),
              ElementsAre(::testing::Field(&ConsoleError::field, "who")));
}

TEST(RecordedCodeTest, RoundTripsAndRefusesOthers) {
  for (Recorded r : {Recorded::kConsentGiven, Recorded::kConsentRefused,
                     Recorded::kConsentWithdrawn, Recorded::kFirstContact,
                     Recorded::kFailure}) {
    EXPECT_EQ(RecordedFromCode(RecordedCode(r)), r);
  }
  EXPECT_EQ(RecordedFromCode("<script>"), std::nullopt);
  EXPECT_EQ(PlacementFormOfPath("first-contact"), PlacementForm::kFirstContact);
  EXPECT_EQ(PlacementFormOfPath("release"), PlacementForm::kNone);
}

class PlacementPageTest : public ::testing::Test {
 protected:
  PlacementPageTest() {
    Placement& p = view_.placement;
    p.set_reference("FD-7K3M9Q2X4W8P");
    p.set_state(allocation::v1::PLACEMENT_STATE_ALLOCATED);
    p.set_programme_id("imatter");
    p.set_tier(2);
    p.set_risk_level(common::v1::RISK_LEVEL_MEDIUM);
    *p.mutable_allocated_at() = Stamp(Utc(2026, 12, 2, 9, 0));
    *p.mutable_first_contact_due() = Stamp(Utc(2026, 12, 4, 9, 0));
    p.set_first_contact(allocation::v1::FIRST_CONTACT_DUE);
    p.mutable_consent()->set_subject(common::v1::CONSENT_GIVEN);
    view_.programme_name = "iMatter";
    view_.may_record = true;
    view_.may_view_waiting_lists = true;
    view_.now = Utc(2026, 12, 2, 10, 7);
    view_.zone = absl::UTCTimeZone();
  }
  PlacementPageView view_;
};

TEST_F(PlacementPageTest, WhereItStandsAndTheFormsToRecord) {
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("<title>Placement FD-7K3M9Q2X4W8P"));
  EXPECT_THAT(page, HasSubstr("govuk-tag--green\">Allocated<"));
  EXPECT_THAT(page, HasSubstr("iMatter, tier 2"));
  EXPECT_THAT(page, HasSubstr("Due by 4 December 2026 at 9:00am"));
  EXPECT_THAT(page, HasSubstr("The person referred: Given"));
  EXPECT_THAT(page, HasSubstr("A parent or carer: Not recorded"));
  EXPECT_THAT(page, HasSubstr("href=\"/console/waiting-lists/imatter\""));
  EXPECT_THAT(page, Not(HasSubstr("href=\"/console/referrals/")));
  view_.may_view_referral = true;
  EXPECT_THAT(RenderPlacementPage(kBar, view_),
              HasSubstr("href=\"/console/referrals/FD-7K3M9Q2X4W8P/history\""));
  for (const char* path : {"consent", "first-contact", "failure"}) {
    EXPECT_THAT(page, HasSubstr(absl::StrCat(
                          "action=\"/console/placements/FD-7K3M9Q2X4W8P/", path,
                          "\"")));
  }
  EXPECT_THAT(page, HasSubstr("id=\"record-consent\""));
  EXPECT_THAT(page, HasSubstr("id=\"record-first-contact\""));
  EXPECT_THAT(page, HasSubstr("id=\"record-failure\""));
  EXPECT_THAT(page, HasSubstr("name=\"csrf-token\" value=\"csrf-123\""));
  // When defaults to now.
  EXPECT_THAT(page,
              HasSubstr("name=\"made-at-time\" type=\"text\" value=\"10:07\""));
  EXPECT_THAT(
      page, HasSubstr("name=\"made-at-year\" type=\"text\" "
                      "inputmode=\"numeric\" maxlength=\"4\" value=\"2026\""));
  // No release for a practitioner, no banner, no errors, one h1.
  EXPECT_THAT(page, Not(HasSubstr("id=\"release\"")));
  EXPECT_THAT(page, Not(HasSubstr("govuk-notification-banner")));
  EXPECT_THAT(page, Not(HasSubstr("govuk-error-summary")));
  EXPECT_EQ(page.find("<h1"), page.rfind("<h1"));
}

TEST_F(PlacementPageTest, TeamLeadersReleaseAPlaceHeld) {
  view_.may_release = true;
  EXPECT_THAT(
      RenderPlacementPage(kBar, view_),
      HasSubstr("href=\"/console/placements/FD-7K3M9Q2X4W8P/release\" "
                "role=\"button\" draggable=\"false\" class=\"govuk-button "
                "govuk-button--warning\" data-module=\"govuk-button\" "
                "id=\"release\""));
  view_.placement.set_state(allocation::v1::PLACEMENT_STATE_WAITING);
  EXPECT_THAT(RenderPlacementPage(kBar, view_),
              Not(HasSubstr("id=\"release\"")));
}

TEST_F(PlacementPageTest, ViewingOnlyShowsNoForms) {
  view_.may_record = false;
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(
      page,
      Not(HasSubstr("<form method=\"post\" action=\"/console/placements")));
  EXPECT_THAT(page, Not(HasSubstr("id=\"closed\"")));
}

TEST_F(PlacementPageTest, FirstContactMadeAndClosedPlacements) {
  Placement& p = view_.placement;
  *p.mutable_first_contact_at() = Stamp(Utc(2026, 12, 2, 10, 0));
  p.set_first_contact_method(allocation::v1::CONTACT_METHOD_PHONE);
  p.set_first_contact(allocation::v1::FIRST_CONTACT_MET);
  std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("govuk-tag--green\">Met<"));
  EXPECT_THAT(page, HasSubstr("Made 2 December 2026 at 10:00am, by phone"));
  EXPECT_THAT(page, Not(HasSubstr("id=\"record-first-contact\"")));
  EXPECT_THAT(page, HasSubstr("id=\"record-failure\""));

  p.set_state(allocation::v1::PLACEMENT_STATE_FAILED);
  p.set_failure(allocation::v1::FAILURE_REASON_NO_CONTACT);
  page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("govuk-tag--red\">Failed<"));
  EXPECT_THAT(page, HasSubstr(">No contact<"));
  EXPECT_THAT(page, Not(HasSubstr("id=\"record-failure\"")));
  EXPECT_THAT(page, HasSubstr("id=\"record-consent\""));

  p.set_state(allocation::v1::PLACEMENT_STATE_RELEASED);
  page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, Not(HasSubstr("id=\"record-consent\"")));
  EXPECT_THAT(page, HasSubstr("id=\"closed\""));
}

TEST_F(PlacementPageTest, WaitingShowsThePlaceOnTheList) {
  Placement& p = view_.placement;
  p.set_state(allocation::v1::PLACEMENT_STATE_WAITING);
  *p.mutable_waiting_since() = Stamp(Utc(2026, 12, 1, 16, 45));
  view_.position = 2;
  view_.waiting = 5;
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("govuk-tag--blue\">Waiting<"));
  EXPECT_THAT(page, HasSubstr("Number 2 of 5 waiting"));
  EXPECT_THAT(page, HasSubstr("Since 1 December 2026 at 4:45pm"));
}

TEST_F(PlacementPageTest, EveryValueIsEscaped) {
  view_.placement.set_reason("<script>alert(1)</script>");
  view_.programme_name = "<b>iMatter</b>";
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(page, Not(HasSubstr("<b>iMatter")));
}

TEST_F(PlacementPageTest, ARefusedFormKeepsItsValuesAndShowsItsErrors) {
  view_.form = PlacementForm::kConsent;
  view_.values = {{"consent", "withdrawn"},  {"how", "by \"text\" <message>"},
                  {"given-at-day", "2"},     {"given-at-month", "12"},
                  {"given-at-year", "2026"}, {"given-at-time", "08:00"}};
  view_.errors = {{"who", "Select whose consent it is"}};
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("<title>Error: Placement"));
  EXPECT_THAT(page, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(page,
              HasSubstr("<a href=\"#who\">Select whose consent it is</a>"));
  EXPECT_THAT(page, HasSubstr("id=\"who-error\""));
  EXPECT_THAT(page, HasSubstr("value=\"withdrawn\" checked"));
  EXPECT_THAT(page, HasSubstr("value=\"by &quot;text&quot; &lt;message&gt;\""));
  EXPECT_THAT(
      page, HasSubstr("name=\"given-at-time\" type=\"text\" value=\"08:00\""));
  // The other forms keep their defaults.
  EXPECT_THAT(page,
              HasSubstr("name=\"made-at-time\" type=\"text\" value=\"10:07\""));
}

TEST_F(PlacementPageTest, AFormRefusedAsTooLateStaysBesideItsError) {
  // First contact recorded meanwhile (in another browser): the form would
  // not be offered, but its error needs it.
  *view_.placement.mutable_first_contact_at() = Stamp(Utc(2026, 12, 2, 10, 0));
  view_.form = PlacementForm::kFirstContact;
  view_.values = {{"method", "phone"}};
  view_.errors = {{"method",
                   "First contact has already been recorded for "
                   "this placement"}};
  const std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("<a href=\"#method\">"));
  EXPECT_THAT(page, HasSubstr("id=\"method-error\""));
  EXPECT_THAT(page, HasSubstr("id=\"record-first-contact\""));
}

TEST_F(PlacementPageTest, TheBannerSaysWhatWasRecordedAndWhereItStands) {
  view_.recorded = Recorded::kConsentGiven;
  std::string page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(page, HasSubstr("Consent recorded"));
  EXPECT_THAT(page, HasSubstr("The placement is allocated to iMatter."));
  view_.recorded = Recorded::kFirstContact;
  view_.placement.set_first_contact(allocation::v1::FIRST_CONTACT_MISSED);
  page = RenderPlacementPage(kBar, view_);
  EXPECT_THAT(page, HasSubstr("First contact recorded"));
  EXPECT_THAT(page, HasSubstr("It missed the first-contact target."));
}

TEST(NoPlacementPageTest, SaysAllocationHasNotHeardOfIt) {
  const std::string page = RenderNoPlacementPage(kBar, "FD-7K3M9Q2X4W8P");
  EXPECT_THAT(page, HasSubstr("FD-7K3M9Q2X4W8P has no placement yet"));
}

TEST(WaitingListsPageTest, EachListInOrderWithItsCountsAndNoNames) {
  WaitingListView imatter;
  imatter.programme.set_id("imatter");
  imatter.programme.set_name("iMatter");
  imatter.programme.set_door(config::v1::DOOR_ADULT);
  imatter.programme.set_side(common::v1::SIDE_VICTIM);
  imatter.programme.set_tier(2);
  for (const char* ref : {"FD-HHHHHHHHHHH1", "FD-SSSSSSSSSSS2"}) {
    Placement& p = *imatter.list.add_waiting();
    p.set_reference(ref);
    p.set_risk_level(ref[3] == 'H' ? common::v1::RISK_LEVEL_HIGH
                                   : common::v1::RISK_LEVEL_STANDARD);
    *p.mutable_waiting_since() = Stamp(Utc(2026, 12, 2, 11, 0));
    *p.mutable_first_contact_due() = Stamp(Utc(2026, 12, 3, 11, 0));
    p.set_first_contact(ref[3] == 'H' ? allocation::v1::FIRST_CONTACT_OVERDUE
                                      : allocation::v1::FIRST_CONTACT_MET);
  }
  imatter.list.set_overdue(1);
  imatter.list.set_first_contact_met(1);
  WaitingListView detox;
  detox.programme.set_id("dating-detox");
  detox.programme.set_name("Dating Detox");
  detox.programme.set_door(config::v1::DOOR_CHILD);
  detox.programme.set_side(common::v1::SIDE_BEHAVIOUR_CHANGE);
  detox.programme.set_tier(3);

  const std::string page = RenderWaitingListsPage(kBar, {imatter, detox}, false,
                                                  absl::UTCTimeZone());
  EXPECT_THAT(page,
              HasSubstr("<h1 class=\"govuk-heading-l\">Waiting lists</h1>"));
  EXPECT_THAT(page, HasSubstr("iMatter (adults, victim side, tier 2)"));
  EXPECT_THAT(
      page,
      HasSubstr("Dating Detox (children, behaviour change side, tier 3)"));
  const size_t high = page.find("FD-HHHHHHHHHHH1");
  const size_t standard = page.find("FD-SSSSSSSSSSS2");
  ASSERT_NE(high, std::string::npos);
  ASSERT_NE(standard, std::string::npos);
  EXPECT_LT(high, standard);
  EXPECT_THAT(page, HasSubstr("href=\"/console/placements/FD-HHHHHHHHHHH1\""));
  EXPECT_THAT(page, HasSubstr("<span id=\"overdue-imatter\">1</span>"));
  EXPECT_THAT(page, HasSubstr("<span id=\"met-imatter\">1</span>"));
  EXPECT_THAT(page, HasSubstr("<span id=\"missed-imatter\">0</span>"));
  EXPECT_THAT(page, HasSubstr("govuk-tag--red\">Overdue<"));
  EXPECT_THAT(page, HasSubstr("Nobody is waiting."));
  EXPECT_THAT(page, HasSubstr("href=\"/console/waiting-lists/dating-detox\""));

  const std::string one =
      RenderWaitingListsPage(kBar, {imatter}, true, absl::UTCTimeZone());
  EXPECT_THAT(one, HasSubstr("<h1 class=\"govuk-heading-l\">Waiting list for "
                             "iMatter</h1>"));
  EXPECT_THAT(one, HasSubstr("href=\"/console/waiting-lists\""));
  EXPECT_THAT(one, Not(HasSubstr("href=\"/console/waiting-lists/imatter\"")));
}

}  // namespace
}  // namespace frontdoor::web
