#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/metrics/grpc_server_metrics.h"
#include "common/metrics/metrics_server.h"
#include "common/metrics/process_collector.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"
#include "tests/testing/whoami_service.h"

namespace frontdoor::metrics {
namespace {

using ::testing::HasSubstr;
using frontdoor::testing::FindSample;
using frontdoor::testing::HttpGet;
using frontdoor::testing::v1::WhoAmI;
using frontdoor::testing::v1::WhoAmIRequest;
using frontdoor::testing::v1::WhoAmIResponse;

std::optional<double> Gauge(const std::vector<prometheus::MetricFamily>& all,
                            const std::string& name) {
  for (const auto& family : all) {
    if (family.name != name || family.metric.empty()) continue;
    return family.type == prometheus::MetricType::Counter
               ? family.metric[0].counter.value
               : family.metric[0].gauge.value;
  }
  return std::nullopt;
}

TEST(ProcessCollectorTest, ReportsPlausibleProcessMetrics) {
  ProcessCollector collector;
  const auto families = collector.Collect();

  std::optional<double> cpu = Gauge(families, "process_cpu_seconds_total");
  ASSERT_TRUE(cpu.has_value());
  EXPECT_GE(*cpu, 0.0);
  EXPECT_LT(*cpu, 3600.0);

  std::optional<double> rss = Gauge(families, "process_resident_memory_bytes");
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1024.0 * 1024.0);  // a gtest binary is over 1 MiB resident
  EXPECT_LT(*rss, 4.0 * 1024 * 1024 * 1024);

  std::optional<double> start = Gauge(families, "process_start_time_seconds");
  ASSERT_TRUE(start.has_value());
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 3600);

  for (const auto& family : families) {
    if (family.name == "process_cpu_seconds_total") {
      EXPECT_EQ(family.type, prometheus::MetricType::Counter);
    } else {
      EXPECT_EQ(family.type, prometheus::MetricType::Gauge) << family.name;
    }
  }
}

TEST(ProcessCollectorTest, OpenFdsFollowsOpenAndClose) {
  ProcessCollector collector;
  std::optional<double> before = Gauge(collector.Collect(), "process_open_fds");
  ASSERT_TRUE(before.has_value());
  EXPECT_GE(*before, 3.0);  // stdin, stdout, stderr
  const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::optional<double> during = Gauge(collector.Collect(), "process_open_fds");
  close(fd);
  ASSERT_TRUE(during.has_value());
  EXPECT_EQ(*during, *before + 1);
}

TEST(MetricsServerTest, ServesRegistryAndProcessMetricsOnPortZero) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("frontdoor_test_events_total")
      .Help("test")
      .Register(*registry)
      .Add({})
      .Increment(7);
  auto server = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.status();
  ASSERT_GT((*server)->port(), 0);

  auto response = HttpGet((*server)->port(), "/metrics");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status_code, 200);
  EXPECT_EQ(FindSample(response->body, "frontdoor_test_events_total"), 7.0);
  EXPECT_THAT(response->body, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  std::optional<double> fds = FindSample(response->body, "process_open_fds");
  ASSERT_TRUE(fds.has_value());
  EXPECT_GE(*fds, 3.0);
  std::optional<double> rss =
      FindSample(response->body, "process_resident_memory_bytes");
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 1024.0 * 1024.0);
}

TEST(MetricsServerTest, ServesOnlyMetricsAndClosesItsPortWhenDestroyed) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto server = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  auto other = HttpGet(port, "/");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->status_code, 404);
  server->reset();
  EXPECT_FALSE(HttpGet(port, "/metrics").ok());
}

TEST(MetricsServerTest, AnAddressWithoutAPortIsRefusedNamingIt) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto server = MetricsServer::Start("localhost:metrics", registry);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("localhost:metrics"));
}

TEST(MetricsServerTest, BusyPortIsAnErrorNamingTheAddress) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto first = MetricsServer::Start("127.0.0.1:0", registry);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = MetricsServer::Start(address, registry);
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(address));
}

// The interceptor on a real mTLS server, scraped over HTTP.
class InterceptorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = tls::AgencyRegistry::LoadFromFile(
        testing::AgencyRegistryPath());
    ASSERT_TRUE(registry.ok()) << registry.status();
    agencies_ = std::make_unique<tls::AgencyRegistry>(*std::move(registry));
    service_ = std::make_unique<testing::WhoAmIService>(*agencies_);

    metrics_registry_ = std::make_shared<prometheus::Registry>();
    auto credentials = tls::MakeServerCredentials(testing::PkiFiles("intake-svc"));
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(service_.get());
    std::vector<std::unique_ptr<
        grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<ServerMetricsInterceptorFactory>(metrics_registry_));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);

    auto metrics = MetricsServer::Start("127.0.0.1:0", metrics_registry_);
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_server_ = *std::move(metrics);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  grpc::Status Call(std::string_view cert, int fail_with_code = 0) {
    auto channel = testing::MakeMtlsChannel(port_, cert);
    EXPECT_TRUE(channel.ok());
    auto stub = WhoAmI::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata(tls::kActorMetadataKey, "tester");
    WhoAmIRequest request;
    request.set_fail_with_code(fail_with_code);
    WhoAmIResponse response;
    return stub->WhoAmI(&context, request, &response);
  }

  std::string Scrape() {
    auto response = HttpGet(metrics_server_->port(), "/metrics");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->body : "";
  }

  std::unique_ptr<tls::AgencyRegistry> agencies_;
  std::unique_ptr<testing::WhoAmIService> service_;
  std::shared_ptr<prometheus::Registry> metrics_registry_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsServer> metrics_server_;
  int port_ = 0;
};

constexpr char kWhoAmILabels[] =
    R"(grpc_method="WhoAmI",grpc_service="frontdoor.testing.v1.WhoAmI",)"
    R"(grpc_type="unary")";

TEST_F(InterceptorTest, RecordsStartedHandledByCodeAndLatency) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Call("staffs-police").ok());
  EXPECT_EQ(Call("staffs-police", grpc::StatusCode::INVALID_ARGUMENT)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Call("unregistered-agency").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::string body = Scrape();
  EXPECT_EQ(FindSample(body, absl::StrCat("grpc_server_started_total{",
                                          kWhoAmILabels, "}")),
            5.0)
      << body;
  EXPECT_EQ(FindSample(body, absl::StrCat(
                                 R"(grpc_server_handled_total{grpc_code="OK",)",
                                 kWhoAmILabels, "}")),
            3.0);
  EXPECT_EQ(FindSample(body, absl::StrCat(R"(grpc_server_handled_total{)"
                                          R"(grpc_code="INVALID_ARGUMENT",)",
                                          kWhoAmILabels, "}")),
            1.0);
  EXPECT_EQ(FindSample(body, absl::StrCat(R"(grpc_server_handled_total{)"
                                          R"(grpc_code="PERMISSION_DENIED",)",
                                          kWhoAmILabels, "}")),
            1.0);
  // Codes that did not occur are not exported.
  EXPECT_EQ(FindSample(body, absl::StrCat(R"(grpc_server_handled_total{)"
                                          R"(grpc_code="INTERNAL",)",
                                          kWhoAmILabels, "}")),
            std::nullopt);
  EXPECT_EQ(FindSample(body, absl::StrCat("grpc_server_handling_seconds_count{",
                                          kWhoAmILabels, "}")),
            5.0);
  // go-grpc-prometheus buckets, the last finite one being 10 s.
  EXPECT_EQ(FindSample(body, absl::StrCat("grpc_server_handling_seconds_bucket{",
                                          kWhoAmILabels, R"(,le="10"})")),
            5.0);
  EXPECT_TRUE(FindSample(body, absl::StrCat("grpc_server_handling_seconds_bucket{",
                                           kWhoAmILabels, R"(,le="0.005"})"))
                  .has_value());
  std::optional<double> sum = FindSample(
      body, absl::StrCat("grpc_server_handling_seconds_sum{", kWhoAmILabels, "}"));
  ASSERT_TRUE(sum.has_value());
  EXPECT_GT(*sum, 0.0);
  EXPECT_LT(*sum, 10.0);
}

TEST_F(InterceptorTest, HandshakeFailuresAreNotCalls) {
  EXPECT_EQ(Call("rogue-agency").error_code(), grpc::StatusCode::UNAVAILABLE);
  const std::string body = Scrape();
  EXPECT_EQ(FindSample(body, absl::StrCat("grpc_server_started_total{",
                                          kWhoAmILabels, "}")),
            std::nullopt);
}

}  // namespace
}  // namespace frontdoor::metrics
