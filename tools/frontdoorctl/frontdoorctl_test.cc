#include "tools/frontdoorctl/frontdoorctl.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/logging/traceparent.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace frontdoor::ctl {
namespace {

using ::frontdoor::intake::v1::GetReferralRequest;
using ::frontdoor::intake::v1::GetReferralResponse;
using ::frontdoor::intake::v1::IntakeService;
using ::frontdoor::intake::v1::SubmitReferralRequest;
using ::frontdoor::intake::v1::SubmitReferralResponse;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << json;
  return parsed;
}

// ---- ParseArgs ----

TEST(ParseArgsTest, DefaultsComeFromPkiDirIdentityAndUser) {
  auto options = ParseArgs({"submit", "r.json"},
                           FakeEnv({{"USER", "alice"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->command, Command::kSubmit);
  EXPECT_EQ(options->file, "r.json");
  EXPECT_EQ(options->target, "localhost:7443");
  EXPECT_EQ(options->ca_file, "var/pki/ca.pem");
  EXPECT_EQ(options->cert_file, "var/pki/staffs-police.pem");
  EXPECT_EQ(options->key_file, "var/pki/staffs-police.key");
  EXPECT_EQ(options->actor, "alice");
  EXPECT_EQ(options->deadline, absl::Seconds(10));
  EXPECT_EQ(options->idempotency_key, "");
}

TEST(ParseArgsTest, TriageCommandsDefaultToTriageTarget) {
  auto queue = ParseArgs({"queue", "--page-size=20", "--page-token=abc",
                          "--as=frontdoor-helpline"},
                         FakeEnv({}));
  ASSERT_TRUE(queue.ok()) << queue.status();
  EXPECT_EQ(queue->command, Command::kQueue);
  EXPECT_EQ(queue->target, "localhost:7444");
  EXPECT_EQ(queue->page_size, 20);
  EXPECT_EQ(queue->page_token, "abc");
  EXPECT_EQ(queue->cert_file, "var/pki/frontdoor-helpline.pem");

  auto assess = ParseArgs({"assess", "FD-1", "a.json", "--target=h:1"},
                          FakeEnv({}));
  ASSERT_TRUE(assess.ok()) << assess.status();
  EXPECT_EQ(assess->command, Command::kAssess);
  EXPECT_EQ(assess->reference, "FD-1");
  EXPECT_EQ(assess->file, "a.json");
  EXPECT_EQ(assess->target, "h:1");

  auto decision = ParseArgs({"decision", "FD-1"}, FakeEnv({}));
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->command, Command::kDecision);

  EXPECT_FALSE(ParseArgs({"decision"}, FakeEnv({})).ok());
  EXPECT_FALSE(ParseArgs({"assess", "FD-1"}, FakeEnv({})).ok());
  EXPECT_FALSE(ParseArgs({"queue", "--page-size=-1"}, FakeEnv({})).ok());
  EXPECT_FALSE(
      ParseArgs({"queue", "--idempotency-key=k"}, FakeEnv({})).ok());
}

TEST(ParseArgsTest, AllocationCommandsDefaultToAllocationTarget) {
  auto waiting = ParseArgs({"waiting", "imatter"}, FakeEnv({}));
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->command, Command::kWaiting);
  EXPECT_EQ(waiting->programme_id, "imatter");
  EXPECT_EQ(waiting->target, "localhost:7445");
  auto consent = ParseArgs({"consent", "FD-1", "--who=carer",
                            "--consent=given", "--how=by phone"},
                           FakeEnv({}));
  ASSERT_TRUE(consent.ok()) << consent.status();
  EXPECT_EQ(consent->command, Command::kConsent);
  EXPECT_EQ(consent->who, "carer");
  EXPECT_EQ(consent->how, "by phone");
  EXPECT_FALSE(ParseArgs({"consent", "FD-1", "--who=uncle", "--consent=given",
                          "--how=x"},
                         FakeEnv({}))
                   .ok());
  EXPECT_FALSE(ParseArgs({"release", "FD-1"}, FakeEnv({})).ok());
  auto release = ParseArgs({"release", "FD-1", "--reason=case closed"},
                           FakeEnv({}));
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->reason, "case closed");
  EXPECT_FALSE(ParseArgs({"placement"}, FakeEnv({})).ok());
  EXPECT_EQ(ParseArgs({"programmes"}, FakeEnv({}))->command,
            Command::kProgrammes);
}

TEST(ParseArgsTest, FirstContactTakesAMethodAndAnOptionalTime) {
  auto now = ParseArgs({"first-contact", "FD-1", "--method=in-person"},
                       FakeEnv({}));
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->command, Command::kFirstContact);
  EXPECT_EQ(now->target, "localhost:7445");
  EXPECT_EQ(now->method, "in-person");
  EXPECT_FALSE(now->at.has_value());
  auto at = ParseArgs({"first-contact", "FD-1", "--method=phone",
                       "--at=2026-12-02T09:30:00Z"},
                      FakeEnv({}));
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at->at, absl::FromCivil(absl::CivilSecond(2026, 12, 2, 9, 30, 0),
                                     absl::UTCTimeZone()));
  EXPECT_FALSE(ParseArgs({"first-contact", "FD-1"}, FakeEnv({})).ok());
  EXPECT_FALSE(
      ParseArgs({"first-contact", "FD-1", "--method=pigeon"}, FakeEnv({})).ok());
  EXPECT_FALSE(ParseArgs({"first-contact", "FD-1", "--method=phone",
                          "--at=yesterday"},
                         FakeEnv({}))
                   .ok());
}

TEST(ParseArgsTest, ReportTakesAPeriodAServiceAFormatAndTargets) {
  auto quarter = ParseArgs({"report", "--quarter=2026-Q3", "--format=csv",
                            "--service=children", "--output=q3.csv"},
                           FakeEnv({}));
  ASSERT_TRUE(quarter.ok()) << quarter.status();
  EXPECT_EQ(quarter->command, Command::kReport);
  EXPECT_EQ(quarter->quarter, "2026-Q3");
  EXPECT_EQ(quarter->format, "csv");
  EXPECT_EQ(quarter->service, "children");
  EXPECT_EQ(quarter->output, "q3.csv");
  EXPECT_EQ(quarter->target, "localhost:7443");
  EXPECT_EQ(quarter->triage_target, "localhost:7444");
  EXPECT_EQ(quarter->allocation_target, "localhost:7445");
  auto days = ParseArgs({"report", "--from=2026-10-01", "--to=2026-11-15",
                         "--triage-target=t:1", "--allocation-target=a:2"},
                        FakeEnv({}));
  ASSERT_TRUE(days.ok()) << days.status();
  EXPECT_EQ(days->format, "json");
  EXPECT_EQ(days->service, "all");
  EXPECT_EQ(days->triage_target, "t:1");
  EXPECT_EQ(days->allocation_target, "a:2");
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{
           {"report"},
           {"report", "--from=2026-10-01"},
           {"report", "--quarter=2026-Q3", "--from=2026-10-01",
            "--to=2026-10-02"},
           {"report", "--quarter=2026-Q3", "--format=pdf"},
           {"report", "--quarter=2026-Q3", "--service=everyone"},
           {"get", "FD-1", "--quarter=2026-Q3"},
       }) {
    auto options = ParseArgs(bad, FakeEnv({}));
    EXPECT_FALSE(options.ok()) << ::testing::PrintToString(bad);
  }
}

TEST(ParseArgsTest, NotifyCommandsDefaultToNotifyTarget) {
  auto watch = ParseArgs({"watch", "--ack", "--after=12", "--count=3",
                          "--as=staffs-police-hub"},
                         FakeEnv({}));
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_EQ(watch->command, Command::kWatch);
  EXPECT_EQ(watch->target, "localhost:7446");
  EXPECT_TRUE(watch->ack);
  EXPECT_EQ(watch->after, 12);
  EXPECT_EQ(watch->count, 3);
  EXPECT_FALSE(watch->deadline_given);
  EXPECT_EQ(watch->cert_file, "var/pki/staffs-police-hub.pem");
  auto plain = ParseArgs({"watch"}, FakeEnv({}));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->after.has_value());
  EXPECT_TRUE(ParseArgs({"watch", "--deadline=3s"}, FakeEnv({}))
                  ->deadline_given);
  auto ack = ParseArgs({"ack", "42"}, FakeEnv({}));
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->position, 42);
  EXPECT_EQ(ParseArgs({"updates", "FD-1"}, FakeEnv({}))->reference, "FD-1");
  EXPECT_EQ(ParseArgs({"replay", "frontdoor-idva"}, FakeEnv({}))->agency,
            "frontdoor-idva");
  EXPECT_EQ(ParseArgs({"replay"}, FakeEnv({}))->agency, "");
  // Bad positions, cursors and counts, and watch's flags elsewhere.
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"ack", "0"}, {"ack", "x"}, {"ack"},
        {"watch", "--after=-1"}, {"watch", "--count=0"}, {"updates"},
        {"get", "FD-1", "--ack"}, {"updates", "FD-1", "--after=3"}}) {
    EXPECT_EQ(ParseArgs(bad, FakeEnv({})).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad[0];
  }
}

TEST(ParseArgsTest, AsPicksCertificateUnderEnvironmentPkiDir) {
  auto options =
      ParseArgs({"--as=uhnm-health", "get", "FD-1"},
                FakeEnv({{"FRONTDOOR_PKI_DIR", "/tmp/pki"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->command, Command::kGet);
  EXPECT_EQ(options->reference, "FD-1");
  EXPECT_EQ(options->ca_file, "/tmp/pki/ca.pem");
  EXPECT_EQ(options->cert_file, "/tmp/pki/uhnm-health.pem");
  EXPECT_EQ(options->key_file, "/tmp/pki/uhnm-health.key");
  EXPECT_EQ(options->actor, "frontdoorctl");  // No $USER.
}

TEST(ParseArgsTest, ExplicitFlagsWinAndMayFollowTheCommand) {
  auto options = ParseArgs(
      {"--target=127.0.0.1:9000", "--ca=c.pem", "--cert=x.pem", "--key=x.key",
       "--actor=Jo Bloggs", "--deadline=1500ms", "--server-name=localhost",
       "submit", "r.json", "--idempotency-key=abc-1"},
      FakeEnv({{"USER", "alice"}}));
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->target, "127.0.0.1:9000");
  EXPECT_EQ(options->ca_file, "c.pem");
  EXPECT_EQ(options->cert_file, "x.pem");
  EXPECT_EQ(options->key_file, "x.key");
  EXPECT_EQ(options->actor, "Jo Bloggs");
  EXPECT_EQ(options->deadline, absl::Milliseconds(1500));
  EXPECT_EQ(options->server_name, "localhost");
  EXPECT_EQ(options->idempotency_key, "abc-1");
}

TEST(ParseArgsTest, RejectsBadArguments) {
  const std::vector<std::vector<std::string>> kBad = {
      {},
      {"frobnicate"},
      {"submit"},
      {"submit", "a.json", "b.json"},
      {"get"},
      {"get", "FD-1", "--idempotency-key=k"},
      {"--deadline=soon", "get", "FD-1"},
      {"--deadline=0s", "get", "FD-1"},
      {"--deadline=-1s", "get", "FD-1"},
      {"--unknown=1", "get", "FD-1"},
      {"--target", "get", "FD-1"},
      {"--actor=Siobh\xC3\xA1n", "get", "FD-1"},  // Not ASCII metadata.
      {"--actor=", "get", "FD-1"},
  };
  for (const auto& args : kBad) {
    auto options = ParseArgs(args, FakeEnv({}));
    EXPECT_FALSE(options.ok()) << ::testing::PrintToString(args);
    if (!options.ok()) {
      EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(ParseArgsTest, HelpNeedsNoCommand) {
  auto options = ParseArgs({"--help"}, FakeEnv({}));
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->command, Command::kHelp);
  EXPECT_THAT(HelpText(), HasSubstr("1 + the gRPC status code"));
}

// ---- ParseSubmitRequestJson ----

TEST(ParseSubmitRequestJsonTest, AcceptsABareReferral) {
  auto request = ParseSubmitRequestJson(
      R"({"requestedService":"REQUESTED_SERVICE_VICTIM_SUPPORT",
          "subject":{"dateOfBirth":{"year":1990,"month":2,"day":3}},
          "concerns":"x"})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->idempotency_key(), "");
  EXPECT_EQ(request->referral().requested_service(),
            frontdoor::common::v1::REQUESTED_SERVICE_VICTIM_SUPPORT);
  EXPECT_EQ(request->referral().subject().date_of_birth().year(), 1990);
  EXPECT_EQ(request->referral().concerns(), "x");
}

TEST(ParseSubmitRequestJsonTest, AcceptsAWholeRequestInEitherNameStyle) {
  auto camel = ParseSubmitRequestJson(
      R"({"idempotencyKey":"k-1","referral":{"channel":"CHANNEL_PHONE"}})");
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_EQ(camel->idempotency_key(), "k-1");
  EXPECT_EQ(camel->referral().channel(), frontdoor::common::v1::CHANNEL_PHONE);

  auto snake = ParseSubmitRequestJson(
      R"({"idempotency_key":"k-2","referral":{"requested_service":2}})");
  ASSERT_TRUE(snake.ok()) << snake.status();
  EXPECT_EQ(snake->idempotency_key(), "k-2");
  EXPECT_EQ(snake->referral().requested_service(),
            frontdoor::common::v1::REQUESTED_SERVICE_BEHAVIOUR_CHANGE);
}

TEST(ParseSubmitRequestJsonTest, RejectsUnknownFieldsAndNonObjects) {
  EXPECT_FALSE(ParseSubmitRequestJson(R"({"concernz":"x"})").ok());
  EXPECT_FALSE(
      ParseSubmitRequestJson(R"({"referral":{},"extra":true})").ok());
  EXPECT_FALSE(ParseSubmitRequestJson("[1,2]").ok());
  EXPECT_FALSE(ParseSubmitRequestJson("{").ok());
  EXPECT_FALSE(ParseSubmitRequestJson("").ok());
}

// ---- rendering ----

TEST(NewIdempotencyKeyTest, IsRandomAndValid) {
  std::string a = NewIdempotencyKey();
  EXPECT_THAT(a, MatchesRegex("frontdoorctl-[0-9a-f]{32}"));
  EXPECT_NE(a, NewIdempotencyKey());
}

grpc::Status BadRequestStatus() {
  google::rpc::BadRequest bad_request;
  auto* v1 = bad_request.add_field_violations();
  v1->set_field("referral.subject.date_of_birth");
  v1->set_description("must not be in the future");
  auto* v2 = bad_request.add_field_violations();
  v2->set_field("referral.concerns");
  v2->set_description("required \"text\"");
  google::rpc::Status details;
  details.set_code(google::rpc::INVALID_ARGUMENT);
  details.set_message("referral has 2 invalid fields");
  details.add_details()->PackFrom(bad_request);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "referral has 2 invalid fields",
                      details.SerializeAsString());
}

TEST(RenderErrorJsonTest, DecodesBadRequestFieldViolations) {
  std::string json = RenderErrorJson(BadRequestStatus(), "abc123");
  EXPECT_EQ(json,
            "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"referral has 2 "
            "invalid fields\",\"field_violations\":[{\"field\":\"referral."
            "subject.date_of_birth\",\"description\":\"must not be in the "
            "future\"},{\"field\":\"referral.concerns\",\"description\":"
            "\"required \\\"text\\\"\"}],\"trace_id\":\"abc123\"}");
  ParseJson(json);
}

TEST(RenderErrorJsonTest, NoOrUndecodableDetailsGiveEmptyViolations) {
  EXPECT_EQ(RenderErrorJson(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                         "connect failed"),
                            ""),
            "{\"code\":\"UNAVAILABLE\",\"message\":\"connect failed\","
            "\"field_violations\":[]}");
  EXPECT_EQ(RenderErrorJson(grpc::Status(grpc::StatusCode::INTERNAL, "x",
                                         "\xff\xff not a proto"),
                            ""),
            "{\"code\":\"INTERNAL\",\"message\":\"x\","
            "\"field_violations\":[]}");
}

TEST(ExitCodeForTest, IsOnePlusTheCode) {
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::OK), 0);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::INVALID_ARGUMENT), 4);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAVAILABLE), 15);
  EXPECT_EQ(ExitCodeFor(grpc::StatusCode::UNAUTHENTICATED), 17);
}

TEST(RenderSubmitResponseJsonTest, AddsTheKeyToTheResponse) {
  SubmitReferralResponse response;
  response.mutable_receipt()->set_reference("FD-7K3M9Q2X4W8P");
  response.mutable_receipt()->set_front_door(
      frontdoor::common::v1::FRONT_DOOR_ADULT_VICTIM);
  EXPECT_EQ(RenderSubmitResponseJson(response, "k-1"),
            "{\"idempotencyKey\":\"k-1\",\"receipt\":{\"reference\":"
            "\"FD-7K3M9Q2X4W8P\",\"frontDoor\":\"FRONT_DOOR_ADULT_VICTIM\"}}");
  EXPECT_EQ(RenderSubmitResponseJson(SubmitReferralResponse(), "k\"2"),
            "{\"idempotencyKey\":\"k\\\"2\"}");
}

// ---- RunCommand against an in-process fake server ----

class FakeIntakeService final : public IntakeService::Service {
 public:
  grpc::Status SubmitReferral(grpc::ServerContext* context,
                              const SubmitReferralRequest* request,
                              SubmitReferralResponse* response) override {
    Record(context);
    absl::MutexLock lock(&mu_);
    last_submit_ = *request;
    if (request->referral().concerns() == "invalid") {
      return BadRequestStatus();
    }
    response->mutable_receipt()->set_reference("FD-TEST");
    return grpc::Status::OK;
  }
  grpc::Status GetReferral(grpc::ServerContext* context,
                           const GetReferralRequest* request,
                           GetReferralResponse* response) override {
    Record(context);
    if (request->reference() != "FD-TEST") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such referral");
    }
    response->mutable_receipt()->set_reference("FD-TEST");
    response->mutable_referral()->set_concerns("stored");
    return grpc::Status::OK;
  }

  std::string actor() {
    absl::MutexLock lock(&mu_);
    return actor_;
  }
  std::string traceparent() {
    absl::MutexLock lock(&mu_);
    return traceparent_;
  }
  absl::Duration deadline_left() {
    absl::MutexLock lock(&mu_);
    return deadline_left_;
  }
  SubmitReferralRequest last_submit() {
    absl::MutexLock lock(&mu_);
    return last_submit_;
  }

 private:
  void Record(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    const auto& metadata = context->client_metadata();
    auto actor = metadata.find(kActorMetadataKey);
    actor_ = actor == metadata.end()
                 ? ""
                 : std::string(actor->second.data(), actor->second.size());
    auto trace = metadata.find("traceparent");
    traceparent_ = trace == metadata.end()
                       ? ""
                       : std::string(trace->second.data(), trace->second.size());
    deadline_left_ = absl::FromChrono(context->deadline()) - absl::Now();
  }

  absl::Mutex mu_;
  std::string actor_ ABSL_GUARDED_BY(mu_);
  std::string traceparent_ ABSL_GUARDED_BY(mu_);
  absl::Duration deadline_left_ ABSL_GUARDED_BY(mu_);
  SubmitReferralRequest last_submit_ ABSL_GUARDED_BY(mu_);
};

class RunCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = IntakeService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port),
        grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::string WriteTempFile(const std::string& contents) {
    char path[] = "/tmp/frontdoorctl_test_XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, contents.data(), contents.size()),
              static_cast<ssize_t>(contents.size()));
    close(fd);
    temp_files_.push_back(path);
    return path;
  }
  ~RunCommandTest() override {
    for (const auto& path : temp_files_) std::remove(path.c_str());
  }

  Options SubmitOptions(const std::string& file) {
    Options options;
    options.command = Command::kSubmit;
    options.file = file;
    options.actor = "Jo Bloggs";
    options.deadline = absl::Seconds(7);
    return options;
  }

  FakeIntakeService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<IntakeService::Stub> stub_;
  std::vector<std::string> temp_files_;
};

TEST_F(RunCommandTest, SubmitSendsMetadataDeadlineAndGeneratedKey) {
  Options options = SubmitOptions(WriteTempFile(R"({"concerns":"ok"})"));
  std::ostringstream out, err;
  const absl::Time before = absl::Now();
  EXPECT_EQ(RunCommand(options, *stub_, out, err), 0) << err.str();
  // However long the call took on a busy machine: the server saw the
  // options' deadline less that time.
  const absl::Duration took = absl::Now() - before;
  EXPECT_EQ(err.str(), "");

  SubmitReferralRequest sent = service_.last_submit();
  EXPECT_THAT(sent.idempotency_key(), MatchesRegex("frontdoorctl-[0-9a-f]{32}"));
  EXPECT_EQ(sent.referral().concerns(), "ok");
  EXPECT_EQ(out.str(), "{\"idempotencyKey\":\"" + sent.idempotency_key() +
                           "\",\"receipt\":{\"reference\":\"FD-TEST\"}}\n");
  EXPECT_EQ(service_.actor(), "Jo Bloggs");
  EXPECT_TRUE(ParseTraceparent(service_.traceparent()).has_value())
      << service_.traceparent();
  EXPECT_GE(service_.deadline_left(), options.deadline - took);
  // gRPC keeps deadlines on its own clock, converted to wall time when the
  // server reads them: the two may differ by a few milliseconds (seen:
  // 7.0096 s left of 7 s), never by a deadline's worth.
  constexpr absl::Duration kClockSlack = absl::Milliseconds(50);
  EXPECT_LE(service_.deadline_left(), options.deadline + kClockSlack);
}

TEST_F(RunCommandTest, SubmitKeyPrecedenceFlagThenFileThenGenerated) {
  Options options = SubmitOptions(WriteTempFile(
      R"({"idempotencyKey":"from-file","referral":{"concerns":"ok"}})"));
  std::ostringstream out, err;
  ASSERT_EQ(RunCommand(options, *stub_, out, err), 0) << err.str();
  EXPECT_EQ(service_.last_submit().idempotency_key(), "from-file");

  options.idempotency_key = "from-flag";
  ASSERT_EQ(RunCommand(options, *stub_, out, err), 0) << err.str();
  EXPECT_EQ(service_.last_submit().idempotency_key(), "from-flag");
}

TEST_F(RunCommandTest, SubmitErrorPrintsViolationsAndExitsOnePlusCode) {
  Options options = SubmitOptions(WriteTempFile(R"({"concerns":"invalid"})"));
  std::ostringstream out, err;
  EXPECT_EQ(RunCommand(options, *stub_, out, err), 4);
  EXPECT_EQ(out.str(), "");
  google::protobuf::Struct error = ParseJson(err.str());
  EXPECT_EQ(error.fields().at("code").string_value(), "INVALID_ARGUMENT");
  const auto& violations = error.fields().at("field_violations").list_value();
  ASSERT_EQ(violations.values_size(), 2);
  EXPECT_EQ(violations.values(0).struct_value().fields().at("field")
                .string_value(),
            "referral.subject.date_of_birth");
  // The trace id in the error is the one the server received.
  auto trace = ParseTraceparent(service_.traceparent());
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(error.fields().at("trace_id").string_value(), trace->trace_id);
}

TEST_F(RunCommandTest, SubmitWithBadFileSendsNothing) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCommand(SubmitOptions("/nonexistent/r.json"), *stub_, out, err),
            kExitLocalError);
  EXPECT_THAT(err.str(), StartsWith("{\"code\":\"NOT_FOUND\""));
  EXPECT_EQ(RunCommand(SubmitOptions(WriteTempFile("{\"nope\":1}")), *stub_,
                       out, err),
            kExitLocalError);
  EXPECT_EQ(service_.actor(), "");  // The server never saw a call.
}

TEST_F(RunCommandTest, GetPrintsResponseOrNotFound) {
  Options options;
  options.command = Command::kGet;
  options.reference = "FD-TEST";
  options.actor = "Jo Bloggs";
  std::ostringstream out, err;
  EXPECT_EQ(RunCommand(options, *stub_, out, err), 0) << err.str();
  EXPECT_EQ(out.str(),
            "{\"receipt\":{\"reference\":\"FD-TEST\"},"
            "\"referral\":{\"concerns\":\"stored\"}}\n");

  options.reference = "FD-OTHER";
  std::ostringstream out2, err2;
  EXPECT_EQ(RunCommand(options, *stub_, out2, err2), 6);
  EXPECT_THAT(err2.str(), StartsWith("{\"code\":\"NOT_FOUND\",\"message\":"
                                     "\"no such referral\""));
}

// ---- rights ----

TEST(ParseArgsTest, RightsTakesAnActionAReferenceAndAReason) {
  auto restrict = ParseArgs({"rights", "restrict", "--reference=FD-1",
                             "--reason=objection",
                             "--staff-role=data_protection_officer",
                             "--notify-target=n:1"},
                            FakeEnv({}));
  ASSERT_TRUE(restrict.ok()) << restrict.status();
  EXPECT_EQ(restrict->command, Command::kRights);
  EXPECT_EQ(restrict->rights_action, "restrict");
  EXPECT_EQ(restrict->reference, "FD-1");
  EXPECT_EQ(restrict->reason, "objection");
  EXPECT_EQ(restrict->staff_role, "data_protection_officer");
  EXPECT_EQ(restrict->notify_target, "n:1");
  auto rectify = ParseArgs(
      {"rights", "rectify", "--reference=FD-1", "--party=child", "--child=2",
       "--field=name.familyName", "--value=Smith",
       "--reason=found_in_review"},
      FakeEnv({}));
  ASSERT_TRUE(rectify.ok()) << rectify.status();
  EXPECT_EQ(rectify->party, "child");
  EXPECT_EQ(rectify->child_index, 2);
  EXPECT_EQ(rectify->field, "name.familyName");
  EXPECT_EQ(rectify->value, "Smith");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"rights", "restrict", "--reason=objection"},
        {"rights", "hold", "--reference=FD-1"},
        {"rights", "rectify", "--reference=FD-1", "--reason=court_order"},
        {"rights", "shred", "--reference=FD-1", "--reason=x"},
        {"rights"}}) {
    EXPECT_EQ(ParseArgs(bad, FakeEnv({})).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad[1];
  }
}

// Answers as one service would; refuses when told to.
class FakeRightsService final
    : public frontdoor::common::v1::DataRights::Service {
 public:
  explicit FakeRightsService(std::string name, bool refuse = false)
      : name_(std::move(name)), refuse_(refuse) {}
  grpc::Status SetRestriction(
      grpc::ServerContext* context,
      const frontdoor::common::v1::SetRestrictionRequest* request,
      frontdoor::common::v1::RightsState* state) override {
    Record(context, request->reason());
    if (refuse_) return BadRequestStatus();
    state->set_service(name_);
    state->set_reference(request->reference());
    state->set_restricted(request->restricted());
    return grpc::Status::OK;
  }
  grpc::Status SetLegalHold(
      grpc::ServerContext* context,
      const frontdoor::common::v1::SetLegalHoldRequest* request,
      frontdoor::common::v1::RightsState* state) override {
    Record(context, request->reason());
    state->set_service(name_);
    state->set_legal_hold(request->held());
    return grpc::Status::OK;
  }
  grpc::Status Rectify(grpc::ServerContext* context,
                       const frontdoor::common::v1::RectifyRequest* request,
                       frontdoor::common::v1::RectifyResponse* response)
      override {
    Record(context, request->reason());
    absl::MutexLock lock(&mu_);
    last_rectify_ = *request;
    response->set_service(name_);
    response->set_copies_corrected(1);
    return grpc::Status::OK;
  }
  std::string seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  frontdoor::common::v1::RectifyRequest last_rectify() {
    absl::MutexLock lock(&mu_);
    return last_rectify_;
  }

 private:
  void Record(grpc::ServerContext* context, const std::string& reason) {
    const auto& metadata = context->client_metadata();
    auto role = metadata.find("frontdoor-staff-role");
    absl::MutexLock lock(&mu_);
    seen_ = absl::StrCat(
        reason, " as ",
        role == metadata.end()
            ? std::string("-")
            : std::string(role->second.data(), role->second.size()));
  }
  static grpc::Status BadRequestStatus() {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad reason");
  }

  const std::string name_;
  const bool refuse_;
  absl::Mutex mu_;
  std::string seen_ ABSL_GUARDED_BY(mu_);
  frontdoor::common::v1::RectifyRequest last_rectify_ ABSL_GUARDED_BY(mu_);
};

TEST(RunRightsCommandTest, EveryServiceIsAskedAndEachAnswerPrinted) {
  std::vector<std::unique_ptr<FakeRightsService>> fakes;
  fakes.push_back(std::make_unique<FakeRightsService>("intake-svc"));
  fakes.push_back(
      std::make_unique<FakeRightsService>("triage-svc", /*refuse=*/true));
  fakes.push_back(std::make_unique<FakeRightsService>("notify-svc"));
  // One server can hold one implementation of a service: one each.
  std::vector<std::unique_ptr<grpc::Server>> servers;
  std::vector<std::unique_ptr<frontdoor::common::v1::DataRights::Stub>> stubs;
  std::vector<RightsTarget> targets;
  for (auto& fake : fakes) {
    grpc::ServerBuilder b;
    int p = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &p);
    b.RegisterService(fake.get());
    servers.push_back(b.BuildAndStart());
    ASSERT_NE(servers.back(), nullptr);
    stubs.push_back(frontdoor::common::v1::DataRights::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(p),
                            grpc::InsecureChannelCredentials())));
  }
  targets = {{"intake-svc", stubs[0].get()},
             {"triage-svc", stubs[1].get()},
             {"notify-svc", stubs[2].get()}};
  auto options = ParseArgs({"rights", "restrict", "--reference=FD-1",
                            "--reason=objection",
                            "--staff-role=data_protection_officer"},
                           FakeEnv({}));
  ASSERT_TRUE(options.ok());
  std::ostringstream out, err;
  EXPECT_EQ(RunRightsCommand(*options, targets, out, err),
            ExitCodeFor(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(out.str(),
            "{\"service\":\"intake-svc\",\"answer\":{\"service\":\"intake-svc\","
            "\"reference\":\"FD-1\",\"restricted\":true}}\n"
            "{\"service\":\"notify-svc\",\"answer\":{\"service\":\"notify-svc\","
            "\"reference\":\"FD-1\",\"restricted\":true}}\n");
  EXPECT_THAT(err.str(), StartsWith("{\"service\":\"triage-svc\",\"error\":"
                                    "{\"code\":\"INVALID_ARGUMENT\""));
  EXPECT_EQ(fakes[2]->seen(), "objection as data_protection_officer");

  auto rectify = ParseArgs(
      {"rights", "rectify", "--reference=FD-1", "--party=other_party",
       "--field=contact.phone", "--value=01782 000000",
       "--reason=requested_by_subject"},
      FakeEnv({}));
  ASSERT_TRUE(rectify.ok());
  std::ostringstream out2, err2;
  EXPECT_EQ(RunRightsCommand(*rectify, {targets[0]}, out2, err2), kExitOk);
  const frontdoor::common::v1::RectifyRequest sent = fakes[0]->last_rectify();
  EXPECT_EQ(sent.person().party(), frontdoor::common::v1::PARTY_OTHER_PARTY);
  EXPECT_EQ(sent.field(), "contact.phone");
  EXPECT_EQ(sent.value(), "01782 000000");
  EXPECT_THAT(out2.str(), HasSubstr("\"copiesCorrected\":1"));
  for (auto& server : servers) server->Shutdown();
}

TEST(MainTest, MissingCertificatesAreALocalError) {
  std::ostringstream out, err;
  EXPECT_EQ(Main({"get", "FD-1"},
                 FakeEnv({{"FRONTDOOR_PKI_DIR", "/nonexistent"}}), out, err),
            kExitLocalError);
  EXPECT_THAT(err.str(), HasSubstr("/nonexistent/ca.pem"));
}

// ---- rights erase / state: DataRights on each service ----

TEST(ParseArgsTest, RightsEraseTakesAReferenceAReasonAndFourTargets) {
  auto erase = ParseArgs({"rights", "erase", "--reference=FD-1",
                          "--reason=erasure_request", "--as=web-svc",
                          "--staff-role=data_protection_officer",
                          "--notify-target=n:4"},
                         FakeEnv({}));
  ASSERT_TRUE(erase.ok()) << erase.status();
  EXPECT_EQ(erase->command, Command::kRights);
  EXPECT_EQ(erase->rights_action, "erase");
  EXPECT_EQ(erase->reference, "FD-1");
  EXPECT_EQ(erase->reason, "erasure_request");
  EXPECT_EQ(erase->staff_role, "data_protection_officer");
  EXPECT_EQ(erase->target, "localhost:7443");
  EXPECT_EQ(erase->triage_target, "localhost:7444");
  EXPECT_EQ(erase->allocation_target, "localhost:7445");
  EXPECT_EQ(erase->notify_target, "n:4");
  auto state = ParseArgs({"rights", "state", "--reference=FD-1"}, FakeEnv({}));
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->command, Command::kRights);
  EXPECT_EQ(state->rights_action, "state");
  EXPECT_EQ(state->notify_target, "localhost:7446");
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{
           {"rights"},
           {"rights", "erase", "--reference=FD-1"},
           {"rights", "erase", "--reason=erasure_request"},
           {"rights", "state"},
           {"rights", "shred", "--reference=FD-1"},
       }) {
    EXPECT_FALSE(ParseArgs(bad, FakeEnv({})).ok())
        << ::testing::PrintToString(bad);
  }
}

// A service's DataRights that erases (or refuses, when told to), noting the
// staff role it was asked under.
class FakeErasingRights final : public frontdoor::common::v1::DataRights::Service {
 public:
  FakeErasingRights(std::string service, grpc::Status refuse)
      : service_(std::move(service)), refuse_(std::move(refuse)) {}
  grpc::Status Erase(grpc::ServerContext* context,
                     const frontdoor::common::v1::EraseRequest* request,
                     frontdoor::common::v1::RightsState* state) override {
    auto role = context->client_metadata().find("frontdoor-staff-role");
    absl::MutexLock lock(&mu_);
    staff_role_ = role == context->client_metadata().end()
                      ? ""
                      : std::string(role->second.data(), role->second.size());
    reason_ = request->reason();
    if (!refuse_.ok()) return refuse_;
    state->set_service(service_);
    state->set_reference(request->reference());
    state->mutable_erased_at()->set_seconds(1'800'000'000);
    return grpc::Status::OK;
  }
  std::string staff_role() {
    absl::MutexLock lock(&mu_);
    return staff_role_;
  }
  std::string reason() {
    absl::MutexLock lock(&mu_);
    return reason_;
  }

 private:
  const std::string service_;
  const grpc::Status refuse_;
  absl::Mutex mu_;
  std::string staff_role_ ABSL_GUARDED_BY(mu_);
  std::string reason_ ABSL_GUARDED_BY(mu_);
};

TEST(RunRightsCommandTest, EraseAsksEveryServiceAndPrintsEachAnswer) {
  FakeErasingRights intake("intake-svc", grpc::Status::OK);
  FakeErasingRights triage("triage-svc",
                    grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                 "referral FD-1 is on legal hold"));
  FakeErasingRights allocation("allocation-svc", grpc::Status::OK);
  FakeErasingRights notify("notify-svc", grpc::Status::OK);
  // Each fake on a server of its own, as each service is.
  std::vector<std::unique_ptr<grpc::Server>> servers;
  std::vector<std::unique_ptr<frontdoor::common::v1::DataRights::Stub>> stubs;
  for (FakeErasingRights* fake : {&intake, &triage, &allocation, &notify}) {
    int p = 0;
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &p);
    b.RegisterService(fake);
    servers.push_back(b.BuildAndStart());
    ASSERT_NE(servers.back(), nullptr);
    stubs.push_back(frontdoor::common::v1::DataRights::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(p),
                            grpc::InsecureChannelCredentials())));
  }
  auto options = ParseArgs({"rights", "erase", "--reference=FD-1",
                            "--reason=court_order",
                            "--staff-role=data_protection_officer"},
                           FakeEnv({}));
  ASSERT_TRUE(options.ok());
  std::vector<RightsTarget> services = {{"intake-svc", stubs[0].get()},
                  {"triage-svc", stubs[1].get()},
                  {"allocation-svc", stubs[2].get()},
                  {"notify-svc", stubs[3].get()}};
  std::ostringstream out, err;
  const int code = RunRightsCommand(*options, services, out, err);
  EXPECT_EQ(code, 1 + static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  const std::vector<std::string> lines =
      absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_THAT(lines[0], ::testing::HasSubstr("{\"service\":\"intake-svc\","
                                             "\"answer\":{"));
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"erasedAt\""));
  EXPECT_THAT(lines[2], ::testing::HasSubstr("notify-svc"));
  EXPECT_THAT(err.str(), ::testing::HasSubstr("{\"service\":\"triage-svc\","
                                              "\"error\":{"));
  EXPECT_THAT(err.str(), ::testing::HasSubstr("FAILED_PRECONDITION"));
  for (FakeErasingRights* fake : {&intake, &triage, &allocation, &notify}) {
    EXPECT_EQ(fake->staff_role(), "data_protection_officer");
    EXPECT_EQ(fake->reason(), "court_order");
  }
  for (auto& server : servers) server->Shutdown();
}

}  // namespace
}  // namespace frontdoor::ctl
