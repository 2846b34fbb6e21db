// frontdoor-serving-wait: starts a service and polls its health port until
// it answers SERVING, and says how long after the service's exec that was.
// Used by tools/bench/footprint:
//
//   frontdoor-serving-wait --grpc=127.0.0.1:7080 --log=intake-svc.log
//       -- build/intake-svc/intake-svc --config=intake-svc.json
//   (one command line)
//
// The command after "--" is started (fork and exec, its stdout and stderr
// appended to --log) once this program's own gRPC start-up is done (one poll
// before the start), so the figure is the service's alone. The service keeps
// running when this program exits: the caller stops it by its pid.
//
//   --grpc=HOST:PORT  grpc.health.v1 Check of the whole server ("") on the
//                     plaintext health port (intake, triage, allocation,
//                     notify);
//   --http=HOST:PORT  HTTP GET --http_path answering 200 (web-svc's health
//                     port, /readyz).
//
// Polls every --interval, each poll on a fresh connection (so no reconnect
// back-off delays the answer), until --timeout after the start. Prints one
// JSON line: {"pid":..,"serving_ms":..,"polls":..}, serving_ms being the
// time from just before the fork to the first SERVING answer (null when
// there was none). Exit 0 when SERVING, 1 when not within --timeout or when
// the service exited, 2 for bad flags or a command that could not start.

#include <fcntl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "common/server/health_client.h"
#include "tools/bench/bench_lib.h"

ABSL_FLAG(std::string, grpc, "", "grpc.health.v1 address, HOST:PORT");
ABSL_FLAG(std::string, http, "", "HTTP health address, HOST:PORT");
ABSL_FLAG(std::string, http_path, "/readyz", "HTTP path answering 200");
ABSL_FLAG(std::string, log, "", "File the service's output is appended to");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "Longest wait after the start");
ABSL_FLAG(absl::Duration, interval, absl::Milliseconds(5), "Between polls");

namespace frontdoor::bench {
namespace {

constexpr int kExitNotServing = 1;
constexpr int kExitBadFlags = 2;
// One poll's bound: a loopback answer takes well under this.
constexpr absl::Duration kPollDeadline = absl::Milliseconds(500);

bool GrpcServing(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args);
  absl::StatusOr<bool> serving = server::HealthServing(channel, kPollDeadline);
  return serving.ok() && *serving;
}

bool HttpServing(const std::string& host, int port, const std::string& path) {
  httplib::Client client(host, port);
  const auto timeout = absl::ToChronoMicroseconds(kPollDeadline);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  httplib::Result result = client.Get(path);
  return result && result->status == 200;
}

// Starts `command` with stdout and stderr appended to `log`; its pid, or -1.
pid_t Launch(const std::vector<char*>& command, const std::string& log) {
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                      0644);
  if (fd < 0) return -1;
  std::vector<char*> argv = command;
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  return pid;
}

int Main(const std::vector<char*>& command) {
  const std::string grpc_address = absl::GetFlag(FLAGS_grpc);
  const std::string http_address = absl::GetFlag(FLAGS_http);
  std::string http_host;
  int http_port = 0;
  if (!http_address.empty()) {
    std::pair<std::string, std::string> parts =
        absl::StrSplit(http_address, absl::MaxSplits(':', 1));
    http_host = parts.first;
    if (!absl::SimpleAtoi(parts.second, &http_port)) http_port = 0;
  }
  if (grpc_address.empty() == http_address.empty() ||
      (!http_address.empty() && http_port <= 0) || command.empty() ||
      absl::GetFlag(FLAGS_log).empty()) {
    std::cerr << "serving-wait: one of --grpc=HOST:PORT or --http=HOST:PORT, "
                 "--log=FILE, then -- COMMAND [ARGS]\n";
    return kExitBadFlags;
  }
  auto poll = [&] {
    return grpc_address.empty()
               ? HttpServing(http_host, http_port,
                             absl::GetFlag(FLAGS_http_path))
               : GrpcServing(grpc_address);
  };
  // This program's own start-up (gRPC's, the first connection) before the
  // clock starts; nothing listens yet, so the answer does not matter.
  (void)poll();
  const absl::Time since = absl::Now();
  const pid_t pid = Launch(command, absl::GetFlag(FLAGS_log));
  if (pid < 0) {
    std::cerr << "serving-wait: cannot start " << command[0] << "\n";
    return kExitBadFlags;
  }
  const absl::Time give_up = since + absl::GetFlag(FLAGS_timeout);
  const absl::Duration interval = absl::GetFlag(FLAGS_interval);
  std::int64_t polls = 0;
  bool exited = false;
  std::string serving_ms = "null";
  while (true) {
    ++polls;
    const bool serving = poll();
    const absl::Time now = absl::Now();
    if (serving) {
      serving_ms = absl::StrFormat("%.1f", absl::ToDoubleMilliseconds(now - since));
      break;
    }
    int status = 0;
    exited = waitpid(pid, &status, WNOHANG) == pid;
    if (exited || now >= give_up) break;
    absl::SleepFor(interval);
  }
  std::cout << absl::StrFormat("{\"pid\":%d,\"serving_ms\":%s,\"polls\":%d}",
                               pid, serving_ms, polls)
            << std::endl;
  if (exited) std::cerr << "serving-wait: " << command[0] << " exited\n";
  return serving_ms == "null" ? kExitNotServing : 0;
}

}  // namespace
}  // namespace frontdoor::bench

int main(int argc, char** argv) {
  // The command follows "--"; argv[0] is this program.
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  return frontdoor::bench::Main(std::vector<char*>(rest.begin() + 1, rest.end()));
}
