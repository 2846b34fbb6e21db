// The canary: a distinctive name, phone number and address entered through
// every RPC of the suite that takes text a person types, driven through the
// four real services over mTLS (SQLite, then PostgreSQL), must appear
// nowhere in clear: not in any column of any table of any service's store
// (nor the SQLite files and their WAL), not in a log line, not on a metrics
// page, not in the audit trail, whose reasons are codes.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "allocation-svc/allocation_server.h"
#include "common/config/config.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
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

// The canaries.
constexpr char kGivenNames[] = "Zebedee";
constexpr char kFamilyName[] = "Quillfeather-Canary";
constexpr char kPhone[] = "07700 900 461";
constexpr char kPhoneInternational[] = "+447700900461";
constexpr char kAddressLine[] = "17 Larkspur Refuge Lane";
constexpr char kPostcode[] = "ST4 9ZZ";
constexpr char kEmail[] = "zebedee.quillfeather@example.org";
// All of them in one line of free text.
const std::string& Text() {
  static const std::string* text = new std::string(
      absl::StrCat(kGivenNames, " ", kFamilyName, ", ", kPhone, " or ",
                   kPhoneInternational, ", ", kAddressLine, ", ", kPostcode));
  return *text;
}
// What must not be found, lower case without white space; the stored bytes
// are searched the same way (lower case, and again without white space).
const std::vector<std::string>& Needles() {
  static const auto* needles = new std::vector<std::string>{
      "zebedee", "quillfeather", "7700900461", "larkspur", "st49zz"};
  return *needles;
}

std::string Lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}
std::string NoSpace(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

// Every canary found in `bytes` (as is, lower case, without white space).
std::vector<std::string> CanariesIn(const std::string& bytes) {
  const std::string lower = Lower(bytes);
  const std::string squeezed = NoSpace(lower);
  std::vector<std::string> found;
  for (const std::string& n : Needles()) {
    if (lower.find(n) != std::string::npos ||
        squeezed.find(n) != std::string::npos) {
      found.push_back(n);
    }
  }
  return found;
}

// Every value of every column of every table of the SQLite database at
// `path`, each as its bytes (the services' schema enumerated from
// sqlite_master, so a table added later is read too), one per line with
// its table and column.
std::string SqliteValues(const std::string& path) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
  }
  std::vector<std::string> tables;
  sqlite3_stmt* list = nullptr;
  sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'",
                     -1, &list, nullptr);
  while (sqlite3_step(list) == SQLITE_ROW) {
    tables.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(list, 0)));
  }
  sqlite3_finalize(list);
  EXPECT_FALSE(tables.empty()) << path;
  for (const std::string& table : tables) {
    sqlite3_stmt* rows = nullptr;
    const std::string sql = absl::StrCat("SELECT * FROM \"", table, "\"");
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &rows, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      continue;
    }
    while (sqlite3_step(rows) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(rows); ++c) {
        const void* blob = sqlite3_column_blob(rows, c);
        const int size = sqlite3_column_bytes(rows, c);
        absl::StrAppend(&out, table, ".", sqlite3_column_name(rows, c), "=");
        if (blob != nullptr) {
          out.append(static_cast<const char*>(blob), size);
        }
        out.push_back('\n');
      }
    }
    sqlite3_finalize(rows);
  }
  sqlite3_close(db);
  return out;
}

class CanaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("canary");
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

    triage_staff_ = triage::v1::TriageService::NewStub(
        *testing::MakeMtlsChannel(triage_->api_port(), "frontdoor-helpline"));
    allocation_staff_ = allocation::v1::AllocationService::NewStub(
        *testing::MakeMtlsChannel(allocation_->api_port(),
                                  "frontdoor-helpline"));
  }

  void TearDown() override {
    if (intake_) {
      EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    }
    if (triage_) {
      EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    }
    if (allocation_) {
      EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    }
    if (notify_) {
      EXPECT_TRUE(notify_->Shutdown(absl::Seconds(5)).ok());
    }
    std::filesystem::remove_all(dir_);
  }

  // Every free-text field of a referral filled with the canaries.
  static void Fill(Referral& r) {
    common::v1::Referrer& referrer = *r.mutable_referrer();
    referrer.set_name(Text());
    referrer.set_role(Text());
    referrer.set_phone(kPhoneInternational);
    referrer.set_email(kEmail);
    referrer.set_agency_case_reference(Text());
    common::v1::Subject& s = *r.mutable_subject();
    s.mutable_name()->set_given_names(kGivenNames);
    s.mutable_name()->set_family_name(kFamilyName);
    s.set_gender(Text());
    s.mutable_contact()->set_phone(kPhone);
    s.mutable_contact()->set_email(kEmail);
    s.mutable_contact()->set_safe_times(Text());
    s.mutable_address()->clear_lines();
    s.mutable_address()->add_lines(kAddressLine);
    s.mutable_address()->add_lines(Text());
    s.mutable_address()->set_town(Text());
    s.mutable_address()->set_postcode(kPostcode);
    s.mutable_address()->clear_district();
    r.set_concerns(absl::StrCat(Text(), "\n", Text()));
    if (r.has_other_party()) {
      r.mutable_other_party()->mutable_name()->set_given_names(kGivenNames);
      r.mutable_other_party()->mutable_name()->set_family_name(
          absl::StrCat(kFamilyName, "-Other"));
      r.mutable_other_party()->mutable_contact()->set_phone(kPhone);
    }
    common::v1::Child& child = *r.add_children();
    child.mutable_name()->set_given_names(kGivenNames);
    child.mutable_name()->set_family_name(kFamilyName);
    *child.mutable_date_of_birth() = s.date_of_birth();
    child.mutable_date_of_birth()->set_year(2020);
    if (r.has_risk_assessment()) {
      for (auto& a : *r.mutable_risk_assessment()->mutable_answers()) {
        a.set_comment(Text());
        a.set_source(Text());
      }
      r.mutable_risk_assessment()->set_professional_judgement_reason(Text());
    }
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
        << key << ": " << resp.ShortDebugString();
    // Read back as the agency would: the referral opens intact.
    grpc::ClientContext get_ctx;
    testing::PrepareCall(get_ctx);
    intake::v1::GetReferralRequest get;
    get.set_reference(resp.receipt().reference());
    intake::v1::GetReferralResponse got;
    s = stub->GetReferral(&get_ctx, get, &got);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(got.referral().subject().name().family_name(), kFamilyName);
    return resp.receipt().reference();
  }

  // The placement once it has reached `state` (or fails the test).
  Placement Await(const std::string& reference,
                  allocation::v1::PlacementState state) {
    Placement p;
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      grpc::ClientContext ctx;
      testing::PrepareCall(ctx);
      allocation::v1::GetPlacementRequest req;
      req.set_reference(reference);
      p.Clear();
      grpc::Status s = allocation_staff_->GetPlacement(&ctx, req, &p);
      if (s.ok() && p.state() == state) return p;
      absl::SleepFor(kPoll);
    }
    ADD_FAILURE() << reference << " did not reach "
                  << allocation::v1::PlacementState_Name(state) << "; "
                  << p.ShortDebugString();
    return p;
  }

  // Events still in an outbox, over every service that has one.
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

  // Waits until every outbox is empty: everything has reached notify-svc.
  void AwaitDelivered() {
    const absl::Time give_up = absl::Now() + kSettle;
    while (absl::Now() < give_up) {
      if (Undelivered() == 0) return;
      absl::SleepFor(kPoll * 5);
    }
    ADD_FAILURE() << "outboxes never drained";
  }

  google::protobuf::Timestamp Now() {
    return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
        absl::ToUnixMicros(clock_.Now()));
  }

  testing::ScopedCapturedLog log_;  // before the services, so it sees all
  std::filesystem::path dir_;
  std::vector<std::string> stores_;
  FakeClock clock_{kStart};
  std::unique_ptr<notify::NotifyServer> notify_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<triage::v1::TriageService::Stub> triage_staff_;
  std::unique_ptr<allocation::v1::AllocationService::Stub> allocation_staff_;
};

TEST_F(CanaryTest, TypedPersonalDataIsNowhereInClear) {
  // 1. A high-risk adult with a complete DASH: auto-triaged and allocated;
  // then the place is released with a reason.
  Referral high = testing::ExampleReferral("high-risk-dash.json");
  Fill(high);
  const std::string released = Submit("staffs-police", high, "canary-high");

  // 2. An adult without an assessment: queued; a practitioner's DASH with
  // comments and a tier override with its reason; then allocation fails
  // with a note.
  Referral queued = testing::ExampleReferral("adult-victim.json");
  queued.clear_risk_assessment();
  queued.mutable_subject()->mutable_date_of_birth()->set_day(3);
  Fill(queued);
  const std::string failed = Submit("staffs-police", queued, "canary-queued");
  {
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(failed);
    *req.mutable_dash() = triage::testing::Dash(15);
    for (auto& a : *req.mutable_dash()->mutable_answers()) {
      a.set_comment(Text());
      a.set_source(Text());
    }
    req.mutable_dash()->set_professional_judgement_reason(Text());
    req.mutable_tier_override()->set_tier(2);
    req.mutable_tier_override()->set_reason(absl::StrCat(Text(), "\n", Text()));
    triage::v1::Decision d;
    grpc::Status s =
        testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(d.tier_override_reason(), req.tier_override().reason());
    // A team leader's override, re-deciding on the kept assessment (whose
    // comments are now in triage's store too), with a reason of its own.
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    triage::v1::OverrideDecisionRequest override_req;
    override_req.set_reference(failed);
    override_req.mutable_tier_override()->set_tier(2);
    override_req.mutable_tier_override()->set_reason(Text());
    triage::v1::Decision overridden;
    grpc::Status o =
        triage_staff_->OverrideDecision(&ctx, override_req, &overridden);
    ASSERT_TRUE(o.ok()) << o.error_message();
    EXPECT_EQ(overridden.tier_override_reason(),
              override_req.tier_override().reason());
  }

  // 3. A 15-year-old whose carer has not yet consented: the children's
  // assessment with comments on every indicator; then consent, with how.
  Referral child = testing::ExampleReferral("child-victim.json");
  child.mutable_subject()->mutable_date_of_birth()->set_year(2011);
  child.mutable_consent()->set_parent_or_carer(
      common::v1::CONSENT_UNSPECIFIED);
  child.mutable_other_party()->set_relationship(
      common::v1::RELATIONSHIP_EX_PARTNER);
  Fill(child);
  const std::string consented =
      Submit("staffs-childrens-social-care", child, "canary-child");
  {
    triage::v1::SubmitAssessmentRequest req;
    req.set_reference(consented);
    *req.mutable_child() =
        triage::testing::ChildAnswers("harm-in-own-relationship");
    for (auto& a : *req.mutable_child()->mutable_indicators()) {
      a.set_comment(Text());
    }
    for (auto& a : *req.mutable_child()->mutable_young_people_checklist()) {
      a.set_comment(Text());
      a.set_source(Text());
    }
    triage::v1::Decision d;
    grpc::Status s =
        testing::SubmitAssessmentWhenQueued(*triage_staff_, req, &d, kSettle);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // 4. A behaviour change referral from probation naming an earlier
  // programme.
  Referral perpetrator =
      testing::ExampleReferral("probation-behaviour-change.json");
  perpetrator.mutable_behaviour_change()->set_previous_programme(
      common::v1::ANSWER_YES);
  perpetrator.mutable_behaviour_change()->set_previous_programme_name(Text());
  Fill(perpetrator);
  Submit("staffs-probation", perpetrator, "canary-probation");

  // Allocation's free text: release reason, failure note, consent how.
  Await(released, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    allocation::v1::ReleasePlaceRequest req;
    req.set_reference(released);
    req.set_reason(Text());
    allocation::v1::ReleasePlaceResponse resp;
    grpc::Status s = allocation_staff_->ReleasePlace(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    // Staff see what they typed.
    EXPECT_EQ(resp.released().reason(), Text());
  }
  Await(failed, allocation::v1::PLACEMENT_STATE_ALLOCATED);
  {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    allocation::v1::RecordFailureRequest req;
    req.set_reference(failed);
    req.set_failure(allocation::v1::FAILURE_REASON_NO_CONTACT);
    req.set_note(Text());
    allocation::v1::RecordFailureResponse resp;
    grpc::Status s = allocation_staff_->RecordFailure(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  Await(consented, allocation::v1::PLACEMENT_STATE_AWAITING_CONSENT);
  {
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    allocation::v1::RecordConsentRequest req;
    req.set_reference(consented);
    req.set_who(allocation::v1::RecordConsentRequest::WHO_PARENT_OR_CARER);
    req.set_consent(common::v1::CONSENT_GIVEN);
    req.set_how(Text());
    *req.mutable_given_at() = Now();
    Placement p;
    grpc::Status s = allocation_staff_->RecordConsent(&ctx, req, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(p.state(), allocation::v1::PLACEMENT_STATE_ALLOCATED);
  }
  // Staff read the failure note back; the sealed reason opens.
  EXPECT_EQ(Await(failed, allocation::v1::PLACEMENT_STATE_FAILED).reason(),
            Text());
  AwaitDelivered();

  // Notify's partners read what they were sent (it names people, sealed at
  // rest): the referrer's timeline of the first referral.
  {
    auto police = notify::v1::NotifyService::NewStub(
        *testing::MakeMtlsChannel(notify_->api_port(), "staffs-police"));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    notify::v1::ListUpdatesRequest req;
    req.set_reference(released);
    notify::v1::ListUpdatesResponse resp;
    grpc::Status s = police->ListUpdates(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(resp.updates().empty());
  }

  // Now look everywhere.
  ASSERT_EQ(stores_.size(), 4u);
  for (const std::string& location : stores_) {
    absl::StatusOr<std::string> bytes = testing::StoredBytes(location);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_GT(bytes->size(), 0u) << location;
    EXPECT_THAT(CanariesIn(*bytes), ::testing::IsEmpty())
        << "in clear in the store (files and WAL, or every table) at "
        << location;
    if (!store::IsPostgresUrl(location)) {
      const std::string values = SqliteValues(location);
      EXPECT_THAT(CanariesIn(values), ::testing::IsEmpty())
          << "in clear in a column of " << location;
      for (absl::string_view line : absl::StrSplit(values, '\n')) {
        if (!CanariesIn(std::string(line)).empty()) {
          ADD_FAILURE() << "column: "
                        << line.substr(0, line.find('='));
        }
      }
    }
    // The audit trail's reasons are codes from a fixed set, never text.
    absl::StatusOr<std::unique_ptr<store::Store>> store =
        testing::OpenTestStore(location, {});
    ASSERT_TRUE(store.ok()) << store.status();
    absl::Status read = (*store)->Read([&](store::Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<store::Row>> rows =
          tx.Query("SELECT action, reason, details FROM audit_log", {});
      if (!rows.ok()) return rows.status();
      EXPECT_FALSE(rows->empty()) << location;
      for (const store::Row& row : *rows) {
        EXPECT_THAT(row.Text(1), ::testing::MatchesRegex("[a-z0-9_]*"))
            << row.Text(0) << " in " << location;
        EXPECT_THAT(CanariesIn(row.Text(2)), ::testing::IsEmpty());
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read;
  }

  const std::string logged = log_.text();
  EXPECT_FALSE(logged.empty());
  EXPECT_THAT(CanariesIn(logged), ::testing::IsEmpty()) << "in a log line";

  // No key of the ring (sealing keys, the blind-index key behind repeat
  // matching and the audit chain) is in a database, a log line or a metrics
  // page, in any encoding: matching cannot be replayed offline from a dump.
  auto ring = config::LoadJsonFile<config::v1::KeyRingFile>(
      (dir_ / "keys.json").string());
  ASSERT_TRUE(ring.ok()) << ring.status();
  std::vector<std::string> encoded_keys = {ring->blind_index_key_base64()};
  for (const auto& key : ring->keys()) {
    encoded_keys.push_back(key.aes256_key_base64());
  }
  std::vector<std::string> key_needles;
  for (const std::string& b64 : encoded_keys) {
    std::string raw;
    ASSERT_TRUE(absl::Base64Unescape(b64, &raw));
    key_needles.push_back(b64);
    key_needles.push_back(raw);
    key_needles.push_back(absl::BytesToHexString(raw));
  }
  std::string everything = logged;
  for (const std::string& location : stores_) {
    absl::StatusOr<std::string> bytes = testing::StoredBytes(location);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    everything += *bytes;
  }
  for (const std::string& needle : key_needles) {
    EXPECT_EQ(everything.find(needle), std::string::npos)
        << "key material found in a store or a log line";
  }

  for (int port : {intake_->metrics_port(), triage_->metrics_port(),
                   allocation_->metrics_port(), notify_->metrics_port()}) {
    auto page = testing::HttpGet(port, "/metrics");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_THAT(CanariesIn(page->body), ::testing::IsEmpty())
        << "on the metrics page at port " << port;
  }
}

}  // namespace
}  // namespace frontdoor
