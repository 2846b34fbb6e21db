// The redaction rules of subject access exports (common/rights/redaction.h),
// one test per rule of common/rights/README.md's table.
#include "common/rights/redaction.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace frontdoor::rights {
namespace {

using common::v1::Party;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kReference[] = "FD-7K3M9Q2X4W8P";

common::v1::Referral AReferral(common::v1::RequestedService requested) {
  common::v1::Referral r;
  r.set_requested_service(requested);
  r.set_channel(common::v1::CHANNEL_PARTNER_API);
  common::v1::Referrer& who = *r.mutable_referrer();
  who.set_name("Rita Referrer");
  who.set_role("PC");
  who.set_phone("01785 000111");
  who.set_email("rita@police.example");
  common::v1::Subject& s = *r.mutable_subject();
  s.mutable_name()->set_given_names("Sam");
  s.mutable_name()->set_family_name("Subject");
  s.mutable_date_of_birth()->set_year(1990);
  s.mutable_date_of_birth()->set_month(3);
  s.mutable_date_of_birth()->set_day(4);
  s.mutable_contact()->set_phone("07700 900001");
  s.add_specialist_needs(common::v1::SPECIALIST_NEED_LGBTQ_PLUS);
  s.mutable_address()->add_lines("1 Subject Street");
  s.mutable_address()->set_postcode("ST1 1AA");
  common::v1::OtherParty& o = *r.mutable_other_party();
  o.mutable_name()->set_given_names("Olly");
  o.mutable_name()->set_family_name("Other");
  o.mutable_date_of_birth()->set_year(1988);
  o.mutable_date_of_birth()->set_month(7);
  o.mutable_date_of_birth()->set_day(8);
  o.set_relationship(common::v1::RELATIONSHIP_EX_PARTNER);
  o.mutable_contact()->set_phone("07700 900002");
  r.mutable_consent()->set_subject(common::v1::CONSENT_GIVEN);
  return r;
}

Context ContextOf(Party party, const common::v1::Referral& referral,
                  common::v1::FrontDoor door, int child = 0,
                  bool show_staff_names = false) {
  common::v1::ExportSubjectRequest request;
  request.mutable_person()->set_reference(kReference);
  request.mutable_person()->set_party(party);
  request.mutable_person()->set_child_index(child);
  request.set_show_staff_names(show_staff_names);
  return ContextFor(request, referral, door);
}

std::string JsonOf(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

::testing::Matcher<common::v1::Redaction> Withheld(const std::string& path,
                                                   const std::string& rule) {
  return AllOf(::testing::Property(&common::v1::Redaction::path, path),
               ::testing::Property(&common::v1::Redaction::rule, rule));
}

TEST(Redaction, AVictimNeverSeesTheOtherPartysDetails) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  auto out = RedactReferral(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM),
                            referral, "referral.");
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, AllOf(Not(HasSubstr("Olly")), Not(HasSubstr("1988")),
                          Not(HasSubstr("900002"))));
  EXPECT_THAT(json, AllOf(HasSubstr("Sam"), HasSubstr("900001"),
                          HasSubstr("Subject Street")));
  EXPECT_THAT(out.redactions,
              Contains(Withheld("referral.otherParty", kRuleOtherParty)));
}

TEST(Redaction, ABehaviourChangeSubjectNeverSeesTheVictimsContact) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE);
  auto out =
      RedactReferral(ContextOf(common::v1::PARTY_SUBJECT, referral,
                               common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE),
                     referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, Not(HasSubstr("900002")));
  // Their own address and the victim's name stay.
  EXPECT_THAT(json, AllOf(HasSubstr("Subject Street"), HasSubstr("Olly")));
  EXPECT_THAT(out.redactions,
              Contains(Withheld("otherParty.contact", kRuleVictimContact)));
}

TEST(Redaction, TheSuspectOnAVictimReferralNeverSeesTheVictimsContact) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  auto out = RedactReferral(ContextOf(common::v1::PARTY_OTHER_PARTY, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM),
                            referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json,
              AllOf(Not(HasSubstr("900001")), Not(HasSubstr("Subject Street")),
                    Not(HasSubstr("ST1 1AA"))));
  EXPECT_THAT(json, AllOf(HasSubstr("Olly"), HasSubstr("900002")));
  EXPECT_THAT(out.redactions,
              AllOf(Contains(Withheld("subject.contact", kRuleVictimContact)),
                    Contains(Withheld("subject.address", kRuleVictimContact))));
}

TEST(Redaction, TheVictimOnABehaviourChangeReferralSeesNothingOfTheSubject) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE);
  auto out =
      RedactReferral(ContextOf(common::v1::PARTY_OTHER_PARTY, referral,
                               common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE),
                     referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, AllOf(Not(HasSubstr("Sam")), Not(HasSubstr("1990")),
                          Not(HasSubstr("Subject Street"))));
  EXPECT_THAT(out.redactions, Contains(Withheld("subject", kRuleOtherParty)));
}

TEST(Redaction, TheChildrensFrontDoorProtectsBothWays) {
  common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_CHILDRENS_FRONT_DOOR);
  auto subject = RedactReferral(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                          common::v1::FRONT_DOOR_CHILDREN),
                                referral);
  EXPECT_THAT(JsonOf(subject.record), Not(HasSubstr("Olly")));
  EXPECT_TRUE(subject.needs_review);
  auto other = RedactReferral(ContextOf(common::v1::PARTY_OTHER_PARTY, referral,
                                        common::v1::FRONT_DOOR_CHILDREN),
                              referral);
  EXPECT_THAT(JsonOf(other.record), AllOf(Not(HasSubstr("900001")),
                                          Not(HasSubstr("Subject Street"))));
}

TEST(Redaction, AChildsExportShowsThatChildOnly) {
  common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  for (const char* name : {"Amy", "Ben", "Cal"}) {
    common::v1::Child& c = *referral.add_children();
    c.mutable_name()->set_given_names(name);
    c.mutable_name()->set_family_name("Child");
  }
  auto out = RedactReferral(ContextOf(common::v1::PARTY_CHILD, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM, 1),
                            referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, HasSubstr("Ben"));
  EXPECT_THAT(json, AllOf(Not(HasSubstr("Amy")), Not(HasSubstr("Cal")),
                          Not(HasSubstr("Olly")), Not(HasSubstr("900001"))));
  EXPECT_THAT(out.redactions,
              AllOf(Contains(Withheld("children[0]", kRuleOtherChild)),
                    Contains(Withheld("children[2]", kRuleOtherChild)),
                    Contains(Withheld("otherParty", kRuleOtherParty)),
                    Contains(Withheld("subject.contact", kRuleThirdParty))));
  EXPECT_TRUE(out.needs_review);
}

TEST(Redaction, TheReferrersDetailsAreAThirdPartysForTheSubject) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  auto out = RedactReferral(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM),
                            referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, AllOf(Not(HasSubstr("Rita")), Not(HasSubstr("000111")),
                          Not(HasSubstr("rita@"))));
  EXPECT_THAT(json, HasSubstr("PC"));  // the role stays
  EXPECT_THAT(out.redactions,
              AllOf(Contains(Withheld("referrer.name", kRuleThirdParty)),
                    Contains(Withheld("referrer.phone", kRuleThirdParty)),
                    Contains(Withheld("referrer.email", kRuleThirdParty))));
}

TEST(Redaction, ASelfReferralsReferrerIsTheSubject) {
  common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  referral.mutable_referrer()->set_self_referral(true);
  auto out = RedactReferral(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM),
                            referral);
  EXPECT_THAT(JsonOf(out.record), HasSubstr("Rita"));
}

TEST(Redaction, AReferrerSeesTheirOwnDetailsOnly) {
  common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  referral.set_concerns("He followed her home.");
  auto out = RedactReferral(ContextOf(common::v1::PARTY_REFERRER, referral,
                                      common::v1::FRONT_DOOR_ADULT_VICTIM),
                            referral);
  const std::string json = JsonOf(out.record);
  EXPECT_THAT(json, AllOf(HasSubstr("Rita"), HasSubstr("rita@")));
  EXPECT_THAT(json, AllOf(Not(HasSubstr("Sam")), Not(HasSubstr("Olly")),
                          Not(HasSubstr("followed"))));
  EXPECT_THAT(out.redactions,
              AllOf(Contains(Withheld("subject", kRuleThirdParty)),
                    Contains(Withheld("otherParty", kRuleThirdParty)),
                    Contains(Withheld("concerns", kRuleThirdParty))));
}

TEST(Redaction, FreeTextAndChildrenMarkForReviewWithoutStripping) {
  common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  const Context context = ContextOf(common::v1::PARTY_SUBJECT, referral,
                                    common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_FALSE(RedactReferral(context, referral).needs_review);

  referral.set_concerns("Threats last week.");
  auto with_concerns = RedactReferral(context, referral);
  EXPECT_TRUE(with_concerns.needs_review);
  EXPECT_THAT(JsonOf(with_concerns.record), HasSubstr("Threats last week."));

  referral.clear_concerns();
  referral.add_children()->mutable_name()->set_given_names("Amy");
  EXPECT_TRUE(RedactReferral(context, referral).needs_review);
}

TEST(Redaction, StaffNamesAreShownAsTheirRoleUnlessAskedFor) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  triage::v1::Decision decision;
  decision.set_decided_by("staff-42 as practitioner");
  auto hidden = RedactDecision(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                         common::v1::FRONT_DOOR_ADULT_VICTIM),
                               decision);
  EXPECT_EQ(hidden.record.decided_by(), "practitioner");
  EXPECT_THAT(hidden.redactions,
              Contains(Withheld("decidedBy", kRuleStaffName)));

  auto shown =
      RedactDecision(ContextOf(common::v1::PARTY_SUBJECT, referral,
                               common::v1::FRONT_DOOR_ADULT_VICTIM, 0, true),
                     decision);
  EXPECT_EQ(shown.record.decided_by(), "staff-42 as practitioner");
  EXPECT_THAT(shown.redactions, IsEmpty());

  decision.set_decided_by("triage-svc");
  EXPECT_EQ(RedactDecision(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                     common::v1::FRONT_DOOR_ADULT_VICTIM),
                           decision)
                .record.decided_by(),
            "triage-svc");

  common::v1::HistoryEntry entry;
  entry.set_actor("pc-1234 smith");
  auto history = RedactHistory(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                         common::v1::FRONT_DOOR_ADULT_VICTIM),
                               entry, "history.");
  EXPECT_EQ(history.record.actor(), "person");
  EXPECT_THAT(history.redactions,
              Contains(Withheld("history.actor", kRuleStaffName)));

  allocation::v1::Placement placement;
  placement.set_practitioner_id("idva-jo-bloggs");
  auto placed = RedactPlacement(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                          common::v1::FRONT_DOOR_ADULT_VICTIM),
                                placement);
  EXPECT_EQ(placed.record.practitioner_id(), "practitioner");
}

TEST(Redaction, ChildrensDecisionsAndSafeguardingAreForReview) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  const Context context = ContextOf(common::v1::PARTY_SUBJECT, referral,
                                    common::v1::FRONT_DOOR_ADULT_VICTIM);
  triage::v1::Decision decision;
  decision.set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_FALSE(RedactDecision(context, decision).needs_review);
  decision.mutable_recipients()->set_childrens_social_care(true);
  EXPECT_TRUE(RedactDecision(context, decision).needs_review);

  triage::v1::SubmitAssessmentRequest assessment;
  assessment.mutable_child()->set_rules_version("roots-to-support-1");
  EXPECT_TRUE(RedactAssessment(context, assessment).needs_review);

  notify::v1::Notification csc;
  csc.mutable_childrens_social_care_alert()->set_reference(kReference);
  EXPECT_TRUE(RedactNotification(context, csc).needs_review);
  notify::v1::Notification update;
  update.mutable_referrer_update()->set_reference(kReference);
  EXPECT_FALSE(RedactNotification(context, update).needs_review);
}

TEST(Redaction, NotificationsFollowTheSameRules) {
  const common::v1::Referral referral =
      AReferral(common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  notify::v1::Notification idva;
  idva.mutable_idva_case()->mutable_subject_name()->set_given_names("Sam");
  idva.mutable_idva_case()->mutable_contact()->set_phone("07700 900001");
  auto to_suspect =
      RedactNotification(ContextOf(common::v1::PARTY_OTHER_PARTY, referral,
                                   common::v1::FRONT_DOOR_ADULT_VICTIM),
                         idva);
  EXPECT_THAT(JsonOf(to_suspect.record), Not(HasSubstr("900001")));
  EXPECT_THAT(to_suspect.redactions,
              Contains(Withheld("idvaCase.contact", kRuleVictimContact)));

  notify::v1::Notification matac;
  matac.mutable_matac_alert()->mutable_suspect_name()->set_given_names("Olly");
  matac.mutable_matac_alert()->add_related_references("FD-AAAAAAAAAAAA");
  auto to_victim =
      RedactNotification(ContextOf(common::v1::PARTY_SUBJECT, referral,
                                   common::v1::FRONT_DOOR_ADULT_VICTIM),
                         matac);
  EXPECT_THAT(JsonOf(to_victim.record),
              AllOf(Not(HasSubstr("Olly")), Not(HasSubstr("FD-AAAA"))));
  auto to_suspect_matac =
      RedactNotification(ContextOf(common::v1::PARTY_OTHER_PARTY, referral,
                                   common::v1::FRONT_DOOR_ADULT_VICTIM),
                         matac);
  EXPECT_THAT(JsonOf(to_suspect_matac.record), HasSubstr("Olly"));

  // Without the referral (notify-svc), the suspect is withheld from anyone,
  // and each adult sees their own details only.
  Context unknown;
  unknown.without_referral = true;
  unknown.requester.set_party(common::v1::PARTY_SUBJECT);
  EXPECT_THAT(JsonOf(RedactNotification(unknown, matac).record),
              Not(HasSubstr("Olly")));
  notify::v1::Notification marac;
  marac.mutable_marac_alert()->mutable_subject_name()->set_given_names("Sam");
  EXPECT_THAT(JsonOf(RedactNotification(unknown, marac).record),
              HasSubstr("Sam"));
  unknown.requester.set_party(common::v1::PARTY_OTHER_PARTY);
  auto to_other = RedactNotification(unknown, marac);
  EXPECT_THAT(JsonOf(to_other.record), Not(HasSubstr("Sam")));
  EXPECT_THAT(to_other.redactions,
              Contains(Withheld("maracAlert.subjectName", kRuleOtherParty)));
}

TEST(Redaction, MakeRecordPutsPartsTogether) {
  intake::v1::Receipt receipt;
  receipt.set_reference(kReference);
  common::v1::Referral referral;
  referral.set_concerns("x");
  common::v1::Redaction withheld;
  withheld.set_path("referral.otherParty");
  withheld.set_rule(kRuleOtherParty);
  auto record = MakeRecord("referral", kReference, absl::UnixEpoch(),
                           {Part{"receipt", &receipt, {}, false},
                            Part{"referral", &referral, {withheld}, true}});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->json(), std::string("{\"receipt\":{\"reference\":\"") +
                                kReference +
                                "\"},\"referral\":{\"concerns\":\"x\"}}");
  EXPECT_TRUE(record->needs_review());
  ASSERT_EQ(record->redactions_size(), 1);
  EXPECT_EQ(record->redactions(0).path(), "referral.otherParty");
}

}  // namespace
}  // namespace frontdoor::rights
