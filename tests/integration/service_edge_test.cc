// The edge every service shares, tested on triage-svc, allocation-svc and
// notify-svc each (intake-svc's is in intake_service_test): each started
// alone, in process, on port 0, over real mTLS with the development PKI and a
// real store.
//  - An agency removed from the registry file is refused PERMISSION_DENIED on
//    its next call, without a restart (and a removed agency's open
//    notification stream ends PERMISSION_DENIED).
//  - An agency over its rate limit is refused RESOURCE_EXHAUSTED with
//    google.rpc.RetryInfo while another agency is served.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "allocation-svc/allocation_server.h"
#include "common/clock/clock.h"
#include "common/tls/agency_registry.h"
#include "common/tls/certificate_facts.h"
#include "common/tls/credentials.h"
#include "common/tls/reloading_agency_registry.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr char kPolice[] = "staffs-police";
constexpr char kHealth[] = "uhnm-health";
constexpr char kHelpline[] = "frontdoor-helpline";  // staff
constexpr char kPoliceHub[] = "staffs-police-hub";  // a recipient
// A second staff desk, given ROLE_STAFF in the test's registry, so that the
// staff-only methods have another agency to serve.
constexpr char kSecondDesk[] = "uhnm-health";
// Longest a test waits for a stream to open or to end.
constexpr absl::Duration kStreamEndDeadline = absl::Seconds(30);
// Pause between looks at the metrics, and a bound on their number.
constexpr absl::Duration kPollPause = absl::Milliseconds(20);
constexpr int kMaxPolls = 1500;

// The server types' common shape: Start(config, clock), api_port(),
// metrics_port(), Shutdown(grace).
template <typename Server, typename Config>
class EdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("edge");
    auto registry =
        tls::AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
    ASSERT_TRUE(registry.ok()) << registry.status();
    agencies_ = registry->proto();
    for (config::v1::Agency& agency : *agencies_.mutable_agencies()) {
      if (agency.id() == kSecondDesk) agency.add_roles(config::v1::ROLE_STAFF);
    }
    WriteRegistry();
  }

  void TearDown() override {
    if (server_) EXPECT_TRUE(server_->Shutdown(absl::Seconds(5)).ok());
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Starts the server with `config`, reading the test's registry file.
  void Start(Config config) {
    config.set_agency_registry_file(RegistryFile().string());
    auto server = Server::Start(config, clock_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::filesystem::path RegistryFile() const { return dir_ / "agencies.json"; }

  // Replaces the registry file atomically, as the kubelet swaps a ConfigMap.
  void WriteRegistry() {
    std::string json;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(agencies_, &json).ok());
    const std::filesystem::path staged = RegistryFile().string() + ".new";
    std::ofstream(staged, std::ios::trunc) << json;
    std::filesystem::rename(staged, RegistryFile());
  }

  // Removes `id` from the registry file and lets the server's poll interval
  // pass, so that its next call looks at the file.
  void RemoveAgency(std::string_view id) {
    auto* list = agencies_.mutable_agencies();
    for (int i = 0; i < list->size(); ++i) {
      if (list->Get(i).id() == id) {
        list->DeleteSubrange(i, 1);
        break;
      }
    }
    WriteRegistry();
    clock_.Advance(tls::kAgencyRegistryPollInterval);
  }

  // Gives `agency` its own read limit in `config` (the others keep the
  // suite configs' unreachable ones).
  static void LimitReads(Config& config, std::string_view agency,
                         double per_second, int burst) {
    config::v1::AgencyRateLimit* limits =
        config.mutable_server()->mutable_rate_limits()->add_agencies();
    limits->set_agency_id(std::string(agency));
    limits->mutable_reads()->set_per_second(per_second);
    limits->mutable_reads()->set_burst(burst);
  }

  std::shared_ptr<grpc::Channel> Channel(std::string_view cert) {
    auto channel = testing::MakeMtlsChannel(server_->api_port(), cert);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

  // The refusal carries exactly one detail, a RetryInfo of `delay`.
  static void ExpectRetryInfo(const grpc::Status& refused,
                              absl::Duration delay) {
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.error_message();
    google::rpc::Status details;
    ASSERT_TRUE(details.ParseFromString(refused.error_details()));
    ASSERT_EQ(details.details_size(), 1);
    google::rpc::RetryInfo retry;
    ASSERT_TRUE(details.details(0).UnpackTo(&retry));
    EXPECT_EQ(absl::Seconds(retry.retry_delay().seconds()) +
                  absl::Nanoseconds(retry.retry_delay().nanos()),
              delay);
  }

  std::filesystem::path dir_;
  config::v1::AgencyRegistry agencies_;
  FakeClock clock_{kStart};
  std::unique_ptr<Server> server_;
};

// --- triage-svc -----------------------------------------------------------

class TriageEdgeTest
    : public EdgeTest<triage::TriageServer, config::v1::TriageConfig> {
 protected:
  grpc::Status ListQueue(std::string_view cert) {
    auto stub = triage::v1::TriageService::NewStub(Channel(cert));
    grpc::ClientContext context;
    testing::PrepareCall(context);
    triage::v1::ListQueueResponse response;
    return stub->ListQueue(&context, triage::v1::ListQueueRequest(), &response);
  }
};

TEST_F(TriageEdgeTest, AgencyRemovedFromTheRegistryIsRefusedWithoutRestart) {
  Start(testing::TriageConfigIn(dir_));
  ASSERT_TRUE(ListQueue(kHelpline).ok());

  RemoveAgency(kHelpline);

  EXPECT_EQ(ListQueue(kHelpline).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(ListQueue(kSecondDesk).ok());
}

TEST_F(TriageEdgeTest, AnAgencyOverItsLimitIsRefusedWithRetryInfoOthersServed) {
  config::v1::TriageConfig config = testing::TriageConfigIn(dir_);
  LimitReads(config, kHelpline, 4, 2);
  Start(config);

  ASSERT_TRUE(ListQueue(kHelpline).ok());
  ASSERT_TRUE(ListQueue(kHelpline).ok());
  ExpectRetryInfo(ListQueue(kHelpline), absl::Milliseconds(250));
  EXPECT_TRUE(ListQueue(kSecondDesk).ok());

  clock_.Advance(absl::Milliseconds(250));
  EXPECT_TRUE(ListQueue(kHelpline).ok());
}

// --- allocation-svc -------------------------------------------------------

class AllocationEdgeTest : public EdgeTest<allocation::AllocationServer,
                                           config::v1::AllocationConfig> {
 protected:
  grpc::Status ListProgrammes(std::string_view cert) {
    return ListProgrammes(Channel(cert));
  }
  grpc::Status ListProgrammes(std::shared_ptr<grpc::Channel> channel) {
    auto stub = allocation::v1::AllocationService::NewStub(channel);
    grpc::ClientContext context;
    testing::PrepareCall(context);
    allocation::v1::ListProgrammesResponse response;
    return stub->ListProgrammes(
        &context, allocation::v1::ListProgrammesRequest(), &response);
  }
};

TEST_F(AllocationEdgeTest,
       AgencyRemovedFromTheRegistryIsRefusedWithoutRestart) {
  Start(testing::AllocationConfigIn(dir_));
  ASSERT_TRUE(ListProgrammes(kHelpline).ok());

  RemoveAgency(kHelpline);

  EXPECT_EQ(ListProgrammes(kHelpline).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(ListProgrammes(kSecondDesk).ok());
}

TEST_F(AllocationEdgeTest,
       AnAgencyOverItsLimitIsRefusedWithRetryInfoOthersServed) {
  config::v1::AllocationConfig config = testing::AllocationConfigIn(dir_);
  LimitReads(config, kHelpline, 2, 3);
  Start(config);

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ListProgrammes(kHelpline).ok());
  ExpectRetryInfo(ListProgrammes(kHelpline), absl::Milliseconds(500));
  EXPECT_TRUE(ListProgrammes(kSecondDesk).ok());

  clock_.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(ListProgrammes(kHelpline).ok());
}

// Seconds until the calling partner's certificate expires, by agency, and
// the service's own, for the certificate alerts (every service exports them
// from its RunningService; tested here on allocation-svc).
TEST_F(AllocationEdgeTest, CertificateExpiryIsExportedForRegisteredAgencies) {
  Start(testing::AllocationConfigIn(dir_));
  constexpr absl::Duration kLeft = absl::Hours(24 * 10);
  // Whole seconds, as a certificate holds them.
  const absl::Time not_after =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + kLeft));
  auto expiring = testing::IssueCertificate(
      dir_, "helpline-expiring", "spiffe://frontdoor/agency/frontdoor-helpline",
      not_after - absl::Hours(24 * 80), not_after);
  ASSERT_TRUE(expiring.ok()) << expiring.status();
  auto credentials = tls::MakeChannelCredentials(*expiring);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  ASSERT_TRUE(
      ListProgrammes(
          grpc::CreateChannel(absl::StrCat("localhost:", server_->api_port()),
                              *credentials))
          .ok());

  const std::string series =
      "frontdoor_peer_certificate_expiry_seconds{agency=\"frontdoor-"
      "helpline\"}";
  auto scrape = testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  std::optional<double> left = testing::FindSample(scrape->body, series);
  ASSERT_TRUE(left.has_value()) << scrape->body;
  EXPECT_LE(*left, absl::ToDoubleSeconds(kLeft));
  EXPECT_GT(*left, absl::ToDoubleSeconds(kLeft - absl::Minutes(5)));

  auto own =
      tls::ReadCertificateFile(testing::PkiFiles("allocation-svc").cert_file());
  ASSERT_TRUE(own.ok()) << own.status();
  std::optional<double> own_left =
      testing::FindSample(scrape->body, "frontdoor_certificate_expiry_seconds");
  ASSERT_TRUE(own_left.has_value()) << scrape->body;
  EXPECT_NEAR(*own_left, absl::ToDoubleSeconds(own->not_after - absl::Now()),
              300);

  // An agency removed from the registry is no longer exported.
  RemoveAgency(kHelpline);
  scrape = testing::HttpGet(server_->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  EXPECT_EQ(testing::FindSample(scrape->body, series), std::nullopt);
}

// --- notify-svc -----------------------------------------------------------

class NotifyEdgeTest
    : public EdgeTest<notify::NotifyServer, config::v1::NotifyConfig> {
 protected:
  config::v1::NotifyConfig Config() {
    config::v1::NotifyConfig config = testing::NotifyConfigIn(dir_);
    config.set_rules_file(testing::ConfigFile("notify-rules.json"));
    return config;
  }

  // Updates of a reference nobody submitted: NOT_FOUND when served.
  grpc::Status ListUpdates(std::string_view cert) {
    auto stub = notify::v1::NotifyService::NewStub(Channel(cert));
    grpc::ClientContext context;
    testing::PrepareCall(context);
    notify::v1::ListUpdatesRequest request;
    request.set_reference("FD-0000000000AA");
    notify::v1::ListUpdatesResponse response;
    return stub->ListUpdates(&context, request, &response);
  }
};

TEST_F(NotifyEdgeTest, AgencyRemovedFromTheRegistryIsRefusedWithoutRestart) {
  Start(Config());
  ASSERT_EQ(ListUpdates(kPolice).error_code(), grpc::StatusCode::NOT_FOUND);

  RemoveAgency(kPolice);

  EXPECT_EQ(ListUpdates(kPolice).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListUpdates(kHealth).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotifyEdgeTest, ARemovedAgencysOpenStreamEndsPermissionDenied) {
  Start(Config());
  auto stub = notify::v1::NotifyService::NewStub(Channel(kPoliceHub));
  grpc::ClientContext context;
  testing::PrepareCall(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + kStreamEndDeadline));
  std::unique_ptr<grpc::ClientReader<notify::v1::Delivery>> stream =
      stub->Subscribe(&context, notify::v1::SubscribeRequest());
  // Waits until the server holds the stream open (nothing to deliver yet).
  const absl::Time open_by = absl::Now() + kStreamEndDeadline;
  std::optional<double> open;
  for (int poll = 0; poll < kMaxPolls && absl::Now() < open_by; ++poll) {
    auto scrape = testing::HttpGet(server_->metrics_port(), "/metrics");
    ASSERT_TRUE(scrape.ok()) << scrape.status();
    open = testing::FindSample(
        scrape->body,
        absl::StrCat("frontdoor_notify_open_subscriptions{recipient=\"",
                     kPoliceHub, "\"}"));
    if (open == 1.0) break;
    absl::SleepFor(kPollPause);
  }
  ASSERT_EQ(open, 1.0);

  RemoveAgency(kPoliceHub);

  // Nothing is delivered; the stream ends at the hub's next poll.
  notify::v1::Delivery delivery;
  EXPECT_FALSE(stream->Read(&delivery));
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << ended.error_message();
}

TEST_F(NotifyEdgeTest, AnAgencyOverItsLimitIsRefusedWithRetryInfoOthersServed) {
  config::v1::NotifyConfig config = Config();
  LimitReads(config, kPolice, 1, 2);
  Start(config);

  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(ListUpdates(kPolice).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  ExpectRetryInfo(ListUpdates(kPolice), absl::Seconds(1));
  EXPECT_EQ(ListUpdates(kHealth).error_code(), grpc::StatusCode::NOT_FOUND);

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(ListUpdates(kPolice).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace frontdoor
