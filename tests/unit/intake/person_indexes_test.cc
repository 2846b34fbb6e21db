// The blind indexes of the people in a referral: the subject's exact and
// loose indexes, and who is suspect and who is victim at each front door.
#include "intake-svc/person_indexes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/identity/identity.h"
#include "google/protobuf/util/json_util.h"
#include "tests/unit/intake/validation_cases.h"

namespace frontdoor::intake {
namespace {

using common::v1::Referral;
using ::testing::IsEmpty;
using ::testing::Not;

crypto::KeyRing TestKeys() {
  auto json = crypto::GenerateKeyRingJson("k1");
  EXPECT_TRUE(json.ok()) << json.status();
  config::v1::KeyRingFile file;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &file).ok());
  auto keys = crypto::KeyRing::FromProto(file);
  EXPECT_TRUE(keys.ok()) << keys.status();
  return *std::move(keys);
}

google::type::Date Dob(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

class PersonIndexesTest : public ::testing::Test {
 protected:
  std::string Exact(const common::v1::PersonName& name,
                    const google::type::Date* dob) {
    return keys_.BlindIndex(identity::PersonKey(name, dob));
  }

  PersonIndexes Index(const Referral& r, common::v1::FrontDoor door) {
    return IndexPeople(keys_, r, intake::v1::REFERRAL_STATUS_ACCEPTED, door);
  }

  crypto::KeyRing keys_ = TestKeys();
};

TEST_F(PersonIndexesTest,
       VictimReferralVictimIsTheSubjectSuspectTheOtherParty) {
  Referral r = testing::LoadExample(testing::kAdult);
  *r.mutable_other_party()->mutable_date_of_birth() = Dob(1988, 5, 6);
  const PersonIndexes i = Index(r, common::v1::FRONT_DOOR_ADULT_VICTIM);
  const auto& subject = r.subject();
  const auto& other = r.other_party();
  EXPECT_EQ(i.subject, Exact(subject.name(), &subject.date_of_birth()));
  EXPECT_EQ(i.subject_loose, keys_.BlindIndex(identity::LoosePersonKey(
                                 subject.name(), &subject.date_of_birth())));
  EXPECT_NE(i.subject, i.subject_loose);
  EXPECT_EQ(i.victim, i.subject);
  EXPECT_EQ(i.victim_name, Exact(subject.name(), nullptr));
  EXPECT_EQ(i.suspect, Exact(other.name(), &other.date_of_birth()));
  EXPECT_EQ(i.suspect_name, Exact(other.name(), nullptr));
  for (const std::string* index : {&i.subject, &i.subject_loose, &i.suspect,
                                   &i.suspect_name, &i.victim_name}) {
    EXPECT_EQ(index->size(), 64u);
  }
}

TEST_F(PersonIndexesTest, SuspectWithoutDateOfBirthHasANameIndexOnly) {
  Referral r = testing::LoadExample(testing::kAdult);
  ASSERT_FALSE(r.other_party().has_date_of_birth());
  const PersonIndexes i = Index(r, common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_THAT(i.suspect, IsEmpty());
  EXPECT_EQ(i.suspect_name, Exact(r.other_party().name(), nullptr));
}

TEST_F(PersonIndexesTest, VictimReferralWithoutOtherPartyHasNoSuspect) {
  Referral r = testing::LoadExample(testing::kAdult);
  r.clear_other_party();
  const PersonIndexes i = Index(r, common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_THAT(i.suspect, IsEmpty());
  EXPECT_THAT(i.suspect_name, IsEmpty());
  EXPECT_EQ(i.victim, i.subject);
}

TEST_F(PersonIndexesTest,
       BehaviourChangeSuspectIsTheSubjectVictimTheOtherParty) {
  Referral r = testing::LoadExample(testing::kChange);
  const PersonIndexes i =
      Index(r, common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
  EXPECT_EQ(i.suspect, i.subject);
  EXPECT_EQ(i.suspect_name, Exact(r.subject().name(), nullptr));
  EXPECT_THAT(i.victim, IsEmpty());  // the example gives no date of birth
  EXPECT_EQ(i.victim_name, Exact(r.other_party().name(), nullptr));
}

// The point of the indexes: the partner a victim names is the man referred
// to behaviour change, however each referrer typed his name.
TEST_F(PersonIndexesTest, SerialPerpetratorMatchesAcrossReferrals) {
  Referral victim = testing::LoadExample(testing::kAdult);
  auto* partner = victim.mutable_other_party();
  partner->mutable_name()->set_given_names("Daniel");
  partner->mutable_name()->set_family_name("O'Brien");
  *partner->mutable_date_of_birth() = Dob(1988, 5, 6);

  Referral change = testing::LoadExample(testing::kChange);
  change.mutable_subject()->mutable_name()->set_given_names("DANIEL");
  change.mutable_subject()->mutable_name()->set_family_name("O\u2019Brien");
  *change.mutable_subject()->mutable_date_of_birth() = Dob(1988, 5, 6);
  // His ex-partner, named as the victim here, is the subject of the first.
  change.mutable_other_party()->mutable_name()->set_given_names("aisha");
  change.mutable_other_party()->mutable_name()->set_family_name("RAH\u200BMAN");

  const PersonIndexes v = Index(victim, common::v1::FRONT_DOOR_ADULT_VICTIM);
  const PersonIndexes c =
      Index(change, common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
  EXPECT_THAT(v.suspect, Not(IsEmpty()));
  EXPECT_EQ(v.suspect, c.suspect);
  EXPECT_EQ(v.suspect, c.subject);
  EXPECT_EQ(v.suspect_name, c.suspect_name);
  EXPECT_EQ(v.victim_name, c.victim_name);
  // A different man of the same name is matched by name only.
  *change.mutable_subject()->mutable_date_of_birth() = Dob(1970, 1, 1);
  const PersonIndexes other =
      Index(change, common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
  EXPECT_NE(v.suspect, other.suspect);
  EXPECT_EQ(v.suspect_name, other.suspect_name);
}

TEST_F(PersonIndexesTest, ChildrensAndReturnedReferralsLabelNobody) {
  Referral r = testing::LoadExample("child-victim.json");
  for (const PersonIndexes& i :
       {Index(r, common::v1::FRONT_DOOR_CHILDREN),
        IndexPeople(keys_,
                    testing::LoadExample("child-to-behaviour-change.json"),
                    intake::v1::REFERRAL_STATUS_RETURNED,
                    common::v1::FRONT_DOOR_UNSPECIFIED)}) {
    EXPECT_THAT(i.subject, Not(IsEmpty()));
    EXPECT_THAT(i.subject_loose, Not(IsEmpty()));
    EXPECT_THAT(i.suspect, IsEmpty());
    EXPECT_THAT(i.suspect_name, IsEmpty());
    EXPECT_THAT(i.victim, IsEmpty());
    EXPECT_THAT(i.victim_name, IsEmpty());
  }
}

TEST_F(PersonIndexesTest, SetIndexesFillsTheEvent) {
  const PersonIndexes i{"a", "b", "c", "d", "e", "f"};
  intake::v1::ReferralReceived event;
  SetIndexes(i, event);
  EXPECT_EQ(event.subject_index(), "a");
  EXPECT_EQ(event.subject_loose_index(), "b");
  EXPECT_EQ(event.suspect_index(), "c");
  EXPECT_EQ(event.suspect_name_index(), "d");
  EXPECT_EQ(event.victim_index(), "e");
  EXPECT_EQ(event.victim_name_index(), "f");
}

}  // namespace
}  // namespace frontdoor::intake
