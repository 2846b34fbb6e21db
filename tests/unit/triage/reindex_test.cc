// Referrals triage-svc recorded with the old subject index (ASCII folding,
// "v1|") are re-indexed at start-up from their sealed events: the column,
// the event and the MARAC record then hold what intake-svc now sends, so the
// MARAC repeat criterion finds them again, also for a referral decided
// after the upgrade. On SQLite and on PostgreSQL.
#include "triage-svc/reindex.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/rights/data_keys.h"
#include "common/identity/identity.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "prometheus/registry.h"
#include "tests/testing/core_fixture.h"
#include "tests/testing/old_subject_key.h"
#include "tests/testing/examples.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/migrations.h"
#include "triage-svc/triage_core.h"

namespace frontdoor::triage {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());

using frontdoor::testing::OldSubjectKey;

// The tables as they were before identity matching, with the decisions'
// assessment column and the referrals' district, which this build's
// decisions and recordings are written with.
std::vector<store::Migration> SchemaBeforeIdentity() {
  std::vector<store::Migration> schema =
      frontdoor::testing::OnlyMigration(Migrations(), "triage/001_triage");
  for (const char* later :
       {"triage/004_decision_assessments", "triage/005_report_columns"}) {
    for (store::Migration& m :
         frontdoor::testing::OnlyMigration(Migrations(), later)) {
      schema.push_back(std::move(m));
    }
  }
  return schema;
}

std::vector<store::Migration> CurrentSchema() {
  std::vector<store::Migration> all = Migrations();
  for (auto& m : outbox::Migrations()) all.push_back(m);
  for (auto& m : audit::Migrations()) all.push_back(m);
  for (auto& m : rights::Migrations()) all.push_back(m);
  return all;
}

Caller Intake() {
  return Caller{"intake-svc",
                "spiffe://frontdoor/svc/intake-svc",
                "relay",
                {config::v1::ROLE_SERVICE}};
}
Caller Staff() {
  return Caller{"frontdoor-helpline",
                "spiffe://frontdoor/agency/frontdoor-helpline",
                "Sam Triage",
                {config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF}};
}

common::v1::Referral Named(const std::string& example, const std::string& given,
                           const std::string& family) {
  common::v1::Referral r = frontdoor::testing::ExampleReferral(example);
  r.mutable_subject()->mutable_name()->set_given_names(given);
  r.mutable_subject()->mutable_name()->set_family_name(family);
  return r;
}

class TriageReindexTest : public frontdoor::testing::CoreStoreTest {
 protected:
  void SetUp() override {
    OpenStore(SchemaBeforeIdentity());
    if (HasFatalFailure()) return;
    StartCore();
  }
  void TearDown() override {
    core_.reset();
    CoreStoreTest::TearDown();
  }

  void StartCore() {
    core_ =
        std::make_unique<TriageCore>(*store_, *keys_, rules_, clock_, metrics_);
  }

  // Restarts on the current schema (migration 002 applied).
  void Upgrade() {
    core_.reset();
    store_.reset();
    auto store = frontdoor::testing::OpenTestStore(location_, CurrentSchema());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    StartCore();
  }

  std::string OldIndex(const common::v1::Referral& r) {
    return keys_->BlindIndex(
        OldSubjectKey(r.subject().name(), r.subject().date_of_birth()));
  }
  std::string NewIndex(const common::v1::Referral& r) {
    return keys_->BlindIndex(
        identity::PersonKey(r.subject().name(), &r.subject().date_of_birth()));
  }

  // An adult victim referral's event, as intake-svc hands it over.
  intake::v1::ReferralReceived Event(const common::v1::Referral& referral,
                                     const std::string& reference,
                                     const std::string& subject_index) {
    intake::v1::ReferralReceived e;
    e.set_event_id(reference + ":received");
    e.set_agency_id("staffs-police");
    e.set_subject_index(subject_index);
    *e.mutable_referral() = referral;
    auto* receipt = e.mutable_receipt();
    receipt->set_reference(reference);
    receipt->set_status(intake::v1::REFERRAL_STATUS_ACCEPTED);
    receipt->set_district("stoke-on-trent");
    receipt->set_front_door(common::v1::FRONT_DOOR_ADULT_VICTIM);
    *receipt->mutable_received_at() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(clock_.Now()));
    return e;
  }

  void Deliver(const intake::v1::ReferralReceived& e) {
    auto recorded = Wait<bool>(
        [&](auto done) { core_->Deliver(Intake(), e, std::move(done)); });
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    ASSERT_TRUE(*recorded);
  }

  absl::StatusOr<v1::Decision> Decide(const std::string& reference, int yes) {
    v1::SubmitAssessmentRequest req;
    req.set_reference(reference);
    *req.mutable_dash() = testing::Dash(yes);
    return Wait<v1::Decision>([&](auto done) {
      core_->SubmitAssessment(Staff(), req, std::move(done));
    });
  }

  // A column of one row, as text.
  std::string Text(const std::string& sql, const std::string& reference) {
    std::string out;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(sql, {reference});
                      if (!rows.ok()) return rows.status();
                      if (rows->size() != 1) {
                        return absl::NotFoundError(reference);
                      }
                      out = (*rows)[0].Text(0);
                      return absl::OkStatus();
                    })
                    .ok())
        << sql;
    return out;
  }
  std::string Recorded(const std::string& reference) {
    return Text(
        "SELECT subject_index FROM triage_referrals WHERE reference = $1",
        reference);
  }
  std::string Marac(const std::string& reference) {
    return Text(
        "SELECT subject_index FROM marac_referrals WHERE reference = $1",
        reference);
  }
  intake::v1::ReferralReceived SealedEvent(const std::string& reference) {
    intake::v1::ReferralReceived e;
    auto plain = rights::OpenSealed(
        *store_, *keys_,
        Text("SELECT sealed_event FROM triage_referrals WHERE reference = $1",
             reference),
        reference);
    EXPECT_TRUE(plain.ok()) << plain.status();
    EXPECT_TRUE(e.ParseFromString(plain.value_or("")));
    return e;
  }

  FakeClock clock_{kStart};
  Rules rules_ = testing::RulesFrom(testing::ShippedRulesProto());
  prometheus::Registry registry_;
  TriageMetrics metrics_{registry_};
  std::unique_ptr<TriageCore> core_;
};

TEST_F(TriageReindexTest, OldIndexesBecomeWhatIntakeNowSends) {
  // Auto-triaged high risk: went to MARAC, under the old index.
  const auto high = Named("high-risk-dash.json", "Aisha", "O'Neil");
  Deliver(Event(high, "FD-AAAAAAAAAAA1", OldIndex(high)));
  // Waiting for a practitioner.
  const auto waiting = Named("adult-victim.json", "Mary-Jane", "Walsh");
  Deliver(Event(waiting, "FD-AAAAAAAAAAA2", OldIndex(waiting)));
  // Recorded by new code during an upgrade: already current.
  const auto current = Named("adult-victim.json", "Zo\u00E9", "Price");
  Deliver(Event(current, "FD-AAAAAAAAAAA3", NewIndex(current)));
  if (HasFatalFailure()) return;
  ASSERT_EQ(Marac("FD-AAAAAAAAAAA1"), OldIndex(high));
  const std::string current_sealed =
      Text("SELECT sealed_event FROM triage_referrals WHERE reference = $1",
           "FD-AAAAAAAAAAA3");

  Upgrade();
  auto result = ReindexIdentities(*store_, *keys_, /*batch_rows=*/1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->referrals, 2);
  EXPECT_EQ(result->marac, 1);

  for (const auto& [reference, referral] :
       {std::pair{"FD-AAAAAAAAAAA1", high},
        std::pair{"FD-AAAAAAAAAAA2", waiting},
        std::pair{"FD-AAAAAAAAAAA3", current}}) {
    EXPECT_EQ(Recorded(reference), NewIndex(referral)) << reference;
    const intake::v1::ReferralReceived event = SealedEvent(reference);
    EXPECT_EQ(event.subject_index(), NewIndex(referral)) << reference;
    EXPECT_EQ(event.receipt().reference(), reference);
    EXPECT_EQ(event.referral().subject().name().family_name(),
              referral.subject().name().family_name());
  }
  EXPECT_EQ(Marac("FD-AAAAAAAAAAA1"), NewIndex(high));
  // A row that was current is left as it was, not re-sealed.
  EXPECT_EQ(
      Text("SELECT sealed_event FROM triage_referrals WHERE reference = $1",
           "FD-AAAAAAAAAAA3"),
      current_sealed);

  // Recorded as done: a restart does nothing.
  auto again = ReindexIdentities(*store_, *keys_, 1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->referrals, 0);
  EXPECT_EQ(again->marac, 0);
  EXPECT_EQ(Count("SELECT done FROM identity_reindex WHERE version = 2"), 1);
}

TEST_F(TriageReindexTest, MaracRepeatsOfOldReferralsAreFoundAgain) {
  const auto high = Named("high-risk-dash.json", "Aisha", "O'Neil");
  Deliver(Event(high, "FD-MMMMMMMMMMM1", OldIndex(high)));
  const auto waiting = Named("adult-victim.json", "Mary-Jane", "Walsh");
  Deliver(Event(waiting, "FD-MMMMMMMMMMM2", OldIndex(waiting)));
  if (HasFatalFailure()) return;
  Upgrade();
  ASSERT_TRUE(ReindexIdentities(*store_, *keys_).ok());

  // Eleven months on, the same woman, written as another agency writes
  // her, with a low score: a MARAC repeat all the same.
  clock_.Advance(absl::Hours(24 * 30 * 11));
  auto low = Named("high-risk-dash.json", "AISHA", "O\u2019Neil");
  *low.mutable_risk_assessment() = testing::Dash(2);
  Deliver(Event(low, "FD-MMMMMMMMMMM3", NewIndex(low)));
  if (HasFatalFailure()) return;
  auto decided = Wait<v1::Decision>([&](auto done) {
    core_->GetDecision(Staff(), "FD-MMMMMMMMMMM3", std::move(done));
  });
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_TRUE(decided->marac().repeat());

  // The referral that waited through the upgrade, decided now: its MARAC
  // record carries the new index.
  auto d = Decide("FD-MMMMMMMMMMM2", 20);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(d->recipients().marac());
  EXPECT_EQ(Marac("FD-MMMMMMMMMMM2"),
            NewIndex(Named("adult-victim.json", "Mary\u2010Jane", "WALSH")));
}

TEST_F(TriageReindexTest, TwoReplicasStartingAtOnceShareTheRows) {
  constexpr int kRows = 16;
  std::vector<std::pair<std::string, common::v1::Referral>> rows;
  for (int i = 0; i < kRows; ++i) {
    const std::string reference = absl::StrFormat("FD-RRRRRRRRRR%02d", i);
    auto referral =
        Named("high-risk-dash.json", absl::StrCat("Person ", i), "Lee");
    Deliver(Event(referral, reference, OldIndex(referral)));
    if (HasFatalFailure()) return;
    rows.emplace_back(reference, referral);
  }
  Upgrade();
  auto second = frontdoor::testing::OpenTestStore(location_, CurrentSchema());
  ASSERT_TRUE(second.ok()) << second.status();
  absl::StatusOr<ReindexResult> a, b;
  std::thread one([&] { a = ReindexIdentities(*store_, *keys_, 3); });
  std::thread two([&] { b = ReindexIdentities(**second, *keys_, 3); });
  one.join();
  two.join();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->referrals + b->referrals, kRows);
  EXPECT_EQ(a->marac + b->marac, kRows);
  second->reset();
  for (const auto& [reference, referral] : rows) {
    EXPECT_EQ(Recorded(reference), NewIndex(referral)) << reference;
    EXPECT_EQ(Marac(reference), NewIndex(referral)) << reference;
  }
}

TEST_F(TriageReindexTest, AnEventThatDoesNotOpenStopsItByReference) {
  const auto r = Named("adult-victim.json", "Aisha", "Rahman");
  Deliver(Event(r, "FD-BBBBBBBBBBB1", OldIndex(r)));
  if (HasFatalFailure()) return;
  ASSERT_TRUE(store_
                  ->WriteSync([](store::Tx& tx) {
                    return tx
                        .Exec("UPDATE triage_referrals SET sealed_event = $1",
                              {store::Blob{"not sealed"}})
                        .status();
                  })
                  .ok());
  Upgrade();
  auto result = ReindexIdentities(*store_, *keys_);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("FD-BBBBBBBBBBB1"));
}

}  // namespace
}  // namespace frontdoor::triage
