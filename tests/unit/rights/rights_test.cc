// common/rights: who may use the DataRights methods, each request's checks
// (every field at fault named), and the data_rights table: restriction,
// legal hold and erasure per reference, and the purge condition that
// leaves held references alone.
#include "common/rights/rights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/reference/reference.h"
#include "common/status/errors.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace frontdoor::rights {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : GetFieldViolations(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

TEST(RightsCheckTest, OnlyTheDataProtectionOfficerMayAsk) {
  Caller officer{"frontdoor-web", "", "staff-7",
                 {config::v1::ROLE_DATA_PROTECTION}, "data_protection_officer"};
  EXPECT_TRUE(CheckDataProtectionOfficer(officer).ok());
  for (config::v1::Role role :
       {config::v1::ROLE_STAFF, config::v1::ROLE_OPERATOR,
        config::v1::ROLE_REPORT_VIEWER, config::v1::ROLE_CONSOLE}) {
    Caller other{"frontdoor-web", "", "staff-8", {role}};
    EXPECT_TRUE(absl::IsPermissionDenied(CheckDataProtectionOfficer(other)))
        << config::v1::Role_Name(role);
  }
}

TEST(RightsCheckTest, AFindNeedsAReferenceOrANameAndDateOfBirth) {
  common::v1::FindPersonRequest none;
  EXPECT_THAT(FieldsOf(Validate(none)), ElementsAre("by"));

  common::v1::FindPersonRequest bad_reference;
  bad_reference.set_reference("not a reference");
  EXPECT_THAT(FieldsOf(Validate(bad_reference)), ElementsAre("reference"));

  common::v1::FindPersonRequest by_name;
  by_name.mutable_name_and_birth()->mutable_date_of_birth()->set_year(1990);
  by_name.mutable_name_and_birth()->mutable_date_of_birth()->set_month(2);
  by_name.mutable_name_and_birth()->mutable_date_of_birth()->set_day(30);
  EXPECT_THAT(FieldsOf(Validate(by_name)),
              ElementsAre("name_and_birth.name.given_names",
                          "name_and_birth.name.family_name",
                          "name_and_birth.date_of_birth"));

  by_name.mutable_name_and_birth()->mutable_name()->set_given_names("Aisha");
  by_name.mutable_name_and_birth()->mutable_name()->set_family_name("Rahman");
  by_name.mutable_name_and_birth()->mutable_date_of_birth()->set_day(28);
  EXPECT_TRUE(Validate(by_name).ok());

  common::v1::FindPersonRequest by_reference;
  by_reference.set_reference(NewReference());
  EXPECT_TRUE(Validate(by_reference).ok());
}

TEST(RightsCheckTest, APersonIsAReferenceAPartyAndForAChildItsPlace) {
  common::v1::ExportSubjectRequest request;
  request.mutable_person()->set_child_index(2);
  EXPECT_THAT(FieldsOf(Validate(request)),
              ElementsAre("person.reference", "person.party",
                          "person.child_index"));
  request.mutable_person()->set_reference(NewReference());
  request.mutable_person()->set_party(common::v1::PARTY_CHILD);
  EXPECT_TRUE(Validate(request).ok());
  request.mutable_person()->set_child_index(-1);
  EXPECT_THAT(FieldsOf(Validate(request)), ElementsAre("person.child_index"));
}

TEST(RightsCheckTest, ARectificationNamesAKnownFieldAndReason) {
  common::v1::RectifyRequest request;
  request.mutable_person()->set_reference(NewReference());
  request.mutable_person()->set_party(common::v1::PARTY_SUBJECT);
  request.set_field("concerns");
  request.set_reason("because");
  EXPECT_THAT(FieldsOf(Validate(request)), ElementsAre("field", "reason"));
  request.set_field("contact.phone");
  request.set_reason("requested_by_subject");
  EXPECT_TRUE(Validate(request).ok());
}

TEST(RightsCheckTest, LiftingSaysLiftedAndSettingGivesAReason) {
  common::v1::SetRestrictionRequest restrict;
  restrict.set_reference(NewReference());
  restrict.set_restricted(true);
  restrict.set_reason("lifted");
  EXPECT_THAT(FieldsOf(Validate(restrict)), ElementsAre("reason"));
  restrict.set_reason("objection");
  EXPECT_TRUE(Validate(restrict).ok());
  restrict.set_restricted(false);
  EXPECT_THAT(FieldsOf(Validate(restrict)), ElementsAre("reason"));
  restrict.set_reason("lifted");
  EXPECT_TRUE(Validate(restrict).ok());

  common::v1::SetLegalHoldRequest hold;
  hold.set_held(true);
  hold.set_reason("objection");
  EXPECT_THAT(FieldsOf(Validate(hold)), ElementsAre("reference", "reason"));
  hold.set_reference(NewReference());
  hold.set_reason("litigation");
  EXPECT_TRUE(Validate(hold).ok());

  common::v1::EraseRequest erase;
  erase.set_reference(NewReference());
  EXPECT_THAT(FieldsOf(Validate(erase)), ElementsAre("reason"));
  erase.set_reason("erasure_request");
  EXPECT_TRUE(Validate(erase).ok());
}

class RightsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("rights");
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "rights"), Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Rights Load(const std::string& reference) {
    Rights rights;
    EXPECT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      absl::StatusOr<Rights> loaded =
                          LoadRights(tx, reference);
                      if (!loaded.ok()) return loaded.status();
                      rights = *loaded;
                      return absl::OkStatus();
                    })
                    .ok());
    return rights;
  }

  void Write(const store::Work& work) {
    ASSERT_TRUE(store_->WriteSync(work).ok());
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(RightsStoreTest, AReferenceWithNoRowIsNeitherRestrictedHeldNorErased) {
  const Rights rights = Load(NewReference());
  EXPECT_FALSE(rights.restricted);
  EXPECT_FALSE(rights.held);
  EXPECT_FALSE(rights.erased_at.has_value());
}

TEST_F(RightsStoreTest, RestrictionAndHoldAreSetAndLiftedEachOnItsOwn) {
  const std::string ref = NewReference();
  Write([&](store::Tx& tx) {
    return SaveRestriction(tx, ref, true, "objection", kNow);
  });
  Write([&](store::Tx& tx) {
    return SaveHold(tx, ref, true, "litigation", kNow + absl::Minutes(1));
  });
  Rights rights = Load(ref);
  EXPECT_TRUE(rights.restricted);
  EXPECT_EQ(rights.restricted_at, kNow);
  EXPECT_TRUE(rights.held);
  EXPECT_EQ(rights.held_at, kNow + absl::Minutes(1));

  Write([&](store::Tx& tx) {
    return SaveRestriction(tx, ref, false, "lifted", kNow + absl::Hours(1));
  });
  rights = Load(ref);
  EXPECT_FALSE(rights.restricted);
  EXPECT_TRUE(rights.held);

  const common::v1::RightsState state =
      StateOf(rights, "triage-svc", ref, true);
  EXPECT_EQ(state.service(), "triage-svc");
  EXPECT_EQ(state.reference(), ref);
  EXPECT_TRUE(state.held_here());
  EXPECT_FALSE(state.restricted());
  EXPECT_TRUE(state.legal_hold());
  EXPECT_FALSE(state.has_erased_at());
}

TEST_F(RightsStoreTest, AnErasureKeepsItsFirstTime) {
  const std::string ref = NewReference();
  Write([&](store::Tx& tx) {
    return SaveErased(tx, ref, "erasure_request", kNow);
  });
  Write([&](store::Tx& tx) {
    return SaveErased(tx, ref, "court_order", kNow + absl::Hours(2));
  });
  const Rights rights = Load(ref);
  ASSERT_TRUE(rights.erased_at.has_value());
  EXPECT_EQ(*rights.erased_at, kNow);
  EXPECT_TRUE(StateOf(rights, "intake-svc", ref, true).has_erased_at());
}

TEST_F(RightsStoreTest, ThePurgeConditionLeavesHeldReferencesAlone) {
  const std::string held = NewReference();
  const std::string lifted = NewReference();
  const std::string free = NewReference();
  std::vector<std::string> kept;
  Write([&](store::Tx& tx) -> absl::Status {
    if (absl::Status s = tx.Exec("CREATE TABLE records (reference TEXT)")
                             .status();
        !s.ok()) {
      return s;
    }
    for (const std::string& ref : {held, lifted, free}) {
      if (absl::Status s =
              tx.Exec("INSERT INTO records (reference) VALUES ($1)", {ref})
                  .status();
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = SaveHold(tx, held, true, "inquiry", kNow); !s.ok()) {
      return s;
    }
    if (absl::Status s = SaveHold(tx, lifted, true, "inquiry", kNow);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = SaveHold(tx, lifted, false, "lifted", kNow);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            tx.Exec("DELETE FROM records WHERE 1 = 1" +
                    NotHeldCondition("reference"))
                .status();
        !s.ok()) {
      return s;
    }
    absl::StatusOr<std::vector<store::Row>> rows =
        tx.Query("SELECT reference FROM records");
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) kept.push_back(row.Text(0));
    return absl::OkStatus();
  });
  EXPECT_THAT(kept, ElementsAre(held));
}

}  // namespace
}  // namespace frontdoor::rights
