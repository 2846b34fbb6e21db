// FAULT-MATRIX rows 8, 12, 20, 21 and 22 against the real intake-svc
// process:
//  - the same idempotency key sent concurrently from many threads: one row,
//    one event per hop, triage records it once, every caller the same
//    receipt;
//  - 10,000 reference guesses: NOT_FOUND until the agency's read bucket is
//    empty, then RESOURCE_EXHAUSTED with RetryInfo; never a referral; each
//    NOT_FOUND counted in frontdoor_not_found_total;
//  - TLS 1.0 and 1.1 refused at the API port (openssl s_client), TLS 1.2
//    with a client certificate accepted;
//  - a request over the size limit: RESOURCE_EXHAUSTED; nesting deeper than
//    100: INVALID_ARGUMENT; the process serves on.

#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "common/reference/reference.h"
#include "common/server/request_check.h"
#include "common/server/server_options.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "intake-svc/intake_core.h"
#include "tests/fault/fault_fixture.h"
#include "tests/testing/pki.h"
#include "tests/testing/raw_call.h"

namespace frontdoor::fault {
namespace {

constexpr char kSubmitMethod[] =
    "/frontdoor.intake.v1.IntakeService/SubmitReferral";

// Row 8.
constexpr int kConcurrentCallers = 16;

TEST_F(FaultTest, ConcurrentDuplicatesMakeOneReferralAndOneReceipt) {
  StartTriage();
  PrepareIntake();
  StartIntake();
  const common::v1::Referral referral = Example("adult-victim.json");
  std::vector<grpc::Status> statuses(kConcurrentCallers);
  std::vector<intake::v1::Receipt> receipts(kConcurrentCallers);
  std::vector<std::unique_ptr<IntakeClient>> clients;
  // A connection each, so that the calls really race.
  for (int i = 0; i < kConcurrentCallers; ++i) clients.push_back(IntakeAs());
  absl::Barrier* ready = new absl::Barrier(kConcurrentCallers);
  std::vector<std::thread> callers;
  for (int i = 0; i < kConcurrentCallers; ++i) {
    callers.emplace_back([&, i] {
      if (ready->Block()) delete ready;
      statuses[i] = clients[i]->Submit("same-key-everywhere", referral,
                                       &receipts[i]);
    });
  }
  for (std::thread& t : callers) t.join();
  for (int i = 0; i < kConcurrentCallers; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_EQ(receipts[i].SerializeAsString(), receipts[0].SerializeAsString())
        << "caller " << i << " got another receipt";
  }
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM referrals"), 1);
  for (const char* topic : {intake::kReferralReceivedTopic,
                            intake::kReferralReceivedForNotifyTopic}) {
    EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM outbox WHERE topic = $1",
                    {std::string(topic)}),
              1)
        << topic;
  }
  EXPECT_EQ(Count(intake_store_,
                  "SELECT COUNT(*) FROM audit_log WHERE action = $1",
                  {std::string("referral.receive")}),
            1);
  ASSERT_TRUE(TriageRecords(receipts[0].reference()));
  EXPECT_EQ(Count(triage_store_, "SELECT COUNT(*) FROM triage_referrals"), 1);
}

// Row 12.
constexpr int kGuesses = 10'000;
constexpr int kReadBurst = 300;
constexpr double kReadsPerSecond = 5;
constexpr absl::Duration kGuessingBound = absl::Seconds(120);

TEST_F(FaultTest, TenThousandGuessesAreNotFoundThenRefusedAndCounted) {
  auto* reads = intake_config_.mutable_server()->mutable_rate_limits()->add_agencies();
  reads->set_agency_id("staffs-police");
  reads->mutable_reads()->set_per_second(kReadsPerSecond);
  reads->mutable_reads()->set_burst(kReadBurst);
  PrepareIntake();
  StartIntake();
  auto guesser = IntakeAs("staffs-police");
  int not_found = 0, refused = 0, first_refusal = -1;
  bool retry_info_every_time = true;
  const absl::Time start = absl::Now();
  for (int i = 0; i < kGuesses && absl::Now() - start < kGuessingBound; ++i) {
    grpc::Status status = guesser->Get(NewReference());
    switch (status.error_code()) {
      case grpc::StatusCode::NOT_FOUND:
        ++not_found;
        break;
      case grpc::StatusCode::RESOURCE_EXHAUSTED: {
        if (first_refusal < 0) first_refusal = i;
        ++refused;
        google::rpc::Status details;
        google::rpc::RetryInfo retry;
        retry_info_every_time = retry_info_every_time &&
                                details.ParseFromString(status.error_details()) &&
                                details.details_size() == 1 &&
                                details.details(0).UnpackTo(&retry) &&
                                retry.retry_delay().nanos() > 0;
        break;
      }
      default:
        FAIL() << "guess " << i << " answered " << status.error_code() << " "
               << status.error_message();
    }
  }
  const absl::Duration took = absl::Now() - start;
  ASSERT_EQ(not_found + refused, kGuesses) << "not done within " << kGuessingBound;
  RecordProperty("guessing_seconds", absl::StrCat(absl::ToDoubleSeconds(took)));
  // The whole burst answered NOT_FOUND before the first refusal.
  EXPECT_GE(first_refusal, kReadBurst);
  // After it, only what the bucket refilled.
  EXPECT_LE(not_found,
            kReadBurst + kReadsPerSecond * absl::ToDoubleSeconds(took) + 1);
  EXPECT_TRUE(retry_info_every_time);
  absl::StatusOr<double> counted = MetricValue(
      intake_->metrics_port(),
      "frontdoor_not_found_total{agency=\"staffs-police\","
      "grpc_service=\"frontdoor.intake.v1.IntakeService\"}");
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(*counted, not_found);
  absl::StatusOr<double> limited = MetricValue(
      intake_->metrics_port(),
      "frontdoor_rate_limited_total{agency=\"staffs-police\",kind=\"read\","
      "service=\"intake-svc\"}");
  ASSERT_TRUE(limited.ok()) << limited.status();
  EXPECT_EQ(*limited, refused);
  // Another agency reads on at the same moment.
  EXPECT_EQ(IntakeAs("uhnm-health")->Get(NewReference()).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Row 20. Runs `openssl s_client` against the API port; its output.
std::string SClient(int port, const std::string& options) {
  const std::string pki = testing::PkiDir();
  const std::string command = absl::StrCat(
      "openssl s_client -connect 127.0.0.1:", port, " ", options,
      " -CAfile ", pki, "/ca.pem -cert ", pki, "/staffs-police.pem -key ", pki,
      "/staffs-police.key </dev/null 2>&1");
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    out.append(buffer.data(), n);
  }
  pclose(pipe);
  return out;
}

TEST_F(FaultTest, TlsBelowOnePointTwoIsRefusedAtTheApiPort) {
  if (system("command -v openssl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl not found (Debian openssl)";
  }
  PrepareIntake();
  StartIntake();
  const int port = intake_->api_port();
  // The client itself must be able to offer the old versions: Debian's
  // OpenSSL allows them only at security level 0.
  const std::string old_allowed = "-cipher DEFAULT@SECLEVEL=0";
  // A handshake that completed names its cipher; a refused one "(NONE)",
  // with no certificate from the server (gRPC closes the connection on a
  // version it does not accept, without an alert).
  constexpr char kNoCipher[] = "Cipher is (NONE)";
  const std::string modern = SClient(port, "-tls1_2");
  ASSERT_NE(modern.find("Protocol  : TLSv1.2"), std::string::npos) << modern;
  ASSERT_EQ(modern.find(kNoCipher), std::string::npos) << modern;
  for (const char* version : {"-tls1", "-tls1_1"}) {
    const std::string out = SClient(port, absl::StrCat(version, " ", old_allowed));
    if (out.find("no protocols available") != std::string::npos) {
      GTEST_SKIP() << "this OpenSSL cannot offer " << version << ": " << out;
    }
    EXPECT_NE(out.find(kNoCipher), std::string::npos)
        << version << " was not refused:\n" << out;
    EXPECT_NE(out.find("no peer certificate available"), std::string::npos)
        << version << ":\n" << out;
  }
  // And the service serves on.
  EXPECT_TRUE(IntakeAs()->Submit("after-probe", Example("adult-victim.json")).ok());
}

// Rows 21 and 22.
TEST_F(FaultTest, OversizedAndDeeplyNestedRequestsAreRefusedAndServiceServesOn) {
  PrepareIntake();
  StartIntake();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      testing::MakeMtlsChannel(intake_->api_port(), "staffs-police");
  ASSERT_TRUE(channel.ok()) << channel.status();

  common::v1::Referral big = Example("adult-victim.json");
  big.set_concerns(std::string(server::kMaxPartnerRequestBytes, 'a'));
  EXPECT_EQ(IntakeAs()->Submit("too-big", big).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // Groups (wire type 3) nested one deeper than the limit, at field 15.
  std::string nested;
  for (int i = 0; i <= server::kMaxRequestNesting; ++i) nested += '\x7b';
  for (int i = 0; i <= server::kMaxRequestNesting; ++i) nested += '\x7c';
  EXPECT_EQ(testing::RawUnaryCall(*channel, kSubmitMethod, nested).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_TRUE(intake_->running());
  EXPECT_TRUE(IntakeAs()->Submit("after-hostile", Example("adult-victim.json")).ok());
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM referrals"), 1);
}

}  // namespace
}  // namespace frontdoor::fault
