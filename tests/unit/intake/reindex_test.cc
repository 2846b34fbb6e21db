// Rows stored under the old subject key (ASCII folding, "v1|") are
// re-indexed at start-up from their sealed referrals: afterwards they hold
// exactly what a new submission of the same person would, so repeats are
// found again, and the events still waiting in the outbox carry the new
// indexes. On SQLite and on PostgreSQL.
#include "intake-svc/reindex.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "common/identity/identity.h"
#include "common/outbox/outbox.h"
#include "common/rights/data_keys.h"
#include "common/rights/rights.h"
#include "common/reference/reference.h"
#include "common/tls/agency_registry.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "intake-svc/districts.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/migrations.h"
#include "intake-svc/person_indexes.h"
#include "prometheus/registry.h"
#include "tests/testing/core_fixture.h"
#include "tests/testing/old_subject_key.h"
#include "tests/unit/intake/validation_cases.h"

namespace frontdoor::intake {
namespace {

using common::v1::Referral;
using intake::v1::Receipt;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

using frontdoor::testing::OldSubjectKey;

std::vector<store::Migration> SchemaBeforeIdentity() {
  return frontdoor::testing::OnlyMigration(Migrations(), "intake/001_referrals");
}

Referral Named(const char* example, const std::string& given,
               const std::string& family) {
  Referral r = testing::LoadExample(example);
  r.mutable_subject()->mutable_name()->set_given_names(given);
  r.mutable_subject()->mutable_name()->set_family_name(family);
  return r;
}

struct OldRow {
  std::string reference;
  Referral referral;
  intake::v1::ReferralStatus status;
  common::v1::FrontDoor door;
};

class IntakeReindexTest : public frontdoor::testing::CoreStoreTest {
 protected:
  void SetUp() override { OpenStore(SchemaBeforeIdentity()); }

  void TearDown() override {
    core_.reset();
    CoreStoreTest::TearDown();
  }

  // Stores `row` as the old code did: the old subject index, and its two
  // ReferralReceived events in the outbox.
  void WriteOld(const OldRow& row, absl::Time received_at) {
    const std::string old_index = keys_->BlindIndex(OldSubjectKey(
        row.referral.subject().name(), row.referral.subject().date_of_birth()));
    auto sealed = keys_->Seal(row.referral.SerializeAsString(), row.reference);
    ASSERT_TRUE(sealed.ok()) << sealed.status();
    Receipt receipt;
    receipt.set_reference(row.reference);
    receipt.set_status(row.status);
    receipt.set_front_door(row.door);
    receipt.set_repeat(intake::v1::REPEAT_STATUS_FIRST);
    receipt.set_district("stoke-on-trent");
    intake::v1::ReferralReceived event;
    event.set_agency_id("staffs-police");
    event.set_subject_index(old_index);
    *event.mutable_receipt() = receipt;
    *event.mutable_referral() = row.referral;
    ASSERT_TRUE(
        store_
            ->WriteSync([&](store::Tx& tx) -> absl::Status {
              auto inserted = tx.Exec(
                  "INSERT INTO referrals (reference, agency_id, "
                  "idempotency_key, request_hash, status, front_door, "
                  "channel, district, received_at_us, subject_index, "
                  "is_repeat, receipt, sealed_referral) VALUES ($1, $2, $3, "
                  "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                  {row.reference, std::string("staffs-police"),
                   "old-" + row.reference, std::string("hash"),
                   int64_t{row.status}, int64_t{row.door},
                   int64_t{common::v1::CHANNEL_PARTNER_API},
                   std::string("stoke-on-trent"),
                   absl::ToUnixMicros(received_at), old_index, int64_t{0},
                   store::Blob{receipt.SerializeAsString()},
                   store::Blob{*sealed}});
              if (!inserted.ok()) return inserted.status();
              const std::string id = row.reference + kReceivedEventIdSuffix;
              for (const auto& [event_id, topic] :
                   {std::pair{id, kReferralReceivedTopic},
                    std::pair{id + kForNotifyEventIdSuffix,
                              kReferralReceivedForNotifyTopic}}) {
                event.set_event_id(event_id);
                auto payload = keys_->Seal(event.SerializeAsString(), event_id);
                if (!payload.ok()) return payload.status();
                absl::Status queued =
                    outbox::Enqueue(tx, topic, event_id, *payload, received_at);
                if (!queued.ok()) return queued;
              }
              return absl::OkStatus();
            })
            .ok());
  }

  // Restarts on the current schema (migration 002 applied).
  void Upgrade() {
    store_.reset();
    std::vector<store::Migration> all = Migrations();
    for (auto& m : outbox::Migrations()) all.push_back(m);
    for (auto& m : audit::Migrations()) all.push_back(m);
    for (auto& m : rights::Migrations()) all.push_back(m);
    auto store = frontdoor::testing::OpenTestStore(location_, all);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  struct Stored {
    std::string subject_index;
    std::string subject_loose_index;
    int64_t identity_version = 0;
  };
  Stored Row(const std::string& reference) {
    Stored out;
    EXPECT_TRUE(
        store_
            ->Read([&](store::Tx& tx) -> absl::Status {
              auto rows = tx.Query(
                  "SELECT subject_index, subject_loose_index, "
                  "identity_version FROM referrals "
                  "WHERE reference = $1",
                  {reference});
              if (!rows.ok()) return rows.status();
              if (rows->size() != 1) {
                return absl::NotFoundError(reference);
              }
              out = {(*rows)[0].Text(0), (*rows)[0].Text(1), (*rows)[0].Int(2)};
              return absl::OkStatus();
            })
            .ok());
    return out;
  }

  // The outbox payload of `event_id`, and whether it was delivered.
  std::pair<std::string, bool> Outboxed(const std::string& event_id) {
    std::pair<std::string, bool> out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT payload, delivered_at_us IS NOT NULL "
                          "FROM outbox WHERE event_id = $1",
                          {event_id});
                      if (!rows.ok()) return rows.status();
                      if (rows->size() != 1) {
                        return absl::NotFoundError(event_id);
                      }
                      out = {(*rows)[0].Text(0), (*rows)[0].Int(1) != 0};
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  }

  intake::v1::ReferralReceived OpenEvent(const std::string& event_id) {
    intake::v1::ReferralReceived event;
    auto plain =
        rights::OpenSealed(*store_, *keys_, Outboxed(event_id).first, event_id);
    EXPECT_TRUE(plain.ok()) << plain.status();
    EXPECT_TRUE(event.ParseFromString(plain.value_or("")));
    return event;
  }

  // A new submission through the core, as a repeat viewer.
  absl::StatusOr<Receipt> Submit(const std::string& key, const Referral& r) {
    if (core_ == nullptr) {
      auto list = config::LoadJsonFile<config::v1::DistrictList>(
          absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/districts.json"));
      EXPECT_TRUE(list.ok()) << list.status();
      auto districts = DistrictDirectory::FromProto(*list);
      EXPECT_TRUE(districts.ok()) << districts.status();
      districts_ = std::make_unique<DistrictDirectory>(*std::move(districts));
      auto agencies = tls::AgencyRegistry::LoadFromFile(
          absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/agencies.json"));
      EXPECT_TRUE(agencies.ok()) << agencies.status();
      agencies_ =
          std::make_unique<tls::AgencyRegistry>(*std::move(agencies));
      core_ = std::make_unique<IntakeCore>(*store_, *keys_, *districts_,
                                           *agencies_, clock_, metrics_);
    }
    const Caller police{
        "staffs-police",
        "spiffe://frontdoor/agency/staffs-police",
        "PC 1",
        {config::v1::ROLE_REFERRER, config::v1::ROLE_REPEAT_VIEWER}};
    intake::v1::SubmitReferralRequest request;
    request.set_idempotency_key(key);
    *request.mutable_referral() = r;
    return Wait<Receipt>(
        [&](auto done) { core_->Submit(police, request, std::move(done)); });
  }

  std::vector<OldRow> SeveralPeople() {
    const auto victim = intake::v1::REFERRAL_STATUS_ACCEPTED;
    return {
        {NewReference(), Named(testing::kAdult, "Aisha", "O'Neil"), victim,
         common::v1::FRONT_DOOR_ADULT_VICTIM},
        {NewReference(), testing::LoadExample(testing::kChange), victim,
         common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE},
        {NewReference(), testing::LoadExample("child-victim.json"), victim,
         common::v1::FRONT_DOOR_CHILDREN},
        {NewReference(), testing::LoadExample("child-to-behaviour-change.json"),
         intake::v1::REFERRAL_STATUS_RETURNED,
         common::v1::FRONT_DOOR_UNSPECIFIED},
        {NewReference(), Named(testing::kAdult, "Zo\u00E9", "Price"), victim,
         common::v1::FRONT_DOOR_ADULT_VICTIM},
        {NewReference(), Named(testing::kAdult, "Mary-Jane", "Ni Bhraonain"),
         victim, common::v1::FRONT_DOOR_ADULT_VICTIM},
        {NewReference(), Named(testing::kAdult, "Siobh\u00E1n", "Walsh"),
         victim, common::v1::FRONT_DOOR_ADULT_VICTIM},
    };
  }

  FakeClock clock_{kStart};
  prometheus::Registry registry_;
  IntakeMetrics metrics_{registry_};
  std::unique_ptr<DistrictDirectory> districts_;
  std::unique_ptr<tls::AgencyRegistry> agencies_;
  std::unique_ptr<IntakeCore> core_;
};

TEST_F(IntakeReindexTest, OldRowsGetTheIndexesNewSubmissionsHave) {
  const std::vector<OldRow> rows = SeveralPeople();
  for (const OldRow& row : rows) {
    WriteOld(row, kStart - absl::Hours(24 * 30));
    if (HasFatalFailure()) return;
  }
  // One event already reached triage-svc: it is history, left as it was.
  const std::string delivered = rows[0].reference + kReceivedEventIdSuffix;
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return tx
                        .Exec(
                            "UPDATE outbox SET delivered_at_us = $1 "
                            "WHERE event_id = $2",
                            {absl::ToUnixMicros(kStart), delivered})
                        .status();
                  })
                  .ok());
  const std::string delivered_payload = Outboxed(delivered).first;
  Upgrade();
  ASSERT_EQ(Count("SELECT COUNT(*) FROM referrals WHERE identity_version = 1"),
            static_cast<int64_t>(rows.size()));

  // Batches of 3: three transactions for seven rows.
  auto result = ReindexIdentities(*store_, *keys_, /*batch_rows=*/3);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->referrals, static_cast<int64_t>(rows.size()));
  EXPECT_EQ(result->events, static_cast<int64_t>(2 * rows.size() - 1));

  for (const OldRow& row : rows) {
    const PersonIndexes want =
        IndexPeople(*keys_, row.referral, row.status, row.door);
    const Stored got = Row(row.reference);
    EXPECT_EQ(got.subject_index, want.subject) << row.reference;
    EXPECT_EQ(got.subject_loose_index, want.subject_loose) << row.reference;
    EXPECT_EQ(got.identity_version, kIdentityVersion) << row.reference;
    EXPECT_NE(got.subject_index, keys_->BlindIndex(OldSubjectKey(
                                     row.referral.subject().name(),
                                     row.referral.subject().date_of_birth())));
    for (const std::string& id :
         {row.reference + kReceivedEventIdSuffix,
          row.reference + kReceivedEventIdSuffix + kForNotifyEventIdSuffix}) {
      if (id == delivered) continue;
      const intake::v1::ReferralReceived event = OpenEvent(id);
      EXPECT_EQ(event.event_id(), id);
      EXPECT_EQ(event.receipt().reference(), row.reference);
      EXPECT_EQ(event.subject_index(), want.subject) << id;
      EXPECT_EQ(event.subject_loose_index(), want.subject_loose) << id;
      EXPECT_EQ(event.suspect_index(), want.suspect) << id;
      EXPECT_EQ(event.suspect_name_index(), want.suspect_name) << id;
      EXPECT_EQ(event.victim_index(), want.victim) << id;
      EXPECT_EQ(event.victim_name_index(), want.victim_name) << id;
    }
  }
  EXPECT_EQ(Outboxed(delivered).first, delivered_payload);

  // Once done, a restart finds nothing to do.
  auto again = ReindexIdentities(*store_, *keys_, 3);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->referrals, 0);
  EXPECT_EQ(again->events, 0);
}

TEST_F(IntakeReindexTest, RepeatsOfOldReferralsAreFoundAgain) {
  const std::vector<OldRow> rows = SeveralPeople();
  for (const OldRow& row : rows) {
    WriteOld(row, kStart - absl::Hours(24 * 30));
    if (HasFatalFailure()) return;
  }
  Upgrade();
  auto result = ReindexIdentities(*store_, *keys_);
  ASSERT_TRUE(result.ok()) << result.status();

  // The same woman, her apostrophe typographic this time.
  auto same = Submit("new-1", Named(testing::kAdult, "AISHA", "O\u2019Neil"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->repeat(), intake::v1::REPEAT_STATUS_REPEAT);
  // Zoé, written without her accent: possibly her.
  auto loose = Submit("new-2", Named(testing::kAdult, "Zoe", "Price"));
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_EQ(loose->repeat(), intake::v1::REPEAT_STATUS_POSSIBLE);
  // The behaviour change subject, decomposed and fullwidth.
  Referral change = testing::LoadExample(testing::kChange);
  change.mutable_subject()->mutable_name()->set_given_names(
      "\uFF2D\uFF41\uFF52\uFF4B");  // Ｍａｒｋ
  auto fullwidth = Submit("new-3", change);
  ASSERT_TRUE(fullwidth.ok()) << fullwidth.status();
  EXPECT_EQ(fullwidth->repeat(), intake::v1::REPEAT_STATUS_REPEAT);
  // Somebody else.
  auto other = Submit("new-4", Named(testing::kAdult, "Aisha", "O'Neill"));
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->repeat(), intake::v1::REPEAT_STATUS_FIRST);
}

TEST_F(IntakeReindexTest, TwoReplicasStartingAtOnceShareTheRows) {
  constexpr int kRows = 24;
  std::vector<OldRow> rows;
  for (int i = 0; i < kRows; ++i) {
    rows.push_back({NewReference(),
                    Named(testing::kAdult, absl::StrCat("Person ", i), "Lee"),
                    intake::v1::REFERRAL_STATUS_ACCEPTED,
                    common::v1::FRONT_DOOR_ADULT_VICTIM});
    WriteOld(rows.back(), kStart);
    if (HasFatalFailure()) return;
  }
  Upgrade();
  std::vector<store::Migration> all = Migrations();
  for (auto& m : outbox::Migrations()) all.push_back(m);
  for (auto& m : audit::Migrations()) all.push_back(m);
  for (auto& m : rights::Migrations()) all.push_back(m);
  auto second = frontdoor::testing::OpenTestStore(location_, all);
  ASSERT_TRUE(second.ok()) << second.status();

  absl::StatusOr<ReindexResult> a, b;
  std::thread one([&] { a = ReindexIdentities(*store_, *keys_, 2); });
  std::thread two([&] { b = ReindexIdentities(**second, *keys_, 2); });
  one.join();
  two.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  // Each row once, by one replica or the other.
  EXPECT_EQ(a->referrals + b->referrals, kRows);
  EXPECT_EQ(a->events + b->events, 2 * kRows);
  second->reset();
  for (const OldRow& row : rows) {
    EXPECT_EQ(Row(row.reference).subject_index,
              IndexPeople(*keys_, row.referral, row.status, row.door).subject);
  }
}

TEST_F(IntakeReindexTest, ASealedReferralThatDoesNotOpenStopsItByReference) {
  const OldRow row{NewReference(), testing::LoadExample(testing::kAdult),
                   intake::v1::REFERRAL_STATUS_ACCEPTED,
                   common::v1::FRONT_DOOR_ADULT_VICTIM};
  WriteOld(row, kStart);
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) {
                    return tx
                        .Exec(
                            "UPDATE referrals SET sealed_referral = $1 "
                            "WHERE reference = $2",
                            {store::Blob{"not sealed"}, row.reference})
                        .status();
                  })
                  .ok());
  Upgrade();
  auto result = ReindexIdentities(*store_, *keys_);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr(row.reference));
}

}  // namespace
}  // namespace frontdoor::intake
