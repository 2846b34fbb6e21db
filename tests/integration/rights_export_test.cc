// Subject access for the data-protection officer: the four services in
// process (intake, triage, allocation, notify) over real mTLS, each
// answering DataRights.FindPerson and ExportSubject over its own data, with
// the redaction rules of common/rights applied. The officer calls as
// console staff in the "data_protection_officer" role.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "allocation-svc/allocation_server.h"
#include "common/rights/rights.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "intake-svc/intake_server.h"
#include "notify-svc/notify_server.h"
#include "tests/testing/examples.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"
#include "tests/testing/suite_configs.h"
#include "tests/testing/test_store.h"
#include "tools/frontdoorctl/rights_commands.h"
#include "triage-svc/triage_server.h"

namespace frontdoor {
namespace {

using common::v1::DataRights;
using common::v1::ExportSubjectRequest;
using common::v1::ExportSubjectResponse;
using common::v1::FindPersonRequest;
using common::v1::FindPersonResponse;
using common::v1::Referral;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kStart = absl::FromCivil(
    absl::CivilSecond(2026, 11, 23, 9, 0, 0), absl::UTCTimeZone());
constexpr absl::Duration kSettle = absl::Seconds(30);
constexpr absl::Duration kPoll = absl::Milliseconds(20);
constexpr char kDpoRole[] = "data_protection_officer";

// The people of the tests. The suspect of the victim referral is the
// subject of the behaviour change referral, spelt differently.
constexpr char kSuspectPhone[] = "07700 900777";
constexpr char kSuspectFamily[] = "Price-Jones";
constexpr int kSuspectBirthYear = 1984;
constexpr char kVictimPhone[] = "07700 900888";
constexpr char kVictimEmail[] = "claire.e@mail.example";

std::string JsonOf(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
  return out;
}

class RightsExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshServiceDir("rights-export");
    const auto to = testing::PointAt;

    config::v1::NotifyConfig n = testing::NotifyConfigIn(dir_);
    n.set_rules_file(testing::ConfigFile("notify-rules.json"));
    stores_["notify-svc"] = testing::StoreLocationOf(n.store());
    auto notify = notify::NotifyServer::Start(n, clock_);
    ASSERT_TRUE(notify.ok()) << notify.status();
    notify_ = *std::move(notify);

    config::v1::AllocationConfig a = testing::AllocationConfigIn(dir_);
    to(a.mutable_notify(), notify_->api_port());
    stores_["allocation-svc"] = testing::StoreLocationOf(a.store());
    auto allocation = allocation::AllocationServer::Start(a, clock_);
    ASSERT_TRUE(allocation.ok()) << allocation.status();
    allocation_ = *std::move(allocation);

    config::v1::TriageConfig t = testing::TriageConfigIn(dir_);
    to(t.mutable_allocation(), allocation_->api_port());
    to(t.mutable_notify(), notify_->api_port());
    stores_["triage-svc"] = testing::StoreLocationOf(t.store());
    auto triage = triage::TriageServer::Start(t, clock_);
    ASSERT_TRUE(triage.ok()) << triage.status();
    triage_ = *std::move(triage);

    config::v1::IntakeConfig i = testing::IntakeConfigIn(dir_);
    to(i.mutable_triage(), triage_->api_port());
    to(i.mutable_notify(), notify_->api_port());
    stores_["intake-svc"] = testing::StoreLocationOf(i.store());
    auto intake = intake::IntakeServer::Start(i, clock_);
    ASSERT_TRUE(intake.ok()) << intake.status();
    intake_ = *std::move(intake);

    for (const auto& [name, port] : std::vector<std::pair<std::string, int>>{
             {"intake-svc", intake_->api_port()},
             {"triage-svc", triage_->api_port()},
             {"allocation-svc", allocation_->api_port()},
             {"notify-svc", notify_->api_port()}}) {
      rights_[name] =
          DataRights::NewStub(*testing::MakeMtlsChannel(port, "web-svc"));
    }
  }

  void TearDown() override {
    if (intake_) EXPECT_TRUE(intake_->Shutdown(absl::Seconds(5)).ok());
    if (triage_) EXPECT_TRUE(triage_->Shutdown(absl::Seconds(5)).ok());
    if (allocation_) EXPECT_TRUE(allocation_->Shutdown(absl::Seconds(5)).ok());
    if (notify_) EXPECT_TRUE(notify_->Shutdown(absl::Seconds(5)).ok());
    std::filesystem::remove_all(dir_);
  }

  std::string Submit(const Referral& referral, const std::string& key) {
    auto stub = intake::v1::IntakeService::NewStub(
        *testing::MakeMtlsChannel(intake_->api_port(), "staffs-police"));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    intake::v1::SubmitReferralRequest req;
    req.set_idempotency_key(key);
    *req.mutable_referral() = referral;
    intake::v1::SubmitReferralResponse resp;
    grpc::Status s = stub->SubmitReferral(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.receipt().reference();
  }

  // The victim referral: auto-triaged (complete DASH), so that every
  // service comes to hold something; the suspect has a date of birth and a
  // phone; two children.
  Referral VictimReferral() {
    Referral r = testing::ExampleReferral("high-risk-dash.json");
    common::v1::OtherParty& o = *r.mutable_other_party();
    o.mutable_name()->set_given_names("Jos\u00e9");
    o.mutable_name()->set_family_name(kSuspectFamily);
    o.mutable_date_of_birth()->set_year(kSuspectBirthYear);
    o.mutable_date_of_birth()->set_month(6);
    o.mutable_date_of_birth()->set_day(21);
    o.mutable_contact()->set_phone(kSuspectPhone);
    for (const char* name : {"Zara", "Yusuf"}) {
      common::v1::Child& c = *r.add_children();
      c.mutable_name()->set_given_names(name);
      c.mutable_name()->set_family_name("Kowalski");
      c.mutable_date_of_birth()->set_year(2019);
      c.mutable_date_of_birth()->set_month(8);
      c.mutable_date_of_birth()->set_day(2);
    }
    return r;
  }

  // The behaviour change referral of the same suspect (upper case, a
  // decomposed accent, a space for the hyphen), the victim with contact
  // details.
  Referral BehaviourChangeReferral() {
    Referral r = testing::ExampleReferral("probation-behaviour-change.json");
    common::v1::Subject& s = *r.mutable_subject();
    s.mutable_name()->set_given_names("JOSE\u0301");
    s.mutable_name()->set_family_name("PRICE JONES");
    s.mutable_date_of_birth()->set_year(kSuspectBirthYear);
    s.mutable_date_of_birth()->set_month(6);
    s.mutable_date_of_birth()->set_day(21);
    common::v1::OtherParty& o = *r.mutable_other_party();
    o.mutable_name()->set_given_names("Claire");
    o.mutable_name()->set_family_name("Ellis");
    o.mutable_contact()->set_phone(kVictimPhone);
    o.mutable_contact()->set_email(kVictimEmail);
    return r;
  }

  static void AsOfficer(grpc::ClientContext& ctx, const char* role = kDpoRole) {
    testing::PrepareCall(ctx, "staff-77");
    ctx.AddMetadata("frontdoor-staff-role", role);
  }

  grpc::Status Find(const std::string& service,
                    const FindPersonRequest& request, FindPersonResponse* out,
                    const char* role = kDpoRole) {
    grpc::ClientContext ctx;
    AsOfficer(ctx, role);
    return rights_[service]->FindPerson(&ctx, request, out);
  }

  grpc::Status Export(const std::string& service,
                      const ExportSubjectRequest& request,
                      ExportSubjectResponse* out, const char* role = kDpoRole) {
    grpc::ClientContext ctx;
    AsOfficer(ctx, role);
    return rights_[service]->ExportSubject(&ctx, request, out);
  }

  // Waits until each of `services` holds `reference`.
  void AwaitHeld(const std::string& reference,
                 const std::vector<std::string>& services) {
    FindPersonRequest by;
    by.set_reference(reference);
    for (const std::string& service : services) {
      const absl::Time give_up = absl::Now() + kSettle;
      bool held = false;
      while (!held && absl::Now() < give_up) {
        FindPersonResponse found;
        grpc::Status s = Find(service, by, &found);
        ASSERT_TRUE(s.ok()) << service << ": " << s.error_message();
        held = found.referrals_size() > 0;
        if (!held) absl::SleepFor(kPoll);
      }
      ASSERT_TRUE(held) << service << " never held " << reference;
    }
  }

  // The four services' exports for `party` of `reference`, as one JSON
  // bundle text (each answer's JSON, one after the other).
  std::string Bundle(const std::string& reference, common::v1::Party party,
                     std::vector<ExportSubjectResponse>* answers = nullptr,
                     int child = 0) {
    ExportSubjectRequest request;
    request.mutable_person()->set_reference(reference);
    request.mutable_person()->set_party(party);
    request.mutable_person()->set_child_index(child);
    std::string bundle;
    for (const char* service :
         {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"}) {
      ExportSubjectResponse out;
      grpc::Status s = Export(service, request, &out);
      EXPECT_TRUE(s.ok()) << service << ": " << s.error_message();
      EXPECT_EQ(out.service(), service);
      bundle += JsonOf(out);
      if (answers != nullptr) answers->push_back(out);
    }
    return bundle;
  }

  // The audit rows of `action` in `service`'s trail, as "subject details".
  std::vector<std::string> Audited(const std::string& service,
                                   const std::string& action) {
    std::vector<std::string> rows;
    auto store = testing::OpenTestStore(stores_[service], {});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return rows;
    EXPECT_TRUE((*store)
                    ->Read([&](store::Tx& tx) -> absl::Status {
                      auto found = tx.Query(
                          "SELECT subject, details, actor_person FROM "
                          "audit_log WHERE action = $1 ORDER BY seq",
                          {action});
                      if (!found.ok()) return found.status();
                      for (const store::Row& row : *found) {
                        rows.push_back(absl::StrCat(
                            row.Text(0), " ", row.Text(1), " ", row.Text(2)));
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    return rows;
  }

  std::filesystem::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<intake::IntakeServer> intake_;
  std::unique_ptr<triage::TriageServer> triage_;
  std::unique_ptr<allocation::AllocationServer> allocation_;
  std::unique_ptr<notify::NotifyServer> notify_;
  std::map<std::string, std::unique_ptr<DataRights::Stub>> rights_;
  std::map<std::string, std::string> stores_;
};

TEST_F(RightsExportTest, AVictimsExportHoldsTheirDataAndNoneOfTheOtherPartys) {
  const std::string ref = Submit(VictimReferral(), "victim-1");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"});

  std::vector<ExportSubjectResponse> answers;
  const std::string bundle = Bundle(ref, common::v1::PARTY_SUBJECT, &answers);
  // Their own data, from every service that holds a copy of it.
  for (const ExportSubjectResponse& answer : answers) {
    EXPECT_GT(answer.records_size(), 0) << answer.service();
    EXPECT_TRUE(answer.state().held_here()) << answer.service();
  }
  for (int i : {0, 1, 2}) {
    EXPECT_THAT(JsonOf(answers[i]), HasSubstr("Nadia")) << answers[i].service();
  }
  EXPECT_THAT(bundle, HasSubstr("07700 900321"));
  // None of the other party's: name, date of birth, phone.
  EXPECT_THAT(bundle, AllOf(Not(HasSubstr("Jos")), Not(HasSubstr("Price")),
                            Not(HasSubstr(absl::StrCat(kSuspectBirthYear))),
                            Not(HasSubstr(kSuspectPhone))));
  EXPECT_THAT(bundle, HasSubstr("\"rule\":\"other_party\""));
  // Children in the household: for review.
  EXPECT_THAT(bundle, HasSubstr("\"needsReview\":true"));
}

TEST_F(RightsExportTest, ABehaviourChangeSubjectsExportHoldsNoVictimContact) {
  const std::string ref = Submit(BehaviourChangeReferral(), "bc-1");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "notify-svc"});

  const std::string bundle = Bundle(ref, common::v1::PARTY_SUBJECT);
  EXPECT_THAT(bundle, AllOf(HasSubstr("PRICE JONES"), HasSubstr("Brampton")));
  EXPECT_THAT(bundle, AllOf(Not(HasSubstr(kVictimPhone)),
                            Not(HasSubstr(kVictimEmail))));
  EXPECT_THAT(bundle, HasSubstr("\"rule\":\"victim_contact\""));

  // And the victim (the other party) sees nothing of the subject.
  const std::string victims = Bundle(ref, common::v1::PARTY_OTHER_PARTY);
  EXPECT_THAT(victims, HasSubstr(kVictimPhone));
  EXPECT_THAT(victims,
              AllOf(Not(HasSubstr("PRICE")), Not(HasSubstr("Brampton")),
                    Not(HasSubstr("07700 900512"))));
}

TEST_F(RightsExportTest, AChildsExportShowsThatChildOnly) {
  const std::string ref = Submit(VictimReferral(), "victim-child");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "allocation-svc"});

  std::vector<ExportSubjectResponse> answers;
  const std::string bundle =
      Bundle(ref, common::v1::PARTY_CHILD, &answers, /*child=*/1);
  EXPECT_THAT(bundle, HasSubstr("Yusuf"));
  EXPECT_THAT(bundle, AllOf(Not(HasSubstr("Zara")), Not(HasSubstr("Price")),
                            Not(HasSubstr(kSuspectPhone)),
                            Not(HasSubstr("07700 900321"))));
  for (const ExportSubjectResponse& answer : answers) {
    for (const common::v1::ExportedRecord& r : answer.records()) {
      if (r.kind() != "history") {
        EXPECT_TRUE(r.needs_review()) << answer.service() << " " << r.kind();
      }
    }
  }
  // A child the referral does not have.
  ExportSubjectRequest nobody;
  nobody.mutable_person()->set_reference(ref);
  nobody.mutable_person()->set_party(common::v1::PARTY_CHILD);
  nobody.mutable_person()->set_child_index(2);
  ExportSubjectResponse out;
  grpc::Status s = Export("intake-svc", nobody, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_details(), HasSubstr("person.child_index"));
}

TEST_F(RightsExportTest, FindByNameAndBirthFindsThePersonInEitherPart) {
  const std::string victim_ref = Submit(VictimReferral(), "victim-find");
  const std::string bc_ref = Submit(BehaviourChangeReferral(), "bc-find");
  AwaitHeld(victim_ref, {"intake-svc", "triage-svc"});
  AwaitHeld(bc_ref, {"intake-svc", "triage-svc"});

  // A third spelling: lower case, composed accent, hyphen.
  FindPersonRequest by_name;
  common::v1::NameAndBirth& who = *by_name.mutable_name_and_birth();
  who.mutable_name()->set_given_names("jos\u00e9");
  who.mutable_name()->set_family_name("price-jones");
  who.mutable_date_of_birth()->set_year(kSuspectBirthYear);
  who.mutable_date_of_birth()->set_month(6);
  who.mutable_date_of_birth()->set_day(21);
  std::set<std::pair<std::string, common::v1::Party>> found;
  for (const char* service :
       {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"}) {
    FindPersonResponse out;
    grpc::Status s = Find(service, by_name, &out);
    ASSERT_TRUE(s.ok()) << service << ": " << s.error_message();
    const bool indexes = std::string(service) == "intake-svc" ||
                         std::string(service) == "triage-svc";
    EXPECT_EQ(out.searched_by_name(), indexes) << service;
    for (const common::v1::FoundReferral& f : out.referrals()) {
      found.insert({f.person().reference(), f.person().party()});
      EXPECT_EQ(f.state().reference(), f.person().reference());
    }
  }
  EXPECT_THAT(
      found,
      AllOf(Contains(std::pair(bc_ref, common::v1::PARTY_SUBJECT)),
            Contains(std::pair(victim_ref, common::v1::PARTY_OTHER_PARTY))));
  EXPECT_EQ(found.size(), 2u);

  // Another date of birth finds nobody.
  who.mutable_date_of_birth()->set_day(22);
  FindPersonResponse none;
  ASSERT_TRUE(Find("triage-svc", by_name, &none).ok());
  EXPECT_EQ(none.referrals_size(), 0);

  // By reference: the subject, with the front door.
  FindPersonRequest by_ref;
  by_ref.set_reference(victim_ref);
  FindPersonResponse one;
  ASSERT_TRUE(Find("intake-svc", by_ref, &one).ok());
  ASSERT_EQ(one.referrals_size(), 1);
  EXPECT_EQ(one.referrals(0).front_door(), common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_EQ(one.referrals(0).person().party(), common::v1::PARTY_SUBJECT);
}

TEST_F(RightsExportTest, OnlyTheOfficerMayFindOrExportAndEveryCallIsAudited) {
  const std::string ref = Submit(VictimReferral(), "victim-audit");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"});
  FindPersonRequest by_ref;
  by_ref.set_reference(ref);
  FindPersonRequest by_name;
  by_name.mutable_name_and_birth()->mutable_name()->set_given_names("Nadia");
  by_name.mutable_name_and_birth()->mutable_name()->set_family_name("Kowalski");
  *by_name.mutable_name_and_birth()->mutable_date_of_birth() =
      VictimReferral().subject().date_of_birth();
  ExportSubjectRequest exported;
  exported.mutable_person()->set_reference(ref);
  exported.mutable_person()->set_party(common::v1::PARTY_SUBJECT);
  for (const char* service :
       {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"}) {
    for (const char* role : {"practitioner", "team_leader"}) {
      FindPersonResponse f;
      EXPECT_EQ(Find(service, by_ref, &f, role).error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << service << " " << role;
      ExportSubjectResponse e;
      EXPECT_EQ(Export(service, exported, &e, role).error_code(),
                grpc::StatusCode::PERMISSION_DENIED)
          << service << " " << role;
    }
    // A partner agency too.
    auto police = DataRights::NewStub(*testing::MakeMtlsChannel(
        service == std::string("intake-svc")       ? intake_->api_port()
        : service == std::string("triage-svc")     ? triage_->api_port()
        : service == std::string("allocation-svc") ? allocation_->api_port()
                                                   : notify_->api_port(),
        "staffs-police"));
    grpc::ClientContext ctx;
    testing::PrepareCall(ctx);
    ExportSubjectResponse e;
    EXPECT_EQ(police->ExportSubject(&ctx, exported, &e).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << service;

    FindPersonResponse f;
    ASSERT_TRUE(Find(service, by_name, &f).ok()) << service;
    ASSERT_TRUE(Export(service, exported, &e).ok()) << service;
    EXPECT_THAT(Audited(service, rights::kAuditExport),
                ::testing::ElementsAre(
                    AllOf(HasSubstr(ref), HasSubstr("PARTY_SUBJECT"),
                          HasSubstr("staff-77 as data_protection_officer"))))
        << service;
    // Finds: the polls by reference, then the search by name (no subject,
    // no name).
    const std::vector<std::string> finds = Audited(service, rights::kAuditFind);
    ASSERT_FALSE(finds.empty()) << service;
    EXPECT_THAT(finds.back(), HasSubstr("{\"by\":\"name_and_birth\""))
        << service;
    EXPECT_THAT(finds.back(), Not(HasSubstr("Nadia")));
    EXPECT_THAT(finds, Contains(HasSubstr(ref))) << service;
  }
}

TEST_F(RightsExportTest, AnErasedReferralExportsIdsDatesAndCodesOnly) {
  const std::string ref = Submit(VictimReferral(), "victim-erased");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"});
  // Erasure itself is another part's: here its record in every service.
  for (const auto& [service, location] : stores_) {
    auto store = testing::OpenTestStore(location, {});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->WriteSync([&](store::Tx& tx) {
                      return rights::SaveErased(tx, ref, "erasure_request",
                                                clock_.Now());
                    })
                    .ok())
        << service;
  }
  std::vector<ExportSubjectResponse> answers;
  const std::string bundle = Bundle(ref, common::v1::PARTY_SUBJECT, &answers);
  for (const ExportSubjectResponse& answer : answers) {
    EXPECT_TRUE(answer.state().has_erased_at()) << answer.service();
    EXPECT_GT(answer.records_size(), 0) << answer.service();
  }
  EXPECT_THAT(bundle, AllOf(Not(HasSubstr("Nadia")), Not(HasSubstr("900321")),
                            Not(HasSubstr("Canal Side"))));
  EXPECT_THAT(bundle, AllOf(HasSubstr("\"rule\":\"erased\""), HasSubstr(ref),
                            HasSubstr("RISK_LEVEL_HIGH"),
                            HasSubstr("EVENT_KIND_HIGH_RISK"),
                            HasSubstr("PLACEMENT_STATE_ALLOCATED")));
}

TEST_F(RightsExportTest, FrontdoorctlWritesTheBundleOfTheFourServices) {
  const std::string ref = Submit(VictimReferral(), "victim-ctl");
  AwaitHeld(ref, {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"});
  const std::string path = (dir_ / "bundle.html").string();
  absl::StatusOr<ctl::Options> options = ctl::ParseArgs(
      {"--as=web-svc", "--staff-role=data_protection_officer", "rights",
       "export", "--reference=" + ref, "--party=subject", "--output=" + path,
       "--format=html"},
      [](const char*) -> std::optional<std::string> { return std::nullopt; });
  ASSERT_TRUE(options.ok()) << options.status();
  ctl::RightsTargets targets;
  for (const char* service :
       {"intake-svc", "triage-svc", "allocation-svc", "notify-svc"}) {
    targets.push_back({service, rights_[service].get()});
  }
  std::ostringstream out, err;
  EXPECT_EQ(ctl::RunRightsCommand(*options, targets, out, err), ctl::kExitOk)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("\"answered\":4"));
  std::ifstream in(path);
  std::stringstream html;
  html << in.rdbuf();
  EXPECT_THAT(html.str(),
              AllOf(HasSubstr("Nadia"), HasSubstr("<h2>notify-svc</h2>"),
                    HasSubstr("Needs review before release")));
  EXPECT_THAT(html.str(),
              AllOf(Not(HasSubstr("Price")), Not(HasSubstr(kSuspectPhone))));
}

}  // namespace
}  // namespace frontdoor
