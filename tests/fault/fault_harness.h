#pragma once

// The fault suite's harness (tests/fault): the services as real processes
// (the executables the build made, started with a config file written by
// the test, on free loopback ports read back from their "server.started"
// log line), real mTLS clients, the processes' own view of themselves
// (/proc/<pid>/status) and their stores read from outside.
//
// Every wait is bounded in count and time; nothing sleeps to synchronise.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/store.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace frontdoor::fault {

// How long a service may take to log "server.started".
inline constexpr absl::Duration kStartTimeout = absl::Seconds(20);
// How often the harness looks again while it waits.
inline constexpr absl::Duration kPollInterval = absl::Milliseconds(20);
// The deadline of every client call unless a test gives its own.
inline constexpr absl::Duration kCallDeadline = absl::Seconds(10);

// <build dir>/<relative>, for example "intake-svc/intake-svc".
std::string BuiltExecutable(const std::string& relative);

// Writes `config` as JSON to `path` (what --config= reads).
absl::Status WriteConfig(const google::protobuf::Message& config,
                         const std::filesystem::path& path);

// Polls `done` every kPollInterval until it is true or `timeout` passes;
// whether it became true.
bool PollUntil(const std::function<bool()>& done, absl::Duration timeout);

// One service executable as a child process: `--config=<config>`, stdout
// and stderr appended to `log`. Killed (SIGKILL) and reaped on destruction.
class ServiceProcess {
 public:
  ServiceProcess(std::string executable, std::filesystem::path config,
                 std::filesystem::path log);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Starts it with `env` added to this process's environment, and waits
  // (kStartTimeout) for a new "server.started" line; reads the ports from
  // it. An error (with the log's tail) when it exits or does not start.
  absl::Status Start(
      const std::vector<std::pair<std::string, std::string>>& env = {});

  // Runs the executable through `launcher` (for example {"unshare", "-n"}:
  // a network namespace of its own), which must exec it in place so that
  // pid() is the service's. Found on PATH. Before Start().
  void set_launcher(std::vector<std::string> launcher) {
    launcher_ = std::move(launcher);
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  int api_port() const { return api_port_; }
  int health_port() const { return health_port_; }
  int metrics_port() const { return metrics_port_; }

  // Sends `signal` to the running process.
  void Signal(int signal);
  // Waits up to `timeout` for the process to end; its wait status
  // (waitpid's), DEADLINE_EXCEEDED while it still runs.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGKILL, and reaped.
  void Kill();
  // Whether the process has ended (reaps it if so; keeps the wait status).
  bool Exited();
  int last_wait_status() const { return wait_status_; }

  // Everything the process has logged (every start).
  std::string Log() const;
  // The last `lines` lines of it, for failure messages.
  std::string LogTail(int lines = 20) const;

 private:
  const std::string executable_;
  const std::filesystem::path config_;
  const std::filesystem::path log_;
  std::vector<std::string> launcher_;
  pid_t pid_ = 0;
  int wait_status_ = 0;
  int api_port_ = 0;
  int health_port_ = 0;
  int metrics_port_ = 0;
};

// /proc/<pid>/status: the process's threads and resident memory (kB).
struct ProcessUsage {
  int threads = 0;
  int64_t rss_kb = 0;
};
absl::StatusOr<ProcessUsage> UsageOf(pid_t pid);

// A client of intake-svc's API as `agency` (a dev-PKI certificate name).
class IntakeClient {
 public:
  IntakeClient(int port, const std::string& agency);
  bool ok() const { return stub_ != nullptr; }

  grpc::Status Submit(const std::string& idempotency_key,
                      const common::v1::Referral& referral,
                      intake::v1::Receipt* receipt = nullptr,
                      absl::Duration deadline = kCallDeadline);
  grpc::Status Get(const std::string& reference,
                   intake::v1::GetReferralResponse* response = nullptr,
                   absl::Duration deadline = kCallDeadline);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<intake::v1::IntakeService::Stub> stub_;
};

// tools/examples/<name> as a Referral.
common::v1::Referral Example(const std::string& name);

// Runs `sql` with `params` on the store at `location` (SQLite path or
// PostgreSQL URL, as the service's config has it) from outside the
// service: every row, its columns as text.
absl::StatusOr<std::vector<std::vector<std::string>>> QueryStore(
    const std::string& location, const std::string& sql,
    const std::vector<store::Value>& params = {});

// The single integer the query returns (a COUNT).
absl::StatusOr<int64_t> CountInStore(const std::string& location,
                                     const std::string& sql,
                                     const std::vector<store::Value>& params = {});

// grpc.health.v1 Check of the whole server ("") on the plaintext health
// port (server::HealthServing): true for SERVING, false for any other
// answered status; the call's error otherwise.
absl::StatusOr<bool> Serving(int health_port);

// The value of the Prometheus sample `series` (testing::FindSample's form:
// name and labels exactly as exposed, or only the name for its first
// sample) on http://127.0.0.1:<port>/metrics; 0 when it is not exposed.
absl::StatusOr<double> MetricValue(int port, const std::string& series);

}  // namespace frontdoor::fault
