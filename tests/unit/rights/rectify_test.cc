// Rectification (common/rights/rectify.h): each value checked as intake-svc
// checks that field, refused naming "value" (or "field" for a field the
// person does not have), and applied to the right person's copy.
#include "common/rights/rectify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/crypto/key_ring.h"
#include "common/status/errors.h"
#include "tests/testing/temp_dir.h"

namespace frontdoor::rights {
namespace {

const absl::CivilDay kToday(2026, 12, 3);

common::v1::RectifyRequest Request(common::v1::Party party,
                                   const std::string& field,
                                   const std::string& value, int child = 0) {
  common::v1::RectifyRequest r;
  r.mutable_person()->set_reference("FD-HHHHHHHHHHH1");
  r.mutable_person()->set_party(party);
  r.mutable_person()->set_child_index(child);
  r.set_field(field);
  r.set_value(value);
  r.set_reason("requested_by_subject");
  return r;
}

// The one field named by an INVALID_ARGUMENT, or "" when OK.
std::string Refused(const absl::Status& s) {
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  const std::vector<FieldViolation> v = GetFieldViolations(s);
  EXPECT_EQ(v.size(), 1u) << s;
  return v.empty() ? "?" : v[0].field;
}

TEST(RectifyTest, ValuesAreCheckedAsIntakeChecksThemNamingValue) {
  using common::v1::PARTY_SUBJECT;
  const auto check = [](const std::string& field, const std::string& value) {
    return Refused(ValidateValue(Request(PARTY_SUBJECT, field, value), kToday));
  };
  EXPECT_EQ(check("name.familyName", "O\u2019Brien"), "");
  EXPECT_EQ(check("name.familyName", "  "), "value");
  EXPECT_EQ(check("name.givenNames", std::string(201, 'a')), "value");
  EXPECT_EQ(check("name.givenNames", "Ann\u202e"), "value") << "bidi control";
  EXPECT_EQ(check("dateOfBirth", "1990-02-28"), "");
  EXPECT_EQ(check("dateOfBirth", "1990-02-30"), "value");
  EXPECT_EQ(check("dateOfBirth", "28/02/1990"), "value");
  EXPECT_EQ(check("dateOfBirth", "2027-01-01"), "value") << "future";
  EXPECT_EQ(check("dateOfBirth", "1899-12-31"), "value");
  EXPECT_EQ(check("contact.phone", "01782 123456"), "");
  EXPECT_EQ(check("contact.phone", "call me"), "value");
  EXPECT_EQ(check("contact.phone", ""), "") << "a contact may be emptied";
  EXPECT_EQ(check("contact.email", "a@b.org"), "");
  EXPECT_EQ(check("contact.email", "a@b"), "value");
  EXPECT_EQ(check("address.postcode", "st4 7ab"), "");
  EXPECT_EQ(check("address.postcode", "NOTAPOSTCODE"), "value");
  EXPECT_EQ(check("address.lines", "1 High St\nHanley"), "");
  EXPECT_EQ(check("address.lines", "a\nb\nc\nd\ne"), "value");
  EXPECT_EQ(check("contact.safeTimes", "after 6pm\x01"), "value");
}

TEST(RectifyTest, AFieldThePersonDoesNotHaveIsRefusedNamingField) {
  EXPECT_EQ(Refused(ValidateValue(Request(common::v1::PARTY_CHILD,
                                          "contact.phone", "01782 123456"),
                                  kToday)),
            "field");
  EXPECT_EQ(Refused(ValidateValue(
                Request(common::v1::PARTY_OTHER_PARTY, "address.town", "Stoke"),
                kToday)),
            "field");
  EXPECT_EQ(
      Refused(ValidateValue(
          Request(common::v1::PARTY_REFERRER, "name.familyName", "X"), kToday)),
      "field");
  EXPECT_EQ(Refused(ValidateValue(Request(common::v1::PARTY_REFERRER,
                                          "contact.email", "pc@police.uk"),
                                  kToday)),
            "");
}

TEST(RectifyTest, AppliesToThePersonNamedAndReturnsTheOldValue) {
  common::v1::Referral referral;
  referral.mutable_subject()->mutable_name()->set_family_name("Smyth");
  referral.mutable_subject()->mutable_date_of_birth()->set_year(1990);
  referral.mutable_subject()->mutable_date_of_birth()->set_month(2);
  referral.mutable_subject()->mutable_date_of_birth()->set_day(3);
  referral.mutable_other_party()->mutable_name()->set_family_name("Other");
  referral.add_children()->mutable_name()->set_given_names("Kid");
  referral.mutable_referrer()->set_email("old@police.uk");

  auto old = Apply(
      Request(common::v1::PARTY_SUBJECT, "name.familyName", "Smith"), referral);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "Smyth");
  EXPECT_EQ(referral.subject().name().family_name(), "Smith");
  EXPECT_EQ(referral.other_party().name().family_name(), "Other");

  old = Apply(Request(common::v1::PARTY_SUBJECT, "dateOfBirth", "1991-04-05"),
              referral);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "1990-02-03");
  EXPECT_EQ(referral.subject().date_of_birth().year(), 1991);
  EXPECT_EQ(referral.subject().date_of_birth().day(), 5);

  old = Apply(Request(common::v1::PARTY_CHILD, "name.givenNames", "Kit", 0),
              referral);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(referral.children(0).name().given_names(), "Kit");
  EXPECT_EQ(Refused(Apply(Request(common::v1::PARTY_CHILD, "name.givenNames",
                                  "Kit", 1),
                          referral)
                        .status()),
            "person.child_index");

  old = Apply(
      Request(common::v1::PARTY_REFERRER, "contact.email", "new@police.uk"),
      referral);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, "old@police.uk");
  EXPECT_EQ(referral.referrer().email(), "new@police.uk");

  old = Apply(Request(common::v1::PARTY_SUBJECT, "address.lines", "1 A St\nB"),
              referral);
  ASSERT_TRUE(old.ok());
  EXPECT_THAT(referral.subject().address().lines(),
              ::testing::ElementsAre("1 A St", "B"));
  EXPECT_EQ(
      HistoryField(Request(common::v1::PARTY_CHILD, "dateOfBirth", "", 2)),
      "children[2].dateOfBirth");
  EXPECT_TRUE(ChangesIndexes("name.givenNames"));
  EXPECT_TRUE(ChangesIndexes("dateOfBirth"));
  EXPECT_FALSE(ChangesIndexes("contact.phone"));
}

TEST(RectifyTest, HistoryValuesAreSealedToTheirRowAndColumn) {
  auto json = crypto::GenerateKeyRingJson("k1");
  ASSERT_TRUE(json.ok());
  const std::filesystem::path dir = testing::FreshTestDir("rectify");
  std::ofstream(dir / "keys.json") << *json;
  auto keys = crypto::KeyRing::LoadFile((dir / "keys.json").string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(keys.ok()) << keys.status();
  auto sealed = SealRectifiedValue(*keys, "Smyth", "FD-HHHHHHHHHHH1", 2, "old");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find("Smyth"), std::string::npos);
  EXPECT_EQ(
      keys->Open(*sealed, "FD-HHHHHHHHHHH1:2:rectification:old").value_or(""),
      "Smyth");
  EXPECT_FALSE(keys->Open(*sealed, "FD-HHHHHHHHHHH1:2:rectification:new").ok());
  EXPECT_FALSE(keys->Open(*sealed, "FD-HHHHHHHHHHH1:1:rectification:old").ok());
}

}  // namespace
}  // namespace frontdoor::rights
