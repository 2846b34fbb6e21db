// frontdoorctl's rights commands: their flags, and the fan-out to four
// DataRights services (in-process fakes).
#include "tools/frontdoorctl/rights_commands.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace frontdoor::ctl {
namespace {

using frontdoor::common::v1::DataRights;
using ::testing::AllOf;
using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](const char*) -> std::optional<std::string> { return std::nullopt; };
}

absl::StatusOr<Options> Parse(std::vector<std::string> args) {
  return ParseArgs(args, NoEnv());
}

TEST(RightsArgsTest, FindByReferenceOrByNameAndBirth) {
  auto by_ref = Parse({"rights", "find", "--reference=FD-7K3M9Q2X4W8P"});
  ASSERT_TRUE(by_ref.ok()) << by_ref.status();
  EXPECT_EQ(by_ref->command, Command::kRightsFind);
  EXPECT_EQ(by_ref->reference, "FD-7K3M9Q2X4W8P");

  auto by_name =
      Parse({"--as=web-svc", "--staff-role=data_protection_officer", "rights",
             "find", "--given=Jos\xC3\xA9", "--family=Price-Jones",
             "--dob=1984-06-21", "--notify-target=n:1"});
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(by_name->given_names, "Jos\xC3\xA9");
  EXPECT_EQ(by_name->dob, "1984-06-21");
  EXPECT_EQ(by_name->staff_role, "data_protection_officer");
  EXPECT_EQ(by_name->notify_target, "n:1");
  EXPECT_EQ(by_name->target, kDefaultTarget);
}

TEST(RightsArgsTest, ExportTakesAPartyAChildAFormatAndAFile) {
  auto options = Parse({"rights", "export", "--reference=FD-7K3M9Q2X4W8P",
                        "--party=child", "--child=2", "--show-staff-names",
                        "--output=b.html", "--format=html"});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->command, Command::kRightsExport);
  EXPECT_EQ(options->party, "child");
  EXPECT_EQ(options->child_index, 2);
  EXPECT_TRUE(options->show_staff_names);
  EXPECT_EQ(options->output, "b.html");
  EXPECT_EQ(options->format, "html");
}

TEST(RightsArgsTest, RefusalsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> kBad = {
      {{"rights"}, "rights: expected find, export, restrict"},
      {{"rights", "erase-everything"},
       "rights erase-everything: expected find, export, restrict"},
      {{"rights", "find"}, "usage: rights find"},
      {{"rights", "find", "--reference=R", "--given=G"}, "one or the other"},
      {{"rights", "find", "--given=G", "--dob=1990-01-01"}, "--family"},
      {{"rights", "find", "--family=F", "--dob=1990-01-01"}, "--given"},
      {{"rights", "find", "--given=G", "--family=F"}, "--dob"},
      {{"rights", "find", "--given=G", "--family=F", "--dob=1990-1-1"},
       "--dob=1990-1-1"},
      {{"rights", "find", "--given=G", "--family=F", "--dob=1990-02-30"},
       "--dob=1990-02-30"},
      {{"rights", "find", "--reference=R", "--party=subject"}, "--party"},
      {{"rights", "find", "--reference=R", "--output=f"}, "--output"},
      {{"rights", "find", "--reference=R", "--show-staff-names"},
       "--show-staff-names"},
      {{"rights", "export", "--party=subject", "--output=f"}, "--reference"},
      {{"rights", "export", "--reference=R", "--output=f"}, "--party"},
      {{"rights", "export", "--reference=R", "--party=victim", "--output=f"},
       "--party=victim"},
      {{"rights", "export", "--reference=R", "--party=subject", "--child=1",
        "--output=f"},
       "--child"},
      {{"rights", "export", "--reference=R", "--party=child", "--child=-1",
        "--output=f"},
       "--child=-1"},
      {{"rights", "export", "--reference=R", "--party=subject"}, "--output"},
      {{"rights", "export", "--reference=R", "--party=subject", "--output=f",
        "--format=pdf"},
       "--format=pdf"},
      {{"rights", "export", "--reference=R", "--party=subject", "--output=f",
        "--dob=1990-01-01"},
       "--dob"},
  };
  for (const auto& [args, named] : kBad) {
    auto options = Parse(args);
    ASSERT_FALSE(options.ok()) << ::testing::PrintToString(args);
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(options.status().message(), HasSubstr(named))
        << ::testing::PrintToString(args);
  }
}

// A service's DataRights: answers as `name`, or fails with `failure`.
class FakeRights final : public DataRights::Service {
 public:
  explicit FakeRights(std::string name,
                      grpc::StatusCode failure = grpc::StatusCode::OK)
      : name_(std::move(name)), failure_(failure) {}

  grpc::Status FindPerson(grpc::ServerContext* context,
                          const common::v1::FindPersonRequest* request,
                          common::v1::FindPersonResponse* response) override {
    Record(context);
    if (failure_ != grpc::StatusCode::OK) return grpc::Status(failure_, "no");
    {
      absl::MutexLock lock(&mu_);
      last_find_ = *request;
    }
    response->set_service(name_);
    response->set_searched_by_name(request->has_name_and_birth());
    return grpc::Status::OK;
  }
  grpc::Status ExportSubject(
      grpc::ServerContext* context,
      const common::v1::ExportSubjectRequest* request,
      common::v1::ExportSubjectResponse* response) override {
    Record(context);
    if (failure_ != grpc::StatusCode::OK) return grpc::Status(failure_, "no");
    {
      absl::MutexLock lock(&mu_);
      last_export_ = *request;
    }
    response->set_service(name_);
    *response->mutable_person() = request->person();
    common::v1::ExportedRecord& r = *response->add_records();
    r.set_kind("referral");
    r.set_json("{\"concerns\":\"from " + name_ + "\"}");
    r.set_needs_review(name_ == "triage-svc");
    return grpc::Status::OK;
  }

  std::string staff_role() {
    absl::MutexLock lock(&mu_);
    return staff_role_;
  }
  common::v1::FindPersonRequest last_find() {
    absl::MutexLock lock(&mu_);
    return last_find_;
  }
  common::v1::ExportSubjectRequest last_export() {
    absl::MutexLock lock(&mu_);
    return last_export_;
  }

 private:
  void Record(grpc::ServerContext* context) {
    auto role = context->client_metadata().find(kStaffRoleMetadataKey);
    absl::MutexLock lock(&mu_);
    if (role != context->client_metadata().end()) {
      staff_role_ = std::string(role->second.data(), role->second.size());
    }
  }

  const std::string name_;
  const grpc::StatusCode failure_;
  absl::Mutex mu_;
  std::string staff_role_ ABSL_GUARDED_BY(mu_);
  common::v1::FindPersonRequest last_find_ ABSL_GUARDED_BY(mu_);
  common::v1::ExportSubjectRequest last_export_ ABSL_GUARDED_BY(mu_);
};

class RunRightsTest : public ::testing::Test {
 protected:
  void Start(grpc::StatusCode notify_failure = grpc::StatusCode::OK) {
    for (const char* name : {"intake-svc", "triage-svc", "allocation-svc"}) {
      fakes_.push_back(std::make_unique<FakeRights>(name));
    }
    fakes_.push_back(
        std::make_unique<FakeRights>("notify-svc", notify_failure));
    for (auto& fake : fakes_) {
      int port = 0;
      grpc::ServerBuilder builder;
      builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                               &port);
      builder.RegisterService(fake.get());
      servers_.push_back(builder.BuildAndStart());
      ASSERT_NE(servers_.back(), nullptr);
      stubs_.push_back(DataRights::NewStub(
          grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                              grpc::InsecureChannelCredentials())));
    }
    const char* names[] = {"intake-svc", "triage-svc", "allocation-svc",
                           "notify-svc"};
    for (size_t i = 0; i < stubs_.size(); ++i) {
      targets_.push_back({names[i], stubs_[i].get()});
    }
  }
  void TearDown() override {
    for (auto& server : servers_) server->Shutdown();
    for (const std::string& path : files_) std::remove(path.c_str());
  }

  Options Parsed(std::vector<std::string> args) {
    auto options = Parse(std::move(args));
    EXPECT_TRUE(options.ok()) << options.status();
    return *options;
  }

  std::string TempPath() {
    std::string path =
        ::testing::TempDir() + "rights_bundle_" + std::to_string(files_.size());
    files_.push_back(path);
    return path;
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::vector<std::unique_ptr<FakeRights>> fakes_;
  std::vector<std::unique_ptr<grpc::Server>> servers_;
  std::vector<std::unique_ptr<DataRights::Stub>> stubs_;
  RightsTargets targets_;
  std::vector<std::string> files_;
};

TEST_F(RunRightsTest, FindAsksEveryServiceByNameAndBirth) {
  Start();
  Options options =
      Parsed({"--staff-role=data_protection_officer", "rights", "find",
              "--given=Jo", "--family=Bloggs", "--dob=1984-06-21"});
  std::ostringstream out, err;
  EXPECT_EQ(RunRightsCommand(options, targets_, out, err), kExitOk)
      << err.str();
  for (auto& fake : fakes_) {
    const auto asked = fake->last_find().name_and_birth();
    EXPECT_EQ(asked.name().family_name(), "Bloggs");
    EXPECT_EQ(asked.date_of_birth().year(), 1984);
    EXPECT_EQ(asked.date_of_birth().month(), 6);
    EXPECT_EQ(asked.date_of_birth().day(), 21);
    EXPECT_EQ(fake->staff_role(), "data_protection_officer");
  }
  EXPECT_THAT(out.str(), AllOf(HasSubstr("\"service\":\"intake-svc\""),
                               HasSubstr("\"service\":\"notify-svc\""),
                               HasSubstr("\"unanswered\":[]")));
}

TEST_F(RunRightsTest, ExportWritesOneBundleOfTheFourAnswers) {
  Start();
  const std::string path = TempPath();
  Options options = Parsed({"rights", "export", "--reference=FD-7K3M9Q2X4W8P",
                            "--party=child", "--child=1", "--show-staff-names",
                            "--output=" + path, "--format=html"});
  std::ostringstream out, err;
  EXPECT_EQ(RunRightsCommand(options, targets_, out, err), kExitOk)
      << err.str();
  for (auto& fake : fakes_) {
    const auto asked = fake->last_export();
    EXPECT_EQ(asked.person().party(), common::v1::PARTY_CHILD);
    EXPECT_EQ(asked.person().child_index(), 1);
    EXPECT_TRUE(asked.show_staff_names());
  }
  const std::string html = Read(path);
  EXPECT_THAT(html, AllOf(HasSubstr("<h2>intake-svc</h2>"),
                          HasSubstr("<h2>notify-svc</h2>"),
                          HasSubstr("from allocation-svc"),
                          HasSubstr("1 of 4 records must be reviewed")));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_THAT(out.str(), AllOf(HasSubstr("\"answered\":4"),
                               HasSubstr("\"needsReview\":1")));
}

TEST_F(RunRightsTest, AServiceThatDoesNotAnswerIsListedAndSetsTheExitCode) {
  Start(grpc::StatusCode::PERMISSION_DENIED);
  const std::string path = TempPath();
  Options options = Parsed({"rights", "export", "--reference=FD-7K3M9Q2X4W8P",
                            "--party=subject", "--output=" + path});
  std::ostringstream out, err;
  EXPECT_EQ(RunRightsCommand(options, targets_, out, err),
            ExitCodeFor(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(err.str(),
              HasSubstr("notify-svc: {\"code\":\"PERMISSION_DENIED\""));
  EXPECT_THAT(Read(path),
              AllOf(HasSubstr("\"unanswered\":[{\"service\":\"notify-svc\","
                              "\"code\":\"PERMISSION_DENIED\""),
                    HasSubstr("from triage-svc")));
}

}  // namespace
}  // namespace frontdoor::ctl
