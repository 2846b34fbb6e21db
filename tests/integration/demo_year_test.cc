// The demo year's generator (tools/demo/demo_year.h) at a small scale over
// intake-svc, triage-svc and allocation-svc in process, on one FakeClock,
// over real mTLS with the dev PKI's certificates and real stores: the same
// seed gives the same year, another seed another, the proportions are
// within sensible bounds, every referral submitted is accepted or returned,
// every one decided is placed, and the ones left unassessed wait in
// triage's queue.
#include "tools/demo/demo_year.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_join.h"
#include "allocation-svc/allocation_server.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tools/demo/demo_runner.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

using ::testing::Gt;
using ::testing::IsEmpty;

constexpr uint64_t kSeed = 7;
constexpr uint64_t kOtherSeed = 8;
// About 160 referrals: a year in seconds.
constexpr double kScale = 0.02;
constexpr int kYear = 2024;

int Sum(const std::map<std::string, int>& m) {
  int total = 0;
  for (const auto& [k, v] : m) total += v;
  return total;
}

int Count(const std::map<std::string, int>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

double Share(const std::map<std::string, int>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? 0.0 : static_cast<double>(it->second) / Sum(m);
}

// The three services on fresh stores, one clock; stopped by the destructor.
class Suite {
 public:
  explicit Suite(const std::string& name)
      : dir_(testing::FreshServiceDir(name)) {
    auto allocation = allocation::AllocationServer::Start(
        testing::AllocationConfigIn(dir_), clock_);
    EXPECT_TRUE(allocation.ok()) << allocation.status();
    if (!allocation.ok()) return;
    allocation_ = *std::move(allocation);
    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    testing::PointAt(t.mutable_allocation(), allocation_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    EXPECT_TRUE(triage.ok()) << triage.status();
    if (!triage.ok()) return;
    triage_ = *std::move(triage);
    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    testing::PointAt(i.mutable_triage(), triage_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    EXPECT_TRUE(intake.ok()) << intake.status();
    if (!intake.ok()) return;
    intake_ = *std::move(intake);
  }
  ~Suite() {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  bool started() const { return intake_ != nullptr; }

  demo::Summary Generate(uint64_t seed) {
    demo::Options options;
    options.seed = seed;
    options.scale = kScale;
    options.year = kYear;
    auto summary = demo::GenerateYear(
        options, clock_,
        demo::DevPkiChannels(testing::PkiDir(), intake_->api_port(),
                             triage_->api_port(), allocation_->api_port()));
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.ok() ? *summary : demo::Summary();
  }

  // Referrals waiting in triage's queue, as the helpline's staff see it.
  int Queued() {
    auto staff = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    triage::v1::ListQueueRequest req;
    req.set_page_size(1);
    triage::v1::ListQueueResponse resp;
    const grpc::Status s = staff->ListQueue(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.total_waiting();
  }

  FakeClock& clock() { return clock_; }

 private:
  std::filesystem::path dir_;
  FakeClock clock_{absl::UnixEpoch()};
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
};

TEST(DemoYearTest, AYearIsSubmittedAssessedAndPlacedWithNothingLost) {
  Suite suite("demo-year");
  ASSERT_TRUE(suite.started());
  const demo::Summary s = suite.Generate(kSeed);
  EXPECT_THAT(s.errors, IsEmpty()) << absl::StrJoin(s.errors, "\n");
  EXPECT_EQ(s.submitted, 161);  // kFullYearReferrals * kScale, rounded
  EXPECT_EQ(s.accepted + s.returned, s.submitted);
  EXPECT_EQ(Sum(s.accepted_by_front_door), s.accepted);
  // Each accepted referral went to the door it was planned for (a child
  // is 17 or under on the day, an adult 18 or over).
  for (const char* door : {demo::kDoorAdultVictim, demo::kDoorChildren,
                           demo::kDoorAdultBehaviourChange}) {
    EXPECT_EQ(Count(s.accepted_by_front_door, door), Count(s.by_door, door))
        << door;
  }
  EXPECT_EQ(s.returned, Count(s.by_door, demo::kDoorChildToBehaviourChange));
  // The clock ends at the year's end.
  EXPECT_GE(suite.clock().Now(), demo::YearEnd(kYear) - absl::Seconds(1));

  // Proportions: Stoke-on-Trent the largest district, police the largest
  // source, adult victims most referrals, perpetrators far fewer.
  for (const auto& [district, n] : s.by_district) {
    EXPECT_GE(s.by_district.at("stoke-on-trent"), n) << district;
  }
  EXPECT_EQ(s.by_district.size(), 9u);
  for (const auto& [source, n] : s.by_source) {
    EXPECT_GE(s.by_source.at("police"), n) << source;
  }
  EXPECT_GT(Share(s.by_source, "police"), 0.35);
  EXPECT_GT(Share(s.by_door, demo::kDoorAdultVictim), 0.75);
  EXPECT_LT(Share(s.by_door, demo::kDoorAdultBehaviourChange), 0.10);
  EXPECT_GT(Share(s.by_door, demo::kDoorChildren), 0.04);
  EXPECT_THAT(s.by_channel.size(), Gt(3u));
  EXPECT_THAT(s.repeat_victims, Gt(0));

  // Triage decided most at once or by a practitioner; the rest wait in
  // its queue.
  EXPECT_THAT(s.auto_triaged, Gt(s.submitted / 2));
  EXPECT_THAT(s.assessed, Gt(0));
  EXPECT_EQ(s.auto_triaged + s.assessed + s.left_in_queue, s.accepted);
  EXPECT_EQ(suite.Queued(), s.left_in_queue);

  // Every decided referral has a placement; staff worked them.
  EXPECT_EQ(Sum(s.placements_by_state), s.auto_triaged + s.assessed);
  EXPECT_THAT(Count(s.placements_by_state, "PLACEMENT_STATE_ALLOCATED"), Gt(0));
  EXPECT_THAT(Count(s.placements_by_state, "PLACEMENT_STATE_RELEASED"), Gt(0));
  EXPECT_THAT(s.first_contacts, Gt(s.accepted / 2));
  EXPECT_THAT(s.releases, Gt(0));
}

TEST(DemoYearTest, TheSameSeedGivesTheSameYearAndAnotherSeedAnother) {
  demo::Summary first, again, other;
  {
    Suite suite("demo-seed-a");
    ASSERT_TRUE(suite.started());
    first = suite.Generate(kSeed);
  }
  {
    Suite suite("demo-seed-a-again");
    ASSERT_TRUE(suite.started());
    again = suite.Generate(kSeed);
  }
  {
    Suite suite("demo-seed-b");
    ASSERT_TRUE(suite.started());
    other = suite.Generate(kOtherSeed);
  }
  EXPECT_EQ(demo::SummaryJson(first), demo::SummaryJson(again));
  EXPECT_EQ(first.by_district, again.by_district);
  EXPECT_EQ(first.by_source, again.by_source);
  EXPECT_EQ(first.accepted_by_front_door, again.accepted_by_front_door);
  EXPECT_NE(first.by_district, other.by_district);
  EXPECT_NE(first.by_source, other.by_source);
}

}  // namespace
}  // namespace frontdoor
