#include <gtest/gtest.h>

#include "intake-svc/subject_key.h"

namespace frontdoor::intake {
namespace {

common::v1::PersonName Name(const char* given, const char* family) {
  common::v1::PersonName n;
  n.set_given_names(given);
  n.set_family_name(family);
  return n;
}

google::type::Date Dob(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

TEST(SubjectKeyTest, SpellingVariantsOfTheSamePersonMatch) {
  const std::string a =
      NormalisedSubjectKey(Name("Mary-Jane", "O'Neil"), Dob(1990, 1, 2));
  EXPECT_EQ(a, NormalisedSubjectKey(Name("mary jane", "ONEIL"),
                                    Dob(1990, 1, 2)));
  EXPECT_EQ(a, NormalisedSubjectKey(Name(" Mary Jane ", "O. Neil"),
                                    Dob(1990, 1, 2)));
}

TEST(SubjectKeyTest, DifferentPeopleDoNotMatch) {
  const std::string a =
      NormalisedSubjectKey(Name("Mary", "Neil"), Dob(1990, 1, 2));
  EXPECT_NE(a, NormalisedSubjectKey(Name("Mary", "Neil"), Dob(1990, 1, 3)));
  EXPECT_NE(a, NormalisedSubjectKey(Name("Marie", "Neil"), Dob(1990, 1, 2)));
  // Moving letters between given and family name is a different key.
  EXPECT_NE(NormalisedSubjectKey(Name("Ann", "Alee"), Dob(1990, 1, 2)),
            NormalisedSubjectKey(Name("Anna", "Lee"), Dob(1990, 1, 2)));
}

}  // namespace
}  // namespace frontdoor::intake
