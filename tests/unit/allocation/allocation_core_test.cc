// allocation-svc's core over a real SQLite store with an injected clock.
#include "allocation-svc/allocation_core.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "allocation-svc/migrations.h"
#include "allocation-svc/seal_reasons.h"
#include "common/audit/audit.h"
#include "common/config/config.h"
#include "common/outbox/outbox.h"
#include "common/status/errors.h"
#include "common/tls/staff_roles.h"
#include "tests/testing/core_fixture.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::allocation {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

Caller Triage() {
  return Caller{"triage-svc", "spiffe://frontdoor/svc/triage-svc", "relay",
                {config::v1::ROLE_SERVICE}};
}
Caller Staff() {
  return Caller{"frontdoor-helpline",
                "spiffe://frontdoor/agency/frontdoor-helpline", "Alex Alloc",
                {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF}};
}
Caller Police() {
  return Caller{"staffs-police", "spiffe://frontdoor/agency/staffs-police",
                "PC 1", {config::v1::ROLE_REFERRER}};
}

// web-svc's console acting for staff-42 in `staff_role`, with the service
// roles the services give that staff role.
Caller Console(const char* staff_role) {
  absl::StatusOr<const tls::StaffRole*> role = tls::FindStaffRole(staff_role);
  EXPECT_TRUE(role.ok()) << role.status();
  return Caller{"frontdoor-web", "spiffe://frontdoor/svc/web-svc", "staff-42",
                role.ok() ? (*role)->roles
                          : std::vector<config::v1::Role>{},
                staff_role};
}

template <typename Proto>
Proto Load(const std::string& file) {
  auto p = config::LoadJsonFile<Proto>(std::string(FRONTDOOR_SOURCE_DIR) +
                                       "/config/" + file);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Proto();
}

class AllocationCoreTest : public testing::CoreStoreTest {
 protected:
  void SetUp() override {
    OpenStore(Migrations());
    if (HasFatalFailure()) return;
    Build(Load<config::v1::AllocationSettings>("allocation-settings.json"));
  }
  void TearDown() override {
    core_.reset();
    CoreStoreTest::TearDown();
  }

  void Build(config::v1::AllocationSettings settings_proto) {
    auto catalogue =
        Catalogue::FromProto(Load<config::v1::Catalogue>("catalogue.json"));
    ASSERT_TRUE(catalogue.ok()) << catalogue.status();
    catalogue_ = std::make_unique<Catalogue>(*std::move(catalogue));
    auto settings = Settings::FromProto(settings_proto, *catalogue_);
    ASSERT_TRUE(settings.ok()) << settings.status();
    settings_ = std::make_unique<Settings>(*std::move(settings));
    auto agencies = tls::AgencyRegistry::LoadFromFile(
        std::string(FRONTDOOR_SOURCE_DIR) + "/config/agencies.json");
    ASSERT_TRUE(agencies.ok()) << agencies.status();
    agencies_ = std::make_unique<tls::AgencyRegistry>(*std::move(agencies));
    core_ = std::make_unique<AllocationCore>(
        *store_, *keys_, *catalogue_, *settings_, *agencies_,
        [](const std::string& district) {
          return district == "stoke-on-trent" ? "city" : "county";
        },
        clock_);
  }

  // A decision on a referral of someone `age` years old.
  triage::v1::TriageDecided Decided(const std::string& reference, int age,
                                    common::v1::FrontDoor door,
                                    common::v1::Side side, int tier,
                                    common::v1::RiskLevel risk =
                                        common::v1::RISK_LEVEL_STANDARD) {
    triage::v1::TriageDecided e;
    e.set_event_id(reference + ":decision:1:allocation");
    e.set_agency_id("staffs-police");
    e.set_decision_number(1);
    e.set_district("stafford");
    *e.mutable_received_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    auto* d = e.mutable_decision();
    d->set_reference(reference);
    d->set_front_door(door);
    d->set_side(side);
    d->set_tier(tier);
    d->set_risk_level(risk);
    auto* subject = e.mutable_referral()->mutable_subject();
    const absl::CivilDay today =
        absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone());
    subject->mutable_date_of_birth()->set_year(
        static_cast<int>(today.year()) - age);
    subject->mutable_date_of_birth()->set_month(1);
    subject->mutable_date_of_birth()->set_day(1);
    e.mutable_referral()->mutable_consent()->set_subject(
        common::v1::CONSENT_GIVEN);
    e.mutable_referral()->mutable_referrer()->set_name("PC Referrer");
    return e;
  }
  triage::v1::TriageDecided AdultVictim(const std::string& ref, int tier,
                                        common::v1::RiskLevel risk =
                                            common::v1::RISK_LEVEL_STANDARD) {
    return Decided(ref, 30, common::v1::FRONT_DOOR_ADULT_VICTIM,
                   common::v1::SIDE_VICTIM, tier, risk);
  }

  absl::StatusOr<bool> Deliver(const triage::v1::TriageDecided& e,
                               const Caller& caller = Triage()) {
    return Wait<bool>([&](auto done) { core_->Deliver(caller, e, done); });
  }
  v1::Placement Get(const std::string& ref) {
    auto p = core_->GetPlacement(Staff(), ref);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *p : v1::Placement();
  }
  absl::StatusOr<v1::Placement> Consent(
      const std::string& ref, v1::RecordConsentRequest::Who who,
      common::v1::Consent consent, const Caller& caller = Staff()) {
    v1::RecordConsentRequest req;
    req.set_reference(ref);
    req.set_who(who);
    req.set_consent(consent);
    req.set_how("by phone to the practitioner");
    *req.mutable_given_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    return Wait<v1::Placement>(
        [&](auto done) { core_->RecordConsent(caller, req, done); });
  }
  absl::StatusOr<v1::ReleasePlaceResponse> Release(
      const std::string& ref, const Caller& caller = Staff()) {
    v1::ReleasePlaceRequest req;
    req.set_reference(ref);
    req.set_reason("case closed");
    return Wait<v1::ReleasePlaceResponse>(
        [&](auto done) { core_->ReleasePlace(caller, req, done); });
  }
  absl::StatusOr<v1::RecordFailureResponse> Fail(const std::string& ref,
                                                 const Caller& caller) {
    v1::RecordFailureRequest req;
    req.set_reference(ref);
    req.set_failure(v1::FAILURE_REASON_NO_CONTACT);
    req.set_note("three calls at safe times, no answer");
    return Wait<v1::RecordFailureResponse>(
        [&](auto done) { core_->RecordFailure(caller, req, done); });
  }
  absl::StatusOr<v1::Placement> FirstContact(const std::string& ref,
                                             const Caller& caller) {
    v1::RecordFirstContactRequest req;
    req.set_reference(ref);
    req.set_method(v1::CONTACT_METHOD_PHONE);
    *req.mutable_made_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(clock_.Now()));
    return Wait<v1::Placement>(
        [&](auto done) { core_->RecordFirstContact(caller, req, done); });
  }
  absl::StatusOr<common::v1::ListHistoryResponse> History(
      const std::string& ref, const Caller& caller) {
    common::v1::ListHistoryRequest req;
    req.set_reference(ref);
    return Wait<common::v1::ListHistoryResponse>(
        [&](auto done) { core_->ListHistory(caller, req, done); });
  }

  FakeClock clock_{kStart};
  std::unique_ptr<Catalogue> catalogue_;
  std::unique_ptr<Settings> settings_;
  std::unique_ptr<tls::AgencyRegistry> agencies_;
  std::unique_ptr<AllocationCore> core_;
};

TEST_F(AllocationCoreTest, AdultVictimTiersLandInTheirProgrammes) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA3", 3)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA4", 4,
                                  common::v1::RISK_LEVEL_HIGH))
                  .ok());
  v1::Placement t2 = Get("FD-AAAAAAAAAAA2");
  EXPECT_EQ(t2.state(), v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(t2.programme_id(), "imatter");
  EXPECT_EQ(t2.practitioner_id(), "");
  EXPECT_THAT(t2.funders(), ElementsAre("commissioner", "county-council"));
  EXPECT_EQ(t2.catalogue_version(), "catalogue-2026-2");
  v1::Placement t3 = Get("FD-AAAAAAAAAAA3");
  EXPECT_EQ(t3.programme_id(), "adult-targeted-support");
  EXPECT_EQ(t3.practitioner_id(), "da-practitioner-1");
  v1::Placement t4 = Get("FD-AAAAAAAAAAA4");
  EXPECT_EQ(t4.programme_id(), "adult-acute-support");
  EXPECT_EQ(t4.practitioner_id(), "idva-north-1");
  // IDVA: first contact within 2 working days (Monday 09:00 -> Wednesday).
  EXPECT_EQ(t4.first_contact_due().seconds(),
            absl::ToUnixSeconds(kStart + absl::Hours(48)));
  // Each allocation told notify-svc and was audited.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE topic = "
                  "'notify.placement_changed'"),
            3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), 3);
}

TEST_F(AllocationCoreTest, EachDecisionIsRecordedOnce) {
  const auto e = AdultVictim("FD-AAAAAAAAAAA2", 2);
  EXPECT_EQ(Deliver(e).value_or(false), true);
  EXPECT_EQ(Deliver(e).value_or(true), false);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM placements"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 1);
  EXPECT_EQ(Deliver(e, Staff()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AllocationCoreTest, DatingDetoxOnlyAfterCarerConsent) {
  auto e = Decided("FD-CCCCCCCCCCC1", 15, common::v1::FRONT_DOOR_CHILDREN,
                   common::v1::SIDE_BEHAVIOUR_CHANGE, 3);
  e.mutable_referral()->mutable_other_party()->set_relationship(
      common::v1::RELATIONSHIP_EX_PARTNER);
  ASSERT_TRUE(Deliver(e).ok());
  v1::Placement waiting = Get("FD-CCCCCCCCCCC1");
  EXPECT_EQ(waiting.state(), v1::PLACEMENT_STATE_AWAITING_CONSENT);
  EXPECT_EQ(waiting.programme_id(), "dating-detox");
  EXPECT_THAT(waiting.reason(), HasSubstr("parent"));
  // The placement shows the consent it holds: nobody's yet for the carer.
  EXPECT_EQ(waiting.consent().parent_or_carer(),
            common::v1::CONSENT_UNSPECIFIED);
  auto allocated = Consent("FD-CCCCCCCCCCC1",
                           v1::RecordConsentRequest::WHO_PARENT_OR_CARER,
                           common::v1::CONSENT_GIVEN);
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  EXPECT_EQ(allocated->state(), v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(allocated->programme_id(), "dating-detox");
  EXPECT_EQ(allocated->consent().parent_or_carer(), common::v1::CONSENT_GIVEN);
  EXPECT_EQ(Get("FD-CCCCCCCCCCC1").consent().parent_or_carer(),
            common::v1::CONSENT_GIVEN);
}

TEST_F(AllocationCoreTest, SevenYearOldIsNotOfferedRespect) {
  auto e = Decided("FD-CCCCCCCCCCC2", 7, common::v1::FRONT_DOOR_CHILDREN,
                   common::v1::SIDE_BEHAVIOUR_CHANGE, 3);
  e.mutable_referral()->mutable_other_party()->set_relationship(
      common::v1::RELATIONSHIP_FAMILY_MEMBER);
  ASSERT_TRUE(Deliver(e).ok());
  v1::Placement p = Get("FD-CCCCCCCCCCC2");
  EXPECT_EQ(p.state(), v1::PLACEMENT_STATE_FAILED);
  EXPECT_EQ(p.failure(), v1::FAILURE_REASON_NOT_ELIGIBLE);
  EXPECT_THAT(p.reason(), HasSubstr("respect-ypp: ages 8 to 17, not 7"));
}

TEST_F(AllocationCoreTest, FullProgrammePutsHighRiskFirstAndReleaseAllocates) {
  auto settings = Load<config::v1::AllocationSettings>("allocation-settings.json");
  settings.mutable_cohorts(0)->set_seats(1);  // iMatter
  Build(settings);
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(Deliver(AdultVictim("FD-SSSSSSSSSSS1", 2)).ok());  // standard
  clock_.Advance(absl::Hours(1));
  // Tier 2 by override, but high risk: waits ahead of the earlier one.
  ASSERT_TRUE(Deliver(AdultVictim("FD-HHHHHHHHHHH1", 2,
                                  common::v1::RISK_LEVEL_HIGH))
                  .ok());
  auto list = core_->ListWaiting(Staff(), [] {
    v1::ListWaitingRequest r;
    r.set_programme_id("imatter");
    return r;
  }());
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->waiting_size(), 2);
  EXPECT_EQ(list->waiting(0).reference(), "FD-HHHHHHHHHHH1");
  EXPECT_EQ(list->waiting(1).reference(), "FD-SSSSSSSSSSS1");
  EXPECT_EQ(list->waiting(1).failure(), v1::FAILURE_REASON_NO_CAPACITY);
  EXPECT_EQ(list->overdue(), 0);

  auto released = Release("FD-AAAAAAAAAAA1");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->released().state(), v1::PLACEMENT_STATE_RELEASED);
  EXPECT_EQ(released->allocated().reference(), "FD-HHHHHHHHHHH1");
  EXPECT_EQ(Get("FD-HHHHHHHHHHH1").state(), v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(Get("FD-SSSSSSSSSSS1").state(), v1::PLACEMENT_STATE_WAITING);
  EXPECT_EQ(Release("FD-SSSSSSSSSSS1").status().code(),
            absl::StatusCode::kFailedPrecondition);

  // Agency referral: 48 hours. Three days on, the one still waiting is
  // overdue.
  clock_.Advance(absl::Hours(72));
  auto later = core_->ListWaiting(Staff(), [] {
    v1::ListWaitingRequest r;
    r.set_programme_id("imatter");
    return r;
  }());
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->overdue(), 1);
  EXPECT_TRUE(later->waiting(0).first_contact_overdue());
  auto stats = core_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->at("imatter").waiting, 1);
  EXPECT_EQ(stats->at("imatter").allocated, 1);
  // Both open placements: the one allocated has had no first contact
  // either.
  EXPECT_EQ(stats->at("imatter").overdue, 2);
  EXPECT_EQ(stats->at("imatter").oldest_wait, absl::Hours(73));
}

TEST_F(AllocationCoreTest, StatedNeedGetsASpecialist) {
  auto e = AdultVictim("FD-MMMMMMMMMMM1", 4, common::v1::RISK_LEVEL_HIGH);
  e.mutable_referral()->mutable_subject()->add_specialist_needs(
      common::v1::SPECIALIST_NEED_MALE_VICTIM);
  ASSERT_TRUE(Deliver(e).ok());
  EXPECT_EQ(Get("FD-MMMMMMMMMMM1").practitioner_id(), "idva-south-1");
  EXPECT_EQ(Get("FD-MMMMMMMMMMM1").specialist_need(),
            common::v1::SPECIALIST_NEED_MALE_VICTIM);
}

TEST_F(AllocationCoreTest, ANeedNoPractitionerMeetsTakesAnyPractitioner) {
  // No targeted-support practitioner specialises for racially minoritised
  // victims: the person is not left waiting for one who does not exist.
  auto e = AdultVictim("FD-MMMMMMMMMMM2", 3);
  e.mutable_referral()->mutable_subject()->add_specialist_needs(
      common::v1::SPECIALIST_NEED_RACIALLY_MINORITISED);
  ASSERT_TRUE(Deliver(e).ok());
  EXPECT_EQ(Get("FD-MMMMMMMMMMM2").state(), v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(Get("FD-MMMMMMMMMMM2").practitioner_id(), "da-practitioner-1");
}

TEST_F(AllocationCoreTest, SpecialistsFullMeansWaitingForOne) {
  auto settings = Load<config::v1::AllocationSettings>("allocation-settings.json");
  settings.mutable_practitioners(1)->set_caseload(1);  // idva-south-1
  Build(settings);
  const auto male = [&](const std::string& ref) {
    auto e = AdultVictim(ref, 4, common::v1::RISK_LEVEL_HIGH);
    e.mutable_referral()->mutable_subject()->add_specialist_needs(
        common::v1::SPECIALIST_NEED_MALE_VICTIM);
    return e;
  };
  ASSERT_TRUE(Deliver(male("FD-MMMMMMMMMMM3")).ok());
  ASSERT_TRUE(Deliver(male("FD-MMMMMMMMMMM4")).ok());
  v1::Placement second = Get("FD-MMMMMMMMMMM4");
  EXPECT_EQ(second.state(), v1::PLACEMENT_STATE_WAITING);
  EXPECT_THAT(second.reason(), HasSubstr("specialist"));
}

TEST_F(AllocationCoreTest, WithdrawalStopsAllocationAndFreesThePlace) {
  auto settings = Load<config::v1::AllocationSettings>("allocation-settings.json");
  settings.mutable_cohorts(1)->set_seats(1);  // Changing Direction
  Build(settings);
  const auto change = [&](const std::string& ref) {
    return Decided(ref, 40, common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE,
                   common::v1::SIDE_BEHAVIOUR_CHANGE, 2);
  };
  ASSERT_TRUE(Deliver(change("FD-BBBBBBBBBBB1")).ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(Deliver(change("FD-BBBBBBBBBBB2")).ok());
  EXPECT_EQ(Get("FD-BBBBBBBBBBB2").state(), v1::PLACEMENT_STATE_WAITING);
  auto withdrawn = Consent("FD-BBBBBBBBBBB1",
                           v1::RecordConsentRequest::WHO_SUBJECT,
                           common::v1::CONSENT_REFUSED);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status();
  EXPECT_EQ(withdrawn->state(), v1::PLACEMENT_STATE_FAILED);
  EXPECT_EQ(withdrawn->failure(), v1::FAILURE_REASON_DECLINED);
  EXPECT_EQ(Get("FD-BBBBBBBBBBB2").state(), v1::PLACEMENT_STATE_ALLOCATED);
}

TEST_F(AllocationCoreTest, NoContactFailsAndFreesThePlace) {
  auto settings = Load<config::v1::AllocationSettings>("allocation-settings.json");
  settings.mutable_cohorts(0)->set_seats(1);  // iMatter
  Build(settings);
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  v1::RecordFailureRequest req;
  req.set_reference("FD-AAAAAAAAAAA1");
  req.set_failure(v1::FAILURE_REASON_NO_CONTACT);
  req.set_note("three calls at safe times, no answer");
  auto r = Wait<v1::RecordFailureResponse>(
      [&](auto done) { core_->RecordFailure(Staff(), req, done); });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->failed().state(), v1::PLACEMENT_STATE_FAILED);
  EXPECT_EQ(r->failed().failure(), v1::FAILURE_REASON_NO_CONTACT);
  EXPECT_EQ(r->allocated().reference(), "FD-AAAAAAAAAAA2");
  // Once failed, it cannot fail again.
  auto again = Wait<v1::RecordFailureResponse>(
      [&](auto done) { core_->RecordFailure(Staff(), req, done); });
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  req.set_failure(v1::FAILURE_REASON_NOT_ELIGIBLE);
  auto wrong = Wait<v1::RecordFailureResponse>(
      [&](auto done) { core_->RecordFailure(Staff(), req, done); });
  EXPECT_EQ(GetFieldViolations(wrong.status())[0].field, "failure");
}

TEST_F(AllocationCoreTest, CityMoneyOnlyInTheCity) {
  auto e = AdultVictim("FD-AAAAAAAAAAA2", 2);
  e.set_district("stoke-on-trent");
  ASSERT_TRUE(Deliver(e).ok());
  EXPECT_THAT(Get("FD-AAAAAAAAAAA2").funders(),
              ElementsAre("commissioner", "city-council"));
}

TEST_F(AllocationCoreTest, StaffOnlyAndSpecificErrors) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  EXPECT_EQ(core_->GetPlacement(Police(), "FD-AAAAAAAAAAA2").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(core_->GetPlacement(Staff(), "FD-ZZZZZZZZZZZ9").status().code(),
            absl::StatusCode::kNotFound);
  v1::ListWaitingRequest unknown;
  unknown.set_programme_id("no-such");
  auto list = core_->ListWaiting(Staff(), unknown);
  EXPECT_EQ(GetFieldViolations(list.status())[0].field, "programme_id");
  v1::RecordConsentRequest bad;
  bad.set_reference("FD-AAAAAAAAAAA2");
  auto consent = Wait<v1::Placement>(
      [&](auto done) { core_->RecordConsent(Staff(), bad, done); });
  std::vector<std::string> fields;
  for (const auto& v : GetFieldViolations(consent.status())) {
    fields.push_back(v.field);
  }
  EXPECT_THAT(fields, ElementsAre("who", "consent", "how", "given_at"));
}

// Each staff role through the console is bounded by the services' own
// table: call handlers and commissioners change no placement;
// practitioners record consent, first contact and failures but release
// no place; team leaders do. The helpline's own certificate (no staff
// role) releases as before. A refusal changes nothing.
TEST_F(AllocationCoreTest, ConsoleStaffRolesBoundPlacementChanges) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA3", 2)).ok());
  ASSERT_EQ(Get("FD-AAAAAAAAAAA1").state(), v1::PLACEMENT_STATE_ALLOCATED);
  const int64_t audited = Count("SELECT COUNT(*) FROM audit_log");
  for (const char* refused : {"call_handler", "commissioner"}) {
    const Caller c = Console(refused);
    EXPECT_EQ(Consent("FD-AAAAAAAAAAA1", v1::RecordConsentRequest::WHO_SUBJECT,
                      common::v1::CONSENT_REFUSED, c)
                  .status()
                  .code(),
              absl::StatusCode::kPermissionDenied)
        << refused;
    EXPECT_EQ(FirstContact("FD-AAAAAAAAAAA1", c).status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused;
    EXPECT_EQ(Fail("FD-AAAAAAAAAAA1", c).status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused;
    EXPECT_EQ(Release("FD-AAAAAAAAAAA1", c).status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused;
  }
  absl::StatusOr<v1::ReleasePlaceResponse> by_practitioner =
      Release("FD-AAAAAAAAAAA1", Console("practitioner"));
  EXPECT_EQ(by_practitioner.status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_practitioner.status().message(), HasSubstr("practitioner"));
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").state(), v1::PLACEMENT_STATE_ALLOCATED);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log"), audited);

  absl::StatusOr<v1::Placement> contacted =
      FirstContact("FD-AAAAAAAAAAA1", Console("practitioner"));
  ASSERT_TRUE(contacted.ok()) << contacted.status();
  EXPECT_EQ(contacted->first_contact(), v1::FIRST_CONTACT_MET);
  absl::StatusOr<v1::RecordFailureResponse> failed =
      Fail("FD-AAAAAAAAAAA2", Console("practitioner"));
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->failed().state(), v1::PLACEMENT_STATE_FAILED);
  absl::StatusOr<v1::ReleasePlaceResponse> by_leader =
      Release("FD-AAAAAAAAAAA1", Console("team_leader"));
  ASSERT_TRUE(by_leader.ok()) << by_leader.status();
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").state(), v1::PLACEMENT_STATE_RELEASED);
  ASSERT_TRUE(Release("FD-AAAAAAAAAAA3").ok());  // the helpline's own staff
  EXPECT_EQ(Get("FD-AAAAAAAAAAA3").state(), v1::PLACEMENT_STATE_RELEASED);
}

// ListHistory: the referral's rows of allocation's own trail, oldest
// first, for staff who may read referrals; each call audited as a read.
TEST_F(AllocationCoreTest, ListHistoryIsTheReferralsTrailForStaffWhoMayRead) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(FirstContact("FD-AAAAAAAAAAA1", Console("practitioner")).ok());

  absl::StatusOr<common::v1::ListHistoryResponse> got =
      History("FD-AAAAAAAAAAA1", Console("practitioner"));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->entries_size(), 2);
  EXPECT_EQ(got->entries(0).service(), "allocation-svc");
  EXPECT_EQ(got->entries(0).action(), "allocation.plan");
  EXPECT_EQ(got->entries(0).reason(), kReasonTriageDecision);
  EXPECT_EQ(got->entries(0).agency(), "triage-svc");
  EXPECT_EQ(got->entries(0).at().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(got->entries(1).action(), "allocation.first_contact");
  EXPECT_EQ(got->entries(1).reason(), kReasonFirstContactRecorded);
  EXPECT_EQ(got->entries(1).actor(), "staff-42 as practitioner");
  EXPECT_EQ(got->entries(1).agency(), "frontdoor-web");
  EXPECT_EQ(got->entries(1).at().seconds(),
            absl::ToUnixSeconds(kStart + absl::Hours(1)));
  EXPECT_LT(got->entries(0).seq(), got->entries(1).seq());

  EXPECT_TRUE(History("FD-AAAAAAAAAAA1", Console("team_leader")).ok());
  EXPECT_TRUE(History("FD-AAAAAAAAAAA1", Staff()).ok());
  absl::StatusOr<common::v1::ListHistoryResponse> unknown =
      History("FD-ZZZZZZZZZZZ9", Staff());
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->entries_size(), 0);
  EXPECT_EQ(GetFieldViolations(History("nope", Staff()).status())[0].field,
            "reference");
  for (const Caller& refused :
       {Console("call_handler"), Console("commissioner"), Police()}) {
    EXPECT_EQ(History("FD-AAAAAAAAAAA1", refused).status().code(),
              absl::StatusCode::kPermissionDenied)
        << refused.agency_id << " " << refused.staff_role;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'history.read' AND subject = 'FD-AAAAAAAAAAA1'"),
            3);
}

TEST(FirstContactOfTest, MetByTheTargetMissedAfterItOverdueOnlyWhileOpen) {
  constexpr int64_t kDue = 1'000'000;
  const auto open = v1::PLACEMENT_STATE_WAITING;
  EXPECT_EQ(FirstContactOf(open, 0, 0, kDue * 2), v1::FIRST_CONTACT_UNSPECIFIED);
  EXPECT_EQ(FirstContactOf(open, kDue, 0, kDue), v1::FIRST_CONTACT_DUE);
  EXPECT_EQ(FirstContactOf(open, kDue, 0, kDue + 1), v1::FIRST_CONTACT_OVERDUE);
  EXPECT_EQ(FirstContactOf(v1::PLACEMENT_STATE_ALLOCATED, kDue, 0, kDue + 1),
            v1::FIRST_CONTACT_OVERDUE);
  EXPECT_EQ(FirstContactOf(v1::PLACEMENT_STATE_AWAITING_CONSENT, kDue, 0,
                           kDue + 1),
            v1::FIRST_CONTACT_OVERDUE);
  EXPECT_EQ(FirstContactOf(v1::PLACEMENT_STATE_RELEASED, kDue, 0, kDue + 1),
            v1::FIRST_CONTACT_NOT_MADE);
  EXPECT_EQ(FirstContactOf(v1::PLACEMENT_STATE_FAILED, kDue, 0, kDue - 1),
            v1::FIRST_CONTACT_NOT_MADE);
  // Exactly at the target is met; a microsecond after is missed, whenever
  // it is asked and whatever the placement has become since.
  EXPECT_EQ(FirstContactOf(open, kDue, kDue, kDue * 5), v1::FIRST_CONTACT_MET);
  EXPECT_EQ(FirstContactOf(open, kDue, kDue + 1, kDue * 5),
            v1::FIRST_CONTACT_MISSED);
  EXPECT_EQ(FirstContactOf(v1::PLACEMENT_STATE_RELEASED, kDue, kDue - 5,
                           kDue * 5),
            v1::FIRST_CONTACT_MET);
}

class FirstContactTest : public AllocationCoreTest {
 protected:
  absl::StatusOr<v1::Placement> Contact(const std::string& ref,
                                        absl::Time made_at,
                                        v1::ContactMethod method =
                                            v1::CONTACT_METHOD_PHONE,
                                        const Caller& caller = Staff()) {
    v1::RecordFirstContactRequest req;
    req.set_reference(ref);
    req.set_method(method);
    *req.mutable_made_at() =
        TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(made_at));
    return Wait<v1::Placement>(
        [&](auto done) { core_->RecordFirstContact(caller, req, done); });
  }
  v1::ListWaitingResponse Waiting(const std::string& programme) {
    v1::ListWaitingRequest r;
    r.set_programme_id(programme);
    auto list = core_->ListWaiting(Staff(), r);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? *list : v1::ListWaitingResponse();
  }
};

// An agency referral's target is 48 hours from receipt
// (config/allocation-settings.json).
TEST_F(FirstContactTest, ContactByTheTargetIsMetAndStaysMet) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  const absl::Time received = clock_.Now();
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").first_contact(), v1::FIRST_CONTACT_DUE);
  clock_.Advance(absl::Hours(47));
  auto p = Contact("FD-AAAAAAAAAAA1", clock_.Now(), v1::CONTACT_METHOD_VIDEO);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->first_contact(), v1::FIRST_CONTACT_MET);
  EXPECT_EQ(p->first_contact_method(), v1::CONTACT_METHOD_VIDEO);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(p->first_contact_at()),
            absl::ToUnixMicros(received + absl::Hours(47)));
  EXPECT_FALSE(p->first_contact_overdue());
  // Days later it is still met, not overdue, and counted as met.
  clock_.Advance(absl::Hours(72));
  const v1::Placement later = Get("FD-AAAAAAAAAAA1");
  EXPECT_EQ(later.first_contact(), v1::FIRST_CONTACT_MET);
  EXPECT_FALSE(later.first_contact_overdue());
  auto stats = core_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->at(later.programme_id()).first_contact_met, 1);
  EXPECT_EQ(stats->at(later.programme_id()).first_contact_missed, 0);
  EXPECT_EQ(stats->at(later.programme_id()).overdue, 0);
  // Recorded once: a second record is refused, and nothing changes.
  auto again = Contact("FD-AAAAAAAAAAA1", clock_.Now());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition)
      << again.status();
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").first_contact_method(),
            v1::CONTACT_METHOD_VIDEO);
  // Audited as a code, with the outcome.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = "
                  "'allocation.first_contact' AND reason = "
                  "'first_contact_recorded' AND details LIKE '%\"met\"%'"),
            1);
}

TEST_F(FirstContactTest, ContactAfterTheTargetIsMissedOnTheWaitingList) {
  auto settings = Load<config::v1::AllocationSettings>("allocation-settings.json");
  settings.mutable_cohorts(0)->set_seats(1);  // iMatter: the rest wait
  Build(settings);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA0", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA3", 2)).ok());
  const absl::Time received = clock_.Now();
  clock_.Advance(absl::Hours(50));
  ASSERT_TRUE(Contact("FD-AAAAAAAAAAA1", received + absl::Hours(48)).ok());
  auto missed = Contact("FD-AAAAAAAAAAA2",
                        received + absl::Hours(48) + absl::Seconds(1));
  ASSERT_TRUE(missed.ok()) << missed.status();
  EXPECT_EQ(missed->first_contact(), v1::FIRST_CONTACT_MISSED);
  const v1::ListWaitingResponse list = Waiting("imatter");
  ASSERT_EQ(list.waiting_size(), 3);
  EXPECT_EQ(list.first_contact_met(), 1);
  EXPECT_EQ(list.first_contact_missed(), 1);
  EXPECT_EQ(list.overdue(), 1);
  auto stats = core_->Stats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->at("imatter").first_contact_met, 1);
  EXPECT_EQ(stats->at("imatter").first_contact_missed, 1);
  // The one waiting and the one allocated, neither contacted.
  EXPECT_EQ(stats->at("imatter").overdue, 2);
}

TEST_F(FirstContactTest, BadRequestsNameTheFieldAndClosedPlacementsRefuse) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  const absl::Time received = clock_.Now();
  clock_.Advance(absl::Hours(1));
  const auto field_of = [](const absl::Status& s) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(s)) fields.push_back(v.field);
    return fields;
  };
  EXPECT_THAT(field_of(Contact("FD-AAAAAAAAAAA1",
                               clock_.Now() + absl::Minutes(1))
                           .status()),
              ElementsAre("made_at"));
  EXPECT_THAT(field_of(Contact("FD-AAAAAAAAAAA1",
                               received - absl::Seconds(1))
                           .status()),
              ElementsAre("made_at"));
  EXPECT_THAT(field_of(Contact("FD-AAAAAAAAAAA1", clock_.Now(),
                               v1::CONTACT_METHOD_UNSPECIFIED)
                           .status()),
              ElementsAre("method"));
  EXPECT_THAT(field_of(Contact("not-a-ref", clock_.Now()).status()),
              ElementsAre("reference"));
  v1::RecordFirstContactRequest no_time;
  no_time.set_reference("FD-AAAAAAAAAAA1");
  no_time.set_method(v1::CONTACT_METHOD_PHONE);
  EXPECT_THAT(field_of(Wait<v1::Placement>([&](auto done) {
                         core_->RecordFirstContact(Staff(), no_time, done);
                       }).status()),
              ElementsAre("made_at"));
  EXPECT_EQ(Contact("FD-ZZZZZZZZZZZ9", clock_.Now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(Contact("FD-AAAAAAAAAAA1", clock_.Now(), v1::CONTACT_METHOD_PHONE,
                    Police())
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").first_contact(), v1::FIRST_CONTACT_DUE);
  ASSERT_TRUE(Release("FD-AAAAAAAAAAA1").ok());
  EXPECT_EQ(Contact("FD-AAAAAAAAAAA1", clock_.Now()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").first_contact(),
            v1::FIRST_CONTACT_NOT_MADE);
}

// A practitioner who calls at once types the minute the referral arrived
// in: recorded as its arrival, not refused as before it.
TEST_F(FirstContactTest, ContactInTheMinuteOfArrivalIsRecordedAtArrival) {
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  const absl::Time received = clock_.Now();
  const absl::Time minute = received - absl::Seconds(30);
  clock_.Advance(absl::Seconds(10));
  auto p = Contact("FD-AAAAAAAAAAA1", minute);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(p->first_contact_at()),
            absl::ToUnixMicros(received));
  EXPECT_EQ(p->first_contact(), v1::FIRST_CONTACT_MET);
}

// The placement's stored reason column and sealed reason, and every audit
// reason of its rows.
struct StoredReason {
  std::string reason;
  std::string sealed;
  bool sealed_null = true;
  std::vector<std::string> audit_reasons;
};

class SealReasonsTest : public AllocationCoreTest {
 protected:
  StoredReason Stored(const std::string& ref) {
    StoredReason out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT reason, sealed_reason FROM placements "
                          "WHERE reference = $1",
                          {ref});
                      if (!rows.ok()) return rows.status();
                      if (rows->empty()) return absl::NotFoundError(ref);
                      out.reason = (*rows)[0].Text(0);
                      out.sealed = (*rows)[0].Text(1);
                      out.sealed_null = (*rows)[0].IsNull(1);
                      auto audit = tx.Query(
                          "SELECT reason FROM audit_log WHERE subject = $1 "
                          "ORDER BY seq",
                          {ref});
                      if (!audit.ok()) return audit.status();
                      for (const store::Row& row : *audit) {
                        out.audit_reasons.push_back(row.Text(0));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }
  void Exec(const std::string& sql, store::Params params) {
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) -> absl::Status {
                      return tx.Exec(sql, params).status();
                    })
                    .ok());
  }
};

constexpr char kTyped[] = "Told Zebedee Quillfeather on 07700 900461";

TEST_F(SealReasonsTest, TypedReasonIsSealedToItsRowAndAuditedAsACode) {
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA1", 2)).ok());
  v1::ReleasePlaceRequest req;
  req.set_reference("FD-AAAAAAAAAAA1");
  req.set_reason(kTyped);
  auto released = Wait<v1::ReleasePlaceResponse>(
      [&](auto done) { core_->ReleasePlace(Staff(), req, done); });
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->released().reason(), kTyped);
  EXPECT_EQ(Get("FD-AAAAAAAAAAA1").reason(), kTyped);

  const StoredReason stored = Stored("FD-AAAAAAAAAAA1");
  EXPECT_EQ(stored.reason, "");
  EXPECT_FALSE(stored.sealed_null);
  EXPECT_EQ(stored.sealed.find("Quillfeather"), std::string::npos);
  EXPECT_THAT(stored.audit_reasons,
              ElementsAre(kReasonTriageDecision, kReasonPlaceReleased));

  // Bound to its row: moved to another placement, it does not open.
  ASSERT_TRUE(Deliver(AdultVictim("FD-AAAAAAAAAAA2", 2)).ok());
  Exec("UPDATE placements SET sealed_reason = $1 WHERE reference = $2",
       {store::Blob{stored.sealed}, std::string("FD-AAAAAAAAAAA2")});
  EXPECT_EQ(core_->GetPlacement(Staff(), "FD-AAAAAAAAAAA2").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(SealReasonsTest, ReasonsStoredInClearAreReadableThenSealedAtStartUp) {
  for (const char* ref : {"FD-AAAAAAAAAAA1", "FD-AAAAAAAAAAA2",
                          "FD-AAAAAAAAAAA3"}) {
    ASSERT_TRUE(Deliver(AdultVictim(ref, 2)).ok());
    // As the code before migration 002 stored it.
    Exec("UPDATE placements SET reason = $1, sealed_reason = NULL "
         "WHERE reference = $2",
         {absl::StrCat(kTyped, " ", ref), std::string(ref)});
  }
  // Kept readable until sealed.
  EXPECT_EQ(Get("FD-AAAAAAAAAAA2").reason(),
            absl::StrCat(kTyped, " FD-AAAAAAAAAAA2"));

  // Two rows a batch: three rows take two batches and a last empty look.
  absl::StatusOr<int64_t> sealed = SealPlainReasons(*store_, *keys_, 2);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(*sealed, 3);
  for (const char* ref : {"FD-AAAAAAAAAAA1", "FD-AAAAAAAAAAA2",
                          "FD-AAAAAAAAAAA3"}) {
    const StoredReason stored = Stored(ref);
    EXPECT_EQ(stored.reason, "") << ref;
    EXPECT_FALSE(stored.sealed_null) << ref;
    EXPECT_EQ(Get(ref).reason(), absl::StrCat(kTyped, " ", ref));
  }
  // Once done, a restart finds nothing to do.
  sealed = SealPlainReasons(*store_, *keys_, 2);
  ASSERT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(*sealed, 0);
}

}  // namespace
}  // namespace frontdoor::allocation
