// frontdoor-bench: closed-loop load generator for IntakeService.SubmitReferral
// and the echo baseline. Each of --concurrency workers keeps exactly one call
// in flight (callback API) and issues the next when it completes; workers are
// spread over --channels channels, each its own HTTP/2 connection. Calls that
// complete after --warmup and before --warmup + --duration are measured.
//
// Prints one JSON line (see RenderResultJson) on stdout. Exit status: 0 when
// every call succeeded, 1 when any failed (the result is still printed and a
// banner goes to stderr), 2 for bad flags or files.
//
// --probe makes one call and exits: 0 on success, 75 when the server is not
// (yet) reachable (UNAVAILABLE or DEADLINE_EXCEEDED), 1 on any other error.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/logging/traceparent.h"
#include "common/tls/credentials.h"
#include "echo.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench/bench_lib.h"
#include "tools/frontdoorctl/frontdoorctl.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "Server address");
ABSL_FLAG(std::string, ca, "", "CA certificate (PEM)");
ABSL_FLAG(std::string, cert, "", "Client certificate (PEM)");
ABSL_FLAG(std::string, key, "", "Client private key (PEM)");
ABSL_FLAG(std::string, method, "echo", "submit or echo");
ABSL_FLAG(int, concurrency, 1, "Calls in flight (one per worker)");
ABSL_FLAG(int, channels, 0,
          "Channels (connections); 0 means one per 16 workers");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "Measured time");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "Time before measuring starts");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call");
ABSL_FLAG(std::string, payload, "",
          "JSON file with a Referral or SubmitReferralRequest; echo sends as "
          "many bytes as its serialized SubmitReferralRequest");
ABSL_FLAG(std::string, actor, "frontdoor-bench",
          "frontdoor-actor metadata sent with every call");
ABSL_FLAG(bool, probe, false, "Make one call and exit (readiness check)");

namespace frontdoor::bench {
namespace {

using ::frontdoor::intake::v1::IntakeService;
using ::frontdoor::intake::v1::SubmitReferralRequest;
using ::frontdoor::intake::v1::SubmitReferralResponse;
using Clock = std::chrono::steady_clock;

constexpr int kWorkersPerChannel = 16;
constexpr int kExitCallsFailed = 1;
constexpr int kExitBadFlags = 2;
constexpr int kExitNotReady = 75;  // EX_TEMPFAIL.
constexpr int kMaxConcurrency = 10000;

enum class Method { kSubmit, kEcho };

struct Settings {
  Method method = Method::kEcho;
  std::string method_name;
  int concurrency = 1;
  int channels = 1;
  absl::Duration duration;
  absl::Duration warmup;
  absl::Duration deadline;
  std::string actor;
  SubmitReferralRequest submit_template;
  std::string echo_payload;
};

// One closed-loop worker: its fields are touched only by the callback of its
// single call in flight, so they need no lock.
struct Worker {
  int index = 0;
  IntakeService::Stub* intake = nullptr;
  v1::EchoService::Stub* echo = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  SubmitReferralRequest submit_request;
  SubmitReferralResponse submit_response;
  v1::EchoRequest echo_request;
  v1::EchoResponse echo_response;
  Clock::time_point started;
  std::int64_t sequence = 0;
  std::vector<double> latencies_ms;
  std::map<std::string, std::int64_t> errors_by_code;
};

class LoadRun {
 public:
  LoadRun(const Settings& settings,
          const std::vector<std::shared_ptr<grpc::Channel>>& channels)
      : settings_(settings) {
    absl::BitGen gen;
    run_id_ = absl::StrFormat("%016x", absl::Uniform<std::uint64_t>(gen));
    for (const auto& channel : channels) {
      intake_stubs_.push_back(IntakeService::NewStub(channel));
      echo_stubs_.push_back(v1::EchoService::NewStub(channel));
    }
    workers_.resize(settings.concurrency);
    for (int i = 0; i < settings.concurrency; ++i) {
      Worker& w = workers_[i];
      w.index = i;
      std::size_t c = static_cast<std::size_t>(i) % channels.size();
      w.intake = intake_stubs_[c].get();
      w.echo = echo_stubs_[c].get();
      w.submit_request = settings.submit_template;
      w.echo_request.set_payload(settings.echo_payload);
      w.latencies_ms.reserve(1 << 16);
    }
  }

  // Runs to the end of the measured window and returns what was measured.
  Result Run() {
    Clock::time_point start = Clock::now();
    measure_start_ = start + absl::ToChronoNanoseconds(settings_.warmup);
    measure_end_ = measure_start_ + absl::ToChronoNanoseconds(settings_.duration);
    running_ = static_cast<int>(workers_.size());
    for (Worker& w : workers_) Issue(w);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](int* running) { return *running == 0; }, &running_));
    }
    Result result;
    result.method = settings_.method_name;
    result.concurrency = settings_.concurrency;
    result.channels = static_cast<int>(intake_stubs_.size());
    result.duration_s = absl::ToDoubleSeconds(settings_.duration);
    for (Worker& w : workers_) {
      result.latencies_ms.insert(result.latencies_ms.end(),
                                 w.latencies_ms.begin(), w.latencies_ms.end());
      for (const auto& [code, n] : w.errors_by_code) {
        result.errors_by_code[code] += n;
      }
    }
    return result;
  }

 private:
  void Issue(Worker& w) {
    w.context = std::make_unique<grpc::ClientContext>();
    w.context->AddMetadata(std::string(ctl::kActorMetadataKey),
                           settings_.actor);
    w.context->AddMetadata(std::string(kTraceparentHeader),
                           FormatTraceparent(NewTrace(), NewSpanId()));
    w.context->set_deadline(
        absl::ToChronoTime(absl::Now() + settings_.deadline));
    w.started = Clock::now();
    auto done = [this, &w](grpc::Status status) { OnDone(w, status); };
    if (settings_.method == Method::kSubmit) {
      // Unique per call, so every call is a new referral.
      w.submit_request.set_idempotency_key(
          absl::StrFormat("bench-%s-%d-%d", run_id_, w.index, w.sequence++));
      w.intake->async()->SubmitReferral(w.context.get(), &w.submit_request,
                                        &w.submit_response, done);
    } else {
      w.echo->async()->Echo(w.context.get(), &w.echo_request,
                            &w.echo_response, done);
    }
  }

  void OnDone(Worker& w, const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    if (!status.ok()) {
      ++w.errors_by_code[StatusCodeName(status.error_code())];
    } else if (now >= measure_start_ && now <= measure_end_) {
      w.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - w.started).count());
    }
    if (now < measure_end_) {
      Issue(w);
      return;
    }
    absl::MutexLock lock(&mu_);
    --running_;
  }

  const Settings& settings_;
  std::string run_id_;
  std::vector<std::unique_ptr<IntakeService::Stub>> intake_stubs_;
  std::vector<std::unique_ptr<v1::EchoService::Stub>> echo_stubs_;
  std::vector<Worker> workers_;
  Clock::time_point measure_start_;
  Clock::time_point measure_end_;
  absl::Mutex mu_;
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

// One synchronous call, for readiness checks.
int Probe(const Settings& settings,
          const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.AddMetadata(std::string(ctl::kActorMetadataKey), settings.actor);
  context.AddMetadata(std::string(kTraceparentHeader),
                      FormatTraceparent(NewTrace(), NewSpanId()));
  context.set_deadline(absl::ToChronoTime(absl::Now() + settings.deadline));
  grpc::Status status;
  if (settings.method == Method::kSubmit) {
    SubmitReferralRequest request = settings.submit_template;
    request.set_idempotency_key(ctl::NewIdempotencyKey());
    SubmitReferralResponse response;
    status = IntakeService::NewStub(channel)->SubmitReferral(&context, request,
                                                             &response);
  } else {
    v1::EchoRequest request;
    request.set_payload(settings.echo_payload);
    v1::EchoResponse response;
    status = v1::EchoService::NewStub(channel)->Echo(&context, request,
                                                     &response);
  }
  if (status.ok()) return 0;
  std::cerr << ctl::RenderErrorJson(status, "") << "\n";
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                 status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED
             ? kExitNotReady
             : kExitCallsFailed;
}

int Main() {
  Settings settings;
  settings.method_name = absl::GetFlag(FLAGS_method);
  if (settings.method_name == "submit") {
    settings.method = Method::kSubmit;
  } else if (settings.method_name != "echo") {
    std::cerr << "frontdoor-bench: --method must be submit or echo\n";
    return kExitBadFlags;
  }
  settings.concurrency = absl::GetFlag(FLAGS_concurrency);
  settings.duration = absl::GetFlag(FLAGS_duration);
  settings.warmup = absl::GetFlag(FLAGS_warmup);
  settings.deadline = absl::GetFlag(FLAGS_deadline);
  settings.actor = absl::GetFlag(FLAGS_actor);
  if (settings.concurrency < 1 || settings.concurrency > kMaxConcurrency ||
      settings.duration <= absl::ZeroDuration() ||
      settings.warmup < absl::ZeroDuration() ||
      settings.deadline <= absl::ZeroDuration()) {
    std::cerr << "frontdoor-bench: need 1 <= --concurrency <= "
              << kMaxConcurrency
              << ", --duration > 0, --warmup >= 0, --deadline > 0\n";
    return kExitBadFlags;
  }
  int channels = absl::GetFlag(FLAGS_channels);
  settings.channels =
      channels > 0 ? channels
                   : (settings.concurrency + kWorkersPerChannel - 1) /
                         kWorkersPerChannel;

  absl::StatusOr<SubmitReferralRequest> request =
      ReadSubmitPayload(absl::GetFlag(FLAGS_payload));
  if (!request.ok()) {
    std::cerr << "frontdoor-bench: --payload: " << request.status() << "\n";
    return kExitBadFlags;
  }
  settings.submit_template = *std::move(request);
  // Size the echo payload like a submit call's request, with a key as long
  // as the ones the load run generates.
  SubmitReferralRequest sized = settings.submit_template;
  sized.set_idempotency_key(
      absl::StrFormat("bench-%016x-%d-%d", 0, settings.concurrency, 100000));
  settings.echo_payload.assign(sized.ByteSizeLong(), 'x');

  auto credentials = tls::MakeChannelCredentials(TlsFilesOf(
      absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_cert),
      absl::GetFlag(FLAGS_key)));
  if (!credentials.ok()) {
    std::cerr << "frontdoor-bench: " << credentials.status() << "\n";
    return kExitBadFlags;
  }
  std::vector<std::shared_ptr<grpc::Channel>> channel_list;
  for (int i = 0; i < settings.channels; ++i) {
    grpc::ChannelArguments args;
    // Without this, channels with equal arguments share one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    channel_list.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), *credentials, args));
  }

  if (absl::GetFlag(FLAGS_probe)) return Probe(settings, channel_list[0]);

  LoadRun run(settings, channel_list);
  Result result = run.Run();
  v1::EchoRequest echo_sized;
  echo_sized.set_payload(settings.echo_payload);
  result.request_bytes = static_cast<std::int64_t>(
      settings.method == Method::kSubmit ? sized.ByteSizeLong()
                                         : echo_sized.ByteSizeLong());
  std::cout << RenderResultJson(result) << std::endl;
  std::int64_t errors = TotalErrors(result);
  if (errors > 0) {
    std::cerr << "\n*** frontdoor-bench: " << errors << " of "
              << errors + static_cast<std::int64_t>(result.latencies_ms.size())
              << " " << settings.method_name
              << " calls FAILED; this run is not a valid measurement ***\n\n";
    return kExitCallsFailed;
  }
  return 0;
}

}  // namespace
}  // namespace frontdoor::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return frontdoor::bench::Main();
}
