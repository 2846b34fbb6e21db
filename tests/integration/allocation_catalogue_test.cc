// allocation-svc alone, over real mTLS, on a fake clock: the catalogue is
// data. Editing the file changes behaviour after a restart, with no code
// change; a malformed file stops start-up naming the entry. And the
// figures of AllocationService.Report over two financial quarters.
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/audit/audit.h"
#include "common/crypto/key_ring.h"
#include "common/report/report_run.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/pki.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tests/testing/report_calls.h"

namespace frontdoor::allocation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using google::protobuf::util::TimeUtil;
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

// AllocationService.Report over two financial quarters, on the fake clock
// (Europe/London is on GMT from November to March, so the quarters'
// boundaries are midnight UTC). Triage's decisions are handed over
// directly; staff record first contacts, a release and failures.
class AllocationReportTest : public AllocationCatalogueTest {
 protected:
  static constexpr char kReportViewer[] = "frontdoor-operations";
  static constexpr char kStaff[] = "frontdoor-helpline";

  void SetUp() override {
    AllocationCatalogueTest::SetUp();
    // Ten seats on iMatter: the eleventh waits.
    Replace(settings_, "\"programmeId\": \"imatter\", \"seats\": 12",
            "\"programmeId\": \"imatter\", \"seats\": 10");
    ASSERT_TRUE(Start().ok());
    staff_ = v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), kStaff));
  }

  // Hands over a decision on a 30-year-old's referral, received `received`,
  // from the police in `district`, at the door, side and tier given;
  // `change` adjusts the event. Returns the placement.
  Placement Decide(const std::string& reference, absl::Time received,
                   const std::string& district, common::v1::FrontDoor door,
                   common::v1::Side side, int tier,
                   const std::function<void(triage::v1::TriageDecided&)>&
                       change = [](triage::v1::TriageDecided&) {}) {
    return Allocate(reference, [&](triage::v1::TriageDecided& e) {
      *e.mutable_received_at() =
          TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(received));
      e.set_district(district);
      e.mutable_decision()->set_front_door(door);
      e.mutable_decision()->set_side(side);
      e.mutable_decision()->set_tier(tier);
      change(e);
    });
  }

  void FirstContact(const std::string& reference, absl::Time made_at) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("frontdoor-actor", "Staff");
    v1::RecordFirstContactRequest req;
    req.set_reference(reference);
    req.set_method(v1::CONTACT_METHOD_PHONE);
    *req.mutable_made_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(made_at));
    Placement p;
    grpc::Status s = staff_->RecordFirstContact(&ctx, req, &p);
    ASSERT_TRUE(s.ok()) << reference << ": " << s.error_message();
  }

  void Fail(const std::string& reference, v1::FailureReason failure) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("frontdoor-actor", "Staff");
    v1::RecordFailureRequest req;
    req.set_reference(reference);
    req.set_failure(failure);
    req.set_note("recorded for the report test");
    v1::RecordFailureResponse resp;
    grpc::Status s = staff_->RecordFailure(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << reference << ": " << s.error_message();
  }

  v1::ReleasePlaceResponse Release(const std::string& reference) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("frontdoor-actor", "Staff");
    v1::ReleasePlaceRequest req;
    req.set_reference(reference);
    req.set_reason("case closed");
    v1::ReleasePlaceResponse resp;
    grpc::Status s = staff_->ReleasePlace(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << reference << ": " << s.error_message();
    return resp;
  }

  // Report for the days `first` to `last` as `agency` (through the console
  // when `staff_role` is given).
  grpc::Status Report(const std::string& agency, absl::CivilDay first,
                      absl::CivilDay last, common::v1::ReportResponse* out,
                      const char* staff_role = nullptr) {
    auto stub = v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), agency));
    return testing::CallReport(*stub, first, last, out, staff_role);
  }

  using Dims = std::vector<std::pair<std::string, std::string>>;

  // Every count of `measure` as "value,value,...=count", dimension values
  // in name order, in the response's order.
  static std::vector<std::string> Counts(
      const common::v1::ReportResponse& report, const std::string& measure) {
    std::vector<std::string> out;
    for (const common::v1::ReportCount& c : report.counts()) {
      if (c.measure() != measure) continue;
      std::string line;
      for (const common::v1::ReportDimension& d : c.dimensions()) {
        absl::StrAppend(&line, line.empty() ? "" : ",", d.name(), ":",
                        d.value());
      }
      out.push_back(absl::StrCat(line, "=", c.count()));
    }
    return out;
  }

  // The distribution of `measure` for exactly `dims` (sorted by name).
  static const common::v1::ReportDurations* Durations(
      const common::v1::ReportResponse& report, const std::string& measure,
      const Dims& dims) {
    for (const common::v1::ReportDurations& d : report.durations()) {
      if (d.measure() != measure ||
          static_cast<size_t>(d.dimensions_size()) != dims.size()) {
        continue;
      }
      bool same = true;
      for (int i = 0; i < d.dimensions_size(); ++i) {
        same = same && d.dimensions(i).name() == dims[i].first &&
               d.dimensions(i).value() == dims[i].second;
      }
      if (same) return &d;
    }
    return nullptr;
  }

  std::vector<std::vector<std::string>> AuditRows(const std::string& action) {
    std::vector<std::vector<std::string>> out;
    auto store = testing::OpenTestStore(
        testing::StoreLocationOf(config_.store()), audit::Migrations());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    absl::Status read = (*store)->Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query(
          "SELECT actor_agency, reason, details, actor_person "
          "FROM audit_log WHERE action = $1 ORDER BY seq",
          {action});
      if (!rows.ok()) return rows.status();
      for (const store::Row& row : *rows) {
        out.push_back({row.Text(0), row.Text(1), row.Text(2), row.Text(3)});
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read;
    return out;
  }

  static absl::Time At(int y, int m, int d, int hh, int mm = 0) {
    return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0),
                           absl::UTCTimeZone());
  }

  std::unique_ptr<v1::AllocationService::Stub> staff_;
};

// The dataset, in 2026-Q3 (October to December) and 2026-Q4 (January to
// March 2027):
//  - 23 November 2026: ten police referrals to iMatter (tier 2), received 1
//    to 10 days before, allocated at once (five in Tamworth, a county
//    district, five in Stoke-on-Trent, the city); first contact made within
//    target for two, late for one, in January for one, never for the rest.
//    A behaviour change referral allocated to Changing Direction (3 days
//    from referral); a tier 1 referral no programme is eligible for.
//  - 10 December: an eleventh iMatter referral waits (no seat); Changing
//    Direction's person cannot be contacted.
//  - 31 December 23:00: a self-referral allocated to Targeted Support (Q3);
//    1 January 01:00: a police referral allocated there (Q4).
//  - 10 January 2027: a place on iMatter is released and goes to the one
//    waiting; another iMatter person declines.
TEST_F(AllocationReportTest, FiguresOfTwoQuartersForReportViewersOnly) {
  const absl::Time t0 = clock_.Now();  // 23 November 2026, 09:00
  const auto victim = [&](const std::string& reference, absl::Time received,
                          const std::string& district, int tier = 2) {
    return Decide(reference, received, district,
                  common::v1::FRONT_DOOR_ADULT_VICTIM, common::v1::SIDE_VICTIM,
                  tier);
  };
  std::vector<std::string> imatter;
  for (int k = 1; k <= 10; ++k) {
    const std::string reference =
        absl::StrCat("FD-AAAAAAAAAA", k < 10 ? "0" : "", k);
    imatter.push_back(reference);
    Placement p = victim(reference, t0 - absl::Hours(24 * k),
                         k <= 5 ? "tamworth" : "stoke-on-trent");
    ASSERT_EQ(p.state(), v1::PLACEMENT_STATE_ALLOCATED) << reference;
    ASSERT_EQ(p.programme_id(), "imatter");
  }
  // Due two days after receipt: A1 on 24 November, A2 on 23, A3 on 22.
  FirstContact(imatter[0], t0 - absl::Hours(24) + absl::Hours(1));
  FirstContact(imatter[1], t0 - absl::Hours(48) + absl::Hours(1));
  FirstContact(imatter[2], t0);
  Placement change = Decide(
      "FD-CCCCCCCCCC01", t0 - absl::Hours(72), "stoke-on-trent",
      common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE,
      common::v1::SIDE_BEHAVIOUR_CHANGE, 2, [](triage::v1::TriageDecided& e) {
        e.mutable_referral()->mutable_consent()->set_subject(
            common::v1::CONSENT_GIVEN);
      });
  ASSERT_EQ(change.programme_id(), "changing-direction");
  ASSERT_EQ(change.state(), v1::PLACEMENT_STATE_ALLOCATED);
  Placement tier1 =
      victim("FD-FFFFFFFFFF01", t0 - absl::Hours(1), "lichfield", 1);
  ASSERT_EQ(tier1.failure(), v1::FAILURE_REASON_NOT_ELIGIBLE);

  clock_.Advance(At(2026, 12, 10, 9) - clock_.Now());
  Placement waiting = victim("FD-WWWWWWWWWW01", clock_.Now() - absl::Hours(1),
                             "tamworth");
  ASSERT_EQ(waiting.state(), v1::PLACEMENT_STATE_WAITING);
  Fail(change.reference(), v1::FAILURE_REASON_NO_CONTACT);

  clock_.Advance(At(2026, 12, 31, 23) - clock_.Now());
  Placement self = Decide(
      "FD-BBBBBBBBBB01", clock_.Now() - absl::Hours(12), "tamworth",
      common::v1::FRONT_DOOR_ADULT_VICTIM, common::v1::SIDE_VICTIM, 3,
      [](triage::v1::TriageDecided& e) {
        e.mutable_referral()->mutable_referrer()->set_self_referral(true);
      });
  ASSERT_EQ(self.programme_id(), "adult-targeted-support");
  ASSERT_EQ(self.state(), v1::PLACEMENT_STATE_ALLOCATED);
  clock_.Advance(At(2027, 1, 1, 1) - clock_.Now());
  Placement police = victim("FD-BBBBBBBBBB02", clock_.Now() - absl::Hours(48),
                            "stoke-on-trent", 3);
  ASSERT_EQ(police.state(), v1::PLACEMENT_STATE_ALLOCATED);

  clock_.Advance(At(2027, 1, 10, 9) - clock_.Now());
  v1::ReleasePlaceResponse released = Release(imatter[5]);
  ASSERT_EQ(released.allocated().reference(), waiting.reference());
  Fail(imatter[6], v1::FAILURE_REASON_DECLINED);
  FirstContact(imatter[4], At(2027, 1, 5, 9));
  FirstContact(self.reference(), At(2027, 1, 1, 10));    // due 1 January 11:00
  FirstContact(police.reference(), At(2027, 1, 2, 9));   // due 1 January 01:00
  clock_.Advance(At(2027, 2, 1, 9) - clock_.Now());

  common::v1::ReportResponse q3;
  grpc::Status ran = Report(kReportViewer, absl::CivilDay(2026, 10, 1),
                            absl::CivilDay(2026, 12, 31), &q3);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  EXPECT_EQ(q3.service(), "allocation-svc");
  EXPECT_EQ(q3.first_day().month(), 10);
  EXPECT_EQ(q3.last_day().day(), 31);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(q3.computed_at()),
            absl::ToUnixMicros(clock_.Now()));
  // Those released or failed later still count as allocated in Q3.
  EXPECT_THAT(
      Counts(q3, "placements_allocated"),
      ElementsAre(
          "district:stoke-on-trent,programme:changing-direction,"
          "service:adult_behaviour_change,side:behaviour_change,tier:2=1",
          "district:stoke-on-trent,programme:imatter,service:adult_victim,"
          "side:victim,tier:2=5",
          "district:tamworth,programme:adult-targeted-support,"
          "service:adult_victim,side:victim,tier:3=1",
          "district:tamworth,programme:imatter,service:adult_victim,"
          "side:victim,tier:2=5"));
  EXPECT_THAT(Counts(q3, "waiting_at_end"),
              ElementsAre("district:tamworth,programme:imatter,tier:2=1"));
  EXPECT_THAT(
      Counts(q3, "placements_failed"),
      ElementsAre("district:lichfield,programme:none,reason:not_eligible=1",
                  "district:stoke-on-trent,programme:changing-direction,"
                  "reason:no_contact=1"));
  // Due in Q3: within target A1 and A2; late A3; not made by 31 December
  // A4 to A10 (A5's contact came in January), Changing Direction's and the
  // one waiting.
  EXPECT_THAT(Counts(q3, "first_contact"),
              ElementsAre("outcome:late,source:police,tier:2=1",
                          "outcome:not_made,source:police,tier:2=9",
                          "outcome:within_target,source:police,tier:2=2"));
  // Every place in Tamworth (county) may be paid by the commissioner or the
  // county council, in Stoke-on-Trent (city) by the commissioner or the
  // city council: each shared by two.
  EXPECT_THAT(Counts(q3, "funding"),
              ElementsAre("district:stoke-on-trent,funder:city-council,"
                          "shared_by:2=6",
                          "district:stoke-on-trent,funder:commissioner,"
                          "shared_by:2=6",
                          "district:tamworth,funder:commissioner,shared_by:2=6",
                          "district:tamworth,funder:county-council,"
                          "shared_by:2=6"));
  ASSERT_EQ(q3.durations_size(), 3);
  const auto* days_1_to_10 = Durations(q3, "referral_to_allocation",
                                       {{"programme", "imatter"},
                                        {"side", "victim"}});
  ASSERT_NE(days_1_to_10, nullptr);
  EXPECT_EQ(days_1_to_10->count(), 10);
  EXPECT_EQ(TimeUtil::DurationToSeconds(days_1_to_10->median()), 5 * 86400);
  EXPECT_EQ(TimeUtil::DurationToSeconds(days_1_to_10->p90()), 9 * 86400);
  EXPECT_THAT(days_1_to_10->by_days(),
              ElementsAre(0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
  // The perpetrator programmes on their own: side behaviour_change.
  const auto* perpetrator = Durations(q3, "referral_to_allocation",
                                      {{"programme", "changing-direction"},
                                       {"side", "behaviour_change"}});
  ASSERT_NE(perpetrator, nullptr);
  EXPECT_EQ(perpetrator->count(), 1);
  EXPECT_EQ(TimeUtil::DurationToSeconds(perpetrator->median()), 3 * 86400);
  EXPECT_EQ(TimeUtil::DurationToSeconds(perpetrator->p90()), 3 * 86400);
  EXPECT_THAT(perpetrator->by_days(), ElementsAre(0, 0, 0, 1));
  const auto* same_day = Durations(q3, "referral_to_allocation",
                                   {{"programme", "adult-targeted-support"},
                                    {"side", "victim"}});
  ASSERT_NE(same_day, nullptr);
  EXPECT_EQ(TimeUtil::DurationToSeconds(same_day->median()), 12 * 3600);
  EXPECT_THAT(same_day->by_days(), ElementsAre(1));
  // Nothing names a person.
  for (const common::v1::ReportCount& c : q3.counts()) {
    for (const common::v1::ReportDimension& d : c.dimensions()) {
      EXPECT_THAT(d.value(), Not(HasSubstr("FD-")));
    }
  }

  common::v1::ReportResponse q4;
  ran = Report(kReportViewer, absl::CivilDay(2027, 1, 1),
               absl::CivilDay(2027, 3, 31), &q4);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  // Waiting at the end of Q3, allocated in Q4; the other side of the
  // boundary.
  EXPECT_THAT(
      Counts(q4, "placements_allocated"),
      ElementsAre("district:stoke-on-trent,programme:adult-targeted-support,"
                  "service:adult_victim,side:victim,tier:3=1",
                  "district:tamworth,programme:imatter,service:adult_victim,"
                  "side:victim,tier:2=1"));
  EXPECT_THAT(Counts(q4, "waiting_at_end"), ::testing::IsEmpty());
  EXPECT_THAT(Counts(q4, "placements_failed"),
              ElementsAre("district:stoke-on-trent,programme:imatter,"
                          "reason:declined=1"));
  EXPECT_THAT(Counts(q4, "first_contact"),
              ElementsAre("outcome:late,source:police,tier:3=1",
                          "outcome:within_target,source:self,tier:3=1"));
  EXPECT_THAT(Counts(q4, "funding"),
              ElementsAre("district:stoke-on-trent,funder:city-council,"
                          "shared_by:2=1",
                          "district:stoke-on-trent,funder:commissioner,"
                          "shared_by:2=1",
                          "district:tamworth,funder:commissioner,shared_by:2=1",
                          "district:tamworth,funder:county-council,"
                          "shared_by:2=1"));
  ASSERT_EQ(q4.durations_size(), 2);
  const auto* waited = Durations(q4, "referral_to_allocation",
                                 {{"programme", "imatter"}, {"side", "victim"}});
  ASSERT_NE(waited, nullptr);
  // Received 10 December 08:00, allocated 10 January 09:00.
  EXPECT_EQ(TimeUtil::DurationToSeconds(waited->median()), 31 * 86400 + 3600);
  EXPECT_EQ(waited->by_days_size(), 32);
  EXPECT_EQ(waited->by_days(31), 1);

  // A commissioner through the console may; a practitioner and a
  // referring agency may not.
  common::v1::ReportResponse other;
  EXPECT_TRUE(Report("web-svc", absl::CivilDay(2026, 10, 1),
                     absl::CivilDay(2026, 12, 31), &other, "commissioner")
                  .ok());
  EXPECT_EQ(Counts(other, "placements_allocated"),
            Counts(q3, "placements_allocated"));
  EXPECT_EQ(Report("web-svc", absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &other, "practitioner")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Report("staffs-police", absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &other)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Report(kStaff, absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &other)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A period ending before it starts; no first day.
  {
    auto operations = v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(server_->api_port(), kReportViewer));
    testing::ExpectPeriodsChecked(*operations);
  }

  // Each run answered is audited, with its period.
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  const auto runs = AuditRows(report::kActionReportRun);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0][0], kReportViewer);
  EXPECT_EQ(runs[0][1], report::kReasonReportView);
  EXPECT_THAT(runs[0][2], HasSubstr("\"period\":\"2026-Q3\""));
  EXPECT_THAT(runs[1][2], HasSubstr("\"period\":\"2026-Q4\""));
  EXPECT_EQ(runs[2][0], "frontdoor-web");  // the console's agency
  EXPECT_EQ(runs[2][3], "staff-9 as commissioner");
}

}  // namespace
}  // namespace frontdoor::allocation
