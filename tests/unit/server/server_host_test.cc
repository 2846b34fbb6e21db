#include "common/server/server_host.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/server/server_options.h"
#include "common/server/service_main.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/faulty_vfs.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/whoami_service.h"

namespace frontdoor::server {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using frontdoor::testing::FindSample;
using frontdoor::testing::v1::WhoAmI;
using frontdoor::testing::v1::WhoAmIRequest;
using frontdoor::testing::v1::WhoAmIResponse;

constexpr char kWhoAmIService[] = "frontdoor.testing.v1.WhoAmI";
constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";
constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
constexpr auto kCallTimeout = std::chrono::seconds(10);

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + kCallTimeout;
}

// grpc.health.v1 has no installed C++ stubs; the messages are encoded by hand.
// HealthCheckRequest{service = 1}; HealthCheckResponse{status = 1} with
// SERVING = 1, NOT_SERVING = 2.
std::string EncodeHealthCheckRequest(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    bytes.push_back(0x0a);
    bytes.push_back(static_cast<char>(service.size()));
    bytes += service;
  }
  return bytes;
}

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

enum class Health { kServing, kNotServing, kOther };

struct HealthResult {
  grpc::Status status;
  Health health = Health::kOther;
};

// Unary grpc.health.v1.Health/Check through a generic stub.
HealthResult CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  grpc::CompletionQueue cq;
  grpc::ByteBuffer response;
  HealthResult result;
  auto call = stub.PrepareUnaryCall(&context, kHealthCheckMethod,
                                    ToByteBuffer(EncodeHealthCheckRequest(service)),
                                    &cq);
  call->StartCall();
  call->Finish(&response, &result.status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  const std::string bytes = FromByteBuffer(response);
  if (result.status.ok() && bytes.size() == 2 && bytes[0] == 0x08) {
    result.health = bytes[1] == 1   ? Health::kServing
                    : bytes[1] == 2 ? Health::kNotServing
                                    : Health::kOther;
  }
  return result;
}

// Server reflection ListServices through a generic bidi stream; returns the
// raw ServerReflectionResponse bytes (service names appear verbatim).
grpc::Status ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel, std::string* response_bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  grpc::CompletionQueue cq;
  void* tag = nullptr;
  bool ok = false;
  auto next = [&] { return cq.Next(&tag, &ok) && ok; };
  auto call = stub.PrepareCall(&context, kReflectionMethod, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  bool started = next();
  // ServerReflectionRequest{list_services = 7: "*"}.
  const std::string request("\x3a\x01*", 3);
  grpc::ByteBuffer response;
  if (started) {
    call->Write(ToByteBuffer(request), reinterpret_cast<void*>(2));
    if (next()) {
      call->WritesDone(reinterpret_cast<void*>(3));
      next();
      call->Read(&response, reinterpret_cast<void*>(4));
      if (next()) *response_bytes = FromByteBuffer(response);
    }
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

class ServerHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto agencies = tls::AgencyRegistry::LoadFromFile(
        testing::AgencyRegistryPath());
    ASSERT_TRUE(agencies.ok()) << agencies.status();
    agencies_ = std::make_unique<tls::AgencyRegistry>(*std::move(agencies));
    service_ = std::make_unique<testing::WhoAmIService>(*agencies_);
  }

  ServerParts Parts() {
    ServerParts parts;
    parts.config.set_api_address("127.0.0.1:0");
    parts.config.set_health_address("127.0.0.1:0");
    parts.config.set_metrics_address("127.0.0.1:0");
    *parts.config.mutable_tls() = testing::PkiFiles("intake-svc");
    parts.services = {service_.get()};
    parts.registry = std::make_shared<prometheus::Registry>();
    return parts;
  }

  std::unique_ptr<ServerHost> StartHost() {
    auto host = ServerHost::Start(Parts());
    EXPECT_TRUE(host.ok()) << host.status();
    return host.ok() ? *std::move(host) : nullptr;
  }

  grpc::Status CallWhoAmI(const std::shared_ptr<grpc::Channel>& channel) {
    auto stub = WhoAmI::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    context.AddMetadata(tls::kActorMetadataKey, "tester");
    WhoAmIResponse response;
    return stub->WhoAmI(&context, WhoAmIRequest(), &response);
  }

  std::shared_ptr<grpc::Channel> Mtls(int port) {
    auto channel = testing::MakeMtlsChannel(port, "staffs-police");
    EXPECT_TRUE(channel.ok()) << channel.status();
    return *channel;
  }

  std::unique_ptr<tls::AgencyRegistry> agencies_;
  std::unique_ptr<testing::WhoAmIService> service_;
};

TEST_F(ServerHostTest, StartsThreeDistinctPortsOnPortZero) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  EXPECT_GT(host->api_port(), 0);
  EXPECT_GT(host->health_port(), 0);
  EXPECT_GT(host->metrics_port(), 0);
  EXPECT_NE(host->api_port(), host->health_port());
  EXPECT_NE(host->api_port(), host->metrics_port());
  EXPECT_NE(host->health_port(), host->metrics_port());
}

TEST_F(ServerHostTest, ApiPortServesTheServicesOverMtlsOnly) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  EXPECT_TRUE(CallWhoAmI(Mtls(host->api_port())).ok());
  EXPECT_EQ(CallWhoAmI(testing::MakeInsecureChannel(host->api_port()))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  auto no_cert = testing::MakeMtlsChannel(host->api_port(), "");
  ASSERT_TRUE(no_cert.ok());
  EXPECT_EQ(CallWhoAmI(*no_cert).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerHostTest, PlaintextHealthPortMirrorsServingStatus) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  auto health_channel = testing::MakeInsecureChannel(host->health_port());
  auto api_channel = Mtls(host->api_port());
  for (const std::string service : {"", kWhoAmIService}) {
    HealthResult result = CheckHealth(health_channel, service);
    ASSERT_TRUE(result.status.ok()) << service << result.status.error_message();
    EXPECT_EQ(result.health, Health::kServing) << service;
    EXPECT_EQ(CheckHealth(api_channel, service).health, Health::kServing);
  }

  host->SetServing(false);
  for (const std::string service : {"", kWhoAmIService}) {
    EXPECT_EQ(CheckHealth(health_channel, service).health, Health::kNotServing)
        << service;
    EXPECT_EQ(CheckHealth(api_channel, service).health, Health::kNotServing)
        << service;
  }

  host->SetServing(true);
  EXPECT_EQ(CheckHealth(health_channel, "").health, Health::kServing);
  // Unknown service names are NOT_FOUND, as grpc.health.v1 specifies.
  EXPECT_EQ(CheckHealth(health_channel, "no.such.Service").status.error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerHostTest, HealthPortServesOnlyHealth) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  auto health_channel = testing::MakeInsecureChannel(host->health_port());
  EXPECT_EQ(CallWhoAmI(health_channel).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  std::string ignored;
  EXPECT_EQ(ListServicesByReflection(health_channel, &ignored).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerHostTest, ReflectionListsTheServicesOnTheApiPort) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  std::string response;
  grpc::Status status =
      ListServicesByReflection(Mtls(host->api_port()), &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << status.error_message();
  EXPECT_THAT(response, AllOf(HasSubstr(kWhoAmIService),
                              HasSubstr("grpc.health.v1.Health")));
}

TEST_F(ServerHostTest, MetricsPortExportsGrpcAndProcessMetrics) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  auto api_channel = Mtls(host->api_port());
  ASSERT_TRUE(CallWhoAmI(api_channel).ok());
  ASSERT_TRUE(CallWhoAmI(api_channel).ok());
  ASSERT_TRUE(CheckHealth(api_channel, "").status.ok());

  auto scrape = testing::HttpGet(host->metrics_port(), "/metrics");
  ASSERT_TRUE(scrape.ok()) << scrape.status();
  ASSERT_EQ(scrape->status_code, 200);
  const std::string& body = scrape->body;
  EXPECT_EQ(FindSample(body,
                       R"(grpc_server_handled_total{grpc_code="OK",)"
                       R"(grpc_method="WhoAmI",)"
                       R"(grpc_service="frontdoor.testing.v1.WhoAmI",)"
                       R"(grpc_type="unary"})"),
            2.0)
      << body;
  EXPECT_EQ(FindSample(body,
                       R"(grpc_server_handled_total{grpc_code="OK",)"
                       R"(grpc_method="Check",grpc_service="grpc.health.v1.Health",)"
                       R"(grpc_type="unary"})"),
            1.0);
  EXPECT_EQ(FindSample(body,
                       R"(grpc_server_handling_seconds_count{)"
                       R"(grpc_method="WhoAmI",)"
                       R"(grpc_service="frontdoor.testing.v1.WhoAmI",)"
                       R"(grpc_type="unary"})"),
            2.0);
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_open_fds", "process_start_time_seconds"}) {
    std::optional<double> value = FindSample(body, name);
    ASSERT_TRUE(value.has_value()) << name;
    EXPECT_GE(*value, 0.0) << name;
  }
}

// Readiness follows the store: a full disk turns the plaintext health port
// NOT_SERVING until a write commits again; committed rows stay intact.
TEST_F(ServerHostTest, HealthFollowsTheStoreThroughADiskFull) {
  testing::RegisterFaultyVfs();
  testing::SetDiskFull(false);
  const std::filesystem::path dir = testing::FreshTestDir("health-store");
  store::SqliteOptions options;
  options.path = (dir / "health.db").string();
  options.vfs = testing::kFaultyVfsName;
  // Only the test's writes change the store's health.
  options.health_probe_interval = absl::Hours(1);
  auto opened = store::OpenSqliteStore(
      options, {{"health/001", "CREATE TABLE t (id INTEGER PRIMARY KEY);"}});
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<store::Store> store = *std::move(opened);
  const auto insert = [&](int64_t id) {
    return store->WriteSync([id](store::Tx& tx) {
      return tx.Exec("INSERT INTO t (id) VALUES ($1)", {id}).status();
    });
  };
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  FollowStoreHealth(*store, *host);
  auto health = testing::MakeInsecureChannel(host->health_port());
  const StoreHealthCollector gauge(*store);
  const auto healthy_gauge = [&gauge]() -> double {
    const std::vector<prometheus::MetricFamily> families = gauge.Collect();
    if (families.size() != 1 || families[0].metric.size() != 1 ||
        families[0].name != "frontdoor_store_healthy") {
      ADD_FAILURE() << "frontdoor_store_healthy not collected";
      return -1;
    }
    return families[0].metric[0].gauge.value;
  };

  ASSERT_TRUE(insert(1).ok());
  EXPECT_EQ(CheckHealth(health, "").health, Health::kServing);
  EXPECT_EQ(healthy_gauge(), 1);

  testing::SetDiskFull(true);
  EXPECT_EQ(insert(2).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CheckHealth(health, "").health, Health::kNotServing);
  EXPECT_EQ(CheckHealth(health, kWhoAmIService).health, Health::kNotServing);
  // Not ready, but alive: a restart would not give the disk room.
  EXPECT_EQ(CheckHealth(health, kLivenessService).health, Health::kServing);
  EXPECT_EQ(insert(3).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CheckHealth(health, "").health, Health::kNotServing);
  EXPECT_EQ(healthy_gauge(), 0);

  testing::SetDiskFull(false);
  ASSERT_TRUE(insert(4).ok());
  EXPECT_EQ(CheckHealth(health, "").health, Health::kServing);
  EXPECT_EQ(CheckHealth(health, kWhoAmIService).health, Health::kServing);
  EXPECT_EQ(healthy_gauge(), 1);

  std::string integrity;
  int64_t rows = -1;
  ASSERT_TRUE(store
                  ->Read([&](store::Tx& tx) {
                    auto check = tx.Query("PRAGMA integrity_check");
                    if (!check.ok()) return check.status();
                    integrity = (*check)[0].Text(0);
                    auto count = tx.Query("SELECT count(*) FROM t");
                    if (!count.ok()) return count.status();
                    rows = (*count)[0].Int(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(integrity, "ok");
  EXPECT_EQ(rows, 2);

  // After Shutdown the store no longer moves readiness back up.
  ASSERT_TRUE(host->Shutdown(absl::ZeroDuration()).ok());
  store->SetHealthListener(nullptr);
  store->Close();
  std::filesystem::remove_all(dir);
}

TEST_F(ServerHostTest, ShutdownReportsNotServingAndStopsTheApi) {
  auto host = StartHost();
  ASSERT_NE(host, nullptr);
  const int api_port = host->api_port();
  ASSERT_TRUE(CallWhoAmI(Mtls(api_port)).ok());

  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(host->Shutdown(absl::Seconds(5)).ok());
  // Nothing is in flight, so shutdown does not wait for the deadline.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(CallWhoAmI(Mtls(api_port)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(host->Shutdown(absl::Seconds(5)).ok());  // idempotent
  host->SetServing(true);                              // ignored
}

TEST_F(ServerHostTest, MissingAddressIsNamed) {
  ServerParts parts = Parts();
  parts.config.clear_health_address();
  auto host = ServerHost::Start(std::move(parts));
  EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(host.status().message(), HasSubstr("health_address"));
}

TEST_F(ServerHostTest, MissingCertificateNamesTheStepAndFile) {
  ServerParts parts = Parts();
  parts.config.mutable_tls()->set_cert_file("/nonexistent/intake-svc.pem");
  auto host = ServerHost::Start(std::move(parts));
  EXPECT_FALSE(host.ok());
  EXPECT_THAT(host.status().message(),
              AllOf(HasSubstr("TLS credentials"),
                    HasSubstr("/nonexistent/intake-svc.pem")));
}

TEST_F(ServerHostTest, BusyApiPortNamesTheStep) {
  auto first = StartHost();
  ASSERT_NE(first, nullptr);
  ServerParts parts = Parts();
  const std::string address = absl::StrCat("127.0.0.1:", first->api_port());
  parts.config.set_api_address(address);
  testing::WhoAmIService second_service(*agencies_);
  parts.services = {&second_service};
  auto second = ServerHost::Start(std::move(parts));
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(),
              HasSubstr(absl::StrCat("binding API port ", address)));
}

// A WhoAmI request of about `bytes`, padded with an unknown field. The
// service refuses the field (INVALID_ARGUMENT) once the transport has taken
// the message; a message over the limit never gets that far
// (RESOURCE_EXHAUSTED).
WhoAmIRequest RequestOfSize(int bytes) {
  WhoAmIRequest request;
  request.GetReflection()->MutableUnknownFields(&request)->AddLengthDelimited(
      99, std::string(bytes, 'x'));
  return request;
}

// Every API port takes a hop's message (a referral as large as intake
// accepts plus its envelope); a partner-facing port asks for less.
TEST_F(ServerHostTest, ApiPortsTakeAHopsMessagePartnerPortsLess) {
  constexpr int kSlack = 1024;
  constexpr grpc::StatusCode kTaken = grpc::StatusCode::INVALID_ARGUMENT;
  auto call = [&](const ServerHost& host, int bytes) {
    auto stub = WhoAmI::NewStub(Mtls(host.api_port()));
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    WhoAmIResponse response;
    return stub->WhoAmI(&context, RequestOfSize(bytes), &response)
        .error_code();
  };
  auto hop = StartHost();
  ASSERT_NE(hop, nullptr);
  EXPECT_EQ(call(*hop, kMaxPartnerRequestBytes + kSlack), kTaken);
  EXPECT_EQ(call(*hop, kMaxHopMessageBytes - kSlack), kTaken);
  EXPECT_EQ(call(*hop, kMaxHopMessageBytes + kSlack),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  hop.reset();

  ServerParts parts = Parts();
  parts.max_receive_message_bytes = kMaxPartnerRequestBytes;
  auto partner = ServerHost::Start(std::move(parts));
  ASSERT_TRUE(partner.ok()) << partner.status();
  EXPECT_EQ(call(**partner, kMaxPartnerRequestBytes - kSlack),
            kTaken);
  EXPECT_EQ(call(**partner, kMaxPartnerRequestBytes + kSlack),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(ServerOptionsTest, LimitsAreConsistent) {
  EXPECT_GE(kMaxReceiveMessageBytes, 1024 * 1024);
  EXPECT_GT(kKeepaliveTime, kKeepaliveTimeout);
  EXPECT_GE(kKeepaliveTime, kMinPingInterval);
  EXPECT_GT(kMaxConnectionAge, kMaxConnectionAgeGrace);
  EXPECT_GT(kMaxConcurrentStreams, 0);
}

}  // namespace
}  // namespace frontdoor::server
