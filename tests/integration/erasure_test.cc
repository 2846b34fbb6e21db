// Erasure by crypto-shredding (issue 16), the four services in process over
// real mTLS on SQLite, then PostgreSQL: referrals flowed end to end (an
// adult victim naming the other party and children, a behaviour change
// subject, a child assessed by a practitioner, a high-risk victim), reports
// taken and audit chains verified; then one referral erased on all four
// services by a data-protection officer. Afterwards every value of every
// column of every table of every service is tried: none of the erased
// referral's opens (its data keys are gone), every other referral's still
// does, nothing but wrapped data keys is left under the ring, and the
// erased person's name is nowhere in clear; the reports' figures and the
// audit chains are unchanged; and a referral on legal hold refuses erasure
// and keeps its data.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "allocation-svc/allocation_server.h"
#include "common/audit/audit.h"
#include "common/crypto/key_ring.h"
#include "common/rights/data_keys.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/report_calls.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tests/testing/triage_calls.h"
#include "tests/unit/triage/rules_fixture.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

using common::v1::DataRights;
using common::v1::Referral;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
const absl::CivilDay kDay(2026, 11, 23);
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);
constexpr char kDpo[] = "data_protection_officer";

// The person whose referral is erased, and the other party they name.
constexpr char kErasedGiven[] = "Philippa";
constexpr char kErasedFamily[] = "Shreddington";
constexpr char kOtherPartyFamily[] = "Vandermolen";

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

// One stored value: where it is, its bytes, and the row's other text values
// and integers (from which the associated data of a sealed value is made).
struct StoredValue {
  std::string table;
  std::string column;
  std::string bytes;
  std::vector<std::string> row_texts;
  std::vector<int64_t> row_ints;
};

// Every text and blob value of every column of every table of `store`.
std::vector<StoredValue> AllValues(store::Store& store) {
  std::vector<StoredValue> out;
  absl::Status read = store.Read([&](store::Tx& tx) -> absl::Status {
    auto tables = tx.Query(
        tx.dialect() == store::Dialect::kSqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name::text FROM information_schema.tables "
              "WHERE table_schema = current_schema()");
    if (!tables.ok()) return tables.status();
    EXPECT_FALSE(tables->empty());
    for (const store::Row& t : *tables) {
      const std::string table = t.Text(0);
      std::vector<std::string> columns;
      auto names = tx.Query(
          tx.dialect() == store::Dialect::kSqlite
              ? absl::StrCat("SELECT name FROM pragma_table_info('", table,
                             "') ORDER BY cid")
              : absl::StrCat("SELECT column_name::text FROM "
                             "information_schema.columns WHERE table_schema "
                             "= current_schema() AND table_name = '",
                             table, "' ORDER BY ordinal_position"));
      if (!names.ok()) return names.status();
      for (const store::Row& n : *names) columns.push_back(n.Text(0));
      auto rows = tx.Query(absl::StrCat("SELECT * FROM \"", table, "\""));
      if (!rows.ok()) return rows.status();
      for (const store::Row& row : *rows) {
        std::vector<std::string> texts;
        std::vector<int64_t> ints;
        for (size_t c = 0; c < row.size(); ++c) {
          if (std::holds_alternative<int64_t>(row.at(c))) {
            ints.push_back(row.Int(c));
          } else if (!row.IsNull(c)) {
            texts.push_back(row.Text(c));
          }
        }
        for (size_t c = 0; c < row.size(); ++c) {
          if (row.IsNull(c) || std::holds_alternative<int64_t>(row.at(c)) ||
              std::holds_alternative<double>(row.at(c))) {
            continue;
          }
          out.push_back({table, c < columns.size() ? columns[c] : "?",
                         row.Text(c), texts, ints});
        }
      }
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read;
  return out;
}

// The associated data a value of `v`'s row may have been sealed with: each
// of the row's texts as is, and in each form the services build
// ("<ref>:<n>", "<ref>:<n>:assessment", "<ref>:reason",
// "<agency>:<ref>:referrer_email", "data_key:<ref>").
std::vector<std::string> AadCandidates(const StoredValue& v) {
  std::vector<std::string> out;
  for (const std::string& t : v.row_texts) {
    if (t.size() > 200) continue;  // sealed values and blobs are not aad
    out.push_back(t);
    out.push_back(absl::StrCat(t, ":reason"));
    out.push_back(absl::StrCat(crypto::kDataKeyWrapAadPrefix, t));
    for (int64_t n : v.row_ints) {
      out.push_back(absl::StrCat(t, ":", n));
      out.push_back(absl::StrCat(t, ":", n, ":assessment"));
    }
    for (const std::string& u : v.row_texts) {
      if (u.size() <= 200) {
        out.push_back(absl::StrCat(t, ":", u, ":referrer_email"));
      }
    }
  }
  return out;
}

class ErasureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("erasure");
    const auto to = testing::PointAt;

    config::v1::NotifyConfig n = testing::NotifyConfigIn(dir_);
    n.set_rules_file(testing::ConfigFile("notify-rules.json"));
    stores_.push_back(testing::StoreLocationOf(n.store()));
    auto notify = notify::NotifyServer::Start(n, clock_);
    ASSERT_TRUE(notify.ok()) << notify.status();
    notify_ = *std::move(notify);

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    to(a.mutable_notify(), notify_->api_port());
    stores_.push_back(testing::StoreLocationOf(a.store()));
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    to(t.mutable_allocation(), allocation_->api_port());
    to(t.mutable_notify(), notify_->api_port());
    stores_.push_back(testing::StoreLocationOf(t.store()));
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    to(i.mutable_triage(), triage_->api_port());
    to(i.mutable_notify(), notify_->api_port());
    stores_.push_back(testing::StoreLocationOf(i.store()));
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    auto ring = crypto::KeyRing::LoadFile((dir_ / "keys.json").string());
    ASSERT_TRUE(ring.ok()) << ring.status();
    ring_ = std::make_unique<crypto::KeyRing>(*std::move(ring));

    triage_staff_ = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    allocation_staff_ = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(),
                                  "frontdoor-helpline"));
    for (int port : {intake_->api_port(), triage_->api_port(),
                     allocation_->api_port(), notify_->api_port()}) {
      rights_.push_back(
          DataRights::NewStub(*testing::MakeMtlsChannel(port, "web-svc")));
    }
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    if (notify_) EXPECT_TRUE(notify_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const std::string& agency, const Referral& referral,
                     const std::string& key) {
    auto stub = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), agency));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = stub->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << key << ": " << s.error_message();
    EXPECT_EQ(resp.receipt().status(), intake::v1::REFERRAL_STATUS_ACCEPTED)
        << key;
    return resp.receipt().reference();
  }

  // GetReferral as `agency`, the agency that submitted it.
  grpc::Status Get(const std::string& agency, const std::string& reference,
                   intake::v1::GetReferralResponse* out) {
    auto stub = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), agency));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::GetReferralRequest req;
    req.set_reference(reference);
    return stub->GetReferral(&ctx, req, out);
  }

  // Waits until allocation has a placement for `reference`.
  void AwaitPlaced(const std::string& reference) {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      testing::PrepareCall(ctx);
      allocation::v1::GetPlacementRequest req;
      req.set_reference(reference);
      allocation::v1::Placement p;
      if (allocation_staff_->GetPlacement(&ctx, req, &p).ok()) return;
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << reference << " was never placed";
  }

  // Events still in an outbox, over every service.
  double Undelivered() {
    double total = 0;
    for (int port : {intake_->metrics_port(), triage_->metrics_port(),
                     allocation_->metrics_port(), notify_->metrics_port()}) {
      auto page = testing::HttpGet(port, "/metrics");
      if (!page.ok()) return -1;
      for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
        if (!absl::StartsWith(line, "frontdoor_outbox_undelivered{")) continue;
        double v = 0;
        if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) total += v;
      }
    }
    return total;
  }

  void AwaitDelivered() {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      if (Undelivered() == 0) return;
      absl::SleepFor(kPoll * 5);
    }
    ADD_FAILURE() << "outboxes never drained";
  }

  // The figures of the three services' reports for kDay, as a commissioner
  // asks for them, in one map ("<service> <measure> <dimensions>" -> count).
  std::map<std::string, int64_t> Reports() {
    std::map<std::string, int64_t> figures;
    const auto add = [&](const std::string& service,
                         const common::v1::ReportResponse& r) {
      for (const common::v1::ReportCount& c : r.counts()) {
        std::string key = absl::StrCat(service, " ", c.measure());
        for (const auto& d : c.dimensions()) {
          absl::StrAppend(&key, " ", d.name(), "=", d.value());
        }
        figures[key] += c.count();
      }
    };
    common::v1::ReportResponse out;
    auto intake = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "web-svc"));
    grpc::Status s =
        testing::CallReport(*intake, kDay, kDay, &out, "commissioner");
    EXPECT_TRUE(s.ok()) << s.error_message();
    add("intake", out);
    out.Clear();
    auto triage = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "web-svc"));
    s = testing::CallReport(*triage, kDay, kDay, &out, "commissioner");
    EXPECT_TRUE(s.ok()) << s.error_message();
    add("triage", out);
    out.Clear();
    auto allocation = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(), "web-svc"));
    s = testing::CallReport(*allocation, kDay, kDay, &out, "commissioner");
    EXPECT_TRUE(s.ok()) << s.error_message();
    add("allocation", out);
    return figures;
  }

  // Every service's audit chain verifies.
  void ExpectAuditIntact() {
    for (const std::string& location : stores_) {
      auto store = testing::OpenTestStore(location, {});
      ASSERT_TRUE(store.ok()) << store.status();
      auto verified = audit::Verify(**store, *ring_);
      ASSERT_TRUE(verified.ok()) << verified.status();
      EXPECT_TRUE(verified->ok()) << location << ": " << verified->problem;
      EXPECT_GT(verified->entries, 0) << location;
    }
  }

  // The DataRights call `call` as the console's data-protection officer,
  // on each of the four services in turn.
  template <typename Request, typename Call>
  std::vector<grpc::Status> OnEach(const Request& request, Call call,
                                   std::vector<common::v1::RightsState>* out =
                                       nullptr) {
    std::vector<grpc::Status> statuses;
    for (auto& stub : rights_) {
      grpc::ClientContext ctx;
      testing::PrepareCall(ctx, "dpo-1");
      ctx.AddMetadata("frontdoor-staff-role", kDpo);
      common::v1::RightsState state;
      statuses.push_back(((*stub).*call)(&ctx, request, &state));
      if (out != nullptr) out->push_back(state);
    }
    return statuses;
  }

  std::filesystem::path dir_;
  std::vector<std::string> stores_;
  FakeClock clock_{kStart};
  std::unique_ptr<crypto::KeyRing> ring_;
  std::unique_ptr<notify::NotifyServer> notify_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<triage::v1::TriageService::Stub> triage_staff_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> allocation_staff_;
  std::vector<std::unique_ptr<DataRights::Stub>> rights_;
};

TEST_F(ErasureTest, AnErasedReferralOpensNowhereAndFiguresAndChainsStand) {
  // The flows: a victim naming the other party and children (the one to
  // erase), a behaviour change subject, a child assessed by a practitioner,
  // a high-risk victim (to be held).
  Referral victim = testing::ExampleReferral("adult-victim.json");
  victim.mutable_subject()->mutable_name()->set_given_names(kErasedGiven);
  victim.mutable_subject()->mutable_name()->set_family_name(kErasedFamily);
  ASSERT_TRUE(victim.has_other_party());
  victim.mutable_other_party()->mutable_name()->set_family_name(
      kOtherPartyFamily);
  *victim.mutable_risk_assessment() = triage::testing::Dash(10);
  const std::string erased = Submit("staffs-police", victim, "erase-victim");

  Referral perpetrator = testing::ExampleReferral("adult-behaviour-change.json");
  *perpetrator.mutable_risk_assessment() = triage::testing::Dash(4);
  const std::string behaviour =
      Submit("staffs-police", perpetrator, "erase-behaviour");

  const std::string child = Submit("staffs-childrens-social-care",
                                   testing::ExampleReferral("child-victim.json"),
                                   "erase-child");
  {
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(child);
    *req.mutable_child() = triage::testing::ChildAnswers("witnessed-violence");
    triage::v1::Decision d;
    grpc::Status s =
        testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string held = Submit(
      "staffs-police", testing::ExampleReferral("high-risk-dash.json"),
      "erase-held");
  for (const std::string& ref : {erased, behaviour, child, held}) {
    AwaitPlaced(ref);
  }
  AwaitDelivered();
  ASSERT_FALSE(HasFatalFailure());

  // Before: the reports' figures, the chains, and the erased referral as
  // its agency reads it.
  const std::map<std::string, int64_t> before = Reports();
  EXPECT_FALSE(before.empty());
  ExpectAuditIntact();
  intake::v1::GetReferralResponse got;
  ASSERT_TRUE(Get("staffs-police", erased, &got).ok());
  EXPECT_EQ(got.referral().subject().name().family_name(), kErasedFamily);

  // The held referral is put on legal hold everywhere and refuses erasure.
  clock_.Advance(absl::Hours(48));
  {
    common::v1::SetLegalHoldRequest hold;
    hold.set_reference(held);
    hold.set_held(true);
    hold.set_reason("litigation");
    for (const grpc::Status& s : OnEach(hold, &DataRights::Stub::SetLegalHold)) {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    common::v1::EraseRequest erase;
    erase.set_reference(held);
    erase.set_reason("erasure_request");
    for (const grpc::Status& s : OnEach(erase, &DataRights::Stub::Erase)) {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
          << s.error_message();
    }
  }

  // The erasure, on all four services.
  {
    common::v1::EraseRequest erase;
    erase.set_reference(erased);
    erase.set_reason("erasure_request");
    std::vector<common::v1::RightsState> states;
    for (const grpc::Status& s :
         OnEach(erase, &DataRights::Stub::Erase, &states)) {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    for (const common::v1::RightsState& state : states) {
      EXPECT_TRUE(state.has_erased_at()) << state.ShortDebugString();
      EXPECT_TRUE(state.held_here()) << state.ShortDebugString();
    }
    // Again: nothing more to do, the same answer.
    for (const grpc::Status& s : OnEach(erase, &DataRights::Stub::Erase)) {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
  }

  // Every value of every table of every service: the erased referral's
  // sealed values open nowhere, whatever the associated data; every other
  // referral's sealed values open with their own; under the ring there are
  // only wrapped data keys (the erased referral's is gone).
  std::set<std::string> others_opened;
  for (const std::string& location : stores_) {
    auto store = testing::OpenTestStore(location, {});
    ASSERT_TRUE(store.ok()) << store.status();
    int erased_values = 0;
    for (const StoredValue& v : AllValues(**store)) {
      const std::string where = absl::StrCat(location, " ", v.table, ".",
                                             v.column);
      EXPECT_THAT(Lower(v.bytes),
                  ::testing::Not(::testing::HasSubstr(Lower(kErasedFamily))))
          << where;
      EXPECT_THAT(Lower(v.bytes), ::testing::Not(::testing::HasSubstr(
                                      Lower(kOtherPartyFamily))))
          << where;
      std::optional<std::string> owner = crypto::SealedReference(v.bytes);
      if (owner.has_value()) {
        bool opened = false;
        for (const std::string& aad : AadCandidates(v)) {
          auto plain = rights::OpenSealed(**store, *ring_, v.bytes, aad);
          if (*owner == erased) {
            EXPECT_TRUE(rights::IsErased(plain.status()))
                << where << ": " << plain.status();
          }
          // The ring alone opens no value sealed under a data key.
          EXPECT_FALSE(ring_->Open(v.bytes, aad).ok()) << where;
          if (plain.ok()) opened = true;
        }
        if (*owner == erased) {
          ++erased_values;
          EXPECT_FALSE(opened) << where;
        } else {
          EXPECT_TRUE(opened) << where << " of " << *owner;
          others_opened.insert(*owner);
        }
        continue;
      }
      if (absl::StartsWith(v.bytes,
                           crypto::SealedPrefix(ring_->active_key_id()))) {
        EXPECT_EQ(absl::StrCat(v.table, ".", v.column), "data_keys.wrapped_key")
            << where << ": a value still sealed under the ring";
        for (const std::string& aad : AadCandidates(v)) {
          EXPECT_NE(aad, absl::StrCat(crypto::kDataKeyWrapAadPrefix, erased));
        }
      }
    }
    // Each service held something of the erased referral, sealed.
    EXPECT_GT(erased_values, 0) << location;
  }
  EXPECT_EQ(others_opened,
            (std::set<std::string>{behaviour, child, held}));
  // Nor in the database files (SQLite's WAL included) or PostgreSQL's rows.
  for (const std::string& location : stores_) {
    absl::StatusOr<std::string> bytes = testing::StoredBytes(location);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_EQ(Lower(*bytes).find(Lower(kErasedFamily)), std::string::npos)
        << location;
  }

  // The figures and the chains are unchanged.
  EXPECT_EQ(Reports(), before);
  ExpectAuditIntact();

  // Reading the erased referral answers that it was erased; the held one
  // still opens in full.
  intake::v1::GetReferralResponse gone;
  const grpc::Status read = Get("staffs-police", erased, &gone);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(read.error_message(), ::testing::HasSubstr("erased"));
  intake::v1::GetReferralResponse kept;
  const grpc::Status held_read = Get("staffs-police", held, &kept);
  ASSERT_TRUE(held_read.ok()) << held_read.error_message();
  EXPECT_FALSE(kept.referral().subject().name().family_name().empty());
  {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    triage::v1::ListQueueRequest req;
    triage::v1::ListQueueResponse queue;
    EXPECT_TRUE(triage_staff_->ListQueue(&ctx, req, &queue).ok());
  }
}

}  // namespace
}  // namespace frontdoor
