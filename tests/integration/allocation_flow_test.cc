// intake-svc, triage-svc and allocation-svc together, in process, over real
// mTLS with real SQLite: a partner's referral is triaged and offered the
// right programme, highest risk first. The services share one clock.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/crypto/key_ring.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/http_get.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tests/testing/triage_calls.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

using allocation::v1::Placement;
using common::v1::Referral;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

Referral Example(const std::string& name) {
  return testing::ExampleReferral(name);
}

void Prepare(grpc::ClientContext& ctx) { testing::PrepareCall(ctx); }

std::string Source(const std::string& file) { return testing::ConfigFile(file); }

class AllocationFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("alloc-flow");
    // iMatter with one seat, so a full programme is easy to reach.
    std::ifstream in(Source("allocation-settings.json"));
    std::stringstream settings;
    settings << in.rdbuf();
    std::string text = settings.str();
    const std::string seats = "\"programmeId\": \"imatter\", \"seats\": 12";
    ASSERT_NE(text.find(seats), std::string::npos);
    text.replace(text.find(seats), seats.size(),
                 "\"programmeId\": \"imatter\", \"seats\": 1");
    std::ofstream(dir_ / "settings.json") << text;

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    allocation_store_ = testing::StoreLocationOf(a.store());
    a.set_settings_file((dir_ / "settings.json").string());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    testing::PointAt(t.mutable_allocation(), allocation_->api_port());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    testing::PointAt(i.mutable_triage(), triage_->api_port());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    police_ = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    triage_staff_ = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    allocation_staff_ = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(),
                                  "frontdoor-helpline"));
    console_ = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(), "web-svc"));
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const Referral& referral, const std::string& key) {
    grpc::ClientContext ctx;
    Prepare(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = police_->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt().reference();
  }

  // The placement once it has reached `state` (or fails the test).
  Placement Await(const std::string& reference,
                  allocation::v1::PlacementState state) {
    Placement p;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      Prepare(ctx);
      allocation::v1::GetPlacementRequest req;
      req.set_reference(reference);
      p.Clear();
      grpc::Status s = allocation_staff_->GetPlacement(&ctx, req, &p);
      if (s.ok() && p.state() == state) return p;
      if (!s.ok()) {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND)
            << s.error_message();
      }
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << reference << " did not reach "
                  << allocation::v1::PlacementState_Name(state) << "; "
                  << p.ShortDebugString();
    return p;
  }

  Referral Adult(int yes, int dob_day) {
    Referral r = Example("adult-victim.json");
    *r.mutable_risk_assessment() = triage::testing::Dash(yes);
    r.mutable_subject()->mutable_date_of_birth()->set_day(dob_day);
    return r;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<intake::v1::IntakeService::Stub> police_;
  std::unique_ptr<triage::v1::TriageService::Stub> triage_staff_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> allocation_staff_;
  // web-svc's identity: the console (and the web forms).
  std::unique_ptr<allocation::v1::AllocationService::Stub> console_;
  std::string allocation_store_;
};

TEST_F(AllocationFlowTest, AdultVictimTiersLandInIMatterTargetedAndAcute) {
  const std::string t2 = Submit(Adult(5, 1), "t2");    // standard, tier 2
  const std::string t3 = Submit(Adult(11, 2), "t3");   // medium, tier 3
  const std::string t4 = Submit(Adult(15, 3), "t4");   // high, tier 4
  EXPECT_EQ(Await(t2, allocation::v1::PLACEMENT_STATE_ALLOCATED).programme_id(),
            "imatter");
  EXPECT_EQ(Await(t3, allocation::v1::PLACEMENT_STATE_ALLOCATED).programme_id(),
            "adult-targeted-support");
  Placement acute = Await(t4, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(acute.programme_id(), "adult-acute-support");
  // The example's subject asks for a specialist for racially minoritised
  // victims: the IDVA who is one, not the first with room.
  EXPECT_EQ(acute.practitioner_id(), "idva-city-1");
  EXPECT_EQ(acute.risk_level(), common::v1::RISK_LEVEL_HIGH);
}

TEST_F(AllocationFlowTest, FullProgrammeHighRiskFirstAndReleaseAllocatesHead) {
  // iMatter has one seat. The first takes it.
  const std::string first = Submit(Adult(5, 1), "first");
  Await(first, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  // A standard-risk person waits...
  clock_.Advance(absl::Hours(2));
  const std::string standard = Submit(Adult(4, 2), "standard");
  Await(standard, allocation::v1::PLACEMENT_STATE_WAITING);
  // ...then a high-risk person (tier 2 by a practitioner's override)
  // arrives later and waits ahead of them.
  clock_.Advance(absl::Hours(1));
  Referral plain = Example("adult-victim.json");
  plain.clear_risk_assessment();
  plain.mutable_subject()->mutable_date_of_birth()->set_day(3);
  const std::string high = Submit(plain, "high");
  {
    // Once triage has it queued, a practitioner decides.
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(high);
    *req.mutable_dash() = triage::testing::Dash(15);
    req.mutable_tier_override()->set_tier(2);
    req.mutable_tier_override()->set_reason("Group work first, by choice");
    triage::v1::Decision d;
    grpc::Status s =
        testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(d.risk_level(), common::v1::RISK_LEVEL_HIGH);
    EXPECT_EQ(d.tier(), 2);
  }
  Await(high, allocation::v1::PLACEMENT_STATE_WAITING);

  grpc::ClientContext list_ctx;
  Prepare(list_ctx);
  allocation::v1::ListWaitingRequest list_req;
  list_req.set_programme_id("imatter");
  allocation::v1::ListWaitingResponse list;
  ASSERT_TRUE(allocation_staff_->ListWaiting(&list_ctx, list_req, &list).ok());
  ASSERT_EQ(list.waiting_size(), 2);
  EXPECT_EQ(list.waiting(0).reference(), high);
  EXPECT_EQ(list.waiting(1).reference(), standard);

  grpc::ClientContext release_ctx;
  Prepare(release_ctx);
  allocation::v1::ReleasePlaceRequest release;
  release.set_reference(first);
  release.set_reason("cohort ended");
  allocation::v1::ReleasePlaceResponse released;
  ASSERT_TRUE(
      allocation_staff_->ReleasePlace(&release_ctx, release, &released).ok());
  EXPECT_EQ(released.allocated().reference(), high);
  Await(high, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  Await(standard, allocation::v1::PLACEMENT_STATE_WAITING);
}

TEST_F(AllocationFlowTest, DatingDetoxOnlyAfterCarerConsent) {
  Referral r = Example("child-victim.json");
  r.mutable_subject()->mutable_date_of_birth()->set_year(2011);  // 15
  r.mutable_consent()->set_parent_or_carer(common::v1::CONSENT_UNSPECIFIED);
  r.mutable_other_party()->mutable_name()->set_given_names("Sam");
  r.mutable_other_party()->mutable_name()->set_family_name("Other");
  r.mutable_other_party()->set_relationship(common::v1::RELATIONSHIP_EX_PARTNER);
  const std::string ref = Submit(r, "teen");
  // Triage: the young person harms in their own relationship, at moderate
  // severity: tier 3 by the rules alone, no override.
  triage::v1::SubmitAssessmentRequest req;
  req.set_reference(ref);
  *req.mutable_child() = triage::testing::ChildAnswers("harm-in-own-relationship");
  triage::v1::Decision d;
  grpc::Status s =
      testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(d.side(), common::v1::SIDE_BEHAVIOUR_CHANGE);
  EXPECT_EQ(d.tier(), 3);
  EXPECT_EQ(d.tier_from_risk(), 0);  // not overridden

  Placement awaiting =
      Await(ref, allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT);
  EXPECT_EQ(awaiting.programme_id(), "dating-detox");

  grpc::ClientContext ctx;
  Prepare(ctx);
  allocation::v1::RecordConsentRequest consent;
  consent.set_reference(ref);
  consent.set_who(allocation::v1::RecordConsentRequest::WHO_PARENT_OR_CARER);
  consent.set_consent(common::v1::CONSENT_GIVEN);
  consent.set_how("by phone to the CYP practitioner");
  *consent.mutable_given_at() = google::protobuf::util::TimeUtil::
      MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  Placement allocated;
  ASSERT_TRUE(
      allocation_staff_->RecordConsent(&ctx, consent, &allocated).ok());
  EXPECT_EQ(allocated.state(), allocation::v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(allocated.programme_id(), "dating-detox");
}

TEST_F(AllocationFlowTest, CatalogueIsServedAndPartnersAreRefused) {
  grpc::ClientContext ctx;
  Prepare(ctx);
  allocation::v1::ListProgrammesResponse programmes;
  ASSERT_TRUE(allocation_staff_->ListProgrammes(&ctx, {}, &programmes).ok());
  EXPECT_EQ(programmes.version(), "catalogue-2026-2");
  EXPECT_EQ(programmes.programmes_size(), 15);

  auto as_police = allocation::v1::AllocationService::NewStub(
      *testing::MakeMtlsChannel(allocation_->api_port(), "staffs-police"));
  grpc::ClientContext ctx2;
  Prepare(ctx2);
  allocation::v1::ListWaitingRequest req;
  req.set_programme_id("imatter");
  allocation::v1::ListWaitingResponse resp;
  EXPECT_EQ(as_police->ListWaiting(&ctx2, req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto inbox = allocation::v1::AllocationInbox::NewStub(
      *testing::MakeMtlsChannel(allocation_->api_port(), "intake-svc"));
  grpc::ClientContext ctx3;
  Prepare(ctx3);
  allocation::v1::DeliverDecisionResponse delivered;
  EXPECT_EQ(inbox->DeliverDecision(&ctx3, {}, &delivered).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The console (web-svc's identity) acting for a signed-in person: with the
// practitioner's staff role it may do what staff may, and the audit trail
// names the person and their role; a commissioner's session may not read a
// placement; without a staff role, web-svc is a web form and reads nothing.
TEST_F(AllocationFlowTest, TheConsoleActsForAPersonInTheirStaffRole) {
  const std::string ref = Submit(Adult(5, 1), "console-1");
  Await(ref, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  const auto as = [](grpc::ClientContext& ctx, const char* role) {
    testing::PrepareCall(ctx, "staff-42");
    if (role != nullptr) ctx.AddMetadata("frontdoor-staff-role", role);
  };
  allocation::v1::GetPlacementRequest get;
  get.set_reference(ref);
  for (const char* refused : {"commissioner", static_cast<const char*>(nullptr)}) {
    grpc::ClientContext ctx;
    as(ctx, refused);
    Placement p;
    EXPECT_EQ(console_->GetPlacement(&ctx, get, &p).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << (refused == nullptr ? "no staff role" : refused);
  }
  grpc::ClientContext ctx;
  as(ctx, "practitioner");
  allocation::v1::RecordFirstContactRequest contact;
  contact.set_reference(ref);
  contact.set_method(allocation::v1::CONTACT_METHOD_IN_PERSON);
  *contact.mutable_made_at() = google::protobuf::util::TimeUtil::
      MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  Placement contacted;
  grpc::Status recorded = console_->RecordFirstContact(&ctx, contact, &contacted);
  ASSERT_TRUE(recorded.ok()) << recorded.error_message();
  EXPECT_EQ(contacted.first_contact(), allocation::v1::FIRST_CONTACT_MET);
  // Only a team leader releases a place; the practitioner's attempt is
  // refused and audited as every refusal is.
  {
    grpc::ClientContext release_ctx;
    as(release_ctx, "practitioner");
    allocation::v1::ReleasePlaceRequest release;
    release.set_reference(ref);
    release.set_reason("case closed");
    allocation::v1::ReleasePlaceResponse released;
    EXPECT_EQ(console_->ReleasePlace(&release_ctx, release, &released)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  auto store = testing::OpenTestStore(allocation_store_, {});
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<std::pair<std::string, std::string>> actors;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT actor_agency, actor_person FROM audit_log "
                        "WHERE action = 'allocation.first_contact' AND "
                        "subject = $1",
                        {ref});
                    if (!rows.ok()) return rows.status();
                    for (const store::Row& row : *rows) {
                      actors.emplace_back(row.Text(0), row.Text(1));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(actors, ::testing::ElementsAre(::testing::Pair(
                          "frontdoor-web", "staff-42 as practitioner")));
  std::vector<std::string> refusals;
  ASSERT_TRUE((*store)
                  ->Read([&](store::Tx& tx) -> absl::Status {
                    auto rows = tx.Query(
                        "SELECT actor_person, reason, details FROM audit_log "
                        "WHERE action = 'call.refused' ORDER BY seq");
                    if (!rows.ok()) return rows.status();
                    for (const store::Row& row : *rows) {
                      refusals.push_back(absl::StrCat(
                          row.Text(0), " ", row.Text(1), " ", row.Text(2)));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_THAT(refusals,
              ::testing::Contains(
                  "staff-42 as practitioner role_missing "
                  "{\"method\":\"/frontdoor.allocation.v1.AllocationService/"
                  "ReleasePlace\"}"));
}

TEST_F(AllocationFlowTest, MetricsShowPlacesAndWaiting) {
  const std::string m1 = Submit(Adult(5, 1), "m1");
  Await(m1, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  Await(Submit(Adult(5, 2), "m2"), allocation::v1::PLACEMENT_STATE_WAITING);
  // The one allocated is contacted within its target (48 hours for an
  // agency's referral); the one waiting is not, and becomes overdue.
  clock_.Advance(absl::Hours(2));
  grpc::ClientContext ctx;
  Prepare(ctx);
  allocation::v1::RecordFirstContactRequest contact;
  contact.set_reference(m1);
  contact.set_method(allocation::v1::CONTACT_METHOD_PHONE);
  *contact.mutable_made_at() = google::protobuf::util::TimeUtil::
      MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
  Placement contacted;
  grpc::Status recorded =
      allocation_staff_->RecordFirstContact(&ctx, contact, &contacted);
  ASSERT_TRUE(recorded.ok()) << recorded.error_message();
  EXPECT_EQ(contacted.first_contact(), allocation::v1::FIRST_CONTACT_MET);
  clock_.Advance(absl::Hours(48));
  auto scrape = testing::HttpGet(allocation_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok());
  const std::string& text = scrape->body;
  EXPECT_EQ(testing::FindSample(
                text, "frontdoor_allocation_places_in_use{programme=\"imatter\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                text, "frontdoor_allocation_waiting{programme=\"imatter\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                text,
                "frontdoor_allocation_first_contact_overdue{programme="
                "\"imatter\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                text,
                "frontdoor_allocation_first_contacts{programme=\"imatter\","
                "outcome=\"met\"}"),
            1.0);
  EXPECT_EQ(testing::FindSample(
                text,
                "frontdoor_allocation_first_contacts{programme=\"imatter\","
                "outcome=\"missed\"}"),
            0.0);
  EXPECT_EQ(testing::FindSample(
                text,
                "frontdoor_allocation_placements{programme=\"imatter\","
                "state=\"allocated\",tier=\"2\"}"),
            1.0);
}

}  // namespace
}  // namespace frontdoor
