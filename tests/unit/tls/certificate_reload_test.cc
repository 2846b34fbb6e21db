// Server certificates renewed on disk reach new connections without a
// restart (FAULT-MATRIX row 19), over real mTLS on port 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "common/tls/certificate_facts.h"
#include "common/tls/credentials.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"
#include "grpc/grpc_security_constants.h"
#include "grpc/impl/codegen/grpc_types.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/pki.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/whoami_service.h"
#include "tests/unit/tls/serve.h"

namespace frontdoor::tls {
namespace {

namespace fs = std::filesystem;
using frontdoor::testing::v1::WhoAmI;
using frontdoor::testing::v1::WhoAmIRequest;
using frontdoor::testing::v1::WhoAmIResponse;

constexpr auto kCallTimeout = std::chrono::seconds(10);
// Small so that the test is quick; production uses
// kCertificateRefreshInterval.
constexpr absl::Duration kTestRefreshInterval = absl::Seconds(1);
// How long the renewed certificate may take to be served: several refresh
// intervals, for a loaded machine.
constexpr absl::Duration kReloadDeadline = absl::Seconds(30);
// Bound on the connections made while waiting (each is a full handshake).
constexpr int kMaxPolls = 20000;

// A directory laid out as the kubelet projects a Secret (which cert-manager
// renews): tls.crt, tls.key and ca.crt are symlinks through "..data", and a
// renewal writes a new version directory and swaps "..data" in one rename,
// so the certificate and key change together.
class ProjectedSecret {
 public:
  explicit ProjectedSecret(fs::path dir) : dir_(std::move(dir)) {}

  // Publishes dev-PKI certificate `name` (with the suite's CA).
  void Publish(std::string_view name) {
    const std::string base(name);
    const fs::path pki(testing::PkiDir());
    Publish(pki / (base + ".pem"), pki / (base + ".key"));
  }

  // Publishes the given certificate and key files (with the suite's CA).
  void Publish(const fs::path& cert, const fs::path& key) {
    const std::string version = absl::StrCat("..version-", ++generation_);
    fs::create_directory(dir_ / version);
    fs::copy_file(cert, dir_ / version / "tls.crt");
    fs::copy_file(key, dir_ / version / "tls.key");
    fs::copy_file(fs::path(testing::PkiDir()) / "ca.pem",
                  dir_ / version / "ca.crt");
    fs::create_directory_symlink(version, dir_ / "..data_tmp");
    fs::rename(dir_ / "..data_tmp", dir_ / "..data");  // atomic
    if (generation_ == 1) {
      for (const char* file : {"tls.crt", "tls.key", "ca.crt"}) {
        fs::create_symlink(fs::path("..data") / file, dir_ / file);
      }
    }
  }

  config::v1::TlsFiles Files() const {
    config::v1::TlsFiles files;
    files.set_cert_file((dir_ / "tls.crt").string());
    files.set_key_file((dir_ / "tls.key").string());
    files.set_ca_file((dir_ / "ca.crt").string());
    return files;
  }

  const fs::path& dir() const { return dir_; }

 private:
  const fs::path dir_;
  int generation_ = 0;
};

// A channel presenting staffs-police's certificate that never shares a
// connection with another channel: each one makes its own handshake.
std::shared_ptr<grpc::Channel> NewConnection(int port,
                                             std::string_view client_cert) {
  auto credentials = MakeChannelCredentials(testing::PkiFiles(client_cert));
  EXPECT_TRUE(credentials.ok()) << credentials.status();
  if (!credentials.ok()) return nullptr;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("localhost:", port),
                                   *credentials, args);
}

struct CallResult {
  grpc::Status status;
  std::string server_common_name;  // of the certificate the server presented
};

CallResult CallWhoAmI(grpc::Channel& channel) {
  auto stub = WhoAmI::NewStub(std::shared_ptr<grpc::Channel>(
      &channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  context.AddMetadata(kActorMetadataKey, "pc-1234");
  WhoAmIResponse response;
  CallResult result;
  result.status = stub->WhoAmI(&context, WhoAmIRequest(), &response);
  if (std::shared_ptr<const grpc::AuthContext> auth = context.auth_context()) {
    for (const grpc::string_ref& cn :
         auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
      result.server_common_name.assign(cn.data(), cn.size());
    }
  }
  return result;
}

class CertificateReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = std::make_unique<ProjectedSecret>(
        testing::FreshTestDir("cert-reload"));
    secret_->Publish("intake-svc");
    auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::make_unique<AgencyRegistry>(*std::move(registry));
    service_ = std::make_unique<testing::WhoAmIService>(*registry_);
    auto credentials =
        MakeServerCredentials(secret_->Files(), kTestRefreshInterval);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Makes new connections until one sees a server certificate with common
  // name `want`, or kReloadDeadline passes. Every call must succeed.
  // Returns the common name last seen.
  std::string PollUntilServerIs(std::string_view want) {
    const absl::Time deadline = absl::Now() + kReloadDeadline;
    std::string seen;
    for (int poll = 0; poll < kMaxPolls && absl::Now() < deadline; ++poll) {
      std::shared_ptr<grpc::Channel> channel =
          NewConnection(port_, "staffs-police");
      if (channel == nullptr) break;
      CallResult result = CallWhoAmI(*channel);
      EXPECT_TRUE(result.status.ok())
          << "call " << poll << " failed: " << result.status.error_code()
          << " " << result.status.error_message();
      if (!result.status.ok()) break;
      seen = result.server_common_name;
      if (seen == want) break;
    }
    return seen;
  }

  std::unique_ptr<ProjectedSecret> secret_;
  std::unique_ptr<AgencyRegistry> registry_;
  std::unique_ptr<testing::WhoAmIService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(CertificateReloadTest, RenewedCertificateReachesNewConnections) {
  std::shared_ptr<grpc::Channel> before = NewConnection(port_, "staffs-police");
  ASSERT_NE(before, nullptr);
  CallResult first = CallWhoAmI(*before);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  ASSERT_EQ(first.server_common_name, "intake-svc");

  secret_->Publish("intake-svc-renewed");

  EXPECT_EQ(PollUntilServerIs("intake-svc-renewed"), "intake-svc-renewed");
  // The connection made before the renewal goes on working.
  CallResult again = CallWhoAmI(*before);
  EXPECT_TRUE(again.status.ok()) << again.status.error_message();
}

// Renewals under load: callers on long-lived connections and callers making
// a new connection for every call keep going while the certificate is
// renewed three times; not one call fails, and new connections see each
// renewal.
TEST_F(CertificateReloadTest, RenewalsUnderLoadFailNoCall) {
  constexpr int kLoaders = 4;
  constexpr int kMaxCallsPerLoader = 5000;
  std::atomic<bool> stop{false};
  std::atomic<int> calls{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> loaders;
  for (int i = 0; i < kLoaders; ++i) {
    loaders.emplace_back([&, fresh = i % 2 == 0] {
      std::shared_ptr<grpc::Channel> kept = NewConnection(port_, "staffs-police");
      for (int n = 0; n < kMaxCallsPerLoader && !stop.load(); ++n) {
        std::shared_ptr<grpc::Channel> channel =
            fresh ? NewConnection(port_, "staffs-police") : kept;
        if (channel == nullptr || !CallWhoAmI(*channel).status.ok()) {
          failures.fetch_add(1);
        }
        calls.fetch_add(1);
      }
    });
  }
  for (const char* name :
       {"intake-svc-renewed", "intake-svc", "intake-svc-renewed"}) {
    secret_->Publish(name);
    EXPECT_EQ(PollUntilServerIs(name), name);
  }
  stop.store(true);
  for (std::thread& t : loaders) t.join();
  EXPECT_GT(calls.load(), kLoaders);
  EXPECT_EQ(failures.load(), 0) << "of " << calls.load() << " calls";
}

TEST_F(CertificateReloadTest, ClientCertificatesAreStillRequiredAfterReload) {
  secret_->Publish("intake-svc-renewed");
  ASSERT_EQ(PollUntilServerIs("intake-svc-renewed"), "intake-svc-renewed");

  std::shared_ptr<grpc::Channel> anonymous = NewConnection(port_, "");
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(CallWhoAmI(*anonymous).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  std::shared_ptr<grpc::Channel> rogue = NewConnection(port_, "rogue-agency");
  ASSERT_NE(rogue, nullptr);
  EXPECT_EQ(CallWhoAmI(*rogue).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// gRPC 1.51's file watcher hands whatever it reads to the TLS stack, so a
// renewal that is not a certificate makes new handshakes fail (loudly, in
// the log) while existing connections go on; the next good renewal repairs
// it without a restart. Pinned here so that a change is noticed.
TEST_F(CertificateReloadTest, BrokenRenewalIsRepairedByTheNextGoodOne) {
  std::shared_ptr<grpc::Channel> before = NewConnection(port_, "staffs-police");
  ASSERT_NE(before, nullptr);
  ASSERT_TRUE(CallWhoAmI(*before).status.ok());

  const fs::path garbage = secret_->dir() / "garbage.pem";
  {
    std::ofstream out(garbage);
    out << "not a certificate\n";
  }
  secret_->Publish(garbage, garbage);
  bool refused = false;
  const absl::Time deadline = absl::Now() + kReloadDeadline;
  for (int poll = 0; poll < kMaxPolls && absl::Now() < deadline && !refused;
       ++poll) {
    std::shared_ptr<grpc::Channel> channel =
        NewConnection(port_, "staffs-police");
    ASSERT_NE(channel, nullptr);
    refused = CallWhoAmI(*channel).status.error_code() ==
              grpc::StatusCode::UNAVAILABLE;
  }
  ASSERT_TRUE(refused);
  CallResult existing = CallWhoAmI(*before);
  EXPECT_TRUE(existing.status.ok()) << existing.status.error_message();

  secret_->Publish("intake-svc-renewed");
  std::string seen;
  const absl::Time repaired_by = absl::Now() + kReloadDeadline;
  for (int poll = 0; poll < kMaxPolls && absl::Now() < repaired_by &&
                     seen != "intake-svc-renewed";
       ++poll) {
    std::shared_ptr<grpc::Channel> channel =
        NewConnection(port_, "staffs-police");
    ASSERT_NE(channel, nullptr);
    CallResult result = CallWhoAmI(*channel);
    if (result.status.ok()) seen = result.server_common_name;
  }
  EXPECT_EQ(seen, "intake-svc-renewed");
}

// Whether a TLS handshake offering at most `max_version` (with
// staffs-police's certificate) completes against 127.0.0.1:`port`.
bool HandshakeCompletes(int port, int max_version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return false;
  SSL_CTX_set_security_level(ctx, 0);  // let the client offer old versions
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  const config::v1::TlsFiles files = testing::PkiFiles("staffs-police");
  SSL_CTX_use_certificate_file(ctx, files.cert_file().c_str(),
                               SSL_FILETYPE_PEM);
  SSL_CTX_use_PrivateKey_file(ctx, files.key_file().c_str(), SSL_FILETYPE_PEM);
  bool completed = false;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&address),
                         sizeof(address)) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>("\x02h2"),
                        3);
    completed = SSL_connect(ssl) == 1;
    SSL_free(ssl);
  }
  if (fd >= 0) close(fd);
  SSL_CTX_free(ctx);
  return completed;
}

TEST_F(CertificateReloadTest, TlsBelowOnePointTwoIsRefused) {
  EXPECT_TRUE(HandshakeCompletes(port_, TLS1_2_VERSION));
  EXPECT_FALSE(HandshakeCompletes(port_, TLS1_1_VERSION));
  EXPECT_FALSE(HandshakeCompletes(port_, TLS1_VERSION));
}

TEST(CertificateRefreshTest, IntervalBelowOneSecondIsRejected) {
  auto credentials = MakeServerCredentials(testing::PkiFiles("intake-svc"),
                                           absl::Milliseconds(500));
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeServerCredentials(testing::PkiFiles("intake-svc")).ok());
}

// --- Client certificates (the relays' and push channels') ---------------

// How old a connection gets on the server of the client reload test, so
// that the client's one channel reconnects (as kMaxConnectionAge makes it
// do in production) and presents what it read last.
constexpr int kShortConnectionAgeMs = 300;
constexpr int kShortConnectionAgeGraceMs = 100;
constexpr absl::Duration kPollPause = absl::Milliseconds(20);

class ClientCertificateReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir("client-cert-reload");
    secret_ = std::make_unique<ProjectedSecret>(dir_ / "secret");
    std::filesystem::create_directory(secret_->dir());
    secret_->Publish("staffs-police");
    auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::make_unique<AgencyRegistry>(*std::move(registry));
    service_ = std::make_unique<testing::WhoAmIService>(*registry_);
    auto credentials = MakeServerCredentials(testing::PkiFiles("notify-svc"));
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               kShortConnectionAgeMs);
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               kShortConnectionAgeGraceMs);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    fs::remove_all(dir_);
  }

  // The serial the server saw on a call over `channel` ("" on failure).
  static std::string SerialSeen(grpc::Channel& channel) {
    auto stub = WhoAmI::NewStub(std::shared_ptr<grpc::Channel>(
        &channel, [](grpc::Channel*) {}));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    context.set_wait_for_ready(true);  // across the reconnections
    context.AddMetadata(kActorMetadataKey, "relay");
    WhoAmIResponse response;
    grpc::Status status = stub->WhoAmI(&context, WhoAmIRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " "
                             << status.error_message();
    return response.peer_certificate_serial();
  }

  fs::path dir_;
  std::unique_ptr<ProjectedSecret> secret_;
  std::unique_ptr<AgencyRegistry> registry_;
  std::unique_ptr<testing::WhoAmIService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ClientCertificateReloadTest,
       RenewedClientCertificateReachesTheDownstreamOnANewConnection) {
  // One channel, made once, as a relay's hop holds it.
  config::v1::Downstream downstream;
  downstream.set_target(absl::StrCat("localhost:", port_));
  auto channel =
      MakeDownstreamChannel(downstream, secret_->Files(), kTestRefreshInterval);
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto original = ReadCertificateFile(
      (fs::path(testing::PkiDir()) / "staffs-police.pem").string());
  ASSERT_TRUE(original.ok()) << original.status();
  ASSERT_EQ(SerialSeen(**channel), original->serial_hex);

  const absl::Time now = absl::Now();
  auto renewed = testing::IssueCertificate(
      dir_, "staffs-police-renewed", "spiffe://frontdoor/agency/staffs-police",
      now - absl::Hours(1), now + absl::Hours(24 * 90));
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  auto renewed_facts = ReadCertificateFile(renewed->cert_file());
  ASSERT_TRUE(renewed_facts.ok()) << renewed_facts.status();
  ASSERT_NE(renewed_facts->serial_hex, original->serial_hex);
  secret_->Publish(renewed->cert_file(), renewed->key_file());

  std::string seen;
  const absl::Time deadline = absl::Now() + kReloadDeadline;
  for (int poll = 0; poll < kMaxPolls && absl::Now() < deadline &&
                     seen != renewed_facts->serial_hex;
       ++poll) {
    seen = SerialSeen(**channel);
    if (seen.empty()) break;  // a failed call: reported above
    if (seen != renewed_facts->serial_hex) absl::SleepFor(kPollPause);
  }
  EXPECT_EQ(seen, renewed_facts->serial_hex);
}

// --- Expired certificates (FAULT-MATRIX row 16) ------------------------

TEST(ExpiredCertificateTest, ExpiredClientCertificateFailsTheHandshake) {
  const fs::path dir = testing::FreshTestDir("expired-cert");
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  testing::WhoAmIService service(*registry);
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  ServeOverMtls("intake-svc", service, &server, &port);

  // Issued by the suite's CA for a registered agency, but expired yesterday.
  const absl::Time now = absl::Now();
  auto expired = testing::IssueCertificate(
      dir, "staffs-police-expired", "spiffe://frontdoor/agency/staffs-police",
      now - absl::Hours(24 * 30), now - absl::Hours(24));
  ASSERT_TRUE(expired.ok()) << expired.status();
  auto credentials = MakeChannelCredentials(*expired);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  auto channel = grpc::CreateChannel(absl::StrCat("localhost:", port),
                                     *credentials);
  CallResult result = CallWhoAmI(*channel);
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << result.status.error_message();
  EXPECT_EQ(service.calls(), 0);  // the handler never ran

  server->Shutdown();
  fs::remove_all(dir);
}

TEST(CertificateFactsTest, ReadsTheSerialAndTheEndOfValidity) {
  const fs::path dir = testing::FreshTestDir("cert-facts");
  const absl::Time not_after =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) + 86400 * 10);
  auto issued = testing::IssueCertificate(
      dir, "ten-days", "spiffe://frontdoor/agency/staffs-police",
      not_after - absl::Hours(24 * 20), not_after);
  ASSERT_TRUE(issued.ok()) << issued.status();
  auto facts = ReadCertificateFile(issued->cert_file());
  ASSERT_TRUE(facts.ok()) << facts.status();
  EXPECT_EQ(facts->not_after, not_after);
  EXPECT_FALSE(facts->serial_hex.empty());
  EXPECT_EQ(facts->serial_hex.find_first_not_of("0123456789abcdef"),
            std::string::npos);
  EXPECT_EQ(ParseCertificatePem("not a certificate").status().code(),
            absl::StatusCode::kInvalidArgument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace frontdoor::tls
