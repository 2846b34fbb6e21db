// Credentials, PeerUriSans and AuthenticateCaller over real mTLS on port 0.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/tls/agency_registry.h"
#include "common/tls/authenticate.h"
#include "common/tls/credentials.h"
#include "common/tls/staff_roles.h"
#include "frontdoor/testing/v1/whoami.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/testing/pki.h"
#include "tests/unit/tls/serve.h"
#include "tests/testing/whoami_service.h"

namespace frontdoor::tls {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using frontdoor::testing::v1::WhoAmI;
using frontdoor::testing::v1::WhoAmIRequest;
using frontdoor::testing::v1::WhoAmIResponse;

constexpr auto kCallTimeout = std::chrono::seconds(10);

// Answers WhoAmI with every auth context property as "name=value" in `roles`'
// place (identity carries PeerUriSans joined by ','), to pin down which
// property gRPC fills with the URI SANs.
class AuthContextDumpService final : public WhoAmI::CallbackService {
 public:
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const WhoAmIRequest* /*request*/,
                                   WhoAmIResponse* response) override {
    std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
    std::string properties;
    for (auto it = auth->begin(); it != auth->end(); ++it) {
      const grpc::AuthProperty property = *it;
      absl::StrAppend(&properties,
                      std::string(property.first.data(), property.first.size()),
                      "=",
                      std::string(property.second.data(),
                                  property.second.size()),
                      "\n");
    }
    response->set_actor(properties);
    for (const std::string& san : PeerUriSans(*auth)) {
      absl::StrAppend(response->mutable_identity(),
                      response->identity().empty() ? "" : ",", san);
    }
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class MtlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = std::make_unique<AgencyRegistry>(*std::move(registry));
    service_ = std::make_unique<testing::WhoAmIService>(*registry_);
    ServeOverMtls("intake-svc", *service_, &server_, &port_);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Calls WhoAmI presenting the certificate `cert_name` ("" for none) with
  // `actor` as kActorMetadataKey (nullptr: no metadata).
  grpc::Status CallWhoAmI(std::string_view cert_name, const char* actor,
                          WhoAmIResponse* response,
                          std::vector<std::string> staff_roles = {}) {
    auto channel = testing::MakeMtlsChannel(port_, cert_name);
    if (!channel.ok()) {
      return grpc::Status(grpc::StatusCode::INTERNAL,
                          std::string(channel.status().message()));
    }
    auto stub = WhoAmI::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    if (actor != nullptr) context.AddMetadata(kActorMetadataKey, actor);
    for (const std::string& role : staff_roles) {
      context.AddMetadata(kStaffRoleMetadataKey, role);
    }
    return stub->WhoAmI(&context, WhoAmIRequest(), response);
  }

  std::unique_ptr<AgencyRegistry> registry_;
  std::unique_ptr<testing::WhoAmIService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(MtlsTest, RegisteredAgencyIsAuthenticatedAsItsCaller) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("staffs-police", "pc-1234", &response);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  EXPECT_EQ(response.agency_id(), "staffs-police");
  EXPECT_EQ(response.identity(), "spiffe://frontdoor/agency/staffs-police");
  EXPECT_EQ(response.actor(), "pc-1234");
  EXPECT_THAT(response.roles(), ElementsAre(config::v1::ROLE_REFERRER,
                                            config::v1::ROLE_REPEAT_VIEWER));
}

TEST_F(MtlsTest, EachRegisteredAgencyGetsItsOwnRoles) {
  WhoAmIResponse response;
  grpc::Status status =
      CallWhoAmI("frontdoor-helpline", "helpline worker 7", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agency_id(), "frontdoor-helpline");
  EXPECT_THAT(response.roles(),
              ElementsAre(config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
                          config::v1::ROLE_REPEAT_VIEWER));

  status = CallWhoAmI("uhnm-health", "nurse", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agency_id(), "uhnm-health");
}

TEST_F(MtlsTest, ClientWithoutCertificateFailsTheHandshake) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("", "someone", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(MtlsTest, CertificateFromAnotherCaFailsTheHandshake) {
  WhoAmIResponse response;
  // rogue-agency claims spiffe://frontdoor/agency/staffs-police but is issued
  // by rogue-ca, which the server does not trust.
  grpc::Status status = CallWhoAmI("rogue-agency", "someone", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(MtlsTest, UnregisteredAgencyIsPermissionDeniedWithoutEcho) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("unregistered-agency", "someone", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "agency not registered");
}

TEST_F(MtlsTest, ServiceIdentityHasTheServiceRoleOnly) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("triage-svc", "triage-svc", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agency_id(), "triage-svc");
  EXPECT_EQ(response.identity(), "spiffe://frontdoor/svc/triage-svc");
  EXPECT_THAT(response.roles(), ElementsAre(config::v1::ROLE_SERVICE));
}

TEST_F(MtlsTest, TheConsoleActsWithTheRolesOfTheStaffRoleItNames) {
  WhoAmIResponse response;
  grpc::Status status =
      CallWhoAmI("web-svc", "staff-42", &response, {"practitioner"});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.agency_id(), "frontdoor-web");
  EXPECT_EQ(response.actor(), "staff-42");
  EXPECT_EQ(response.staff_role(), "practitioner");
  EXPECT_THAT(response.roles(),
              ElementsAre(config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
                          config::v1::ROLE_REPEAT_VIEWER));
  ASSERT_TRUE(CallWhoAmI("web-svc", "staff-7", &response, {"operator"}).ok());
  EXPECT_THAT(response.roles(), ElementsAre(config::v1::ROLE_OPERATOR,
                                            config::v1::ROLE_REPORT_VIEWER));
  // A commissioner's session sees reports only: no personal data.
  ASSERT_TRUE(
      CallWhoAmI("web-svc", "staff-9", &response, {"commissioner"}).ok());
  EXPECT_THAT(response.roles(), ElementsAre(config::v1::ROLE_REPORT_VIEWER));
  // Without a staff role, the web forms' role only, never ROLE_CONSOLE.
  ASSERT_TRUE(CallWhoAmI("web-svc", "web-svc", &response).ok());
  EXPECT_EQ(response.staff_role(), "");
  EXPECT_THAT(response.roles(), ElementsAre(config::v1::ROLE_WEB_FORM));
}

TEST_F(MtlsTest, AStaffRoleIsOnlyTheConsolesAndOnlyAKnownOne) {
  WhoAmIResponse response;
  for (const auto& [cert, roles] :
       std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"frontdoor-helpline", {"practitioner"}},
           {"web-svc", {"superuser"}},
           {"web-svc", {""}},
           {"web-svc", {"practitioner", "team_leader"}}}) {
    grpc::Status status = CallWhoAmI(cert, "someone", &response, roles);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << cert << " " << roles[0];
    EXPECT_THAT(status.error_message(), HasSubstr(kStaffRoleMetadataKey));
  }
}

TEST_F(MtlsTest, MissingActorIsInvalidArgumentNamingTheKey) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("staffs-police", nullptr, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              AllOf(HasSubstr(kActorMetadataKey), HasSubstr("missing")));
}

TEST_F(MtlsTest, EmptyActorIsInvalidArgument) {
  WhoAmIResponse response;
  grpc::Status status = CallWhoAmI("staffs-police", "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr(kActorMetadataKey));
}

TEST_F(MtlsTest, ActorLengthIsBounded) {
  WhoAmIResponse response;
  const std::string longest(kMaxActorBytes, 'a');
  EXPECT_TRUE(CallWhoAmI("staffs-police", longest.c_str(), &response).ok());
  EXPECT_EQ(response.actor(), longest);

  const std::string too_long(kMaxActorBytes + 1, 'a');
  grpc::Status status =
      CallWhoAmI("staffs-police", too_long.c_str(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr(kActorMetadataKey));
}

// gRPC clients refuse to send control characters in text metadata, so the
// check is exercised directly.
// A downstream pinned to identities: the server's certificate must come
// from the CA and carry one of them, whatever name the target uses.
grpc::Status CallPinned(int port, const std::vector<std::string>& identities) {
  config::v1::Downstream downstream;
  downstream.set_target(absl::StrCat("localhost:", port));
  for (const std::string& identity : identities) {
    downstream.add_expected_identities(identity);
  }
  auto channel =
      MakeDownstreamChannel(downstream, testing::PkiFiles("notify-svc"));
  if (!channel.ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        std::string(channel.status().message()));
  }
  auto stub = WhoAmI::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  context.AddMetadata(kActorMetadataKey, "relay");
  WhoAmIResponse response;
  return stub->WhoAmI(&context, WhoAmIRequest(), &response);
}

TEST_F(MtlsTest, DownstreamPinnedToTheServersIdentityConnects) {
  // The server presents intake-svc's certificate.
  grpc::Status status = CallPinned(
      port_, {"spiffe://frontdoor/agency/frontdoor-idva",
              "spiffe://frontdoor/svc/intake-svc"});
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(MtlsTest, DownstreamPinnedToAnotherIdentityIsRefusedInTheHandshake) {
  // A certificate from the right CA, for the right host, but another
  // identity: nothing is sent.
  grpc::Status status =
      CallPinned(port_, {"spiffe://frontdoor/agency/frontdoor-idva"});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST(PinnedDownstreamTest, IdentityFromAnotherCaIsRefused) {
  // A server whose certificate claims staffs-police's identity but was
  // issued by a CA the suite does not trust.
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  testing::WhoAmIService service(*registry);
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  ServeOverMtls("rogue-agency", service, &server, &port);
  EXPECT_EQ(CallPinned(port, {"spiffe://frontdoor/agency/staffs-police"})
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  server->Shutdown();
}

TEST(CredentialsTest, PinnedCredentialsNeedIdentitiesAndACertificate) {
  EXPECT_EQ(MakeChannelCredentialsForIdentities(testing::PkiFiles("notify-svc"),
                                                {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  config::v1::TlsFiles no_cert = testing::PkiFiles("notify-svc");
  no_cert.clear_cert_file();
  EXPECT_EQ(MakeChannelCredentialsForIdentities(
                no_cert, {"spiffe://frontdoor/svc/intake-svc"})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateActorTest, AcceptsPrintableAsciiOnly) {
  EXPECT_EQ(ValidateActor("pc 1234 (Stoke)").value(), "pc 1234 (Stoke)");
  for (std::string_view bad : {std::string_view("pc\t1234"),
                               std::string_view("pc\n1234"),
                               std::string_view("pc\x7f"),
                               std::string_view("Si\xc3\xa2n"),
                               std::string_view("a\0b", 3)}) {
    absl::StatusOr<std::string> actor = ValidateActor(bad);
    EXPECT_EQ(actor.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(actor.status().message(), HasSubstr(kActorMetadataKey));
  }
  EXPECT_EQ(ValidateActor("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Pins the gRPC 1.51 behaviour PeerUriSans relies on: "peer_uri" carries
// exactly the URI SANs, while "x509_subject_alternative_name" mixes all SAN
// types without telling them apart.
TEST(AuthContextTest, PeerUriCarriesExactlyTheUriSans) {
  AuthContextDumpService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  ServeOverMtls("intake-svc", service, &server, &port);

  // triage-svc's certificate has URI, DNS and IP SANs.
  auto channel = testing::MakeMtlsChannel(port, "triage-svc");
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto stub = WhoAmI::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  WhoAmIResponse response;
  grpc::Status status = stub->WhoAmI(&context, WhoAmIRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  server->Shutdown();

  EXPECT_EQ(response.identity(), "spiffe://frontdoor/svc/triage-svc");
  const std::string& properties = response.actor();
  EXPECT_THAT(properties, HasSubstr(absl::StrCat(
                              GRPC_PEER_URI_PROPERTY_NAME,
                              "=spiffe://frontdoor/svc/triage-svc\n")));
  EXPECT_THAT(properties, Not(HasSubstr(absl::StrCat(
                              GRPC_PEER_URI_PROPERTY_NAME, "=localhost"))));
  EXPECT_THAT(properties, HasSubstr(absl::StrCat(
                              GRPC_X509_SAN_PROPERTY_NAME, "=localhost\n")));
  EXPECT_THAT(properties,
              HasSubstr(absl::StrCat(GRPC_X509_SAN_PROPERTY_NAME,
                                     "=spiffe://frontdoor/svc/triage-svc\n")));
}

TEST(CredentialsTest, ServerCredentialsNameTheMissingFile) {
  config::v1::TlsFiles files = testing::PkiFiles("intake-svc");
  files.set_key_file("/nonexistent/intake-svc.key");
  auto credentials = MakeServerCredentials(files);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(credentials.status().message(),
              AllOf(HasSubstr("key_file"),
                    HasSubstr("/nonexistent/intake-svc.key")));
}

TEST(CredentialsTest, ServerCredentialsRequireEveryFile) {
  config::v1::TlsFiles files = testing::PkiFiles("intake-svc");
  files.clear_ca_file();
  auto credentials = MakeServerCredentials(files);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("ca_file"));
}

TEST(CredentialsTest, NonPemFileIsRejected) {
  config::v1::TlsFiles files = testing::PkiFiles("intake-svc");
  files.set_cert_file(testing::AgencyRegistryPath());
  auto credentials = MakeServerCredentials(files);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(credentials.status().message(), HasSubstr("not a PEM file"));
}

TEST(CredentialsTest, ChannelCredentialsNeedCertAndKeyTogether) {
  config::v1::TlsFiles files = testing::PkiFiles("staffs-police");
  files.clear_key_file();
  auto credentials = MakeChannelCredentials(files);
  EXPECT_EQ(credentials.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MakeChannelCredentials(testing::PkiFiles("staffs-police")).ok());
}


// The services' own bound on console staff: only team leaders override a
// tier or release a place; call handlers only key referrals; operators and
// commissioners touch no referral; callers that are not console staff are
// bounded by their service roles alone.
TEST(StaffMayTest, EachStaffRoleMayTakeOnlyItsActions) {
  auto caller = [](const std::string& staff_role) {
    Caller c;
    c.agency_id = "frontdoor-web";
    c.staff_role = staff_role;
    return c;
  };
  const std::vector<StaffAction> all = {
      StaffAction::kKeyReferral,   StaffAction::kReadReferral,
      StaffAction::kAssess,        StaffAction::kOverrideTier,
      StaffAction::kRecordPlacement, StaffAction::kReleasePlace};
  const std::map<std::string, std::set<StaffAction>> allowed = {
      {"call_handler", {StaffAction::kKeyReferral}},
      {"practitioner",
       {StaffAction::kKeyReferral, StaffAction::kReadReferral,
        StaffAction::kAssess, StaffAction::kRecordPlacement}},
      {"team_leader", {all.begin(), all.end()}},
      {"operator", {}},
      {"commissioner", {}},
      {"", {all.begin(), all.end()}},
      {"someone_else", {}},
  };
  for (const auto& [role, actions] : allowed) {
    for (StaffAction a : all) {
      const bool may = actions.count(a) > 0;
      EXPECT_EQ(StaffMay(caller(role), a), may)
          << role << " action " << static_cast<int>(a);
      const absl::Status s = CheckStaffMay(caller(role), a);
      EXPECT_EQ(s.code(), may ? absl::StatusCode::kOk
                              : absl::StatusCode::kPermissionDenied);
      if (!may) EXPECT_THAT(s.message(), HasSubstr("\"" + role + "\""));
    }
  }
}

}  // namespace
}  // namespace frontdoor::tls
