// intake-svc in process, on port 0, over real mTLS with the development PKI
// and a real SQLite database: the behaviour partners' systems rely on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/rights/data_keys.h"
#include "common/audit/audit.h"
#include "common/audit/history.h"
#include "common/config/config.h"
#include "common/audit/refusals.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/report/report_run.h"
#include "common/server/refusal_audit.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wire_format_lite.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_server.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/database_owner.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/raw_call.h"
#include "tests/testing/report_calls.h"
#include "tests/testing/service_dirs.h"
#include "tests/unit/intake/validation_cases.h"

namespace frontdoor::intake {
namespace {

using common::v1::Referral;
using intake::v1::IntakeService;
using intake::v1::Receipt;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr char kPolice[] = "staffs-police";        // may see repeats
constexpr char kHealth[] = "uhnm-health";          // may not
constexpr char kHelpline[] = "frontdoor-helpline";  // staff
constexpr char kProbation[] = "staffs-probation";


class IntakeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = frontdoor::testing::FreshServiceDir("intake");
    frontdoor::testing::LocalServer(config_.mutable_server(), "intake-svc");
    ConfigureStore();
    config_.set_agency_registry_file(frontdoor::testing::AgencyRegistryPath());
    config_.set_districts_file(
        absl::StrCat(FRONTDOOR_SOURCE_DIR, "/config/districts.json"));
    config_.set_key_ring_file((dir_ / "keys.json").string());
    SetLogSink(&logs_);
    Start();
  }

  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    }
    server_.reset();
    SetLogSink(nullptr);
    std::filesystem::remove_all(dir_);
  }

  virtual void ConfigureStore() {
    frontdoor::testing::UseTestStore(config_.mutable_store(), dir_, "intake");
  }

  void Start() {
    auto server = IntakeServer::Start(config_, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void Restart() {
    ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    server_.reset();
    Start();
  }

  std::unique_ptr<IntakeService::Stub> Client(std::string_view cert) {
    auto channel = frontdoor::testing::MakeMtlsChannel(server_->api_port(), cert);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return IntakeService::NewStub(*channel);
  }

  static void Prepare(grpc::ClientContext& ctx, const char* actor) {
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    if (actor != nullptr) ctx.AddMetadata("frontdoor-actor", actor);
    ctx.AddMetadata("traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }

  grpc::Status Submit(IntakeService::Stub& stub, const std::string& key,
                      const Referral& referral, Receipt* receipt,
                      const char* actor = "Test Officer") {
    grpc::ClientContext ctx;
    Prepare(ctx, actor);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = stub.SubmitReferral(&ctx, req, &resp);
    if (receipt != nullptr) *receipt = resp.receipt();
    return status;
  }

  // The audit rows of `action`, oldest first: actor agency, reason,
  // details, subject, actor person. Only once the server is stopped.
  std::vector<std::vector<std::string>> AuditRows(const std::string& action) {
    std::vector<std::vector<std::string>> out;
    auto store = frontdoor::testing::OpenTestStore(
        frontdoor::testing::StoreLocationOf(config_.store()),
        audit::Migrations());
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    absl::Status read = (*store)->Read([&](store::Tx& tx) -> absl::Status {
      auto rows = tx.Query(
          "SELECT actor_agency, reason, details, subject, actor_person "
          "FROM audit_log WHERE action = $1 ORDER BY seq",
          {action});
      if (!rows.ok()) return rows.status();
      for (const store::Row& row : *rows) {
        out.push_back(
            {row.Text(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4)});
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read;
    return out;
  }

  grpc::Status Get(IntakeService::Stub& stub, const std::string& reference,
                   intake::v1::GetReferralResponse* out) {
    grpc::ClientContext ctx;
    Prepare(ctx, "Test Officer");
    intake::v1::GetReferralRequest req;
    req.set_reference(reference);
    return stub.GetReferral(&ctx, req, out);
  }

  // ReadReferral as web-svc's console acting for `actor` in `staff_role`
  // (nullptr: no staff role named), or as `cert` itself when not web-svc.
  grpc::Status Read(IntakeService::Stub& stub, const std::string& reference,
                    intake::v1::ReadPurpose purpose, const char* staff_role,
                    intake::v1::ReadReferralResponse* out,
                    const char* actor = "staff-42") {
    grpc::ClientContext ctx;
    Prepare(ctx, actor);
    if (staff_role != nullptr) {
      ctx.AddMetadata("frontdoor-staff-role", staff_role);
    }
    intake::v1::ReadReferralRequest req;
    req.set_reference(reference);
    req.set_purpose(purpose);
    return stub.ReadReferral(&ctx, req, out);
  }

  static Referral Example(const char* name) {
    return testing::LoadExample(name);
  }

  // Report for the days [first, last] as staff-9, naming `staff_role`
  // when not null.
  static grpc::Status Report(IntakeService::Stub& stub, absl::CivilDay first,
                             absl::CivilDay last,
                             common::v1::ReportResponse* out,
                             const char* staff_role = nullptr) {
    return frontdoor::testing::CallReport(stub, first, last, out, staff_role);
  }
  static constexpr auto& CountOf = frontdoor::testing::CountOf;

  // ListHistory as `actor`, naming `staff_role` (none when null).
  grpc::Status History(IntakeService::Stub& stub, const std::string& reference,
                       const char* actor, const char* staff_role,
                       common::v1::ListHistoryResponse* out) {
    grpc::ClientContext ctx;
    Prepare(ctx, actor);
    if (staff_role != nullptr) {
      ctx.AddMetadata("frontdoor-staff-role", staff_role);
    }
    common::v1::ListHistoryRequest req;
    req.set_reference(reference);
    return stub.ListHistory(&ctx, req, out);
  }

  std::filesystem::path dir_;
  config::v1::IntakeConfig config_;
  FakeClock clock_{kStart};
  frontdoor::testing::CapturedLog logs_;
  std::unique_ptr<IntakeServer> server_;
};

TEST_F(IntakeServiceTest, AcceptsAndRoutesEachExample) {
  auto police = Client(kPolice);
  struct Case {
    const char* example;
    intake::v1::ReferralStatus status;
    common::v1::FrontDoor door;
  } cases[] = {
      {"adult-victim.json", intake::v1::REFERRAL_STATUS_ACCEPTED,
       common::v1::FRONT_DOOR_ADULT_VICTIM},
      {"adult-behaviour-change.json", intake::v1::REFERRAL_STATUS_ACCEPTED,
       common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE},
      {"child-victim.json", intake::v1::REFERRAL_STATUS_ACCEPTED,
       common::v1::FRONT_DOOR_CHILDREN},
      {"high-risk-dash.json", intake::v1::REFERRAL_STATUS_ACCEPTED,
       common::v1::FRONT_DOOR_ADULT_VICTIM},
  };
  for (const Case& c : cases) {
    Receipt receipt;
    grpc::Status status = Submit(*police, c.example, Example(c.example),
                                 &receipt);
    ASSERT_TRUE(status.ok()) << c.example << ": " << status.error_message();
    EXPECT_EQ(receipt.status(), c.status) << c.example;
    EXPECT_EQ(receipt.front_door(), c.door) << c.example;
    EXPECT_TRUE(IsWellFormedReference(receipt.reference()));
    EXPECT_EQ(receipt.received_at().seconds(), absl::ToUnixSeconds(kStart));
  }
}

TEST_F(IntakeServiceTest, ChildReferredToBehaviourChangeIsReturnedNotRouted) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "child-1",
                     Example("child-to-behaviour-change.json"), &receipt)
                  .ok());
  EXPECT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_RETURNED);
  EXPECT_EQ(receipt.front_door(), common::v1::FRONT_DOOR_UNSPECIFIED);
  ASSERT_EQ(receipt.return_reasons_size(), 1);
  EXPECT_EQ(receipt.return_reasons(0).code(),
            "CHILD_REFERRED_TO_BEHAVIOUR_CHANGE");
  // The returned referral is recorded: the referrer can read it back.
  intake::v1::GetReferralResponse got;
  ASSERT_TRUE(Get(*police, receipt.reference(), &got).ok());
  EXPECT_EQ(got.receipt().status(), intake::v1::REFERRAL_STATUS_RETURNED);
}

TEST_F(IntakeServiceTest, ClientWithoutCertificateCannotConnect) {
  auto channel =
      frontdoor::testing::MakeMtlsChannel(server_->api_port(), /*name=*/"");
  ASSERT_TRUE(channel.ok());
  auto stub = IntakeService::NewStub(*channel);
  grpc::Status status = Submit(*stub, "k", Example(testing::kAdult), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(IntakeServiceTest, CertificateFromAnotherCaCannotConnect) {
  auto stub = Client("rogue-agency");
  grpc::Status status = Submit(*stub, "k", Example(testing::kAdult), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(IntakeServiceTest, UnregisteredAgencyIsPermissionDenied) {
  auto stub = Client("unregistered-agency");
  grpc::Status status = Submit(*stub, "k", Example(testing::kAdult), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  intake::v1::GetReferralResponse got;
  EXPECT_EQ(Get(*stub, "FD-0000000000AA", &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// FAULT-MATRIX row 18: an agency taken out of the registry file is refused
// on its next call, with no restart.
TEST_F(IntakeServiceTest, AgencyRemovedFromTheRegistryIsRefusedWithoutRestart) {
  auto registry = tls::AgencyRegistry::LoadFromFile(
      frontdoor::testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  config::v1::AgencyRegistry proto = registry->proto();
  const std::filesystem::path file = dir_ / "agencies.json";
  auto write = [&file](const config::v1::AgencyRegistry& contents) {
    std::string json;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(contents, &json).ok());
    const std::filesystem::path staged = file.string() + ".new";
    std::ofstream(staged, std::ios::trunc) << json;
    std::filesystem::rename(staged, file);  // as the kubelet swaps a ConfigMap
  };
  write(proto);
  config_.set_agency_registry_file(file.string());
  Restart();

  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "k1", Example(testing::kAdult), &receipt).ok());

  auto* agencies = proto.mutable_agencies();
  for (int i = 0; i < agencies->size(); ++i) {
    if (agencies->Get(i).id() == kPolice) {
      agencies->DeleteSubrange(i, 1);
      break;
    }
  }
  write(proto);
  clock_.Advance(tls::kAgencyRegistryPollInterval);

  grpc::Status status = Submit(*police, "k2", Example(testing::kAdult), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  intake::v1::GetReferralResponse got;
  EXPECT_EQ(Get(*police, receipt.reference(), &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Other agencies are unaffected (and see another's referral as unknown).
  auto health = Client(kHealth);
  EXPECT_EQ(Get(*health, receipt.reference(), &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(IntakeServiceTest, ASuiteServiceIsNotAReferrer) {
  // intake-svc's own certificate is registered (for hand-offs), but with
  // ROLE_SERVICE only: it may neither submit nor read referrals.
  auto stub = Client("intake-svc");
  grpc::Status status = Submit(*stub, "k", Example(testing::kAdult), nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  intake::v1::GetReferralResponse got;
  EXPECT_EQ(Get(*stub, "FD-0000000000AA", &got).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// A registered agency refused for want of a role is audited with who it
// is and the method; an unregistered certificate is audited without an
// agency, and all unregistered identities together write at most one
// bucket of rows (the rest are counted), so a stranger cannot grow the
// trail without bound.
TEST_F(IntakeServiceTest, RefusedCallsAreAuditedAndUnregisteredOnesBounded) {
  auto service = Client("intake-svc");  // ROLE_SERVICE only
  ASSERT_EQ(Submit(*service, "k", Example(testing::kAdult), nullptr)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto stranger = Client("unregistered-agency");
  const int extra = 3;
  const int attempts = server::kRefusalAuditBucket.burst + extra;
  intake::v1::GetReferralResponse got;
  for (int i = 0; i < attempts; ++i) {
    ASSERT_EQ(Get(*stranger, "FD-0000000000AA", &got).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  auto scrape = frontdoor::testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_refusals_unaudited_total{agency=\"unregistered\"}"),
            extra);
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto refused = AuditRows(audit::kActionCallRefused);
  ASSERT_EQ(refused.size(), 1u + server::kRefusalAuditBucket.burst);
  EXPECT_EQ(refused[0][0], "intake-svc");
  EXPECT_EQ(refused[0][1], audit::kReasonRoleMissing);
  EXPECT_EQ(refused[0][2],
            "{\"method\":\"/frontdoor.intake.v1.IntakeService/"
            "SubmitReferral\"}");
  EXPECT_EQ(refused[0][4], "Test Officer");
  EXPECT_EQ(refused[1][0], "");
  EXPECT_EQ(refused[1][1], audit::kReasonUnregistered);
  EXPECT_EQ(refused[1][2],
            "{\"method\":\"/frontdoor.intake.v1.IntakeService/"
            "GetReferral\"}");
  EXPECT_EQ(refused[1][4], "");
}

TEST_F(IntakeServiceTest, ActorMetadataIsRequired) {
  auto police = Client(kPolice);
  grpc::Status status =
      Submit(*police, "k", Example(testing::kAdult), nullptr, nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("frontdoor-actor"));
}

// Every validation rule, over the wire: INVALID_ARGUMENT with a
// google.rpc.BadRequest naming the field.
TEST_F(IntakeServiceTest, EachValidationRuleNamesItsFieldOverTheWire) {
  auto police = Client(kPolice);
  auto helpline = Client(kHelpline);
  int n = 0;
  for (const testing::RuleCase& c : testing::RuleCases()) {
    Referral r = Example(c.example);
    c.mutate(r);
    grpc::Status status = Submit(c.staff ? *helpline : *police,
                                 absl::StrCat("rule-", n++), r, nullptr);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.name;
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) {
      fields.push_back(v.field);
    }
    EXPECT_THAT(fields, Contains(c.field)) << c.name;
  }
}

TEST_F(IntakeServiceTest, LegitimateTextIsStoredByteForByte) {
  auto helpline = Client(kHelpline);
  Referral r = Example(testing::kAdult);
  r.set_channel(common::v1::CHANNEL_PHONE);
  r.mutable_subject()->mutable_name()->set_given_names("Siobhán Zoë");
  r.mutable_subject()->mutable_name()->set_family_name("Ní Bhraonáin-O'Neil");
  r.set_concerns("Line one\r\nLine two\twith tab; emoji 🙂; <b>not html</b> "
                 "'; DROP TABLE referrals; --");
  Receipt receipt;
  ASSERT_TRUE(Submit(*helpline, "text-1", r, &receipt).ok());
  intake::v1::GetReferralResponse got;
  ASSERT_TRUE(Get(*helpline, receipt.reference(), &got).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      got.referral(), r));
  EXPECT_EQ(got.referral().concerns(), r.concerns());
}

TEST_F(IntakeServiceTest, RepeatWithinTwelveMonthsIsFlaggedForRolesAllowed) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Referral r = Example(testing::kAdult);
  Receipt first;
  ASSERT_TRUE(Submit(*police, "rep-1", r, &first).ok());
  EXPECT_EQ(first.repeat(), intake::v1::REPEAT_STATUS_FIRST);

  // Eleven months later, spelled differently, from another agency.
  clock_.Advance(absl::Hours(24 * 30 * 11));
  Referral again = r;
  again.mutable_subject()->mutable_name()->set_given_names("AISHA");
  again.mutable_subject()->mutable_name()->set_family_name("rahman ");
  Receipt by_health;
  ASSERT_TRUE(Submit(*health, "rep-2", again, &by_health).ok());
  // Health may not know it is a repeat...
  EXPECT_EQ(by_health.repeat(), intake::v1::REPEAT_STATUS_UNSPECIFIED);
  Receipt by_police;
  ASSERT_TRUE(Submit(*police, "rep-3", again, &by_police).ok());
  // ...the police may.
  EXPECT_EQ(by_police.repeat(), intake::v1::REPEAT_STATUS_REPEAT);

  // Thirteen months after the last one: new, not a repeat.
  clock_.Advance(absl::Hours(24 * 30 * 13));
  Receipt later;
  ASSERT_TRUE(Submit(*police, "rep-4", r, &later).ok());
  EXPECT_EQ(later.repeat(), intake::v1::REPEAT_STATUS_FIRST);

  // A different person is never a repeat.
  Referral other = r;
  other.mutable_subject()->mutable_date_of_birth()->set_day(15);
  Receipt different;
  ASSERT_TRUE(Submit(*police, "rep-5", other, &different).ok());
  EXPECT_EQ(different.repeat(), intake::v1::REPEAT_STATUS_FIRST);
}

// One person written two ways is one person: the second referral is a
// repeat for a role that may know.
TEST_F(IntakeServiceTest, SpellingsOfOneNameAreARepeat) {
  auto police = Client(kPolice);
  struct Variant {
    const char* what;
    const char* given_first;
    const char* family_first;
    const char* given_again;
    const char* family_again;
  } variants[] = {
      {"zero-width space", "Aisha", "Rahman", "Aisha", "Rah\u200Bman"},
      {"composed then decomposed accent", "Zo\u00E9", "Price", "Zoe\u0301",
       "Price"},
      {"fullwidth letters", "Aisha", "Rahman", "Aisha",
       "\uFF32\uFF41\uFF48\uFF4D\uFF41\uFF4E"},
      {"typographic apostrophe", "Niamh", "O'Brien", "Niamh", "O\u2019Brien"},
  };
  int n = 0;
  for (const Variant& v : variants) {
    // A date of birth of its own per variant: each pair stands alone.
    ++n;
    Referral first = Example(testing::kAdult);
    first.mutable_subject()->mutable_date_of_birth()->set_day(n);
    first.mutable_subject()->mutable_name()->set_given_names(v.given_first);
    first.mutable_subject()->mutable_name()->set_family_name(v.family_first);
    Referral again = first;
    again.mutable_subject()->mutable_name()->set_given_names(v.given_again);
    again.mutable_subject()->mutable_name()->set_family_name(v.family_again);
    Receipt a, b;
    ASSERT_TRUE(
        Submit(*police, absl::StrCat("spell-", n, "-a"), first, &a).ok())
        << v.what;
    EXPECT_EQ(a.repeat(), intake::v1::REPEAT_STATUS_FIRST) << v.what;
    grpc::Status status =
        Submit(*police, absl::StrCat("spell-", n, "-b"), again, &b);
    ASSERT_TRUE(status.ok()) << v.what << ": " << status.error_message();
    EXPECT_EQ(b.repeat(), intake::v1::REPEAT_STATUS_REPEAT) << v.what;
  }
}

TEST_F(IntakeServiceTest, TheSameNameWithoutItsAccentIsAPossibleRepeat) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Referral zoe = Example(testing::kAdult);
  zoe.mutable_subject()->mutable_name()->set_given_names("Zoe");
  zoe.mutable_subject()->mutable_name()->set_family_name("Price");
  Receipt first;
  ASSERT_TRUE(Submit(*police, "zoe-1", zoe, &first).ok());
  EXPECT_EQ(first.repeat(), intake::v1::REPEAT_STATUS_FIRST);

  clock_.Advance(absl::Hours(24 * 30));
  Referral zoe_accented = zoe;
  zoe_accented.mutable_subject()->mutable_name()->set_given_names("Zo\u00E9");
  Receipt by_police, by_health;
  ASSERT_TRUE(Submit(*police, "zoe-2", zoe_accented, &by_police).ok());
  EXPECT_EQ(by_police.repeat(), intake::v1::REPEAT_STATUS_POSSIBLE);
  ASSERT_TRUE(Submit(*health, "zoe-3", zoe_accented, &by_health).ok());
  EXPECT_EQ(by_health.repeat(), intake::v1::REPEAT_STATUS_UNSPECIFIED);

  // Another date of birth is nobody's possible repeat.
  Referral other_day = zoe_accented;
  other_day.mutable_subject()->mutable_date_of_birth()->set_day(15);
  Receipt different;
  ASSERT_TRUE(Submit(*police, "zoe-4", other_day, &different).ok());
  EXPECT_EQ(different.repeat(), intake::v1::REPEAT_STATUS_FIRST);
}

TEST_F(IntakeServiceTest, BidiControlInANameIsRefusedNamingTheField) {
  auto police = Client(kPolice);
  Referral r = Example(testing::kAdult);
  r.mutable_subject()->mutable_name()->set_family_name("Rah\u202Eman");
  grpc::Status status = Submit(*police, "bidi-1", r, nullptr);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::vector<FieldViolation> violations =
      GetFieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "referral.subject.name.family_name");
  EXPECT_EQ(violations[0].description,
            "must not contain bidirectional or other format control "
            "characters");
  // A zero-width space is accepted (and ignored for matching).
  r.mutable_subject()->mutable_name()->set_family_name("Rah\u200Bman");
  EXPECT_TRUE(Submit(*police, "bidi-2", r, nullptr).ok());
}

// What intake-svc hands on for serial-perpetrator matching: the partner a
// victim names and the man referred to behaviour change, written
// differently by two agencies, carry the same suspect index.
TEST_F(IntakeServiceTest, EventsCarryTheSameSuspectIndexForOnePerson) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  google::type::Date dob;
  dob.set_year(1988), dob.set_month(5), dob.set_day(6);
  Referral victim = Example(testing::kAdult);
  victim.mutable_other_party()->mutable_name()->set_given_names("Daniel");
  victim.mutable_other_party()->mutable_name()->set_family_name("O'Brien");
  *victim.mutable_other_party()->mutable_date_of_birth() = dob;
  Referral change = Example(testing::kChange);
  change.mutable_subject()->mutable_name()->set_given_names("DANIEL");
  change.mutable_subject()->mutable_name()->set_family_name("O\u2019Brien");
  *change.mutable_subject()->mutable_date_of_birth() = dob;
  Receipt v, c;
  ASSERT_TRUE(Submit(*police, "serial-1", victim, &v).ok());
  ASSERT_TRUE(Submit(*health, "serial-2", change, &c).ok());
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto keys = crypto::KeyRing::LoadFile(config_.key_ring_file());
  ASSERT_TRUE(keys.ok()) << keys.status();
  auto store = frontdoor::testing::OpenTestStore(
      frontdoor::testing::StoreLocationOf(config_.store()),
      outbox::Migrations());
  ASSERT_TRUE(store.ok()) << store.status();
  const auto event = [&](const Receipt& receipt) {
    const std::string id =
        absl::StrCat(receipt.reference(), kReceivedEventIdSuffix);
    intake::v1::ReferralReceived out;
    EXPECT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto rows = tx.Query(
                          "SELECT payload FROM outbox WHERE event_id = $1",
                          {id});
                      if (!rows.ok()) return rows.status();
                      if (rows->size() != 1) return absl::NotFoundError(id);
                      auto plain =
                          rights::OpenSealed(tx, *keys, (*rows)[0].Text(0), id);
                      if (!plain.ok()) return plain.status();
                      if (!out.ParseFromString(*plain)) {
                        return absl::DataLossError(id);
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return out;
  };
  const intake::v1::ReferralReceived from_victim = event(v);
  const intake::v1::ReferralReceived from_change = event(c);
  EXPECT_EQ(from_victim.suspect_index().size(), 64u);
  EXPECT_EQ(from_victim.suspect_index(), from_change.suspect_index());
  EXPECT_EQ(from_change.suspect_index(), from_change.subject_index());
  EXPECT_EQ(from_victim.suspect_name_index(), from_change.suspect_name_index());
  EXPECT_EQ(from_victim.victim_index(), from_victim.subject_index());
  EXPECT_EQ(from_victim.subject_loose_index().size(), 64u);
  EXPECT_NE(from_victim.subject_loose_index(), from_victim.subject_index());
  // The behaviour change referral's victim has no date of birth: name only.
  EXPECT_TRUE(from_change.victim_index().empty());
  EXPECT_EQ(from_change.victim_name_index().size(), 64u);
}

TEST_F(IntakeServiceTest, SameKeySameReferralReturnsTheOriginalReceipt) {
  auto police = Client(kPolice);
  Receipt first, second;
  ASSERT_TRUE(Submit(*police, "idem-1", Example(testing::kAdult), &first).ok());
  clock_.Advance(absl::Minutes(5));
  ASSERT_TRUE(
      Submit(*police, "idem-1", Example(testing::kAdult), &second).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(first, second));
}

TEST_F(IntakeServiceTest, SameKeyDifferentReferralIsRefused) {
  auto police = Client(kPolice);
  ASSERT_TRUE(Submit(*police, "idem-2", Example(testing::kAdult), nullptr).ok());
  Referral changed = Example(testing::kAdult);
  changed.set_concerns("something else");
  grpc::Status status = Submit(*police, "idem-2", changed, nullptr);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("idempotency_key"));
}

TEST_F(IntakeServiceTest, SameKeyFromAnotherAgencyIsItsOwnReferral) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Receipt a, b;
  ASSERT_TRUE(Submit(*police, "shared-key", Example(testing::kAdult), &a).ok());
  ASSERT_TRUE(Submit(*health, "shared-key", Example(testing::kChange), &b).ok());
  EXPECT_NE(a.reference(), b.reference());
  EXPECT_EQ(b.front_door(), common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
}

TEST_F(IntakeServiceTest, AnotherAgencysReferenceLooksExactlyLikeAnUnknownOne) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "own-1", Example(testing::kAdult), &receipt).ok());
  intake::v1::GetReferralResponse got;
  grpc::Status other = Get(*health, receipt.reference(), &got);
  grpc::Status unknown = Get(*health, "FD-0000000000AA", &got);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other.error_message(), unknown.error_message());
  EXPECT_EQ(other.error_details(), unknown.error_details());
  // The owner reads it.
  ASSERT_TRUE(Get(*police, receipt.reference(), &got).ok());
  EXPECT_EQ(got.receipt().reference(), receipt.reference());
  // A malformed reference names the field.
  EXPECT_EQ(Get(*police, "not a reference", &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// A refused read is audited as a refusal, whether the reference is another
// agency's or nobody's: one row each (so both cost the same), naming who
// asked and what, and never a "referral.read".
TEST_F(IntakeServiceTest, CrossAgencyReadIsAuditedAsARefusal) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "x-1", Example(testing::kAdult), &receipt).ok());
  intake::v1::GetReferralResponse got;
  ASSERT_EQ(Get(*health, receipt.reference(), &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(Get(*health, "FD-0000000000AA", &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto refused = AuditRows(kAuditReadRefused);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0][0], kHealth);
  EXPECT_EQ(refused[0][1], audit::kReasonNotOwner);
  EXPECT_EQ(refused[0][3], receipt.reference());
  EXPECT_EQ(refused[0][4], "Test Officer");
  EXPECT_EQ(refused[1][0], kHealth);
  EXPECT_EQ(refused[1][1], audit::kReasonUnknownReference);
  EXPECT_EQ(refused[1][3], "FD-0000000000AA");
  EXPECT_TRUE(AuditRows(kAuditRead).empty());
}

// An attacker with the database swaps two referrals' sealed columns. The
// read fails its integrity check: DATA_LOSS without detail, never the other
// person's referral, audited as an integrity failure and not as a read.
TEST_F(IntakeServiceTest, SwappedCiphertextIsAuditedAsAnIntegrityFailure) {
  auto police = Client(kPolice);
  Receipt first, second;
  ASSERT_TRUE(Submit(*police, "s-1", Example(testing::kAdult), &first).ok());
  ASSERT_TRUE(Submit(*police, "s-2", Example(testing::kChange), &second).ok());
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  {
    auto store = frontdoor::testing::OpenTestStore(
        frontdoor::testing::StoreLocationOf(config_.store()),
        audit::Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    absl::Status swapped = (*store)->WriteSync([&](store::Tx& tx) {
      auto rows = tx.Query(
          "SELECT reference, sealed_referral FROM referrals "
          "WHERE reference IN ($1, $2)",
          {first.reference(), second.reference()});
      if (!rows.ok()) return rows.status();
      if (rows->size() != 2) return absl::InternalError("two rows expected");
      for (int i = 0; i < 2; ++i) {
        absl::Status s =
            tx.Exec("UPDATE referrals SET sealed_referral = $1 "
                    "WHERE reference = $2",
                    {store::Blob{(*rows)[1 - i].Text(1)}, (*rows)[i].Text(0)})
                .status();
        if (!s.ok()) return s;
      }
      return absl::OkStatus();
    });
    ASSERT_TRUE(swapped.ok()) << swapped;
  }
  Start();
  police = Client(kPolice);
  intake::v1::GetReferralResponse got;
  grpc::Status read = Get(*police, first.reference(), &got);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_THAT(read.error_message(), Not(HasSubstr("Aisha")));
  EXPECT_FALSE(got.has_referral());
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto failed = AuditRows(kAuditReadFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0][0], kPolice);
  EXPECT_EQ(failed[0][1], audit::kReasonIntegrity);
  EXPECT_EQ(failed[0][3], first.reference());
  EXPECT_TRUE(AuditRows(kAuditRead).empty());
}

// A practitioner signed in to the console reads any agency's referral in
// full, saying why: the referral as submitted, its receipt facts and repeat
// status; the audit row names the person, their role and the purpose.
TEST_F(IntakeServiceTest, APractitionerReadsAnyAgencysReferralGivingAPurpose) {
  auto police = Client(kPolice);
  auto health = Client(kHealth);
  Receipt first, again, other;
  const Referral adult = Example(testing::kAdult);
  ASSERT_TRUE(Submit(*police, "r-1", adult, &first).ok());
  // The same person again, from another agency: a repeat.
  ASSERT_TRUE(Submit(*health, "r-2", adult, &again).ok());
  ASSERT_TRUE(Submit(*health, "r-3", Example(testing::kChange), &other).ok());

  auto console = Client("web-svc");
  intake::v1::ReadReferralResponse read;
  grpc::Status status = Read(*console, again.reference(),
                             intake::v1::READ_PURPOSE_FIRST_CONTACT,
                             "practitioner", &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      read.referral(), adult));
  EXPECT_EQ(read.receipt().reference(), again.reference());
  EXPECT_EQ(read.receipt().status(), intake::v1::REFERRAL_STATUS_ACCEPTED);
  EXPECT_EQ(read.receipt().front_door(), common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_EQ(read.receipt().received_at().seconds(),
            absl::ToUnixSeconds(kStart));
  EXPECT_EQ(read.receipt().repeat(), intake::v1::REPEAT_STATUS_REPEAT);
  EXPECT_EQ(read.channel(), adult.channel());
  EXPECT_EQ(read.referring_agency(), kHealth);
  EXPECT_EQ(read.submitting_agency(), kHealth);
  // Any agency's: the police's too, and a team leader may.
  read.Clear();
  ASSERT_TRUE(Read(*console, first.reference(),
                   intake::v1::READ_PURPOSE_SAFEGUARDING, "team_leader", &read,
                   "staff-7")
                  .ok());
  EXPECT_EQ(read.referring_agency(), kPolice);
  EXPECT_EQ(read.receipt().repeat(), intake::v1::REPEAT_STATUS_FIRST);
  // The service's own staff certificate (no console) may too.
  auto helpline = Client(kHelpline);
  read.Clear();
  ASSERT_TRUE(Read(*helpline, other.reference(),
                   intake::v1::READ_PURPOSE_TRIAGE, nullptr, &read,
                   "Helpline Worker")
                  .ok());
  EXPECT_EQ(read.receipt().front_door(),
            common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto reads = AuditRows(kAuditRead);
  ASSERT_EQ(reads.size(), 3u);
  EXPECT_EQ(reads[0][0], "frontdoor-web");
  EXPECT_EQ(reads[0][1], "first_contact");
  EXPECT_EQ(reads[0][3], again.reference());
  EXPECT_EQ(reads[0][4], "staff-42 as practitioner");
  EXPECT_EQ(reads[1][1], "safeguarding");
  EXPECT_EQ(reads[1][4], "staff-7 as team_leader");
  EXPECT_EQ(reads[2][0], kHelpline);
  EXPECT_EQ(reads[2][1], "triage");
  EXPECT_EQ(reads[2][4], "Helpline Worker");
}

TEST_F(IntakeServiceTest, AStaffReadWithoutAPurposeIsRefusedNamingIt) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "p-1", Example(testing::kAdult), &receipt).ok());
  auto console = Client("web-svc");
  intake::v1::ReadReferralResponse read;
  grpc::Status status =
      Read(*console, receipt.reference(), intake::v1::READ_PURPOSE_UNSPECIFIED,
           "practitioner", &read);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<FieldViolation> violations =
      GetFieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "purpose");
  // A purpose this version does not know is no purpose either.
  status = Read(*console, receipt.reference(),
                static_cast<intake::v1::ReadPurpose>(99), "practitioner",
                &read);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  violations = GetFieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "purpose");
  EXPECT_FALSE(read.has_referral());
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  EXPECT_TRUE(AuditRows(kAuditRead).empty());
}

// Only staff who may read referrals in full do: not a call handler, an
// operator or a commissioner through the console, not the console without
// a staff role (the web forms), not a partner agency, whose own referral
// this is. Each refusal is audited with who asked and the method; an
// unknown reference is audited as a refused read.
TEST_F(IntakeServiceTest, StaffReadsAreForStaffRolesThatMayReadReferrals) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "d-1", Example(testing::kAdult), &receipt).ok());
  auto console = Client("web-svc");
  intake::v1::ReadReferralResponse read;
  for (const char* role : {"call_handler", "operator", "commissioner"}) {
    EXPECT_EQ(Read(*console, receipt.reference(),
                   intake::v1::READ_PURPOSE_TRIAGE, role, &read)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
  EXPECT_EQ(Read(*console, receipt.reference(), intake::v1::READ_PURPOSE_TRIAGE,
                 nullptr, &read)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Read(*police, receipt.reference(), intake::v1::READ_PURPOSE_TRIAGE,
                 nullptr, &read, "Test Officer")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(read.has_referral());
  EXPECT_EQ(Read(*console, "FD-0000000000AA", intake::v1::READ_PURPOSE_TRIAGE,
                 "practitioner", &read)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  EXPECT_TRUE(AuditRows(kAuditRead).empty());
  constexpr char kMethod[] =
      "{\"method\":\"/frontdoor.intake.v1.IntakeService/ReadReferral\"}";
  std::vector<std::pair<std::string, std::string>> refused;
  for (const auto& row : AuditRows(audit::kActionCallRefused)) {
    EXPECT_EQ(row[2], kMethod);
    refused.emplace_back(row[0], row[4]);
  }
  EXPECT_THAT(refused,
              ::testing::ElementsAre(
                  ::testing::Pair("frontdoor-web", "staff-42 as call_handler"),
                  ::testing::Pair("frontdoor-web", "staff-42 as operator"),
                  ::testing::Pair("frontdoor-web", "staff-42 as commissioner"),
                  ::testing::Pair("frontdoor-web", "staff-42"),
                  ::testing::Pair(kPolice, "Test Officer")));
  auto unknown = AuditRows(kAuditReadRefused);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0][0], "frontdoor-web");
  EXPECT_EQ(unknown[0][1], audit::kReasonUnknownReference);
  EXPECT_EQ(unknown[0][3], "FD-0000000000AA");
  EXPECT_EQ(unknown[0][4], "staff-42 as practitioner");
}

// The helpline keys a behaviour change referral that probation sent by
// secure email. The helpline gets the receipt and owns the idempotency key;
// the referral is probation's: both may read it, nobody else may.
TEST_F(IntakeServiceTest, HelplineKeysASecureEmailReferralOnBehalfOfProbation) {
  auto helpline = Client(kHelpline);
  auto probation = Client(kProbation);
  auto health = Client(kHealth);
  Referral r = Example(testing::kChange);
  r.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  r.mutable_referrer()->set_on_behalf_of_agency(kProbation);
  Receipt receipt;
  grpc::Status submitted = Submit(*helpline, "email-1", r, &receipt);
  ASSERT_TRUE(submitted.ok()) << submitted.error_message();
  EXPECT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_ACCEPTED);
  EXPECT_EQ(receipt.front_door(),
            common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);
  EXPECT_TRUE(IsWellFormedReference(receipt.reference()));

  intake::v1::GetReferralResponse by_helpline, by_probation;
  ASSERT_TRUE(Get(*helpline, receipt.reference(), &by_helpline).ok());
  grpc::Status read = Get(*probation, receipt.reference(), &by_probation);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(by_probation.receipt().reference(), receipt.reference());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      by_probation.referral(), r));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      by_helpline.referral(), r));

  // Any other agency: exactly as an unknown reference.
  intake::v1::GetReferralResponse got;
  grpc::Status other = Get(*health, receipt.reference(), &got);
  grpc::Status unknown = Get(*health, "FD-0000000000AA", &got);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other.error_message(), unknown.error_message());
  EXPECT_EQ(other.error_details(), unknown.error_details());

  // The key is the helpline's: a retry returns the receipt; probation's
  // own use of the same key is its own referral.
  Receipt again;
  ASSERT_TRUE(Submit(*helpline, "email-1", r, &again).ok());
  EXPECT_EQ(again.reference(), receipt.reference());
  Receipt own;
  ASSERT_TRUE(
      Submit(*probation, "email-1", Example(testing::kChange), &own).ok());
  EXPECT_NE(own.reference(), receipt.reference());

  // Counted by the channel it came by, as before.
  auto scrape =
      frontdoor::testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_intake_referrals_received_total{channel=\"secure_"
                "email\",district=\"stafford\",front_door=\"adult_"
                "behaviour_change\",status=\"accepted\"}"),
            1.0);

  // The audit trail: the helpline received it, on behalf of probation, and
  // each agency's read says whose view it was.
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  auto received = AuditRows("referral.receive");
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0][0], kHelpline);
  EXPECT_EQ(received[0][1], intake::kReasonReferralAccepted);
  EXPECT_THAT(received[0][2],
              ::testing::HasSubstr(
                  "\"on_behalf_of_agency\":\"staffs-probation\""));
  EXPECT_EQ(received[1][0], kProbation);
  EXPECT_THAT(received[1][2],
              ::testing::Not(::testing::HasSubstr("on_behalf_of_agency")));
  auto reads = AuditRows("referral.read");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0][0], kHelpline);
  EXPECT_EQ(reads[0][1], intake::kReasonSubmittingAgencyView);
  EXPECT_EQ(reads[1][0], kProbation);
  EXPECT_EQ(reads[1][1], intake::kReasonReferringAgencyView);
}

// A referral's history from intake's trail: for the service's staff,
// whichever agency referred (the helpline's certificate, or the console
// for a practitioner); never for a call handler's or a commissioner's
// session, nor a partner agency. Reads and refusals are audited.
TEST_F(IntakeServiceTest, StaffWhoMayReadReferralsListAReferralsHistory) {
  auto police = Client(kPolice);
  auto helpline = Client(kHelpline);
  auto console = Client("web-svc");
  Receipt receipt;
  ASSERT_TRUE(
      Submit(*police, "history-1", Example(testing::kAdult), &receipt).ok());
  intake::v1::GetReferralResponse read;
  ASSERT_TRUE(Get(*police, receipt.reference(), &read).ok());

  common::v1::ListHistoryResponse history;
  grpc::Status listed = History(*console, receipt.reference(), "staff-42",
                                "practitioner", &history);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(history.entries_size(), 2);
  EXPECT_FALSE(history.truncated());
  const common::v1::HistoryEntry& received = history.entries(0);
  EXPECT_EQ(received.service(), "intake-svc");
  EXPECT_EQ(received.action(), "referral.receive");
  EXPECT_EQ(received.reason(), kReasonReferralAccepted);
  EXPECT_EQ(received.agency(), kPolice);
  EXPECT_EQ(received.actor(), "Test Officer");
  EXPECT_EQ(received.at().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_EQ(history.entries(1).action(), kAuditRead);
  EXPECT_EQ(history.entries(1).reason(), kReasonSubmittingAgencyView);

  common::v1::ListHistoryResponse by_helpline;
  ASSERT_TRUE(History(*helpline, receipt.reference(), "Sam Helpline", nullptr,
                      &by_helpline)
                  .ok());
  EXPECT_EQ(by_helpline.entries_size(), 3);  // and the practitioner's read
  EXPECT_EQ(by_helpline.entries(2).action(), audit::kActionHistoryRead);
  EXPECT_EQ(by_helpline.entries(2).actor(), "staff-42 as practitioner");
  common::v1::ListHistoryResponse none;
  ASSERT_TRUE(
      History(*helpline, "FD-0000000000AA", "Sam Helpline", nullptr, &none)
          .ok());
  EXPECT_EQ(none.entries_size(), 0);
  grpc::Status malformed =
      History(*helpline, "FD-1", "Sam Helpline", nullptr, &none);
  EXPECT_EQ(malformed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(malformed.error_details(), HasSubstr("reference"));

  common::v1::ListHistoryResponse refused;
  EXPECT_EQ(History(*console, receipt.reference(), "staff-7", "call_handler",
                    &refused)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(History(*console, receipt.reference(), "staff-9", "commissioner",
                    &refused)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(History(*police, receipt.reference(), "Test Officer", nullptr,
                    &refused)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.entries_size(), 0);

  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  auto reads = AuditRows(audit::kActionHistoryRead);
  ASSERT_EQ(reads.size(), 3u);
  EXPECT_EQ(reads[0][0], "frontdoor-web");
  EXPECT_EQ(reads[0][1], audit::kReasonHistoryView);
  EXPECT_EQ(reads[0][2], "{\"entries\":2}");
  EXPECT_EQ(reads[0][3], receipt.reference());
  EXPECT_EQ(reads[0][4], "staff-42 as practitioner");
  EXPECT_EQ(reads[1][0], kHelpline);
  auto calls_refused = AuditRows(audit::kActionCallRefused);
  ASSERT_EQ(calls_refused.size(), 3u);
  const std::string method =
      "{\"method\":\"/frontdoor.intake.v1.IntakeService/ListHistory\"}";
  EXPECT_EQ(calls_refused[0][0], "frontdoor-web");
  EXPECT_EQ(calls_refused[0][1], audit::kReasonRoleMissing);
  EXPECT_EQ(calls_refused[0][2], method);
  EXPECT_EQ(calls_refused[0][4], "staff-7 as call_handler");
  EXPECT_EQ(calls_refused[1][4], "staff-9 as commissioner");
  EXPECT_EQ(calls_refused[2][0], kPolice);
  EXPECT_EQ(calls_refused[2][2], method);
}

// The console (web-svc's identity) keys referrals for a signed-in person in
// their staff role: a call handler keys probation's secure email on its
// behalf and a victim's call as a self-referral; the audit trail names
// "<account id> as call_handler". Staff roles that may not key referrals
// are refused, and no console caller reads a referral with GetReferral:
// the console's agency owns every keyed and web referral.
TEST_F(IntakeServiceTest, TheConsoleKeysReferralsAsTheStaffRoleAllows) {
  auto console = Client("web-svc");
  auto probation = Client(kProbation);
  const auto as = [&](const char* role, const std::string& key,
                      const Referral& referral, Receipt* receipt) {
    grpc::ClientContext ctx;
    Prepare(ctx, "staff-7");
    ctx.AddMetadata("frontdoor-staff-role", role);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = console->SubmitReferral(&ctx, req, &resp);
    if (receipt != nullptr) *receipt = resp.receipt();
    return status;
  };
  Referral email = Example(testing::kChange);
  email.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  email.mutable_referrer()->set_on_behalf_of_agency(kProbation);
  Receipt keyed;
  grpc::Status s = as("call_handler", "console-1", email, &keyed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(keyed.front_door(), common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE);

  Referral phoned = Example(testing::kAdult);
  phoned.set_channel(common::v1::CHANNEL_PHONE);
  phoned.mutable_referrer()->set_self_referral(true);
  Receipt self;
  s = as("call_handler", "console-2", phoned, &self);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(self.front_door(), common::v1::FRONT_DOOR_ADULT_VICTIM);

  // Secure email always names the agency that sent it.
  Referral unnamed = email;
  unnamed.mutable_referrer()->clear_on_behalf_of_agency();
  s = as("practitioner", "console-3", unnamed, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_details(),
              HasSubstr("referral.referrer.on_behalf_of_agency"));

  for (const char* refused : {"operator", "commissioner"}) {
    EXPECT_EQ(as(refused, "console-4", phoned, nullptr).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << refused;
  }
  for (const char* role : {"call_handler", "team_leader"}) {
    grpc::ClientContext ctx;
    Prepare(ctx, "staff-7");
    ctx.AddMetadata("frontdoor-staff-role", role);
    intake::v1::GetReferralRequest req;
    req.set_reference(self.reference());
    intake::v1::GetReferralResponse got;
    EXPECT_EQ(console->GetReferral(&ctx, req, &got).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << role;
  }
  // Probation reads the referral keyed on its behalf, as before.
  intake::v1::GetReferralResponse by_probation;
  ASSERT_TRUE(Get(*probation, keyed.reference(), &by_probation).ok());
  EXPECT_EQ(by_probation.referral().channel(),
            common::v1::CHANNEL_SECURE_EMAIL);

  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  auto received = AuditRows("referral.receive");
  ASSERT_EQ(received.size(), 2u);
  for (const auto& row : received) {
    EXPECT_EQ(row[0], "frontdoor-web");
    EXPECT_EQ(row[4], "staff-7 as call_handler");
  }
  EXPECT_EQ(received[0][3], keyed.reference());
  EXPECT_THAT(received[0][2],
              HasSubstr("\"on_behalf_of_agency\":\"staffs-probation\""));
  EXPECT_EQ(received[1][3], self.reference());
}

TEST_F(IntakeServiceTest, EveryAcknowledgedReferralSurvivesRestart) {
  auto police = Client(kPolice);
  std::vector<std::string> references;
  for (int i = 0; i < 20; ++i) {
    Receipt receipt;
    ASSERT_TRUE(
        Submit(*police, absl::StrCat("restart-", i), Example(testing::kAdult),
               &receipt)
            .ok());
    references.push_back(receipt.reference());
  }
  Restart();
  police = Client(kPolice);
  for (const std::string& ref : references) {
    intake::v1::GetReferralResponse got;
    ASSERT_TRUE(Get(*police, ref, &got).ok()) << ref;
    EXPECT_EQ(got.referral().subject().name().family_name(), "Rahman");
  }
  // Idempotency survives restart too.
  Receipt again;
  ASSERT_TRUE(
      Submit(*police, "restart-0", Example(testing::kAdult), &again).ok());
  EXPECT_EQ(again.reference(), references[0]);
}

TEST_F(IntakeServiceTest, AuditChainVerifiesAndFailsAfterTampering) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "audit-1", Example(testing::kAdult), &receipt).ok());
  intake::v1::GetReferralResponse got;
  ASSERT_TRUE(Get(*police, receipt.reference(), &got).ok());
  ASSERT_TRUE(Submit(*police, "audit-2", Example(testing::kChange), nullptr).ok());
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  auto store = frontdoor::testing::OpenTestStore(
      frontdoor::testing::StoreLocationOf(config_.store()), audit::Migrations());
  ASSERT_TRUE(store.ok()) << store.status();
  auto keys = crypto::KeyRing::LoadFile(config_.key_ring_file());
  ASSERT_TRUE(keys.ok()) << keys.status();
  auto ok = audit::Verify(**store, *keys);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->entries, 3);  // receive, read, receive
  EXPECT_FALSE(ok->first_bad_seq.has_value());

  const auto rewrite = [](store::Tx& tx) {
    return tx
        .Exec("UPDATE audit_log SET actor_person = $1 WHERE seq = 2",
              {std::string("Someone Else")})
        .status();
  };
  // The service's own connection cannot rewrite the trail...
  EXPECT_FALSE((*store)->WriteSync(rewrite).ok());
  // ...someone with the database's owner rights can, and the chain shows it.
  ASSERT_TRUE(frontdoor::testing::ExecAsDatabaseOwner(
                  **store,
                  "UPDATE audit_log SET actor_person = $1 WHERE seq = 2",
                  {std::string("Someone Else")})
                  .ok());
  auto bad = audit::Verify(**store, *keys);
  ASSERT_TRUE(bad.ok()) << bad.status();
  ASSERT_TRUE(bad->first_bad_seq.has_value());
  EXPECT_EQ(*bad->first_bad_seq, 2);
}


// Polls the metrics page until `name` has a sample (the audit check runs on
// its own thread at start-up), for at most 30 s.
std::optional<double> AwaitSample(int metrics_port, const std::string& name) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto scrape = frontdoor::testing::HttpGet(metrics_port, "/metrics");
    if (scrape.ok()) {
      if (auto v = frontdoor::testing::FindSample(scrape->body, name)) return v;
    }
    absl::SleepFor(absl::Milliseconds(20));  // a bounded poll
  }
  return std::nullopt;
}

TEST_F(IntakeServiceTest, TheServiceChecksAndAnchorsItsAuditChainAndSeesACut) {
  const std::string anchor_file = (dir_ / "intake-anchor.json").string();
  config_.mutable_server()->mutable_audit()->set_anchor_file(anchor_file);
  auto police = Client(kPolice);
  ASSERT_TRUE(Submit(*police, "anchor-1", Example(testing::kAdult), nullptr).ok());
  ASSERT_TRUE(Submit(*police, "anchor-2", Example(testing::kChange), nullptr).ok());
  Restart();  // the start-up check anchors the two rows
  EXPECT_EQ(AwaitSample(server_->metrics_port(), "frontdoor_audit_chain_intact"),
            1.0);
  EXPECT_EQ(AwaitSample(server_->metrics_port(),
                        "frontdoor_audit_chain_anchored_seq"),
            2.0);
  auto anchor = audit::ReadAnchorFile(anchor_file);
  ASSERT_TRUE(anchor.ok()) << anchor.status();
  ASSERT_TRUE(anchor->has_value());
  EXPECT_EQ((*anchor)->seq, 2);
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();

  {  // Someone with the database's owner rights cuts the newest row.
    auto store = frontdoor::testing::OpenTestStore(
        frontdoor::testing::StoreLocationOf(config_.store()),
        audit::Migrations());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(frontdoor::testing::ExecAsDatabaseOwner(
                    **store, "DELETE FROM audit_log WHERE seq = 2")
                    .ok());
    (*store)->Close();
  }
  Start();
  EXPECT_EQ(AwaitSample(server_->metrics_port(), "frontdoor_audit_chain_intact"),
            0.0);
  EXPECT_THAT(logs_.text(), HasSubstr("\"event\":\"audit.chain_broken\""));
  EXPECT_THAT(logs_.text(), HasSubstr("rows were cut off the end"));
}

// A key rotation: the ring gains k2 as its active key, the service re-seals
// every row under it by itself, and then k1 can leave the ring.
TEST_F(IntakeServiceTest, AfterAKeyRotationEveryRowIsResealedAndTheOldKeyCanGo) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(
      Submit(*police, "rotate-1", Example(testing::kAdult), &receipt).ok());
  ASSERT_TRUE(Submit(*police, "rotate-2", Example(testing::kChange), nullptr).ok());

  auto ring = config::LoadJsonFile<config::v1::KeyRingFile>(
      config_.key_ring_file());
  ASSERT_TRUE(ring.ok()) << ring.status();
  const std::string old_id = ring->active_key_id();
  auto fresh = config::ParseJson<config::v1::KeyRingFile>(
      *crypto::GenerateKeyRingJson("k2"), "new key");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  *ring->add_keys() = fresh->keys(0);
  ring->set_active_key_id("k2");
  const auto write_ring = [&](const config::v1::KeyRingFile& file) {
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(file, &json).ok());
    std::ofstream(config_.key_ring_file(), std::ios::trunc) << json;
  };
  write_ring(*ring);
  Restart();
  for (const char* column :
       {"frontdoor_sealed_rows_on_old_keys{table=\"referrals\",column=\"sealed_referral\"}",
        "frontdoor_sealed_rows_on_old_keys{table=\"outbox\",column=\"payload\"}"}) {
    EXPECT_EQ(AwaitSample(server_->metrics_port(), column), 0.0) << column;
  }

  // The old key leaves the ring: everything still opens.
  ring->mutable_keys()->erase(ring->mutable_keys()->begin());
  ASSERT_NE(ring->keys(0).id(), old_id);
  write_ring(*ring);
  Restart();
  police = Client(kPolice);
  intake::v1::GetReferralResponse got;
  grpc::Status read = Get(*police, receipt.reference(), &got);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(got.referral().subject().name().family_name(),
            Example(testing::kAdult).subject().name().family_name());
}

TEST_F(IntakeServiceTest, PersonalDataIsSealedAtRestAndNeverLogged) {
  auto police = Client(kPolice);
  Receipt receipt;
  ASSERT_TRUE(Submit(*police, "pd-1", Example(testing::kAdult), &receipt).ok());
  EXPECT_THAT(logs_.text(), HasSubstr(receipt.reference()));
  EXPECT_THAT(logs_.text(),
              HasSubstr("4bf92f3577b34da6a3ce929d0e0e4736"));  // trace
  // Timestamps and random ids are left out: their digits may spell a year
  // of birth.
  const std::string logs = std::regex_replace(
      logs_.text(),
      std::regex("\"(ts|trace_id|reference)\":\"[^\"]*\""), "\"$1\":\"\"");
  for (const char* personal :
       {"Aisha", "Rahman", "07700 900123", "Station Road", "ST4 7AB",
        "Daniel", "threats", "1991"}) {
    EXPECT_THAT(logs, Not(HasSubstr(personal))) << personal;
  }
  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  auto bytes = frontdoor::testing::StoredBytes(frontdoor::testing::StoreLocationOf(config_.store()));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_THAT(*bytes, HasSubstr(receipt.reference()));
  for (const char* personal : {"Aisha", "Rahman", "07700 900123", "threats"}) {
    EXPECT_THAT(*bytes, Not(HasSubstr(personal))) << personal;
  }
}

TEST_F(IntakeServiceTest, MetricsCountCallsAndReferrals) {
  auto police = Client(kPolice);
  ASSERT_TRUE(Submit(*police, "m-1", Example(testing::kAdult), nullptr).ok());
  ASSERT_TRUE(Submit(*police, "m-2", Example("child-to-behaviour-change.json"),
                     nullptr)
                  .ok());
  Referral bad = Example(testing::kAdult);
  bad.clear_concerns();
  ASSERT_FALSE(Submit(*police, "m-3", bad, nullptr).ok());

  auto scrape = frontdoor::testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  const std::string& text = scrape->body;
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{"));
  EXPECT_THAT(text, HasSubstr("grpc_method=\"SubmitReferral\""));
  EXPECT_THAT(text, HasSubstr("grpc_code=\"INVALID_ARGUMENT\""));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{"));
  EXPECT_THAT(text, HasSubstr("process_resident_memory_bytes"));
  EXPECT_EQ(frontdoor::testing::FindSample(
                text,
                "frontdoor_intake_referrals_received_total{channel=\"partner_"
                "api\",district=\"stoke-on-trent\",front_door=\"adult_"
                "victim\",status=\"accepted\"}"),
            1.0);
  EXPECT_EQ(frontdoor::testing::FindSample(
                text,
                "frontdoor_intake_referrals_returned_total{reason=\"CHILD_"
                "REFERRED_TO_BEHAVIOUR_CHANGE\"}"),
            1.0);
  EXPECT_EQ(frontdoor::testing::FindSample(
                text,
                "frontdoor_intake_field_violations_total{field=\"referral."
                "concerns\"}"),
            1.0);
}

// One agency over its burst is refused RESOURCE_EXHAUSTED with the time
// until its next token as google.rpc.RetryInfo, before any work; another
// agency is served at the same moment; once the (fake) clock has moved on,
// the first is served again. Writes and reads have separate buckets, and
// every refusal is counted by service, kind and agency.
TEST_F(IntakeServiceTest,
       AnAgencyOverItsLimitIsRefusedWithRetryInfoOthersServed) {
  config::v1::AgencyRateLimit* limits =
      config_.mutable_server()->mutable_rate_limits()->add_agencies();
  limits->set_agency_id(kPolice);
  limits->mutable_writes()->set_per_second(2);
  limits->mutable_writes()->set_burst(3);
  limits->mutable_reads()->set_per_second(1);
  limits->mutable_reads()->set_burst(4);
  Restart();
  auto police = Client(kPolice);
  auto health = Client(kHealth);

  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Submit(*police, absl::StrCat("rl-", i),
                       Example(testing::kAdult), nullptr)
                    .ok());
  }
  Receipt receipt;
  grpc::Status refused =
      Submit(*police, "rl-3", Example(testing::kAdult), &receipt);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(receipt.reference().empty());
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(refused.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo retry;
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  // 2 tokens a second: the next one in half a second.
  EXPECT_EQ(retry.retry_delay().seconds(), 0);
  EXPECT_EQ(retry.retry_delay().nanos(), 500'000'000);

  // Guessing references spends the read bucket, not the write bucket.
  intake::v1::GetReferralResponse got;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Get(*police, "FD-0000000000AA", &got).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  EXPECT_EQ(Get(*police, "FD-0000000000AA", &got).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Another agency, at the same moment, is served.
  EXPECT_TRUE(Submit(*health, "rl-b", Example(testing::kAdult), nullptr).ok());

  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(Submit(*police, "rl-3", Example(testing::kAdult), &receipt).ok());
  EXPECT_FALSE(receipt.reference().empty());

  auto scrape =
      frontdoor::testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_rate_limited_total{agency=\"staffs-police\",kind="
                "\"write\",service=\"intake-svc\"}"),
            1.0);
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_rate_limited_total{agency=\"staffs-police\",kind="
                "\"read\",service=\"intake-svc\"}"),
            1.0);
  EXPECT_THAT(scrape->body,
              Not(HasSubstr("frontdoor_rate_limited_total{agency=\"uhnm")));
  // The four guesses answered NOT_FOUND, counted by agency.
  EXPECT_EQ(frontdoor::testing::FindSample(
                scrape->body,
                "frontdoor_not_found_total{agency=\"staffs-police\","
                "grpc_service=\"frontdoor.intake.v1.IntakeService\"}"),
            4.0);
}

// Limits or an audit interval that cannot work stop start-up with the
// setting named.
TEST_F(IntakeServiceTest, BadServerSettingsStopStartUpNamingTheSetting) {
  config::v1::IntakeConfig config = config_;
  config.mutable_server()->mutable_rate_limits()->mutable_reads()->set_burst(
      -1);
  auto bad = IntakeServer::Start(config, clock_);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("server.rate_limits.reads.burst"));

  config = config_;
  config.mutable_server()->mutable_rate_limits()->add_agencies()->set_agency_id(
      "no-such-agency");
  bad = IntakeServer::Start(config, clock_);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("server.rate_limits.agencies[0].agency_id"));

  config = config_;
  config.mutable_server()->mutable_audit()->set_verify_interval_seconds(-5);
  bad = IntakeServer::Start(config, clock_);
  EXPECT_TRUE(absl::IsInvalidArgument(bad.status()));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("server.audit.verify_interval_seconds"));
}

// intake-svc on a PostgreSQL server of its own, which the test stops and
// starts again. Runs in the ".postgres" variant of this binary.
class IntakeDatabaseOutageTest : public IntakeServiceTest {
 protected:
  void SetUp() override {
    if (!frontdoor::testing::OnPostgres()) {
      GTEST_SKIP() << "PostgreSQL only: runs in the .postgres variant";
    }
    auto url = database_.Start();
    ASSERT_TRUE(url.ok()) << url.status();
    server_url_ = *url;
    IntakeServiceTest::SetUp();
  }
  void ConfigureStore() override {
    auto url = frontdoor::testing::FreshPostgresSchemaOn(server_url_, "intake");
    ASSERT_TRUE(url.ok()) << url.status();
    config_.mutable_store()->set_postgres_url(*url);
  }

  frontdoor::testing::PrivatePostgresServer database_{
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("intake-outage-pg-", getpid())};
  std::string server_url_;
};

// While the database is down, partners get UNAVAILABLE (retry later), not
// an acknowledgement and not an internal error. Once it is back, the
// service reconnects by itself, the retried submission is accepted, and
// what was acknowledged before the outage is all there.
TEST_F(IntakeDatabaseOutageTest, DatabaseDownIsUnavailableThenRecovers) {
  auto police = Client(kPolice);
  Receipt before;
  ASSERT_TRUE(Submit(*police, "before-outage", Example(testing::kAdult), &before)
                  .ok());

  ASSERT_TRUE(database_.Down().ok());
  grpc::Status during =
      Submit(*police, "during-outage", Example(testing::kChange), nullptr);
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE)
      << during.error_message();
  // The partner learns to retry, not where the database is.
  EXPECT_THAT(during.error_message(), HasSubstr("retry later"));
  EXPECT_THAT(during.error_message(), Not(HasSubstr("postgres")));
  EXPECT_THAT(logs_.text(), HasSubstr("rpc.error_detail"));
  intake::v1::GetReferralResponse got;
  grpc::Status read = Get(*police, before.reference(), &got);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::UNAVAILABLE)
      << read.error_message();

  ASSERT_TRUE(database_.Up().ok());
  // The partner's retry, with the same idempotency key, as a partner's
  // system would after UNAVAILABLE. The store's reconnect back-off is at
  // most a few seconds.
  Receipt after;
  grpc::Status retried;
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  do {
    retried = Submit(*police, "during-outage", Example(testing::kChange), &after);
    if (retried.ok()) break;
    EXPECT_EQ(retried.error_code(), grpc::StatusCode::UNAVAILABLE)
        << retried.error_message();
    absl::SleepFor(absl::Milliseconds(200));
  } while (absl::Now() < give_up);
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_FALSE(after.reference().empty());

  ASSERT_TRUE(Get(*police, before.reference(), &got).ok());
  EXPECT_EQ(got.receipt().reference(), before.reference());
  Receipt again;
  ASSERT_TRUE(
      Submit(*police, "during-outage", Example(testing::kChange), &again).ok());
  EXPECT_EQ(again.reference(), after.reference()) << "accepted twice";
}

// IntakeService.Report: the figures of a period, counted from what intake
// stored, for report viewers only, each run audited. The dataset: in
// 2026-Q3 (October to December) the police refer a woman twice (the second
// a repeat), a call handler keys a phoned-in self-referral and probation's
// secure email, a school's referral is returned; in 2026-Q4 (January 2027) one
// more police referral.
TEST_F(IntakeServiceTest, ReportCountsAPeriodsReferralsForReportViewersOnly) {
  auto police = Client(kPolice);
  auto console = Client("web-svc");
  auto school = Client("oakfield-academy");
  auto operations = Client("frontdoor-operations");
  const auto keyed = [&](const std::string& key, const Referral& referral,
                         Receipt* receipt) {
    grpc::ClientContext ctx;
    Prepare(ctx, "staff-7");
    ctx.AddMetadata("frontdoor-staff-role", "call_handler");
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status status = console->SubmitReferral(&ctx, req, &resp);
    *receipt = resp.receipt();
    return status;
  };
  Receipt first, again, phoned, email, returned, later;
  ASSERT_TRUE(Submit(*police, "report-1", Example(testing::kAdult), &first).ok());
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(Submit(*police, "report-2", Example(testing::kAdult), &again).ok());
  ASSERT_EQ(again.repeat(), intake::v1::REPEAT_STATUS_REPEAT);
  Referral call = Example(testing::kAdult);
  call.set_channel(common::v1::CHANNEL_PHONE);
  call.mutable_referrer()->set_self_referral(true);
  call.mutable_subject()->mutable_name()->set_given_names("Beth");
  ASSERT_TRUE(keyed("report-3", call, &phoned).ok());
  Referral secure_email = Example(testing::kChange);
  secure_email.set_channel(common::v1::CHANNEL_SECURE_EMAIL);
  secure_email.mutable_referrer()->set_on_behalf_of_agency(kProbation);
  ASSERT_TRUE(keyed("report-4", secure_email, &email).ok());
  ASSERT_TRUE(Submit(*school, "report-5", Example("child-to-behaviour-change.json"),
                     &returned)
                  .ok());
  ASSERT_EQ(returned.status(), intake::v1::REFERRAL_STATUS_RETURNED);
  ASSERT_EQ(returned.return_reasons_size(), 1);
  // Refused as not valid: counted, by the first field at fault.
  Referral undated = Example(testing::kAdult);
  undated.mutable_subject()->clear_date_of_birth();
  Receipt none;
  grpc::Status refused_submission = Submit(*police, "report-bad", undated, &none);
  ASSERT_EQ(refused_submission.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  clock_.Advance(absl::Hours(24 * 45));  // 7 January 2027
  ASSERT_TRUE(Submit(*police, "report-6", Example(testing::kAdult), &later).ok());

  common::v1::ReportResponse q3;
  grpc::Status ran = Report(*operations, absl::CivilDay(2026, 10, 1),
                            absl::CivilDay(2026, 12, 31), &q3);
  ASSERT_TRUE(ran.ok()) << ran.error_message();
  EXPECT_EQ(q3.service(), "intake-svc");
  EXPECT_EQ(q3.first_day().month(), 10);
  EXPECT_EQ(q3.last_day().day(), 31);
  EXPECT_EQ(CountOf(q3, "referrals_received", {}), 5);
  EXPECT_EQ(CountOf(q3, "referrals_received",
                    {{"channel", "partner_api"},
                     {"district", first.district()},
                     {"service", "adult_victim"},
                     {"source", "police"}}),
            2);
  EXPECT_EQ(CountOf(q3, "referrals_received",
                    {{"channel", "phone"}, {"source", "self"}}),
            1);
  EXPECT_EQ(CountOf(q3, "referrals_received",
                    {{"channel", "secure_email"},
                     {"service", "adult_behaviour_change"},
                     {"source", "probation"}}),
            1);
  EXPECT_EQ(CountOf(q3, "referrals_received",
                    {{"service", "none"}, {"source", "education"}}),
            1);
  EXPECT_EQ(CountOf(q3, "referrals_accepted", {}), 4);
  EXPECT_EQ(CountOf(q3, "referrals_accepted", {{"service", "adult_victim"}}), 3);
  const std::string reason =
      absl::AsciiStrToLower(returned.return_reasons(0).code());
  EXPECT_EQ(CountOf(q3, "referrals_returned",
                    {{"district", returned.district()}, {"reason", reason}}),
            1);
  EXPECT_EQ(CountOf(q3, "repeat_referrals", {}), 1);
  EXPECT_EQ(CountOf(q3, "referrals_rejected",
                    {{"channel", "partner_api"},
                     {"reason", "referral.subject.date_of_birth"},
                     {"source", "police"}}),
            1);
  EXPECT_EQ(CountOf(q3, "repeat_referrals",
                    {{"district", again.district()}, {"service", "adult_victim"}}),
            1);
  // Each count's dimensions come sorted by name; nothing names a person.
  for (const common::v1::ReportCount& c : q3.counts()) {
    for (int i = 1; i < c.dimensions_size(); ++i) {
      EXPECT_LT(c.dimensions(i - 1).name(), c.dimensions(i).name());
    }
    for (const common::v1::ReportDimension& d : c.dimensions()) {
      EXPECT_THAT(d.value(), Not(HasSubstr("FD-")));
    }
  }

  common::v1::ReportResponse q4;
  ASSERT_TRUE(Report(*operations, absl::CivilDay(2027, 1, 1),
                     absl::CivilDay(2027, 3, 31), &q4)
                  .ok());
  EXPECT_EQ(CountOf(q4, "referrals_received", {}), 1);
  EXPECT_EQ(CountOf(q4, "repeat_referrals", {}), 1);  // within 12 months
  EXPECT_EQ(CountOf(q4, "referrals_rejected", {}), 0);

  // A commissioner through the console may; no one else.
  common::v1::ReportResponse refused;
  ASSERT_TRUE(Report(*console, absl::CivilDay(2026, 10, 1),
                     absl::CivilDay(2026, 12, 31), &refused, "commissioner")
                  .ok());
  EXPECT_EQ(Report(*console, absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &refused, "practitioner")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Report(*police, absl::CivilDay(2026, 10, 1),
                   absl::CivilDay(2026, 12, 31), &refused)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A period that ends before it starts, or with no first day.
  frontdoor::testing::ExpectPeriodsChecked(*operations);

  ASSERT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
  server_.reset();
  const auto runs = AuditRows(report::kActionReportRun);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0][0], "frontdoor-operations");
  EXPECT_EQ(runs[0][1], report::kReasonReportView);
  EXPECT_THAT(runs[0][2], HasSubstr("\"period\":\"2026-Q3\""));
  EXPECT_EQ(runs[2][4], "staff-9 as commissioner");
}

}  // namespace
}  // namespace frontdoor::intake

namespace frontdoor::intake {
namespace {

constexpr char kSubmitMethod[] =
    "/frontdoor.intake.v1.IntakeService/SubmitReferral";
constexpr char kGetMethod[] = "/frontdoor.intake.v1.IntakeService/GetReferral";

// A length-delimited field `number` holding `value`, on the wire.
std::string LengthDelimited(int number, const std::string& value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    google::protobuf::internal::WireFormatLite::WriteString(number, value,
                                                            &coded);
  }
  return out;
}

TEST_F(IntakeServiceTest, InvalidUtf8IsRefusedNamingTheFieldOnEveryMethod) {
  auto channel = frontdoor::testing::MakeMtlsChannel(server_->api_port(),
                                                     kPolice);
  ASSERT_TRUE(channel.ok()) << channel.status();
  intake::v1::SubmitReferralRequest submit;
  submit.set_idempotency_key("utf8-1");
  *submit.mutable_referral() = Example("adult-victim.json");
  submit.mutable_referral()->mutable_subject()->mutable_name()
      ->set_family_name(frontdoor::testing::kUtf8Probe);
  frontdoor::testing::ExpectInvalidUtf8Refused(
      *channel, kSubmitMethod, submit, "referral.subject.name.family_name",
      [this] { return logs_.text(); });
  intake::v1::GetReferralRequest get;
  get.set_reference(frontdoor::testing::kUtf8Probe);
  frontdoor::testing::ExpectInvalidUtf8Refused(
      *channel, kGetMethod, get, "reference", [this] { return logs_.text(); });
}

TEST_F(IntakeServiceTest, UnknownFieldIsRefusedAndNeverStored) {
  auto channel = frontdoor::testing::MakeMtlsChannel(server_->api_port(),
                                                     kPolice);
  ASSERT_TRUE(channel.ok()) << channel.status();
  constexpr int kUnusedField = 900;
  constexpr size_t kUnknownBytes = 3900 * 1024;  // 3.9 MiB, under the limit
  const Referral referral = Example("adult-victim.json");
  const std::string bytes =
      LengthDelimited(1, "unknown-1") +
      LengthDelimited(2, referral.SerializeAsString() +
                             LengthDelimited(kUnusedField,
                                             std::string(kUnknownBytes, 'u')));
  // Protobuf itself accepts the request (and would keep the field).
  ASSERT_TRUE(intake::v1::SubmitReferralRequest().ParseFromString(bytes));

  grpc::Status status =
      frontdoor::testing::RawUnaryCall(*channel, kSubmitMethod, bytes);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  std::vector<FieldViolation> violations =
      GetFieldViolations(FromGrpcStatus(status));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "referral.900");

  // Nothing was stored under the key: the same key with the referral alone
  // is a new referral, not a conflicting retry.
  auto police = Client(kPolice);
  Receipt receipt;
  grpc::Status accepted = Submit(*police, "unknown-1", referral, &receipt);
  ASSERT_TRUE(accepted.ok()) << accepted.error_message();
  EXPECT_EQ(receipt.status(), intake::v1::REFERRAL_STATUS_ACCEPTED);
}

}  // namespace
}  // namespace frontdoor::intake
