#pragma once

// The subject key and schemas before common/identity (intake-svc/
// subject_key.cc until identity version 2: ASCII-lower-cased, a few ASCII
// characters dropped), kept for the re-index tests only, to write rows as
// the old code did.

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "common/store/store.h"
#include "frontdoor/common/v1/referral.pb.h"

namespace frontdoor::testing {

inline std::string OldNormaliseName(absl::string_view name) {
  std::string out;
  for (char c : name) {
    switch (c) {
      case ' ':
      case '\t':
      case '-':
      case '\'':
      case '.':
      case ',':
        continue;
      default:
        out.push_back(absl::ascii_tolower(c));
    }
  }
  return out;
}

// The one migration of `all` named `name`: a service's schema as it was
// before identity version 2, when that migration was its only one.
inline std::vector<store::Migration> OnlyMigration(
    std::vector<store::Migration> all, const std::string& name) {
  std::vector<store::Migration> out;
  for (store::Migration& m : all) {
    if (m.name == name) out.push_back(std::move(m));
  }
  EXPECT_EQ(out.size(), 1u) << name;
  return out;
}

inline std::string OldSubjectKey(const common::v1::PersonName& name,
                                 const google::type::Date& dob) {
  return absl::StrFormat(
      "v1|%s|%s|%04d-%02d-%02d", OldNormaliseName(name.family_name()),
      OldNormaliseName(name.given_names()), dob.year(), dob.month(), dob.day());
}

}  // namespace frontdoor::testing
