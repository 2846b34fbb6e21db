// frontdoor-drain-bench: how fast a backlog of high-risk referrals drains to
// the police hub's stream once triage-svc comes back. Driven by
// tools/bench/drain, which starts the suite without triage-svc.
//
//  1. Opens the hub's Subscribe stream on notify-svc (--notify_target,
//     --hub_cert, --hub_key) and holds it throughout, resuming it after the
//     last position read whenever notify-svc ends it (a connection's
//     maximum age, 5 min and 30 s of grace, ends long streams).
//  2. Submits --referrals high-risk referrals (--payload) to intake-svc
//     (--target) as fast as it takes them: --concurrency calls in flight
//     (callback API), one channel (connection) per 16 of them, a unique
//     idempotency key each, and (unless --same_people) family names of
//     their own for the subject and the other party, so that no victim's or
//     suspect's history grows with the backlog. Prints {"phase":"submit",..}
//     and flushes.
//  3. Waits (at most --go_timeout) for SIGUSR1, sent by the script once it
//     has started triage-svc: that moment is t0.
//  4. Waits until every accepted referral's MARAC alert has arrived, or no
//     new alert has arrived for --idle_timeout (at most --max_wait after
//     t0). Prints {"phase":"drain",..}.
//
// {"phase":"submit","referrals":..,"concurrency":..,"channels":..,
//  "accepted":..,"errors":..,"errors_by_code":{..},"seconds":..,"rps":..,
//  "p50_ms":..,"p99_ms":..,"max_ms":..}
// {"phase":"drain","accepted":..,"alerts":..,"missing":..,
//  "early_alerts":..,"first_alert_s":..,"last_alert_s":..,
//  "alerts_per_s":..,"steady_alerts_per_s":..,"decile_alerts_per_s":[..],
//  "stream_resumed":..}
// Times are seconds after t0. alerts_per_s is alerts / last_alert_s;
// steady_alerts_per_s is (alerts - 1) / (last_alert_s - first_alert_s);
// decile_alerts_per_s is the rate of each tenth of the accepted referrals
// in order of arrival, the first measured from t0 (null for a tenth that
// did not complete). early_alerts counts MARAC alerts for this run's
// referrals seen before t0 (0 unless triage-svc was running after all);
// stream_resumed, how many times the hub's stream ended and was resumed.
//
// Exit 0 when every referral was accepted and every alert arrived, 1
// otherwise (both lines are still printed), 2 for bad flags or files.

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/tls/credentials.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench/bench_lib.h"
#include "tools/frontdoorctl/frontdoorctl.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7443", "intake-svc");
ABSL_FLAG(std::string, notify_target, "127.0.0.1:7446", "notify-svc");
ABSL_FLAG(std::string, ca, "", "CA certificate (PEM)");
ABSL_FLAG(std::string, cert, "", "Referrer's client certificate (PEM)");
ABSL_FLAG(std::string, key, "", "Referrer's client key (PEM)");
ABSL_FLAG(std::string, hub_cert, "", "Police hub's client certificate (PEM)");
ABSL_FLAG(std::string, hub_key, "", "Police hub's client key (PEM)");
ABSL_FLAG(std::string, payload, "", "JSON file with a high-risk Referral");
ABSL_FLAG(std::int64_t, referrals, 100000, "Referrals in the backlog");
ABSL_FLAG(int, concurrency, 64, "Submissions in flight");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10),
          "Deadline of each submission");
ABSL_FLAG(bool, same_people, false,
          "Send --payload's subject and other party unchanged in every "
          "referral; by default each referral names its own two people, so "
          "that no one's history grows with the backlog");
ABSL_FLAG(absl::Duration, go_timeout, absl::Seconds(120),
          "Longest wait for SIGUSR1 after the submissions");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(120),
          "The alerts still missing when none has arrived for this long are "
          "counted missing (the relays' back-off reaches 60 s)");
ABSL_FLAG(absl::Duration, max_wait, absl::Hours(4),
          "Longest wait for the alerts after t0");

namespace frontdoor::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kExitFailed = 1;
constexpr int kExitBadFlags = 2;
constexpr int kWorkersPerChannel = 16;
constexpr int kMaxConcurrency = 10000;
constexpr char kActor[] = "frontdoor-drain-bench";
// The signal the script sends once triage-svc has been started.
constexpr int kGoSignal = SIGUSR1;
// Before resuming the hub's stream after it ended.
constexpr absl::Duration kResumePause = absl::Milliseconds(100);

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The hub's view: when each MARAC alert arrived.
struct Alerts {
  absl::Mutex mu;
  std::unordered_map<std::string, Clock::time_point> arrived
      ABSL_GUARDED_BY(mu);
  Clock::time_point last ABSL_GUARDED_BY(mu);
  // The stream: the last position read, the call in progress (to cancel),
  // how many times it was resumed, and whether reading should stop.
  std::int64_t position ABSL_GUARDED_BY(mu) = 0;
  grpc::ClientContext* stream ABSL_GUARDED_BY(mu) = nullptr;
  std::int64_t resumed ABSL_GUARDED_BY(mu) = 0;
  bool stopping ABSL_GUARDED_BY(mu) = false;
};

// The submissions: what was accepted, what failed, how long each took.
struct Submissions {
  absl::Mutex mu;
  std::int64_t next ABSL_GUARDED_BY(mu) = 0;
  std::int64_t in_flight ABSL_GUARDED_BY(mu) = 0;
  std::vector<std::string> accepted ABSL_GUARDED_BY(mu);
  std::map<std::string, std::int64_t> errors ABSL_GUARDED_BY(mu);
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
};

struct Call {
  grpc::ClientContext context;
  intake::v1::SubmitReferralRequest request;
  intake::v1::SubmitReferralResponse response;
  Clock::time_point started;
};

// Keeps `concurrency` SubmitReferral calls in flight until `total` have
// been made, then returns.
class Submitter {
 public:
  Submitter(std::vector<std::unique_ptr<intake::v1::IntakeService::Stub>> stubs,
            intake::v1::SubmitReferralRequest request, std::string run_id,
            std::int64_t total, absl::Duration deadline, bool same_people)
      : stubs_(std::move(stubs)),
        request_(std::move(request)),
        run_id_(std::move(run_id)),
        total_(total),
        deadline_(deadline),
        same_people_(same_people) {}

  void Run(int concurrency) {
    for (int i = 0; i < concurrency; ++i) StartNext();
    absl::MutexLock lock(&state_.mu);
    auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_.mu) {
      return state_.in_flight == 0 && state_.next >= total_;
    };
    state_.mu.Await(absl::Condition(&done));
  }

  Submissions& state() { return state_; }

 private:
  void StartNext() {
    std::int64_t index;
    {
      absl::MutexLock lock(&state_.mu);
      if (state_.next >= total_) return;
      index = state_.next++;
      ++state_.in_flight;
    }
    auto* call = new Call();
    call->request = request_;
    if (!same_people_) NamePeople(index, call->request);
    call->request.set_idempotency_key(
        absl::StrFormat("drain-%s-%d", run_id_, index));
    call->context.AddMetadata(ctl::kActorMetadataKey, kActor);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
    call->started = Clock::now();
    stubs_[index % stubs_.size()]->async()->SubmitReferral(
        &call->context, &call->request, &call->response,
        [this, call](grpc::Status status) {
          const Clock::time_point now = Clock::now();
          {
            absl::MutexLock lock(&state_.mu);
            if (status.ok()) {
              state_.accepted.push_back(call->response.receipt().reference());
              state_.latencies_ms.push_back(
                  1000 * Seconds(now - call->started));
            } else {
              ++state_.errors[StatusCodeName(status.error_code())];
            }
          }
          delete call;
          // The next call counts in in_flight before this one leaves it,
          // so Run() sees 0 only after the last.
          StartNext();
          absl::MutexLock lock(&state_.mu);
          --state_.in_flight;
        });
  }

  std::vector<std::unique_ptr<intake::v1::IntakeService::Stub>> stubs_;
  const intake::v1::SubmitReferralRequest request_;
  const std::string run_id_;
  const std::int64_t total_;
  const absl::Duration deadline_;
  const bool same_people_;
  Submissions state_;
};

std::string ErrorsJson(const std::map<std::string, std::int64_t>& errors) {
  std::vector<std::string> parts;
  for (const auto& [code, n] : errors) {
    parts.push_back(absl::StrFormat("\"%s\":%d", code, n));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

int Main() {
  const std::int64_t total = absl::GetFlag(FLAGS_referrals);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  if (total < 1 || concurrency < 1 || concurrency > kMaxConcurrency) {
    std::cerr << "drain-bench: --referrals >= 1 and --concurrency in [1, "
              << kMaxConcurrency << "]\n";
    return kExitBadFlags;
  }
  auto referrer = tls::MakeChannelCredentials(TlsFilesOf(
      absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_cert),
      absl::GetFlag(FLAGS_key)));
  auto hub = tls::MakeChannelCredentials(TlsFilesOf(
      absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_hub_cert),
      absl::GetFlag(FLAGS_hub_key)));
  absl::StatusOr<intake::v1::SubmitReferralRequest> request =
      ReadSubmitPayload(absl::GetFlag(FLAGS_payload));
  for (const absl::Status& s :
       {referrer.status(), hub.status(), request.status()}) {
    if (!s.ok()) {
      std::cerr << "drain-bench: " << s << "\n";
      return kExitBadFlags;
    }
  }

  // 1. The hub's stream, open before the first submission.
  grpc::ChannelArguments hub_args;
  hub_args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  auto notify = notify::v1::NotifyService::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_notify_target), *hub, hub_args));
  Alerts alerts;
  // Held, and resumed after the last position seen whenever notify-svc ends
  // it (each connection's maximum age ends long streams, as partners are
  // told), until StopReading().
  std::thread reader([&] {
    while (true) {
      grpc::ClientContext context;
      context.AddMetadata(ctl::kActorMetadataKey, kActor);
      notify::v1::SubscribeRequest request;
      {
        absl::MutexLock lock(&alerts.mu);
        if (alerts.stopping) return;
        alerts.stream = &context;
        if (alerts.position > 0) request.set_after_position(alerts.position);
      }
      auto stream = notify->Subscribe(&context, request);
      notify::v1::Delivery d;
      while (stream->Read(&d)) {
        const Clock::time_point now = Clock::now();
        absl::MutexLock lock(&alerts.mu);
        alerts.position = d.position();
        if (!d.notification().has_marac_alert()) continue;
        alerts.arrived.emplace(d.notification().marac_alert().reference(), now);
        alerts.last = now;
      }
      (void)stream->Finish();
      {
        absl::MutexLock lock(&alerts.mu);
        alerts.stream = nullptr;
        if (alerts.stopping) return;
        ++alerts.resumed;
      }
      // Not at once, should notify-svc refuse the stream outright.
      absl::SleepFor(kResumePause);
    }
  });
  auto stop_reading = [&] {
    {
      absl::MutexLock lock(&alerts.mu);
      alerts.stopping = true;
      if (alerts.stream != nullptr) alerts.stream->TryCancel();
    }
    reader.join();
  };

  // 2. The backlog.
  const int channels = (concurrency + kWorkersPerChannel - 1) /
                       kWorkersPerChannel;
  std::vector<std::unique_ptr<intake::v1::IntakeService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    // Its own connection, not one shared through the global subchannel pool.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stubs.push_back(intake::v1::IntakeService::NewStub(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), *referrer, args)));
  }
  absl::BitGen gen;
  Submitter submitter(std::move(stubs), *request,
                      absl::StrFormat("%016x", absl::Uniform<std::uint64_t>(gen)),
                      total, absl::GetFlag(FLAGS_deadline),
                      absl::GetFlag(FLAGS_same_people));
  const Clock::time_point submit_start = Clock::now();
  submitter.Run(concurrency);
  const double submit_seconds = Seconds(Clock::now() - submit_start);
  std::vector<std::string> accepted;
  std::int64_t submit_errors = 0;
  {
    Submissions& s = submitter.state();
    absl::MutexLock lock(&s.mu);
    accepted = s.accepted;
    for (const auto& [code, n] : s.errors) submit_errors += n;
    std::vector<double> sorted = s.latencies_ms;
    std::sort(sorted.begin(), sorted.end());
    std::cout << absl::StrFormat(
                     "{\"phase\":\"submit\",\"referrals\":%d,"
                     "\"concurrency\":%d,\"channels\":%d,\"accepted\":%d,"
                     "\"errors\":%d,\"errors_by_code\":%s,\"seconds\":%.3f,"
                     "\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                     "\"max_ms\":%.3f}",
                     total, concurrency, channels, accepted.size(),
                     submit_errors, ErrorsJson(s.errors), submit_seconds,
                     accepted.size() / submit_seconds, Percentile(sorted, 0.5),
                     Percentile(sorted, 0.99),
                     sorted.empty() ? 0.0 : sorted.back())
              << std::endl;
  }

  // 3. Triage-svc has been started.
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, kGoSignal);
  const timespec go_timeout =
      absl::ToTimespec(absl::GetFlag(FLAGS_go_timeout));
  if (sigtimedwait(&go, nullptr, &go_timeout) != kGoSignal) {
    std::cerr << "drain-bench: no SIGUSR1 within --go_timeout\n";
    stop_reading();
    return kExitFailed;
  }
  const Clock::time_point t0 = Clock::now();
  std::int64_t early = 0;
  {
    absl::MutexLock lock(&alerts.mu);
    for (const std::string& reference : accepted) {
      early += alerts.arrived.count(reference);
    }
    alerts.last = t0;
  }

  // 4. Every alert, or none for --idle_timeout.
  const absl::Duration idle = absl::GetFlag(FLAGS_idle_timeout);
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_max_wait);
  {
    absl::MutexLock lock(&alerts.mu);
    auto all_arrived = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(alerts.mu) {
      // Cheap first test; references are unique per accepted referral.
      if (alerts.arrived.size() < accepted.size()) return false;
      for (const std::string& reference : accepted) {
        if (alerts.arrived.count(reference) == 0) return false;
      }
      return true;
    };
    while (!all_arrived() && absl::Now() < give_up) {
      const absl::Duration quiet = absl::FromChrono(Clock::now() - alerts.last);
      if (quiet >= idle) break;
      alerts.mu.AwaitWithDeadline(absl::Condition(&all_arrived),
                                  std::min(absl::Now() + (idle - quiet), give_up));
    }
  }
  stop_reading();

  std::vector<double> arrivals;  // Seconds after t0, this run's only.
  std::int64_t resumed = 0;
  {
    absl::MutexLock lock(&alerts.mu);
    resumed = alerts.resumed;
    for (const std::string& reference : accepted) {
      auto it = alerts.arrived.find(reference);
      if (it != alerts.arrived.end()) {
        arrivals.push_back(Seconds(it->second - t0));
      }
    }
  }
  std::sort(arrivals.begin(), arrivals.end());
  const std::int64_t missing =
      static_cast<std::int64_t>(accepted.size() - arrivals.size());
  const double first = arrivals.empty() ? 0 : arrivals.front();
  const double last = arrivals.empty() ? 0 : arrivals.back();
  std::vector<std::string> deciles;
  for (const std::optional<double>& rate :
       DecileRates(arrivals, static_cast<std::int64_t>(accepted.size()))) {
    deciles.push_back(rate ? absl::StrFormat("%.1f", *rate) : "null");
  }
  std::cout << absl::StrFormat(
                   "{\"phase\":\"drain\",\"accepted\":%d,\"alerts\":%d,"
                   "\"missing\":%d,\"early_alerts\":%d,"
                   "\"first_alert_s\":%.3f,\"last_alert_s\":%.3f,"
                   "\"alerts_per_s\":%.1f,\"steady_alerts_per_s\":%.1f,"
                   "\"decile_alerts_per_s\":[%s],\"stream_resumed\":%d}",
                   accepted.size(), arrivals.size(), missing, early, first,
                   last, last > 0 ? arrivals.size() / last : 0.0,
                   last > first ? (arrivals.size() - 1) / (last - first) : 0.0,
                   absl::StrJoin(deciles, ","), resumed)
            << std::endl;
  const bool ok = submit_errors == 0 && missing == 0 &&
                  static_cast<std::int64_t>(accepted.size()) == total;
  return ok ? 0 : kExitFailed;
}

}  // namespace
}  // namespace frontdoor::bench

int main(int argc, char** argv) {
  // Before any thread exists (gRPC starts its own), so that every thread
  // blocks the go signal and sigtimedwait() in Main receives it.
  sigset_t go;
  sigemptyset(&go);
  sigaddset(&go, frontdoor::bench::kGoSignal);
  pthread_sigmask(SIG_BLOCK, &go, nullptr);
  absl::ParseCommandLine(argc, argv);
  return frontdoor::bench::Main();
}
