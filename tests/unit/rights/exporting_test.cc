// What the services' exports share (common/rights/exporting.h).
#include "common/rights/exporting.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor::rights {
namespace {

common::v1::ExportedRecord At(int64_t seconds, const std::string& kind,
                              const std::string& id) {
  common::v1::ExportedRecord r;
  r.mutable_recorded_at()->set_seconds(seconds);
  r.set_kind(kind);
  r.set_id(id);
  return r;
}

TEST(Exporting, OldestFirstWithAHistoryAfterTheRecordsOfItsTime) {
  common::v1::ExportSubjectResponse response;
  *response.add_records() = At(20, "decision", "R:1");
  *response.add_records() = At(10, "history", "triage-svc:R");
  *response.add_records() = At(10, "referral", "R");
  *response.add_records() = At(5, "assessment", "R:0");
  OldestFirst(response);
  std::vector<std::string> order;
  for (const auto& r : response.records()) order.push_back(r.kind());
  EXPECT_THAT(order, ::testing::ElementsAre("assessment", "referral", "history",
                                            "decision"));
}

TEST(Exporting, OnlyAMissingKeyIsAnErasure) {
  EXPECT_TRUE(IsErasedOpen(absl::FailedPreconditionError("no key")));
  EXPECT_TRUE(IsErasedOpen(absl::NotFoundError("no key")));
  EXPECT_FALSE(IsErasedOpen(absl::DataLossError("altered")));
  EXPECT_FALSE(IsErasedOpen(absl::InvalidArgumentError("not sealed")));
}

TEST(Exporting, AChildMustBeOneOfTheReferrals) {
  common::v1::Referral referral;
  referral.add_children();
  common::v1::PersonInReferral person;
  person.set_party(common::v1::PARTY_CHILD);
  EXPECT_TRUE(CheckChild(person, referral).ok());
  person.set_child_index(1);
  EXPECT_EQ(CheckChild(person, referral).code(),
            absl::StatusCode::kInvalidArgument);
  person.set_party(common::v1::PARTY_SUBJECT);
  person.set_child_index(0);
  EXPECT_TRUE(CheckChild(person, common::v1::Referral()).ok());
}

}  // namespace
}  // namespace frontdoor::rights
