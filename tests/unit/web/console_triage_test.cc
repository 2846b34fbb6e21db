// The console's triage pages without HTTP: paths, the DASH and children's
// forms read into triage's request, triage's field violations mapped back
// onto the forms' fields, and what each page shows (and escapes).
#include "web-svc/console_triage_pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "web-svc/console_triage.h"
#include "web-svc/professional_referral.h"

namespace frontdoor::web {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 12, 2, 9, 0, 0),
                                        absl::UTCTimeZone());
const SignedInBar kBar{"Sam Okafor", "Practitioner", "csrf-123"};
constexpr char kRef[] = "FD-7K3M9Q2X4W8P";

std::vector<std::string> FieldsOf(const std::vector<ConsoleError>& errors) {
  std::vector<std::string> out;
  for (const ConsoleError& e : errors) out.push_back(e.field);
  return out;
}

TEST(TriagePathTest, NamesTheReferralsPagesOnly) {
  auto p = ParseTriagePath("/console/referrals/FD-7K3M9Q2X4W8P");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reference, kRef);
  EXPECT_EQ(p->page, TriagePage::kReferral);
  p = ParseTriagePath("/console/referrals/FD-7K3M9Q2X4W8P/assessment");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->page, TriagePage::kAssessment);
  p = ParseTriagePath("/console/referrals/FD-7K3M9Q2X4W8P/decision");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->page, TriagePage::kDecision);
  // Other sections' pages, and nonsense, are not these.
  for (const char* other :
       {"/console/referrals/FD-7K3M9Q2X4W8P/history",
        "/console/referrals/FD-7K3M9Q2X4W8P/override", "/console/referrals/",
        "/console/referrals/a/b", "/console/queue",
        "/console/referrals//decision"}) {
    EXPECT_FALSE(ParseTriagePath(other).has_value()) << other;
  }
  EXPECT_EQ(DecisionPath(kRef), "/console/referrals/FD-7K3M9Q2X4W8P/decision");
  EXPECT_EQ(OverridePath(kRef), "/console/referrals/FD-7K3M9Q2X4W8P/override");
}

TEST(TriagePagesTest, WaitsAreInWords) {
  EXPECT_EQ(WaitText(absl::Seconds(30)), "under a minute");
  EXPECT_EQ(WaitText(absl::Minutes(1)), "1 minute");
  EXPECT_EQ(WaitText(absl::Hours(2) + absl::Minutes(5)), "2 hours 5 minutes");
  EXPECT_EQ(WaitText(absl::Hours(24)), "1 day");
  EXPECT_EQ(WaitText(absl::Hours(75)), "3 days 3 hours");
}

TEST(DashFormTest, AnswersCommentsAndSourcesBecomeTheRequest) {
  const FormValues form = {
      {"dash-1", "yes"},          {"dash-1-comment", "Bruised arm\nlast week"},
      {"dash-1-source", " the person "},
      {"dash-2", "no"},           {"dash-3", "dont-know"},
      {"police-callouts", " 3 "}, {"judgement", "yes"},
      {"judgement-reason", "Threats to kill disclosed"}};
  const BuiltAssessment built = BuildDashAssessment(kRef, form, kNow);
  EXPECT_THAT(built.errors, ::testing::IsEmpty());
  const triage::v1::SubmitAssessmentRequest& r = built.request;
  EXPECT_EQ(r.reference(), kRef);
  ASSERT_TRUE(r.has_dash());
  EXPECT_EQ(r.dash().form_version(), "safelives-dash-24");
  ASSERT_EQ(r.dash().answers_size(), 3);
  EXPECT_EQ(r.dash().answers(0).question(), 1);
  EXPECT_EQ(r.dash().answers(0).answer(), common::v1::ANSWER_YES);
  EXPECT_EQ(r.dash().answers(0).comment(), "Bruised arm\nlast week");
  EXPECT_EQ(r.dash().answers(0).source(), "the person");
  EXPECT_EQ(r.dash().answers(1).answer(), common::v1::ANSWER_NO);
  EXPECT_EQ(r.dash().answers(2).question(), 3);
  EXPECT_EQ(r.dash().answers(2).answer(), common::v1::ANSWER_DONT_KNOW);
  EXPECT_EQ(r.dash().police_callouts_past_12_months(), 3);
  EXPECT_TRUE(r.dash().professional_judgement_high_risk());
  EXPECT_EQ(r.dash().professional_judgement_reason(),
            "Threats to kill disclosed");
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(r.dash().completed_at()),
            absl::ToUnixMicros(kNow));
  // Nothing given: no call-outs, no judgement.
  const BuiltAssessment empty = BuildDashAssessment(kRef, {}, kNow);
  EXPECT_FALSE(empty.request.dash().has_police_callouts_past_12_months());
  EXPECT_FALSE(empty.request.dash().professional_judgement_high_risk());
  EXPECT_EQ(empty.request.dash().answers_size(), 0);
}

TEST(DashFormTest, TheFormsOwnErrorsAreOnTheirFields) {
  const FormValues form = {{"dash-4-comment", "said so"},
                           {"dash-7", "maybe"},
                           {"police-callouts", "three"}};
  const BuiltAssessment built = BuildDashAssessment(kRef, form, kNow);
  EXPECT_THAT(FieldsOf(built.errors),
              ElementsAre("dash-4", "dash-7", "police-callouts"));
  EXPECT_THAT(built.errors[0].message, HasSubstr("remove its comment"));
  EXPECT_EQ(built.request.dash().answers_size(), 0);
}

TEST(DashFormTest, TriagesViolationsLandOnTheQuestionsTheyAreAbout) {
  triage::v1::SubmitAssessmentRequest r;
  r.set_reference(kRef);
  auto* dash = r.mutable_dash();
  for (int q : {2, 5}) {
    auto* a = dash->add_answers();
    a->set_question(q);
    a->set_answer(common::v1::ANSWER_YES);
  }
  dash->set_professional_judgement_high_risk(true);
  std::vector<std::string> unmapped;
  const std::vector<ConsoleError> errors = AssessmentErrors(
      {{"dash.professional_judgement_reason", "required"},
       {"dash.answers[1].comment", "too long"},
       {"dash.answers[0].source", "line break"},
       {"dash.answers", "22 of 24 questions not answered"},
       {"dash.form_version", "unknown"}},
      r, nullptr, &unmapped);
  std::vector<std::string> want = {"dash-1", "dash-2-source", "dash-3",
                                   "dash-4", "dash-5-comment"};
  for (int q = 6; q <= 24; ++q) want.push_back(absl::StrCat("dash-", q));
  want.push_back("judgement-reason");
  EXPECT_EQ(FieldsOf(errors), want);
  EXPECT_EQ(errors[0].message, "Select yes, no or don't know for question 1");
  EXPECT_EQ(errors.back().message, "Enter why you judge the risk to be high");
  EXPECT_THAT(unmapped, ElementsAre("dash.form_version"));

  // None answered: one error, not 24.
  triage::v1::SubmitAssessmentRequest none;
  none.mutable_dash();
  unmapped.clear();
  const auto one = AssessmentErrors({{"dash.answers", "24 of 24"}}, none,
                                    nullptr, &unmapped);
  EXPECT_THAT(FieldsOf(one), ElementsAre("dash-1"));
  EXPECT_THAT(one[0].message, HasSubstr("Answer every question"));
  EXPECT_TRUE(unmapped.empty());
}

triage::v1::ChildAssessmentForm ChildForm(bool checklist) {
  triage::v1::ChildAssessmentForm f;
  f.set_rules_version("roots-to-support-2");
  for (const char* id : {"witnessed-violence", "injured"}) {
    auto* q = f.add_indicators();
    q->set_indicator(id);
    q->set_text(absl::StrCat("Question about ", id, "?"));
  }
  f.set_special_needs_asked(true);
  if (checklist) {
    f.set_young_people_checklist("safelives-yp-dash-24");
    f.set_young_people_checklist_questions(24);
  }
  return f;
}

TEST(ChildFormTest, IndicatorsAndTheChecklistBecomeTheRequest) {
  const FormValues form = {{"indicator-witnessed-violence", "yes"},
                           {"indicator-witnessed-violence-comment", "Told teacher"},
                           {"indicator-injured", "no"},
                           {"special-needs", "yes"},
                           {"yp-1", "dont-know"},
                           {"yp-1-source", "the young person"}};
  const BuiltAssessment built =
      BuildChildAssessment(kRef, ChildForm(true), form);
  EXPECT_THAT(built.errors, ::testing::IsEmpty());
  ASSERT_TRUE(built.request.has_child());
  const triage::v1::ChildAssessment& c = built.request.child();
  EXPECT_EQ(c.rules_version(), "roots-to-support-2");
  ASSERT_EQ(c.indicators_size(), 2);
  EXPECT_EQ(c.indicators(0).indicator(), "witnessed-violence");
  EXPECT_EQ(c.indicators(0).answer(), common::v1::ANSWER_YES);
  EXPECT_EQ(c.indicators(0).comment(), "Told teacher");
  EXPECT_EQ(c.indicators(1).answer(), common::v1::ANSWER_NO);
  EXPECT_TRUE(c.special_needs());
  ASSERT_EQ(c.young_people_checklist_size(), 1);
  EXPECT_EQ(c.young_people_checklist(0).answer(), common::v1::ANSWER_DONT_KNOW);
  EXPECT_EQ(c.young_people_checklist(0).source(), "the young person");

  // Special needs must be answered; a comment needs its answer.
  const BuiltAssessment bad = BuildChildAssessment(
      kRef, ChildForm(false), {{"indicator-injured-comment", "x"}});
  EXPECT_THAT(FieldsOf(bad.errors),
              ElementsAre("indicator-injured", "special-needs"));
}

TEST(ChildFormTest, TriagesViolationsLandOnIndicatorsAndChecklist) {
  const triage::v1::ChildAssessmentForm form = ChildForm(true);
  triage::v1::SubmitAssessmentRequest r;
  auto* c = r.mutable_child();
  c->set_rules_version(form.rules_version());
  auto* a = c->add_indicators();
  a->set_indicator("injured");
  a->set_answer(common::v1::ANSWER_YES);
  std::vector<std::string> unmapped;
  const auto errors = AssessmentErrors(
      {{"child.young_people_checklist", "24 of 24 questions not answered"},
       {"child.indicators[0].comment", "too long"},
       {"child.indicators", "not answered: witnessed-violence"},
       {"child.rules_version", "unknown"}},
      r, &form, &unmapped);
  EXPECT_THAT(FieldsOf(errors),
              ElementsAre("indicator-witnessed-violence",
                          "indicator-injured-comment", "yp-1"));
  EXPECT_THAT(errors[0].message, HasSubstr("Question about witnessed-violence"));
  EXPECT_THAT(unmapped, ElementsAre("child.rules_version"));
}

TEST(QueuePageTest, ALongQueueGoesOnToTheNextPageAndBackToTheFirst) {
  triage::v1::ListQueueResponse q;
  q.set_total_waiting(150);
  q.add_entries()->set_reference("FD-AAAAAAAAAAAA");
  q.set_next_page_token("dHJpYWdlOjM6MTc2NDY2Njg=");
  const std::string first = RenderQueuePage(kBar, q, absl::UTCTimeZone());
  EXPECT_THAT(first, HasSubstr(
                         "href=\"/console/queue?page=dHJpYWdlOjM6MTc2NDY2Njg=\""));
  EXPECT_THAT(first, Not(HasSubstr("id=\"queue-first\"")));
  q.clear_next_page_token();
  const std::string last =
      RenderQueuePage(kBar, q, absl::UTCTimeZone(), /*later_page=*/true);
  EXPECT_THAT(last, HasSubstr("id=\"queue-first\""));
  EXPECT_THAT(last, Not(HasSubstr("id=\"queue-next\"")));
  EXPECT_THAT(last, HasSubstr("come after those on the earlier pages"));
  // A token that is not URL-safe base64 is never put in a link.
  q.set_next_page_token("a\"><script>");
  EXPECT_THAT(RenderQueuePage(kBar, q, absl::UTCTimeZone()),
              Not(HasSubstr("queue-next")));
  EXPECT_TRUE(IsQueuePageToken("abc-_DEF="));
  EXPECT_FALSE(IsQueuePageToken(""));
  EXPECT_FALSE(IsQueuePageToken("a/b"));
  EXPECT_FALSE(IsQueuePageToken(std::string(kMaxQueueTokenChars + 1, 'a')));
}

TEST(QueuePageTest, ShowsTheQueueInItsOrderWithOverdueAndNoNames) {
  triage::v1::ListQueueResponse q;
  q.set_total_waiting(3);
  auto add = [&](const char* ref, common::v1::RiskLevel risk, bool overdue,
                 const char* reason) {
    auto* e = q.add_entries();
    e->set_reference(ref);
    e->set_front_door(common::v1::FRONT_DOOR_CHILDREN);
    e->set_provisional_risk(risk);
    *e->mutable_received_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(kNow));
    *e->mutable_waited() = TimeUtil::SecondsToDuration(26 * 3600);
    *e->mutable_first_contact_target() = TimeUtil::SecondsToDuration(86400);
    e->set_overdue(overdue);
    e->set_waiting_reason(reason);
  };
  add("FD-AAAAAAAAAAAA", common::v1::RISK_LEVEL_HIGH, true, "<no DASH>");
  add("FD-BBBBBBBBBBBB", common::v1::RISK_LEVEL_STANDARD, false, "");
  const std::string page = RenderQueuePage(kBar, q, absl::UTCTimeZone());
  EXPECT_THAT(page, HasSubstr("id=\"queue\""));
  const size_t high = page.find("FD-AAAAAAAAAAAA");
  const size_t standard = page.find("FD-BBBBBBBBBBBB");
  ASSERT_NE(high, std::string::npos);
  EXPECT_LT(high, standard);
  EXPECT_THAT(page, HasSubstr(
                        "href=\"/console/referrals/FD-AAAAAAAAAAAA\""));
  EXPECT_THAT(page, HasSubstr("Overdue"));
  EXPECT_EQ(page.find("Overdue"), page.rfind("Overdue"));
  EXPECT_THAT(page, HasSubstr("1 day 2 hours"));
  EXPECT_THAT(page, HasSubstr("2 Dec 2026 at 09:00"));
  EXPECT_THAT(page, HasSubstr("&lt;no DASH&gt;"));
  EXPECT_THAT(page, HasSubstr("3 referrals are waiting"));
  EXPECT_THAT(page, HasSubstr("The 2 with the highest risk"));
  EXPECT_THAT(page, HasSubstr("Signed in as <strong>Sam Okafor</strong>"));
}

TEST(ReferralPageTest, PurposeFormAndTheReferralInFull) {
  const std::string ask = RenderPurposePage(kBar, kRef, {});
  EXPECT_THAT(ask, HasSubstr("action=\"/console/referrals/FD-7K3M9Q2X4W8P\""));
  EXPECT_THAT(ask, HasSubstr("name=\"csrf-token\" value=\"csrf-123\""));
  EXPECT_THAT(ask, HasSubstr("id=\"purpose\" name=\"purpose\""));
  for (const PurposeOption& p : ReadPurposes()) {
    EXPECT_EQ(PurposeFromValue(p.value), p.purpose);
    EXPECT_THAT(ask, HasSubstr(absl::StrCat("value=\"", p.value, "\"")));
  }
  EXPECT_FALSE(PurposeFromValue("curiosity").has_value());
  const std::string refused =
      RenderPurposePage(kBar, kRef, {{kPurposeField, kPurposeMissing}});
  EXPECT_THAT(refused, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(refused, HasSubstr("href=\"#purpose\""));
  EXPECT_THAT(refused, HasSubstr("<title>Error: "));

  intake::v1::ReadReferralResponse read;
  read.mutable_receipt()->set_reference(kRef);
  read.mutable_receipt()->set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  read.mutable_receipt()->set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
  read.mutable_receipt()->set_repeat(intake::v1::REPEAT_STATUS_REPEAT);
  read.set_channel(common::v1::CHANNEL_PHONE);
  read.set_referring_agency("staffs-police");
  read.set_submitting_agency("staffs-police");
  auto* s = read.mutable_referral()->mutable_subject();
  s->mutable_name()->set_given_names("Aisha <b>");
  s->mutable_name()->set_family_name("Khan");
  read.mutable_referral()->set_concerns("Line one\nLine two");
  auto* a = read.mutable_referral()->mutable_risk_assessment();
  a->set_form_version("safelives-dash-24");
  auto* ans = a->add_answers();
  ans->set_question(15);
  ans->set_answer(common::v1::ANSWER_YES);
  ReferralLinks links;
  links.assessment = true;
  links.decision = true;
  const std::string page = RenderReferralPage(
      kBar, read, intake::v1::READ_PURPOSE_FIRST_CONTACT, links,
      absl::UTCTimeZone());
  EXPECT_THAT(page, HasSubstr("Aisha &lt;b&gt; Khan"));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  EXPECT_THAT(page, HasSubstr("Opened for: First contact"));
  EXPECT_THAT(page, HasSubstr("Line one<br>Line two"));
  EXPECT_THAT(page, HasSubstr("Repeat: referred in the past 12 months"));
  EXPECT_THAT(page, HasSubstr("Phone"));
  EXPECT_THAT(page, HasSubstr("govuk-summary-list"));
  EXPECT_THAT(page, HasSubstr(DashQuestion(15)));
  EXPECT_THAT(page, HasSubstr(
                        "href=\"/console/referrals/FD-7K3M9Q2X4W8P/assessment\""));
  EXPECT_THAT(page,
              HasSubstr("href=\"/console/referrals/FD-7K3M9Q2X4W8P/decision\""));
  EXPECT_THAT(page, Not(HasSubstr("/history")));
  EXPECT_THAT(page, Not(HasSubstr("/console/placements/")));
}

TEST(AssessmentPageTest, TheDashHasTheTwentyFourQuestionsInPlainEnglish) {
  const std::string page = RenderDashPage(
      kBar, kRef, {{"dash-3", "yes"}},
      {{"dash-2", "Select yes, no or don't know for question 2"}});
  for (int q = 1; q <= kDashQuestions; ++q) {
    EXPECT_THAT(page, HasSubstr(absl::StrCat("name=\"dash-", q, "\"")));
    EXPECT_THAT(page, HasSubstr(absl::StrCat("id=\"dash-", q, "-comment\"")));
    EXPECT_THAT(page, HasSubstr(absl::StrCat("id=\"dash-", q, "-source\"")));
  }
  EXPECT_THAT(page, HasSubstr("tried to strangle, choke, suffocate or drown"));
  EXPECT_THAT(page, HasSubstr("href=\"#dash-2\""));
  EXPECT_THAT(page, HasSubstr("id=\"dash-2-error\""));
  EXPECT_THAT(page, HasSubstr("value=\"yes\" checked"));
  EXPECT_THAT(page, HasSubstr("id=\"continue\""));
  EXPECT_THAT(page, HasSubstr(
                        "action=\"/console/referrals/FD-7K3M9Q2X4W8P/assessment\""));
  EXPECT_THAT(page, HasSubstr("name=\"csrf-token\" value=\"csrf-123\""));

  const std::string child =
      RenderChildAssessmentPage(kBar, kRef, ChildForm(false), {}, {});
  EXPECT_THAT(child, HasSubstr("Question about injured?"));
  EXPECT_THAT(child, HasSubstr("name=\"indicator-injured\""));
  EXPECT_THAT(child, HasSubstr("name=\"special-needs\""));
  EXPECT_THAT(child, Not(HasSubstr("name=\"yp-1\"")));
  EXPECT_THAT(RenderChildAssessmentPage(kBar, kRef, ChildForm(true), {}, {}),
              HasSubstr("name=\"yp-24\""));
}

TEST(DecisionPageTest, FlagsTierRecipientsAndTheOverrideForLeadersOnly) {
  triage::v1::Decision d;
  d.set_reference(kRef);
  d.set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  d.set_side(common::v1::SIDE_VICTIM);
  d.set_risk_level(common::v1::RISK_LEVEL_HIGH);
  d.mutable_marac()->set_visible_high_risk(true);
  d.mutable_marac()->set_potential_escalation(true);
  d.set_tier(4);
  d.set_score(15);
  d.mutable_recipients()->set_marac(true);
  d.mutable_recipients()->set_idva(true);
  const std::string practitioner = RenderDecisionPage(
      kBar, d, "", false, ReferralLinks{}, absl::UTCTimeZone());
  EXPECT_THAT(practitioner, HasSubstr(">High</strong>"));
  EXPECT_THAT(practitioner, HasSubstr("Visible high risk<br>Potential escalation"));
  EXPECT_THAT(practitioner, Not(HasSubstr("Professional judgement<")));
  EXPECT_THAT(practitioner, HasSubstr("15 yes of 24"));
  EXPECT_THAT(practitioner, HasSubstr(
                                "The referrer<br>MARAC and the police harm "
                                "reduction hub<br>The IDVA service"));
  EXPECT_THAT(practitioner, Not(HasSubstr("id=\"override\"")));
  EXPECT_THAT(practitioner, Not(HasSubstr("govuk-notification-banner")));
  const std::string leader = RenderDecisionPage(
      kBar, d, kAssessmentRecorded, true, ReferralLinks{}, absl::UTCTimeZone());
  EXPECT_THAT(leader,
              HasSubstr("id=\"override\" "
                        "href=\"/console/referrals/FD-7K3M9Q2X4W8P/override\""));
  EXPECT_THAT(leader, HasSubstr("govuk-notification-banner--success"));
  EXPECT_THAT(leader, HasSubstr(kAssessmentRecorded));
}

TEST(OneTimeNoticesTest, ANoticeIsShownOnceToItsSessionOnItsPage) {
  OneTimeNotices n;
  n.Put("session-a", "/p", "Recorded");
  EXPECT_EQ(n.Take("session-b", "/p"), "");
  EXPECT_EQ(n.Take("session-a", "/q"), "");
  EXPECT_EQ(n.Take("session-a", "/p"), "Recorded");
  EXPECT_EQ(n.Take("session-a", "/p"), "");
  for (size_t i = 0; i <= OneTimeNotices::kMaxNotices; ++i) {
    n.Put(absl::StrCat("s", i), "/p", "x");
  }
  EXPECT_EQ(n.Take("s0", "/p"), "");  // the oldest made room
  EXPECT_EQ(n.Take(absl::StrCat("s", OneTimeNotices::kMaxNotices), "/p"), "x");
}

}  // namespace
}  // namespace frontdoor::web
