// allocation-svc alone, over real mTLS: the catalogue is data. Editing the
// file changes behaviour after a restart, with no code change; a malformed
// file stops start-up naming the entry.
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/crypto/key_ring.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/pki.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"

namespace frontdoor::allocation {
namespace {

using ::testing::HasSubstr;
using v1::Placement;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Replace(std::string& text, const std::string& from,
             const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

class AllocationCatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("catalogue");
    catalogue_ = Read(absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/catalogue.json"));
    settings_ = Read(
        absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/allocation-settings.json"));
    config_ = testing::AllocationConfigIn(dir_);
    config_.set_catalogue_file((dir_ / "catalogue.json").string());
    config_.set_settings_file((dir_ / "settings.json").string());
  }
  void TearDown() override {
    if (server_) EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  absl::Status Start() {
    std::ofstream(dir_ / "catalogue.json", std::ios::trunc) << catalogue_;
    std::ofstream(dir_ / "settings.json", std::ios::trunc) << settings_;
    auto server = AllocationServer::Start(config_, clock_);
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    return absl::OkStatus();
  }
  void Restart() {
    ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    server_.reset();
    ASSERT_TRUE(Start().ok());
  }

  // Decides a 30-year-old victim at tier 2, as triage would.
  Placement Allocate(const std::string& reference) {
    return Allocate(reference, [](triage::v1::TriageDecided&) {});
  }
  Placement Allocate(const std::string& reference,
                     const std::function<void(triage::v1::TriageDecided&)>&
                         change) {
    auto inbox = v1::AllocationInbox::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), "triage-svc"));
    triage::v1::TriageDecided e;
    e.set_event_id(reference + ":decision:1:allocation");
    e.set_agency_id("staffs-police");
    e.set_decision_number(1);
    e.set_district("tamworth");
    *e.mutable_received_at() = google::protobuf::util::TimeUtil::
        MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    auto* d = e.mutable_decision();
    d->set_reference(reference);
    d->set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
    d->set_side(common::v1::SIDE_VICTIM);
    d->set_tier(2);
    d->set_risk_level(common::v1::RISK_LEVEL_STANDARD);
    auto* dob = e.mutable_referral()->mutable_subject()->mutable_date_of_birth();
    dob->set_year(1990);
    dob->set_month(5);
    dob->set_day(5);
    change(e);
    grpc::ClientContext ctx;
    ctx.AddMetadata("frontdoor-actor", "relay");
    v1::DeliverDecisionResponse delivered;
    grpc::Status s = inbox->DeliverDecision(&ctx, e, &delivered);
    EXPECT_TRUE(s.ok()) << s.error_message();

    auto staff = v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), "frontdoor-helpline"));
    grpc::ClientContext get_ctx;
    get_ctx.AddMetadata("frontdoor-actor", "Staff");
    v1::GetPlacementRequest req;
    req.set_reference(reference);
    Placement p;
    EXPECT_TRUE(staff->GetPlacement(&get_ctx, req, &p).ok());
    return p;
  }

  v1::ListProgrammesResponse Programmes() {
    auto staff = v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), "frontdoor-helpline"));
    grpc::ClientContext ctx;
    ctx.AddMetadata("frontdoor-actor", "Staff");
    v1::ListProgrammesResponse r;
    EXPECT_TRUE(staff->ListProgrammes(&ctx, {}, &r).ok());
    return r;
  }

  std::filesystem::path dir_;
  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                                   absl::UTCTimeZone())};
  std::string catalogue_;
  std::string settings_;
  config::v1::AllocationConfig config_;
  std::unique_ptr<AllocationServer> server_;
};

TEST_F(AllocationCatalogueTest, EditedCatalogueChangesBehaviourAfterRestart) {
  ASSERT_TRUE(Start().ok());
  EXPECT_EQ(Allocate("FD-AAAAAAAAAAA1").programme_id(), "imatter");

  // A new tier 2 programme listed first, and iMatter at 10 sessions.
  Replace(catalogue_, "\"programmes\": [",
          "\"programmes\": [\n"
          "    {\"id\": \"imatter-online\", \"name\": \"iMatter Online\", "
          "\"door\": \"DOOR_ADULT\", \"side\": \"SIDE_VICTIM\", \"tier\": 2, "
          "\"delivery\": \"DELIVERY_GROUP\", \"sessions\": 6, \"minAge\": 18, "
          "\"practitionerRole\": \"DA practitioner\"},");
  Replace(catalogue_, "\"delivery\": \"DELIVERY_GROUP\", \"sessions\": 8, \"minAge\": 18",
          "\"delivery\": \"DELIVERY_GROUP\", \"sessions\": 10, \"minAge\": 18");
  Replace(catalogue_, "catalogue-2026-2", "catalogue-2026-3");
  Replace(settings_, "\"cohorts\": [",
          "\"cohorts\": [\n    {\"programmeId\": \"imatter-online\", \"seats\": 20},");
  Restart();

  v1::ListProgrammesResponse programmes = Programmes();
  EXPECT_EQ(programmes.version(), "catalogue-2026-3");
  ASSERT_GE(programmes.programmes_size(), 2);
  EXPECT_EQ(programmes.programmes(0).id(), "imatter-online");
  EXPECT_EQ(programmes.programmes(1).id(), "imatter");
  EXPECT_EQ(programmes.programmes(1).sessions(), 10);
  Placement p = Allocate("FD-AAAAAAAAAAA2");
  EXPECT_EQ(p.programme_id(), "imatter-online");
  EXPECT_EQ(p.catalogue_version(), "catalogue-2026-3");
}

TEST_F(AllocationCatalogueTest, SevenYearOldCannotBeOfferedRespect) {
  ASSERT_TRUE(Start().ok());
  Placement p = Allocate("FD-CCCCCCCCCCC7", [](triage::v1::TriageDecided& e) {
    e.mutable_decision()->set_front_door(common::v1::FRONT_DOOR_CHILDREN);
    e.mutable_decision()->set_side(common::v1::SIDE_BEHAVIOUR_CHANGE);
    e.mutable_decision()->set_tier(3);
    e.mutable_referral()->mutable_subject()->mutable_date_of_birth()->set_year(
        2019);  // 7 on 23 November 2026
    e.mutable_referral()->mutable_other_party()->set_relationship(
        common::v1::RELATIONSHIP_FAMILY_MEMBER);
    e.mutable_referral()->mutable_consent()->set_parent_or_carer(
        common::v1::CONSENT_GIVEN);
  });
  EXPECT_EQ(p.state(), v1::PLACEMENT_STATE_FAILED);
  EXPECT_EQ(p.failure(), v1::FAILURE_REASON_NOT_ELIGIBLE);
  EXPECT_THAT(p.reason(), HasSubstr("respect-ypp: ages 8 to 17, not 7"));
  EXPECT_EQ(p.programme_id(), "");
}

TEST_F(AllocationCatalogueTest, MalformedCatalogueStopsStartUpNamingTheEntry) {
  Replace(catalogue_, "\"id\": \"dating-detox\", \"name\": \"Dating Detox\", "
                      "\"door\": \"DOOR_CHILD\", \"side\": \"SIDE_BEHAVIOUR_CHANGE\", "
                      "\"tier\": 3",
          "\"id\": \"dating-detox\", \"name\": \"Dating Detox\", "
          "\"door\": \"DOOR_CHILD\", \"side\": \"SIDE_BEHAVIOUR_CHANGE\", "
          "\"tier\": 7");
  absl::Status s = Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("catalogue.json"));
  EXPECT_THAT(s.message(), HasSubstr("programmes[12] \"dating-detox\".tier"));
}

TEST_F(AllocationCatalogueTest, UnparsableCatalogueStopsStartUp) {
  catalogue_ = "{\"programmes\": [{\"id\": \"x\", \"colour\": \"blue\"}]}";
  absl::Status s = Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("colour"));
}

// Invalid UTF-8 in a nested string of triage's event: refused naming the
// field, every log line JSON.
TEST_F(AllocationCatalogueTest, InvalidUtf8IsRefusedNamingTheField) {
  testing::ScopedCapturedLog log;
  ASSERT_TRUE(Start().ok());
  auto channel = testing::MakeMtlsChannel(server_->api_port(), "triage-svc");
  ASSERT_TRUE(channel.ok()) << channel.status();
  triage::v1::TriageDecided event;
  event.set_event_id("event-1");
  event.mutable_decision()->set_reference(testing::kUtf8Probe);
  testing::ExpectInvalidUtf8Refused(
      *channel, "/frontdoor.allocation.v1.AllocationInbox/DeliverDecision",
      event, "decision.reference", [&log] { return log.text(); });
}

}  // namespace
}  // namespace frontdoor::allocation
