// Server certificates renewed on disk reach new connections without a
// restart (FAULT-MATRIX row 19), over real mTLS on port 0.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/pki.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/whoami_service.h"

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

}  // namespace
}  // namespace frontdoor::tls
