#include "notify-svc/recipients.h"

#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/config.h"
#include "common/status/errors.h"

namespace frontdoor::notify {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

config::v1::NotifyRules ShippedProto() {
  auto p = config::LoadJsonFile<config::v1::NotifyRules>(
      std::string(FRONTDOOR_SOURCE_DIR) + "/config/notify-rules.json");
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : config::v1::NotifyRules();
}

Recipients Shipped() {
  auto r = Recipients::FromProto(ShippedProto());
  EXPECT_TRUE(r.ok()) << r.status();
  return *std::move(r);
}

TEST(RecipientsTest, EachKindItsAgencies) {
  const Recipients r = Shipped();
  EXPECT_THAT(r.For(v1::RECIPIENT_KIND_MARAC_HUB, "staffs-police", "stafford"),
              ElementsAre(Target{"staffs-police-hub",
                                 v1::RECIPIENT_KIND_MARAC_HUB}));
  EXPECT_THAT(
      r.For(v1::RECIPIENT_KIND_IDVA_SERVICE, "staffs-police", "stafford"),
      ElementsAre(Target{"frontdoor-idva", v1::RECIPIENT_KIND_IDVA_SERVICE}));
  EXPECT_THAT(
      r.For(v1::RECIPIENT_KIND_YPVA_SERVICE, "staffs-police", "stafford"),
      ElementsAre(Target{"frontdoor-ypva", v1::RECIPIENT_KIND_YPVA_SERVICE}));
  EXPECT_THAT(r.For(v1::RECIPIENT_KIND_MATAC, "staffs-police", "stafford"),
              ElementsAre(Target{"staffs-matac", v1::RECIPIENT_KIND_MATAC}));
}

TEST(RecipientsTest, TheReferrerIsTheReferringAgency) {
  EXPECT_THAT(
      Shipped().For(v1::RECIPIENT_KIND_REFERRER, "uhnm-health", "stafford"),
      ElementsAre(Target{"uhnm-health", v1::RECIPIENT_KIND_REFERRER}));
}

TEST(RecipientsTest, ChildrensSocialCareByDistrict) {
  const Recipients r = Shipped();
  EXPECT_THAT(r.For(v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE, "staffs-police",
                    "stoke-on-trent"),
              ElementsAre(Target{"stoke-childrens-social-care",
                                 v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE}));
  EXPECT_THAT(r.For(v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE, "staffs-police",
                    "tamworth"),
              ElementsAre(Target{"staffs-childrens-social-care",
                                 v1::RECIPIENT_KIND_CHILDRENS_SOCIAL_CARE}));
  EXPECT_THAT(r.For(v1::RECIPIENT_KIND_UNSPECIFIED, "staffs-police",
                    "tamworth"),
              IsEmpty());
}

struct Broken {
  const char* name;
  std::function<void(config::v1::NotifyRules&)> breakit;
  const char* field;
};

void PrintTo(const Broken& b, std::ostream* os) { *os << b.name; }

class BrokenRulesTest : public ::testing::TestWithParam<Broken> {};

TEST_P(BrokenRulesTest, NamesTheEntry) {
  config::v1::NotifyRules proto = ShippedProto();
  GetParam().breakit(proto);
  auto r = Recipients::FromProto(proto);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(GetFieldViolations(r.status()),
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << r.status();
}

INSTANTIATE_TEST_SUITE_P(
    Entries, BrokenRulesTest,
    ::testing::Values(
        Broken{"no version", [](auto& p) { p.clear_version(); }, "version"},
        Broken{"push without a target",
               [](auto& p) {
                 p.mutable_recipients(0)->set_mode(
                     config::v1::DELIVERY_MODE_PUSH);
               },
               "recipients[0] \"staffs-police-hub\".push_target"},
        Broken{"no mode",
               [](auto& p) { p.mutable_recipients(3)->clear_mode(); },
               "recipients[3] \"staffs-matac\".mode"},
        Broken{"a referrer entry",
               [](auto& p) {
                 p.mutable_recipients(1)->set_kind(
                     v1::RECIPIENT_KIND_REFERRER);
               },
               "recipients[1] \"frontdoor-idva\".kind"},
        Broken{"email for a kind that carries personal data",
               [](auto& p) {
                 p.mutable_recipients(0)->set_mode(
                     config::v1::DELIVERY_MODE_EMAIL);
               },
               "recipients[0] \"staffs-police-hub\".mode"},
        Broken{"an email referrer with districts",
               [](auto& p) {
                 auto* r = p.add_recipients();
                 r->set_agency_id("frontdoor-web");
                 r->set_kind(v1::RECIPIENT_KIND_REFERRER);
                 r->set_mode(config::v1::DELIVERY_MODE_EMAIL);
                 r->add_districts("stafford");
               },
               "recipients[7] \"frontdoor-web\".districts"},
        Broken{"an email referrer with a push target",
               [](auto& p) {
                 auto* r = p.add_recipients();
                 r->set_agency_id("frontdoor-web");
                 r->set_kind(v1::RECIPIENT_KIND_REFERRER);
                 r->set_mode(config::v1::DELIVERY_MODE_EMAIL);
                 r->set_push_target("localhost:7600");
               },
               "recipients[7] \"frontdoor-web\".push_target"},
        Broken{"a kind nobody receives",
               [](auto& p) { p.mutable_recipients()->DeleteSubrange(2, 1); },
               "recipients"}));

// A referrer entry says that the agency's referrers hear back by email;
// every other agency's referrers keep their own stream.
TEST(RecipientsTest, AnEmailReferrerEntryMeansItsReferrersHearBackByEmail) {
  config::v1::NotifyRules proto = ShippedProto();
  auto* web = proto.add_recipients();
  web->set_agency_id("frontdoor-web");
  web->set_kind(v1::RECIPIENT_KIND_REFERRER);
  web->set_mode(config::v1::DELIVERY_MODE_EMAIL);
  auto r = Recipients::FromProto(proto);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->IsEmail("frontdoor-web", v1::RECIPIENT_KIND_REFERRER));
  EXPECT_FALSE(r->IsPush("frontdoor-web", v1::RECIPIENT_KIND_REFERRER));
  EXPECT_FALSE(r->IsEmail("staffs-police", v1::RECIPIENT_KIND_REFERRER));
  EXPECT_FALSE(r->IsEmail("frontdoor-web", v1::RECIPIENT_KIND_MARAC_HUB));
  EXPECT_THAT(r->EmailAgencies(), ElementsAre("frontdoor-web"));
  EXPECT_THAT(r->PushRecipients(), IsEmpty());
  EXPECT_THAT(r->For(v1::RECIPIENT_KIND_REFERRER, "frontdoor-web", "stafford"),
              ElementsAre(Target{"frontdoor-web", v1::RECIPIENT_KIND_REFERRER}));
  EXPECT_THAT(Shipped().EmailAgencies(), IsEmpty());
}

TEST(RecipientsTest, AKindNobodyReceivesIsNamed) {
  config::v1::NotifyRules proto = ShippedProto();
  proto.mutable_recipients()->DeleteSubrange(2, 1);  // frontdoor-ypva
  auto r = Recipients::FromProto(proto);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().ToString(),
              ::testing::HasSubstr("RECIPIENT_KIND_YPVA_SERVICE"));
}

}  // namespace
}  // namespace frontdoor::notify
