// Retention schedules that erase, over intake-svc's and allocation-svc's
// real schemas on SQLite and PostgreSQL: returned referrals erased
// returned_referral_days after they were received, closed cases erased
// closed_case_days after they closed. Exactly the due ones go (the boundary
// to the microsecond), never one on legal hold (counted instead), nothing
// when the period is 0; each erasure is the rights' (data key destroyed,
// indexes replaced, audited with the schedule's reason).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "allocation-svc/allocation_rights.h"
#include "allocation-svc/migrations.h"
#include "common/audit/audit.h"
#include "common/clock/clock.h"
#include "common/outbox/outbox.h"
#include "common/retention/purge.h"
#include "common/rights/data_keys.h"
#include "common/rights/rights.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/config/v1/config.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "intake-svc/intake_rights.h"
#include "intake-svc/migrations.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/test_store.h"

namespace frontdoor::retention {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kDay = absl::Hours(24);
constexpr int kBatch = 2;  // several batches for a handful of rows

std::string Ref(int n) { return absl::StrCat("FD-RETAIN", n, "XXXXX").substr(0, 15); }

class ErasureScheduleTest : public ::testing::Test {
 protected:
  void Open(std::vector<store::Migration> migrations) {
    dir_ = testing::FreshTestDir("erasure-schedule");
    auto json = crypto::GenerateKeyRingJson("k1");
    ASSERT_TRUE(json.ok());
    config::v1::KeyRingFile file;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &file).ok());
    auto ring = crypto::KeyRing::FromProto(file);
    ASSERT_TRUE(ring.ok());
    ring_ = std::make_unique<crypto::KeyRing>(*std::move(ring));
    for (auto& m : outbox::Migrations()) migrations.push_back(m);
    for (auto& m : audit::Migrations()) migrations.push_back(m);
    for (auto& m : rights::Migrations()) migrations.push_back(m);
    auto store = testing::OpenTestStore(
        testing::TestStoreLocation(dir_, "service"), migrations);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs `work` in one write transaction.
  void Write(const std::function<absl::Status(store::Tx&)>& work) {
    absl::Status s = store_->WriteSync(work);
    ASSERT_TRUE(s.ok()) << s;
  }

  int64_t Int(const std::string& sql, const store::Params& params = {}) {
    int64_t out = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(sql, params);
                      if (!rows.ok()) return rows.status();
                      out = rows->empty() ? 0 : (*rows)[0].Int(0);
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  bool Erased(const std::string& reference) {
    return Int("SELECT COUNT(*) FROM data_rights WHERE reference = $1 AND "
               "erased_at_us IS NOT NULL AND erasure_reason = "
               "'retention_schedule'",
               {reference}) == 1 &&
           Int("SELECT COUNT(*) FROM data_keys WHERE reference = $1 AND "
               "wrapped_key IS NULL",
               {reference}) == 1 &&
           Int("SELECT COUNT(*) FROM audit_log WHERE action = 'rights.erase' "
               "AND subject = $1 AND reason = 'retention_schedule'",
               {reference}) == 1;
  }

  void Hold(const std::string& reference) {
    Write([&](store::Tx& tx) {
      return rights::SaveHold(tx, reference, true, "litigation", kNow);
    });
  }

  std::filesystem::path dir_;
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<store::Store> store_;
  FakeClock clock_{kNow};
};

// intake-svc: a referral received at `received`, returned or accepted.
class ReturnedReferralTest : public ErasureScheduleTest {
 protected:
  void SetUp() override {
    Open(intake::Migrations());
    rights_ = std::make_unique<intake::IntakeRights>(*store_, *ring_, clock_);
  }

  void Referral(const std::string& reference, absl::Time received,
                intake::v1::ReferralStatus status) {
    Write([&](store::Tx& tx) -> absl::Status {
      auto sealed = rights::SealFor(tx, *ring_, reference, "Jo Bloggs",
                                    reference, received);
      if (!sealed.ok()) return sealed.status();
      return tx
          .Exec("INSERT INTO referrals (reference, agency_id, "
                "idempotency_key, request_hash, status, front_door, channel, "
                "district, received_at_us, subject_index, is_repeat, receipt, "
                "sealed_referral, subject_loose_index, identity_version) "
                "VALUES ($1, 'staffs-police', $1, 'hash', $2, 3, 1, 'x', $3, "
                "'index', 0, $4, $5, 'loose', 2)",
                {reference, int64_t{status}, absl::ToUnixMicros(received),
                 store::Blob{"receipt"}, store::Blob{*sealed}})
          .status();
    });
  }

  ErasureSchedule Schedule(absl::Duration after) {
    return intake::ReturnedReferralSchedule(*rights_, after);
  }

  std::unique_ptr<intake::IntakeRights> rights_;
};

TEST_F(ReturnedReferralTest, ExactlyTheDueReturnedReferralsAreErased) {
  const absl::Duration after = 90 * kDay;
  const auto returned = intake::v1::REFERRAL_STATUS_RETURNED;
  Referral(Ref(1), kNow - after - kDay, returned);        // a day past
  Referral(Ref(2), kNow - after, returned);               // due this instant
  Referral(Ref(3), kNow - after + absl::Microseconds(1), returned);  // not yet
  Referral(Ref(4), kNow - after - kDay, intake::v1::REFERRAL_STATUS_ACCEPTED);
  Referral(Ref(5), kNow - after - 2 * kDay, returned);    // held
  Referral(Ref(6), kNow - after - 3 * kDay, returned);
  Hold(Ref(5));

  auto erased = EraseDue(*store_, kNow, Schedule(after), kBatch);
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 3);
  EXPECT_TRUE(Erased(Ref(1)));
  EXPECT_TRUE(Erased(Ref(2)));
  EXPECT_TRUE(Erased(Ref(6)));
  for (int kept : {3, 4, 5}) {
    EXPECT_FALSE(Erased(Ref(kept))) << kept;
    EXPECT_EQ(Int("SELECT COUNT(*) FROM data_keys WHERE reference = $1 AND "
                  "wrapped_key IS NOT NULL",
                  {Ref(kept)}),
              1)
        << kept;
  }
  // The erased rows keep their ids, dates and codes; their indexes go.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM referrals WHERE reference = $1 AND "
                "status = $2 AND subject_index = $3",
                {Ref(1), int64_t{returned}, rights::ErasedIndex(Ref(1))}),
            1);

  // What is left: the held one, counted, and nothing overdue.
  auto backlog = ErasureBacklogOf(*store_, kNow, Schedule(after));
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->held, 1);
  EXPECT_EQ(backlog->overdue, absl::ZeroDuration());
  // Again: nothing more.
  EXPECT_EQ(EraseDue(*store_, kNow, Schedule(after), kBatch).value_or(-1), 0);
  // A microsecond later the third is due; the hold lifted, the fifth goes.
  Write([&](store::Tx& tx) {
    return rights::SaveHold(tx, Ref(5), false, "lifted", kNow);
  });
  auto later = ErasureBacklogOf(*store_, kNow + absl::Seconds(1),
                                Schedule(after));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->held, 0);
  EXPECT_EQ(later->overdue, 2 * kDay + absl::Seconds(1));
  EXPECT_EQ(EraseDue(*store_, kNow + absl::Microseconds(1), Schedule(after),
                     kBatch)
                .value_or(-1),
            2);
  EXPECT_TRUE(Erased(Ref(3)));
  EXPECT_TRUE(Erased(Ref(5)));
  EXPECT_FALSE(Erased(Ref(4)));
}

TEST_F(ReturnedReferralTest, ZeroKeepsEverything) {
  Referral(Ref(1), kNow - 1000 * kDay, intake::v1::REFERRAL_STATUS_RETURNED);
  EXPECT_EQ(EraseDue(*store_, kNow, Schedule(absl::ZeroDuration()), kBatch)
                .value_or(-1),
            0);
  EXPECT_FALSE(Erased(Ref(1)));
}

TEST_F(ReturnedReferralTest, ThePurgerRunsTheScheduleAndCountsIt) {
  Referral(Ref(1), kNow - 100 * kDay, intake::v1::REFERRAL_STATUS_RETURNED);
  Referral(Ref(2), kNow - 100 * kDay, intake::v1::REFERRAL_STATUS_RETURNED);
  Hold(Ref(2));
  config::v1::RetentionConfig config;
  config.set_returned_referral_days(90);
  auto schedule = ScheduleFor(config);
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(schedule->returned_referral, 90 * kDay);
  Purger purger(*store_, clock_, *schedule,
                {Schedule(schedule->returned_referral)});
  ASSERT_TRUE(purger.PurgeOnce().ok());
  EXPECT_EQ(purger.purged_total(kRecordReturnedReferral), 1);
  EXPECT_TRUE(Erased(Ref(1)));
  EXPECT_FALSE(Erased(Ref(2)));
  PurgeCollector collector(purger);
  bool held_seen = false;
  for (const auto& family : collector.Collect()) {
    if (family.name != "frontdoor_retention_held_rows") continue;
    for (const auto& metric : family.metric) {
      held_seen = true;
      EXPECT_EQ(metric.gauge.value, 1);
    }
  }
  EXPECT_TRUE(held_seen);
}

TEST(ErasureScheduleSettingsTest, NegativePeriodsAreRefusedByName) {
  config::v1::RetentionConfig config;
  config.set_closed_case_days(-1);
  auto s = ScheduleFor(config);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()),
              ::testing::HasSubstr("server.retention.closed_case_days"));
  config.set_closed_case_days(0);
  config.set_returned_referral_days(-5);
  EXPECT_THAT(std::string(ScheduleFor(config).status().message()),
              ::testing::HasSubstr("server.retention.returned_referral_days"));
  EXPECT_EQ(ScheduleFor({})->closed_case, absl::ZeroDuration());
}

// allocation-svc: a placement in `state`, closed (released or failed) at
// `closed` (0: not recorded).
class ClosedCaseTest : public ErasureScheduleTest {
 protected:
  void SetUp() override {
    Open(allocation::Migrations());
    rights_ =
        std::make_unique<allocation::AllocationRights>(*store_, *ring_, clock_);
  }

  void Placement(const std::string& reference,
                 allocation::v1::PlacementState state, int64_t released_us,
                 int64_t failed_us) {
    Write([&](store::Tx& tx) -> absl::Status {
      auto sealed = rights::SealFor(tx, *ring_, reference, "decision",
                                    reference, kNow);
      if (!sealed.ok()) return sealed.status();
      return tx
          .Exec("INSERT INTO placements (reference, agency_id, "
                "decision_number, state, programme_id, practitioner_id, "
                "risk_level, tier, specialist_need, received_at_us, "
                "waiting_since_us, allocated_at_us, first_contact_due_us, "
                "failure, reason, funders, catalogue_version, changes, "
                "consent_subject, consent_carer, sealed_decision, "
                "released_at_us, failed_at_us) VALUES ($1, 'staffs-police', "
                "1, $2, 'imatter', '', 2, 2, 0, 0, 0, 0, 0, 0, '', '', 'c1', "
                "1, 1, 0, $3, $4, $5)",
                {reference, int64_t{state}, store::Blob{*sealed}, released_us,
                 failed_us})
          .status();
    });
  }

  ErasureSchedule Schedule(absl::Duration after) {
    return allocation::ClosedCaseSchedule(*rights_, after);
  }

  std::unique_ptr<allocation::AllocationRights> rights_;
};

TEST_F(ClosedCaseTest, ExactlyTheCasesClosedLongEnoughAgoAreErased) {
  using allocation::v1::PLACEMENT_STATE_ALLOCATED;
  using allocation::v1::PLACEMENT_STATE_FAILED;
  using allocation::v1::PLACEMENT_STATE_RELEASED;
  using allocation::v1::PLACEMENT_STATE_WAITING;
  const absl::Duration after = 2190 * kDay;
  const auto us = [](absl::Time t) { return absl::ToUnixMicros(t); };
  Placement(Ref(1), PLACEMENT_STATE_RELEASED, us(kNow - after), 0);  // due
  Placement(Ref(2), PLACEMENT_STATE_RELEASED,
            us(kNow - after + absl::Microseconds(1)), 0);             // not yet
  Placement(Ref(3), PLACEMENT_STATE_FAILED, 0, us(kNow - after - kDay));
  Placement(Ref(4), PLACEMENT_STATE_ALLOCATED, 0, 0);                 // open
  Placement(Ref(5), PLACEMENT_STATE_WAITING, 0, 0);                   // open
  Placement(Ref(6), PLACEMENT_STATE_RELEASED, 0, 0);  // closed, date unknown
  Placement(Ref(7), PLACEMENT_STATE_RELEASED, us(kNow - after - kDay), 0);
  Hold(Ref(7));

  auto erased = EraseDue(*store_, kNow, Schedule(after), kBatch);
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 2);
  EXPECT_TRUE(Erased(Ref(1)));
  EXPECT_TRUE(Erased(Ref(3)));
  for (int kept : {2, 4, 5, 6, 7}) EXPECT_FALSE(Erased(Ref(kept))) << kept;
  // Closed cases keep their state and dates: reports still count them.
  EXPECT_EQ(Int("SELECT COUNT(*) FROM placements WHERE reference = $1 AND "
                "state = $2 AND released_at_us = $3",
                {Ref(1), int64_t{PLACEMENT_STATE_RELEASED}, us(kNow - after)}),
            1);
  auto backlog = ErasureBacklogOf(*store_, kNow, Schedule(after));
  ASSERT_TRUE(backlog.ok());
  EXPECT_EQ(backlog->held, 1);
  EXPECT_EQ(EraseDue(*store_, kNow + absl::Microseconds(1), Schedule(after),
                     kBatch)
                .value_or(-1),
            1);
  EXPECT_TRUE(Erased(Ref(2)));
  EXPECT_FALSE(Erased(Ref(7)));
}

}  // namespace
}  // namespace frontdoor::retention
