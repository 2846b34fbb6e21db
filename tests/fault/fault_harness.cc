#include "tests/fault/fault_harness.h"

#include <signal.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <variant>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/server/health_client.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/examples.h"
#include "tests/testing/http_get.h"
#include "tests/testing/pki.h"

extern char** environ;

namespace frontdoor::fault {
namespace {

constexpr char kStartedEvent[] = "\"event\":\"server.started\"";

int CountOccurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The number after "<key>": in `line` (JSON, quoted or not); 0 if absent.
int IntField(const std::string& line, const std::string& key) {
  std::smatch m;
  if (std::regex_search(line, m,
                        std::regex(absl::StrCat("\"", key, "\":\"?([0-9]+)")))) {
    int v = 0;
    if (absl::SimpleAtoi(m[1].str(), &v)) return v;
  }
  return 0;
}

std::string ValueText(const store::Value& v) {
  if (std::holds_alternative<int64_t>(v)) {
    return absl::StrCat(std::get<int64_t>(v));
  }
  if (std::holds_alternative<double>(v)) return absl::StrCat(std::get<double>(v));
  if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  if (std::holds_alternative<store::Blob>(v)) {
    return std::get<store::Blob>(v).bytes;
  }
  return "";
}

}  // namespace

std::string BuiltExecutable(const std::string& relative) {
  return absl::StrCat(FRONTDOOR_BINARY_DIR, "/", relative);
}

absl::Status WriteConfig(const google::protobuf::Message& config,
                         const std::filesystem::path& path) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  auto status = google::protobuf::util::MessageToJsonString(config, &json,
                                                           options);
  if (!status.ok()) return absl::InternalError(status.ToString());
  std::ofstream out(path);
  out << json;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("writing ", path.string()));
  return absl::OkStatus();
}

bool PollUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (done()) return true;
    if (absl::Now() >= deadline) return false;
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(kPollInterval));
  }
}

ServiceProcess::ServiceProcess(std::string executable,
                               std::filesystem::path config,
                               std::filesystem::path log)
    : executable_(std::move(executable)),
      config_(std::move(config)),
      log_(std::move(log)) {}

ServiceProcess::~ServiceProcess() { Kill(); }

absl::Status ServiceProcess::Start(
    const std::vector<std::pair<std::string, std::string>>& env) {
  if (running()) return absl::FailedPreconditionError("already running");
  const int started_before = CountOccurrences(Log(), kStartedEvent);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [name, value] : env) {
    env_strings.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string config_flag = absl::StrCat("--config=", config_.string());
  std::vector<std::string> args = launcher_;
  args.push_back(executable_);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(config_flag.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  const int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(),
                              envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = 0;
    return absl::InternalError(
        absl::StrCat("posix_spawn ", executable_, ": ", strerror(rc)));
  }

  std::string started_line;
  const bool started = PollUntil(
      [&] {
        const std::string log = Log();
        if (CountOccurrences(log, kStartedEvent) > started_before) {
          const size_t at = log.rfind(kStartedEvent);
          const size_t begin = log.rfind('\n', at);
          const size_t end = log.find('\n', at);
          started_line = log.substr(begin == std::string::npos ? 0 : begin,
                                    end == std::string::npos ? std::string::npos
                                                             : end - begin);
          return true;
        }
        return Exited();
      },
      kStartTimeout);
  if (!running()) {
    return absl::InternalError(absl::StrCat(executable_,
                                            " exited at start-up:\n",
                                            LogTail()));
  }
  if (!started || started_line.empty()) {
    Kill();
    return absl::DeadlineExceededError(
        absl::StrCat(executable_, " did not start:\n", LogTail()));
  }
  api_port_ = IntField(started_line, "api_port");
  health_port_ = IntField(started_line, "health_port");
  metrics_port_ = IntField(started_line, "metrics_port");
  if (api_port_ == 0) {
    return absl::InternalError(absl::StrCat("no api_port in ", started_line));
  }
  return absl::OkStatus();
}

void ServiceProcess::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

bool ServiceProcess::Exited() {
  if (!running()) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    wait_status_ = status;
    pid_ = 0;
    return true;
  }
  return false;
}

absl::StatusOr<int> ServiceProcess::Wait(absl::Duration timeout) {
  if (!PollUntil([this] { return Exited(); }, timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat(executable_, " still running after ",
                     absl::FormatDuration(timeout)));
  }
  return wait_status_;
}

void ServiceProcess::Kill() {
  if (!running()) return;
  // A stopped process dies of SIGKILL too.
  kill(pid_, SIGKILL);
  int status = 0;
  if (waitpid(pid_, &status, 0) == pid_) wait_status_ = status;
  pid_ = 0;
}

std::string ServiceProcess::Log() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ServiceProcess::LogTail(int lines) const {
  std::vector<std::string> all = absl::StrSplit(Log(), '\n');
  const size_t from = all.size() > static_cast<size_t>(lines)
                          ? all.size() - static_cast<size_t>(lines)
                          : 0;
  std::string out;
  for (size_t i = from; i < all.size(); ++i) absl::StrAppend(&out, all[i], "\n");
  return out;
}

absl::StatusOr<ProcessUsage> UsageOf(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no /proc/", pid));
  ProcessUsage usage;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() < 2) continue;
    if (parts[0] == "Threads:") {
      if (!absl::SimpleAtoi(parts[1], &usage.threads)) {
        return absl::InternalError(line);
      }
    } else if (parts[0] == "VmRSS:") {
      if (!absl::SimpleAtoi(parts[1], &usage.rss_kb)) {
        return absl::InternalError(line);
      }
    }
  }
  return usage;
}

IntakeClient::IntakeClient(int port, const std::string& agency) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      testing::MakeMtlsChannel(port, agency);
  if (!channel.ok()) return;
  channel_ = *channel;
  stub_ = intake::v1::IntakeService::NewStub(channel_);
}

grpc::Status IntakeClient::Submit(const std::string& idempotency_key,
                                  const common::v1::Referral& referral,
                                  intake::v1::Receipt* receipt,
                                  absl::Duration deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx.AddMetadata("frontdoor-actor", "Fault Tester");
  intake::v1::SubmitReferralRequest request;
  request.set_idempotency_key(idempotency_key);
  *request.mutable_referral() = referral;
  intake::v1::SubmitReferralResponse response;
  grpc::Status status = stub_->SubmitReferral(&ctx, request, &response);
  if (receipt != nullptr && status.ok()) *receipt = response.receipt();
  return status;
}

grpc::Status IntakeClient::Get(const std::string& reference,
                               intake::v1::GetReferralResponse* response,
                               absl::Duration deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  ctx.AddMetadata("frontdoor-actor", "Fault Tester");
  intake::v1::GetReferralRequest request;
  request.set_reference(reference);
  intake::v1::GetReferralResponse ignored;
  return stub_->GetReferral(&ctx, request,
                            response != nullptr ? response : &ignored);
}

common::v1::Referral Example(const std::string& name) {
  return testing::ExampleReferral(name);
}

absl::StatusOr<std::vector<std::vector<std::string>>> QueryStore(
    const std::string& location, const std::string& sql,
    const std::vector<store::Value>& params) {
  absl::StatusOr<std::unique_ptr<store::Store>> opened =
      store::OpenStore(location, {});
  if (!opened.ok()) return opened.status();
  std::vector<std::vector<std::string>> out;
  absl::Status read = (*opened)->Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(sql, params);
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      std::vector<std::string> texts;
      for (size_t i = 0; i < row.size(); ++i) texts.push_back(ValueText(row.at(i)));
      out.push_back(std::move(texts));
    }
    return absl::OkStatus();
  });
  (*opened)->Close();
  if (!read.ok()) return read;
  return out;
}

absl::StatusOr<int64_t> CountInStore(const std::string& location,
                                     const std::string& sql,
                                     const std::vector<store::Value>& params) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows =
      QueryStore(location, sql, params);
  if (!rows.ok()) return rows.status();
  int64_t n = 0;
  if (rows->size() != 1 || rows->front().size() != 1 ||
      !absl::SimpleAtoi(rows->front()[0], &n)) {
    return absl::InternalError(absl::StrCat("not one count: ", sql));
  }
  return n;
}

absl::StatusOr<double> MetricValue(int port, const std::string& series) {
  absl::StatusOr<testing::HttpResponse> page = testing::HttpGet(port, "/metrics");
  if (!page.ok()) return page.status();
  return testing::FindSample(page->body, series).value_or(0);
}

absl::StatusOr<bool> Serving(int health_port) {
  return server::HealthServing(testing::MakeInsecureChannel(health_port),
                               kCallDeadline);
}

}  // namespace frontdoor::fault
