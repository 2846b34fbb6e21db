// The agency registry reloaded from its file on change: a removed agency or
// a changed role takes effect within the poll interval, a broken file leaves
// the previous registry in force (FAULT-MATRIX row 18).
#include "common/tls/reloading_agency_registry.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/pki.h"
#include "tests/testing/temp_dir.h"
#include "tests/unit/tls/serve.h"

namespace frontdoor::tls {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPolice[] = "spiffe://frontdoor/agency/staffs-police";
constexpr absl::Duration kPoll = absl::Seconds(10);

config::v1::AgencyRegistry RepositoryRegistry() {
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  EXPECT_TRUE(registry.ok()) << registry.status();
  return registry.ok() ? registry->proto() : config::v1::AgencyRegistry();
}

// Replaces `path` atomically with `contents` (write aside, rename).
void Replace(const fs::path& path, const std::string& contents) {
  const fs::path staged = path.string() + ".new";
  std::ofstream(staged, std::ios::trunc) << contents;
  fs::rename(staged, path);
}

void Replace(const fs::path& path, const config::v1::AgencyRegistry& proto) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(proto, &json).ok());
  Replace(path, json);
}

// `proto` without the agency `id`.
config::v1::AgencyRegistry Without(config::v1::AgencyRegistry proto,
                                   const std::string& id) {
  auto* agencies = proto.mutable_agencies();
  for (int i = 0; i < agencies->size(); ++i) {
    if (agencies->Get(i).id() == id) {
      agencies->DeleteSubrange(i, 1);
      break;
    }
  }
  return proto;
}

class ReloadingAgencyRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = testing::FreshTestDir("registry") / "agencies.json";
    Replace(path_, RepositoryRegistry());
    auto registry = ReloadingAgencyRegistry::Open(path_, clock_, kPoll);
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    ASSERT_NE(registry_->Current()->FindByIdentity(kPolice), nullptr);
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  fs::path path_;
  std::unique_ptr<ReloadingAgencyRegistry> registry_;
};

TEST_F(ReloadingAgencyRegistryTest, RemovedAgencyIsGoneAfterThePollInterval) {
  std::shared_ptr<const AgencyRegistry> held = registry_->Current();
  Replace(path_, Without(RepositoryRegistry(), "staffs-police"));

  clock_.Advance(kPoll - absl::Seconds(1));
  EXPECT_NE(registry_->Current()->FindByIdentity(kPolice), nullptr);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(registry_->Current()->FindByIdentity(kPolice), nullptr);
  EXPECT_NE(registry_->Current()->FindById("uhnm-health"), nullptr);
  // A snapshot taken before stays whole for whoever holds it.
  EXPECT_NE(held->FindByIdentity(kPolice), nullptr);
}

TEST_F(ReloadingAgencyRegistryTest, ChangedRoleTakesEffect) {
  config::v1::AgencyRegistry proto = RepositoryRegistry();
  for (config::v1::Agency& agency : *proto.mutable_agencies()) {
    if (agency.id() == "staffs-police") {
      agency.clear_roles();
      agency.add_roles(config::v1::ROLE_REFERRER);
    }
  }
  Replace(path_, proto);
  EXPECT_TRUE(registry_->Refresh().ok());
  EXPECT_THAT(registry_->Current()->FindByIdentity(kPolice)->roles(),
              ElementsAre(config::v1::ROLE_REFERRER));
}

TEST_F(ReloadingAgencyRegistryTest, InPlaceRewriteIsNoticed) {
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(
                  Without(RepositoryRegistry(), "staffs-police"), &json)
                  .ok());
  std::ofstream(path_, std::ios::trunc) << json;
  EXPECT_TRUE(registry_->Refresh().ok());
  EXPECT_EQ(registry_->Current()->FindByIdentity(kPolice), nullptr);
}

TEST_F(ReloadingAgencyRegistryTest, BrokenFileKeepsThePreviousAndLogs) {
  testing::ScopedCapturedLog log;
  Replace(path_, "{\"agencies\": [ {\"id\": ");
  clock_.Advance(kPoll);
  EXPECT_NE(registry_->Current()->FindByIdentity(kPolice), nullptr);
  EXPECT_THAT(log.text(), HasSubstr("agency_registry.reload_failed"));
  EXPECT_THAT(log.text(), HasSubstr("\"level\":\"error\""));

  // An invalid registry (an agency without roles) is refused the same way.
  config::v1::AgencyRegistry invalid = RepositoryRegistry();
  invalid.mutable_agencies(0)->clear_roles();
  Replace(path_, invalid);
  EXPECT_FALSE(registry_->Refresh().ok());
  EXPECT_NE(registry_->Current()->FindByIdentity(kPolice), nullptr);

  // Once fixed, the fixed file is loaded.
  Replace(path_, Without(RepositoryRegistry(), "staffs-police"));
  EXPECT_TRUE(registry_->Refresh().ok());
  EXPECT_EQ(registry_->Current()->FindByIdentity(kPolice), nullptr);
}

TEST_F(ReloadingAgencyRegistryTest, MissingFileKeepsThePrevious) {
  fs::remove(path_);
  EXPECT_FALSE(registry_->Refresh().ok());
  EXPECT_NE(registry_->Current()->FindByIdentity(kPolice), nullptr);
}

TEST(ReloadingAgencyRegistryOpenTest, BrokenFileFailsStartUpNamingIt) {
  const fs::path path = testing::FreshTestDir("registry") / "agencies.json";
  Replace(path, "not json");
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  auto registry = ReloadingAgencyRegistry::Open(path, clock);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr(path.string()));
  EXPECT_EQ(ReloadingAgencyRegistry::Open(testing::AgencyRegistryPath(), clock,
                                          absl::ZeroDuration())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

// Answers WhoAmI with the caller authenticated against the registry in
// force at the call.
class ReloadingWhoAmIService final
    : public frontdoor::testing::v1::WhoAmI::CallbackService {
 public:
  explicit ReloadingWhoAmIService(ReloadingAgencyRegistry& registry)
      : registry_(registry) {}

  grpc::ServerUnaryReactor* WhoAmI(
      grpc::CallbackServerContext* context,
      const frontdoor::testing::v1::WhoAmIRequest* /*request*/,
      frontdoor::testing::v1::WhoAmIResponse* response) override {
    auto* reactor = context->DefaultReactor();
    absl::StatusOr<Caller> caller = AuthenticateCaller(*context, registry_);
    if (!caller.ok()) {
      reactor->Finish(grpc::Status(
          static_cast<grpc::StatusCode>(caller.status().code()),
          std::string(caller.status().message())));
      return reactor;
    }
    response->set_agency_id(caller->agency_id);
    for (config::v1::Role role : caller->roles) response->add_roles(role);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  ReloadingAgencyRegistry& registry_;
};

TEST_F(ReloadingAgencyRegistryTest,
       RemovedAgencyIsPermissionDeniedOnItsNextCallOverMtls) {
  ReloadingWhoAmIService service(*registry_);
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  ServeOverMtls("intake-svc", service, &server, &port);
  auto channel = testing::MakeMtlsChannel(port, "staffs-police");
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = frontdoor::testing::v1::WhoAmI::NewStub(*channel);
  auto call = [&stub](frontdoor::testing::v1::WhoAmIResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata(kActorMetadataKey, "pc-1234");
    return stub->WhoAmI(&context, frontdoor::testing::v1::WhoAmIRequest(),
                        response);
  };

  frontdoor::testing::v1::WhoAmIResponse response;
  grpc::Status status = call(&response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agency_id(), "staffs-police");

  // Revoked in the file; the same connection's next call is refused once
  // the poll interval has passed, with no restart.
  Replace(path_, Without(RepositoryRegistry(), "staffs-police"));
  clock_.Advance(kPoll);
  status = call(&response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "agency not registered");
  server->Shutdown();
}

}  // namespace
}  // namespace frontdoor::tls
