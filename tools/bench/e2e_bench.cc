// frontdoor-e2e-bench: open-loop load at a fixed rate. Calls are started on
// a fixed schedule (i / rate after the start) whatever the replies do, and
// every latency is measured from the scheduled start, so a slow reply cannot
// hide the delay of the calls queued behind it.
//
//   --method=marac  submits high-risk referrals to intake-svc (--target) and
//                   measures, per referral, the time from its scheduled
//                   submission to its MARAC alert arriving on the police
//                   hub's Subscribe stream (--notify-target, --hub-cert and
//                   --hub-key), through intake, triage and notify.
//   --method=echo   the bare gRPC echo at the same rate: the time from the
//                   scheduled start to the reply.
//
// Prints one JSON line: {"method":..,"rate":..,"duration_s":..,"sent":..,
// "completed":..,"errors":..,"missing":..,"p50_ms":..,"p90_ms":..,
// "p99_ms":..,"max_ms":..}. "missing" counts referrals accepted whose alert
// had not arrived --drain after the last submission. Exit 0 when nothing
// failed or went missing, 1 otherwise, 2 for bad flags or files.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/tls/credentials.h"
#include "echo.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench/bench_lib.h"
#include "tools/frontdoorctl/frontdoorctl.h"

ABSL_FLAG(std::string, method, "marac", "marac or echo");
ABSL_FLAG(std::string, target, "127.0.0.1:7443",
          "intake-svc (marac) or the echo server (echo)");
ABSL_FLAG(std::string, notify_target, "127.0.0.1:7446", "notify-svc");
ABSL_FLAG(std::string, ca, "", "CA certificate (PEM)");
ABSL_FLAG(std::string, cert, "", "Referrer's client certificate (PEM)");
ABSL_FLAG(std::string, key, "", "Referrer's client key (PEM)");
ABSL_FLAG(std::string, hub_cert, "", "Police hub's client certificate (PEM)");
ABSL_FLAG(std::string, hub_key, "", "Police hub's client key (PEM)");
ABSL_FLAG(std::string, payload, "",
          "JSON file with a high-risk Referral (marac); echo sends as many "
          "bytes as its serialized SubmitReferralRequest");
ABSL_FLAG(double, rate, 10, "Calls started per second");
ABSL_FLAG(bool, same_people, false,
          "marac: send --payload's subject and other party unchanged in "
          "every referral; by default each names its own two people");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long to send");
ABSL_FLAG(absl::Duration, drain, absl::Seconds(10),
          "How long to wait for the last alerts after sending");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(5), "Deadline of each call");

namespace frontdoor::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kExitFailed = 1;
constexpr int kExitBadFlags = 2;
constexpr char kActor[] = "frontdoor-e2e-bench";

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// What the run saw, under one lock.
struct Tally {
  absl::Mutex mu;
  std::int64_t completed ABSL_GUARDED_BY(mu) = 0;
  std::map<std::string, std::int64_t> errors ABSL_GUARDED_BY(mu);
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  // marac: scheduled start by reference, and alert arrival by reference.
  std::map<std::string, Clock::time_point> scheduled ABSL_GUARDED_BY(mu);
  std::map<std::string, Clock::time_point> alerted ABSL_GUARDED_BY(mu);
  std::int64_t in_flight ABSL_GUARDED_BY(mu) = 0;
  std::int64_t last_position ABSL_GUARDED_BY(mu) = 0;
};

// One call's state, freed by its callback.
struct Call {
  grpc::ClientContext context;
  intake::v1::SubmitReferralRequest submit;
  intake::v1::SubmitReferralResponse submitted;
  v1::EchoRequest echo;
  v1::EchoResponse echoed;
  Clock::time_point scheduled;
};

int Main() {
  const std::string method = absl::GetFlag(FLAGS_method);
  const double rate = absl::GetFlag(FLAGS_rate);
  if ((method != "marac" && method != "echo") || !(rate > 0)) {
    std::cerr << "e2e-bench: --method=marac|echo and --rate > 0\n";
    return kExitBadFlags;
  }
  auto credentials = tls::MakeChannelCredentials(TlsFilesOf(
      absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_cert),
      absl::GetFlag(FLAGS_key)));
  absl::StatusOr<intake::v1::SubmitReferralRequest> request =
      ReadSubmitPayload(absl::GetFlag(FLAGS_payload));
  if (!credentials.ok() || !request.ok()) {
    std::cerr << "e2e-bench: "
              << (credentials.ok() ? request.status() : credentials.status())
              << "\n";
    return kExitBadFlags;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                           *credentials, args);
  auto intake = intake::v1::IntakeService::NewStub(channel);
  auto echo = v1::EchoService::NewStub(channel);
  Tally tally;

  // marac: the hub's stream, open before the first submission.
  std::unique_ptr<notify::v1::NotifyService::Stub> notify;
  grpc::ClientContext stream_context;
  std::unique_ptr<grpc::ClientReader<notify::v1::Delivery>> stream;
  std::thread reader;
  if (method == "marac") {
    auto hub = tls::MakeChannelCredentials(
        TlsFilesOf(absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_hub_cert),
                   absl::GetFlag(FLAGS_hub_key)));
    if (!hub.ok()) {
      std::cerr << "e2e-bench: " << hub.status() << "\n";
      return kExitBadFlags;
    }
    notify = notify::v1::NotifyService::NewStub(
        grpc::CreateCustomChannel(absl::GetFlag(FLAGS_notify_target), *hub,
                                  args));
    stream_context.AddMetadata(ctl::kActorMetadataKey, kActor);
    // From the hub's acknowledged position: each run acknowledges what it
    // saw, so the next starts after it.
    stream = notify->Subscribe(&stream_context, notify::v1::SubscribeRequest());
    reader = std::thread([&] {
      notify::v1::Delivery d;
      while (stream->Read(&d)) {
        const Clock::time_point now = Clock::now();
        absl::MutexLock lock(&tally.mu);
        tally.last_position = d.position();
        if (!d.notification().has_marac_alert()) continue;
        tally.alerted.emplace(d.notification().marac_alert().reference(), now);
      }
    });
  }

  absl::BitGen gen;
  const bool same_people = absl::GetFlag(FLAGS_same_people);
  const std::string run_id =
      absl::StrFormat("%016x", absl::Uniform<std::uint64_t>(gen));
  const Clock::time_point start = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / rate));
  const std::int64_t total = static_cast<std::int64_t>(
      rate * absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration)));
  const absl::Duration deadline = absl::GetFlag(FLAGS_deadline);
  for (std::int64_t i = 0; i < total; ++i) {
    const Clock::time_point at = start + i * interval;
    std::this_thread::sleep_until(at);
    auto* call = new Call();
    call->scheduled = at;
    call->context.AddMetadata(ctl::kActorMetadataKey, kActor);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    {
      absl::MutexLock lock(&tally.mu);
      ++tally.in_flight;
    }
    auto done = [&tally, call, method](grpc::Status status) {
      const Clock::time_point now = Clock::now();
      absl::MutexLock lock(&tally.mu);
      --tally.in_flight;
      if (!status.ok()) {
        ++tally.errors[StatusCodeName(status.error_code())];
      } else {
        ++tally.completed;
        if (method == "echo") {
          tally.latencies_ms.push_back(Ms(now - call->scheduled));
        } else {
          tally.scheduled.emplace(call->submitted.receipt().reference(),
                                  call->scheduled);
        }
      }
      delete call;
    };
    if (method == "echo") {
      call->echo.set_payload(std::string(request->ByteSizeLong(), 'x'));
      echo->async()->Echo(&call->context, &call->echo, &call->echoed, done);
    } else {
      call->submit = *request;
      call->submit.set_idempotency_key(
          absl::StrFormat("e2e-%s-%d", run_id, i));
      if (!same_people) NamePeople(i, call->submit);
      intake->async()->SubmitReferral(&call->context, &call->submit,
                                      &call->submitted, done);
    }
  }
  // Every reply, then (marac) every alert or the drain time.
  const absl::Time drain_until = absl::Now() + absl::GetFlag(FLAGS_drain) +
                                 deadline;
  std::int64_t missing = 0;
  {
    absl::MutexLock lock(&tally.mu);
    auto settled = [&tally]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tally.mu) {
      if (tally.in_flight > 0) return false;
      for (const auto& [reference, at] : tally.scheduled) {
        if (tally.alerted.count(reference) == 0) return false;
      }
      return true;
    };
    tally.mu.AwaitWithDeadline(absl::Condition(&settled), drain_until);
    for (const auto& [reference, at] : tally.scheduled) {
      auto alert = tally.alerted.find(reference);
      if (alert == tally.alerted.end()) {
        ++missing;
        continue;
      }
      tally.latencies_ms.push_back(Ms(alert->second - at));
    }
  }
  if (reader.joinable()) {
    stream_context.TryCancel();
    reader.join();
    (void)stream->Finish();
    // The next run's stream starts after this one's alerts.
    grpc::ClientContext ack_context;
    ack_context.AddMetadata(ctl::kActorMetadataKey, kActor);
    ack_context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    notify::v1::AckRequest ack;
    notify::v1::AckResponse acked;
    {
      absl::MutexLock lock(&tally.mu);
      ack.set_position(tally.last_position);
    }
    if (ack.position() > 0) {
      (void)notify->Ack(&ack_context, ack, &acked);
    }
  }

  absl::MutexLock lock(&tally.mu);
  std::vector<double> sorted = tally.latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  std::int64_t errors = 0;
  for (const auto& [code, n] : tally.errors) errors += n;
  std::cout << absl::StrFormat(
                   "{\"method\":\"%s\",\"rate\":%g,\"duration_s\":%g,"
                   "\"sent\":%d,\"completed\":%d,\"errors\":%d,\"missing\":%d,"
                   "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
                   "\"max_ms\":%.3f}",
                   method, rate,
                   absl::ToDoubleSeconds(absl::GetFlag(FLAGS_duration)), total,
                   tally.completed, errors, missing, Percentile(sorted, 0.5),
                   Percentile(sorted, 0.9), Percentile(sorted, 0.99),
                   sorted.empty() ? 0.0 : sorted.back())
            << std::endl;
  return errors == 0 && missing == 0 ? 0 : kExitFailed;
}

}  // namespace
}  // namespace frontdoor::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return frontdoor::bench::Main();
}
