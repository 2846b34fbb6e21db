#include "common/tls/agency_registry.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/pki.h"

namespace frontdoor::tls {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Writes `contents` to a fresh file under the test temp dir; returns its path.
std::string WriteTempFile(const std::string& name, const std::string& contents) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::trunc) << contents;
  return path;
}

TEST(AgencyRegistryTest, LoadsTheRepositoryRegistry) {
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  // Eight referring agencies (two of them also recipients), five more
  // recipient agencies, the helpline, operations and the suite's four
  // services.
  EXPECT_EQ(registry->proto().agencies_size(), 20);

  const config::v1::Agency* police =
      registry->FindByIdentity("spiffe://frontdoor/agency/staffs-police");
  ASSERT_NE(police, nullptr);
  EXPECT_EQ(police->id(), "staffs-police");
  EXPECT_THAT(police->roles(), ElementsAre(config::v1::ROLE_REFERRER,
                                           config::v1::ROLE_REPEAT_VIEWER));

  const config::v1::Agency* helpline =
      registry->FindByIdentity("spiffe://frontdoor/agency/frontdoor-helpline");
  ASSERT_NE(helpline, nullptr);
  EXPECT_THAT(helpline->roles(),
              ElementsAre(config::v1::ROLE_REFERRER, config::v1::ROLE_STAFF,
                          config::v1::ROLE_REPEAT_VIEWER));
  const config::v1::Agency* health =
      registry->FindByIdentity("spiffe://frontdoor/agency/uhnm-health");
  ASSERT_NE(health, nullptr);
  EXPECT_THAT(health->roles(), ElementsAre(config::v1::ROLE_REFERRER));
  // Children's social care both refers and receives safeguarding alerts.
  const config::v1::Agency* csc = registry->FindByIdentity(
      "spiffe://frontdoor/agency/staffs-childrens-social-care");
  ASSERT_NE(csc, nullptr);
  EXPECT_THAT(csc->roles(), ElementsAre(config::v1::ROLE_REFERRER,
                                        config::v1::ROLE_RECIPIENT));
  const config::v1::Agency* hub =
      registry->FindByIdentity("spiffe://frontdoor/agency/staffs-police-hub");
  ASSERT_NE(hub, nullptr);
  EXPECT_THAT(hub->roles(), ElementsAre(config::v1::ROLE_RECIPIENT));
  const config::v1::Agency* operations = registry->FindByIdentity(
      "spiffe://frontdoor/agency/frontdoor-operations");
  ASSERT_NE(operations, nullptr);
  EXPECT_THAT(operations->roles(), ElementsAre(config::v1::ROLE_OPERATOR,
                                              config::v1::ROLE_REPORT_VIEWER));
  // Probation refers (behaviour change above all) and, as a criminal justice
  // agency managing the risk of people who harm, may know of repeats.
  const config::v1::Agency* probation = registry->FindByIdentity(
      "spiffe://frontdoor/agency/staffs-probation");
  ASSERT_NE(probation, nullptr);
  EXPECT_THAT(probation->roles(), ElementsAre(config::v1::ROLE_REFERRER,
                                              config::v1::ROLE_REPEAT_VIEWER));
  // Schools, GP practices and housing providers refer only.
  for (const char* id :
       {"oakfield-academy", "hillside-medical-practice", "moorlands-housing"}) {
    const config::v1::Agency* agency = registry->FindByIdentity(
        absl::StrCat("spiffe://frontdoor/agency/", id));
    ASSERT_NE(agency, nullptr) << id;
    EXPECT_THAT(agency->roles(), ElementsAre(config::v1::ROLE_REFERRER)) << id;
  }
}

TEST(AgencyRegistryTest, FindsAgenciesById) {
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  for (const config::v1::Agency& agency : registry->proto().agencies()) {
    EXPECT_EQ(registry->FindById(agency.id()), &agency) << agency.id();
  }
  EXPECT_EQ(registry->FindById("unregistered-agency"), nullptr);
  EXPECT_EQ(registry->FindById("spiffe://frontdoor/agency/staffs-police"),
            nullptr);
  EXPECT_EQ(registry->FindById(""), nullptr);
}

TEST(AgencyRegistryTest, UnknownIdentityIsNotFound) {
  auto registry = AgencyRegistry::LoadFromFile(testing::AgencyRegistryPath());
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_EQ(registry->FindByIdentity(
                "spiffe://frontdoor/agency/unregistered-agency"),
            nullptr);
  EXPECT_EQ(registry->FindByIdentity("staffs-police"), nullptr);
  EXPECT_EQ(registry->FindByIdentity(""), nullptr);
}

TEST(AgencyRegistryTest, MissingFileIsNamed) {
  auto registry = AgencyRegistry::LoadFromFile("/nonexistent/agencies.json");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(registry.status().message(),
              HasSubstr("/nonexistent/agencies.json"));
}

TEST(AgencyRegistryTest, UnknownFieldIsRejectedAndNamed) {
  const std::string path = WriteTempFile(
      "unknown_field.json",
      R"({"agencies":[{"id":"a","identities":["spiffe://x/a"],)"
      R"("roles":["ROLE_REFERRER"],"colour":"blue"}]})");
  auto registry = AgencyRegistry::LoadFromFile(path);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(),
              AllOf(HasSubstr(path), HasSubstr("colour")));
}

TEST(AgencyRegistryTest, MalformedJsonIsRejected) {
  const std::string path = WriteTempFile("malformed.json", R"({"agencies":[)");
  auto registry = AgencyRegistry::LoadFromFile(path);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr(path));
}

TEST(AgencyRegistryTest, UnknownRoleNameIsRejected) {
  const std::string path = WriteTempFile(
      "unknown_role.json",
      R"({"agencies":[{"id":"a","identities":["spiffe://x/a"],)"
      R"("roles":["ROLE_ADMIN"]}]})");
  auto registry = AgencyRegistry::LoadFromFile(path);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr(path));
}

TEST(AgencyRegistryTest, DuplicateIdIsRejectedAndNamed) {
  const std::string path = WriteTempFile(
      "duplicate_id.json",
      R"({"agencies":[)"
      R"({"id":"a","identities":["spiffe://x/a1"],"roles":["ROLE_REFERRER"]},)"
      R"({"id":"a","identities":["spiffe://x/a2"],"roles":["ROLE_REFERRER"]}]})");
  auto registry = AgencyRegistry::LoadFromFile(path);
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(),
              AllOf(HasSubstr(path), HasSubstr("agencies[1]"),
                    HasSubstr("duplicate id \"a\"")));
}

TEST(AgencyRegistryTest, IdentitySharedBetweenAgenciesIsRejected) {
  config::v1::AgencyRegistry proto;
  for (const char* id : {"a", "b"}) {
    config::v1::Agency* agency = proto.add_agencies();
    agency->set_id(id);
    agency->add_identities("spiffe://x/shared");
    agency->add_roles(config::v1::ROLE_REFERRER);
  }
  auto registry = AgencyRegistry::FromProto(proto, "test");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(),
              AllOf(HasSubstr("spiffe://x/shared"), HasSubstr("\"a\"")));
}

TEST(AgencyRegistryTest, EmptyIdIsRejected) {
  config::v1::AgencyRegistry proto;
  config::v1::Agency* agency = proto.add_agencies();
  agency->add_identities("spiffe://x/a");
  agency->add_roles(config::v1::ROLE_REFERRER);
  auto registry = AgencyRegistry::FromProto(proto, "test");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr("empty id"));
}

TEST(AgencyRegistryTest, AgencyWithoutRolesIsRejected) {
  config::v1::AgencyRegistry proto;
  config::v1::Agency* agency = proto.add_agencies();
  agency->set_id("a");
  agency->add_identities("spiffe://x/a");
  auto registry = AgencyRegistry::FromProto(proto, "test");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr("no roles"));
}

TEST(AgencyRegistryTest, UnspecifiedRoleIsRejected) {
  config::v1::AgencyRegistry proto;
  config::v1::Agency* agency = proto.add_agencies();
  agency->set_id("a");
  agency->add_identities("spiffe://x/a");
  agency->add_roles(config::v1::ROLE_UNSPECIFIED);
  auto registry = AgencyRegistry::FromProto(proto, "test");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr("ROLE_UNSPECIFIED"));
}

TEST(AgencyRegistryTest, AgencyWithoutIdentitiesIsRejected) {
  config::v1::AgencyRegistry proto;
  config::v1::Agency* agency = proto.add_agencies();
  agency->set_id("a");
  agency->add_roles(config::v1::ROLE_REFERRER);
  auto registry = AgencyRegistry::FromProto(proto, "test");
  EXPECT_EQ(registry.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(registry.status().message(), HasSubstr("no identities"));
}

}  // namespace
}  // namespace frontdoor::tls
