#include "common/metrics/grpc_server_metrics.h"

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace frontdoor::metrics {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

constexpr char kUnknown[] = "unknown";

const char* TypeLabel(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return kUnknown;
}

// Splits "/pkg.Service/Method" into ("pkg.Service", "Method"); anything else
// gives ("unknown", "unknown").
std::pair<std::string, std::string> SplitMethod(absl::string_view full) {
  if (full.size() < 4 || full.front() != '/') return {kUnknown, kUnknown};
  full.remove_prefix(1);
  const size_t slash = full.find('/');
  if (slash == 0 || slash == absl::string_view::npos ||
      slash + 1 == full.size()) {
    return {kUnknown, kUnknown};
  }
  return {std::string(full.substr(0, slash)),
          std::string(full.substr(slash + 1))};
}

class ServerMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit ServerMetricsInterceptor(
      ServerMetricsInterceptorFactory::MethodMetrics& metrics)
      : metrics_(metrics), start_(std::chrono::steady_clock::now()) {
    metrics_.Started();
  }

  ~ServerMetricsInterceptor() override {
    if (!handled_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!handled_ && methods->QueryInterceptionHookPoint(
                         InterceptionHookPoints::PRE_SEND_STATUS)) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    handled_ = true;
    const std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start_;
    metrics_.Handled(code, elapsed.count());
  }

  ServerMetricsInterceptorFactory::MethodMetrics& metrics_;
  const std::chrono::steady_clock::time_point start_;
  // Hooks of one call run one at a time, so no synchronisation is needed.
  bool handled_ = false;
};

}  // namespace

ServerMetricsInterceptorFactory::MethodMetrics::MethodMetrics(
    prometheus::Family<prometheus::Counter>& started,
    prometheus::Family<prometheus::Counter>& handled,
    prometheus::Family<prometheus::Histogram>& handling,
    prometheus::Labels labels)
    : handled_family_(handled),
      labels_(std::move(labels)),
      started_(started.Add(labels_)),
      handling_(handling.Add(labels_, HandlingSecondsBuckets())) {}

void ServerMetricsInterceptorFactory::MethodMetrics::Handled(
    grpc::StatusCode code, double seconds) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kNumCodes) {
    index = static_cast<int>(grpc::StatusCode::UNKNOWN);
  }
  HandledCounter(index).Increment();
  handling_.Observe(seconds);
}

prometheus::Counter&
ServerMetricsInterceptorFactory::MethodMetrics::HandledCounter(int code) {
  if (prometheus::Counter* counter =
          handled_[code].load(std::memory_order_acquire)) {
    return *counter;
  }
  absl::MutexLock lock(&add_mu_);
  prometheus::Counter* counter = handled_[code].load(std::memory_order_relaxed);
  if (counter == nullptr) {
    prometheus::Labels labels = labels_;
    labels.emplace("grpc_code",
                   absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
    counter = &handled_family_.Add(labels);
    handled_[code].store(counter, std::memory_order_release);
  }
  return *counter;
}

ServerMetricsInterceptorFactory::ServerMetricsInterceptorFactory(
    std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("Total number of RPCs started on the server.")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("Total number of RPCs completed on the server, "
                         "regardless of success or failure.")
                   .Register(*registry_)),
      handling_(prometheus::BuildHistogram()
                    .Name("grpc_server_handling_seconds")
                    .Help("Histogram of response latency (seconds) of gRPC "
                          "that had been application-level handled by the "
                          "server.")
                    .Register(*registry_)) {}

grpc::experimental::Interceptor*
ServerMetricsInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new ServerMetricsInterceptor(ForMethod(info->method(), info->type()));
}

ServerMetricsInterceptorFactory::MethodMetrics&
ServerMetricsInterceptorFactory::ForMethod(const char* method,
                                           ServerRpcInfo::Type type) {
  const absl::string_view method_name = method == nullptr ? "" : method;
  std::string key = absl::StrCat(static_cast<int>(type), method_name);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = methods_.find(key);
    if (it != methods_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  auto it = methods_.find(key);
  if (it != methods_.end()) return *it->second;
  if (methods_.size() >= kMaxTrackedMethods) {
    std::unique_ptr<MethodMetrics>& unknown =
        untracked_[static_cast<int>(type)];
    if (unknown == nullptr) {
      unknown = std::make_unique<MethodMetrics>(
          started_, handled_, handling_,
          prometheus::Labels{{"grpc_service", kUnknown},
                             {"grpc_method", kUnknown},
                             {"grpc_type", TypeLabel(type)}});
    }
    return *unknown;
  }
  auto [service_label, method_label] = SplitMethod(method_name);
  auto metrics = std::make_unique<MethodMetrics>(
      started_, handled_, handling_,
      prometheus::Labels{{"grpc_service", std::move(service_label)},
                         {"grpc_method", std::move(method_label)},
                         {"grpc_type", TypeLabel(type)}});
  MethodMetrics& result = *metrics;
  methods_.emplace(std::move(key), std::move(metrics));
  return result;
}

}  // namespace frontdoor::metrics
