#include "common/server/server_host.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/metrics/grpc_server_metrics.h"
#include "common/server/framework_logs.h"
#include "common/server/not_found_metrics.h"
#include "common/server/server_options.h"
#include "common/tls/credentials.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"
#include "grpcpp/impl/server_initializer.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace frontdoor::server {
namespace {

// Prefix of gRPC's own services (health, reflection), which are not given a
// health status of their own.
constexpr char kGrpcServicePrefix[] = "grpc.";

int Millis(absl::Duration duration) {
  return static_cast<int>(absl::ToInt64Milliseconds(duration));
}

// Records the names of the services registered on the server being built
// ("pkg.Service"), which grpc::Service does not expose.
class ServiceNamesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit ServiceNamesPlugin(std::vector<std::string>* names)
      : names_(names) {}
  std::string name() override { return "frontdoor_service_names"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* si) override {
    for (const std::string& name : *si->GetServiceList()) {
      if (!absl::StartsWith(name, kGrpcServicePrefix)) names_->push_back(name);
    }
  }
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}

 private:
  std::vector<std::string>* names_;
};

// Makes the builder create its polled completion queues on a server whose
// only service is the default health service: that service is registered by
// Server::Start, after ServerBuilder has checked that some registered
// service (here, this plugin) needs polled queues, and without them
// BuildAndStart fails ("At least one of the completion queues must be
// frequently polled").
class PolledQueuesPlugin final : public grpc::ServerBuilderPlugin {
 public:
  std::string name() override { return "frontdoor_polled_queues"; }
  void InitServer(grpc::ServerInitializer* /*si*/) override {}
  void Finish(grpc::ServerInitializer* /*si*/) override {}
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
  bool has_sync_methods() const override { return true; }
};

// Name of gRPC's reflection plugin (ProtoServerReflectionPlugin::name()).
constexpr char kReflectionPluginName[] = "proto_server_reflection";

bool HasPlugin(const std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>&
                   plugins,
               const std::string& name) {
  for (const auto& plugin : plugins) {
    if (plugin->name() == name) return true;
  }
  return false;
}

// Sets the plugins of one ServerBuilder. Linking grpc++_reflection registers
// the reflection plugin for EVERY server in the process (a static
// initializer calls InitProtoReflectionServerBuilderPlugin), so the plugin is
// removed where it must not be and added where it must be.
class PluginsOption final : public grpc::ServerBuilderOption {
 public:
  // reflection: whether the server serves reflection. service_names: if not
  // null, receives the names of the registered services.
  PluginsOption(bool reflection, std::vector<std::string>* service_names)
      : reflection_(reflection), service_names_(service_names) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(
      std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins)
      override {
    if (reflection_) {
      if (!HasPlugin(*plugins, kReflectionPluginName)) {
        plugins->push_back(
            std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
      }
    } else {
      plugins->erase(
          std::remove_if(plugins->begin(), plugins->end(),
                         [](const auto& plugin) {
                           return plugin->name() == kReflectionPluginName;
                         }),
          plugins->end());
      plugins->push_back(std::make_unique<PolledQueuesPlugin>());
    }
    if (service_names_ != nullptr) {
      plugins->push_back(std::make_unique<ServiceNamesPlugin>(service_names_));
    }
  }

 private:
  const bool reflection_;
  std::vector<std::string>* const service_names_;
};

// Connection management shared by both gRPC servers.
void AddConnectionArguments(grpc::ServerBuilder& builder) {
  // gRPC sets SO_REUSEPORT by default, which lets a second process bind the
  // same port and silently take half the connections; a port conflict must
  // fail start-up instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(kKeepaliveTime));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Millis(kKeepaliveTimeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
                             kKeepalivePermitWithoutCalls ? 1 : 0);
  // Let the server's own keepalive pings continue on idle connections.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             Millis(kMinPingInterval));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                             Millis(kMaxConnectionAge));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             Millis(kMaxConnectionAgeGrace));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             kMaxConcurrentStreams);
}

absl::Status RequireAddress(const std::string& address, const char* setting) {
  if (address.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("server config: ", setting, " is not set"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerHost>> ServerHost::Start(
    ServerParts parts) {
  const config::v1::ServerConfig& config = parts.config;
  for (auto [address, setting] :
       {std::pair{&config.api_address(), "api_address"},
        std::pair{&config.health_address(), "health_address"},
        std::pair{&config.metrics_address(), "metrics_address"}}) {
    if (absl::Status status = RequireAddress(*address, setting); !status.ok()) {
      return status;
    }
  }
  if (parts.registry == nullptr) {
    return absl::InvalidArgumentError("server parts: no metrics registry");
  }
  for (grpc::Service* service : parts.services) {
    if (service == nullptr) {
      return absl::InvalidArgumentError("server parts: null service");
    }
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      tls::MakeServerCredentials(config.tls());
  if (!credentials.ok()) {
    return absl::Status(credentials.status().code(),
                        absl::StrCat("loading API server TLS credentials: ",
                                     credentials.status().message()));
  }

  RouteFrameworkLogsToJson();
  grpc::EnableDefaultHealthCheckService(true);
  // From here on, an early return destroys `host`, which stops whatever was
  // started.
  std::unique_ptr<ServerHost> host(new ServerHost());

  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config.api_address(), *credentials,
                             &host->api_port_);
    for (grpc::Service* service : parts.services) {
      builder.RegisterService(service);
    }
    builder.SetOption(std::make_unique<PluginsOption>(
        /*reflection=*/true, &host->service_names_));
    builder.SetMaxReceiveMessageSize(parts.max_receive_message_bytes);
    builder.SetMaxSendMessageSize(kMaxSendMessageBytes);
    AddConnectionArguments(builder);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<metrics::ServerMetricsInterceptorFactory>(
            parts.registry));
    if (parts.agencies != nullptr) {
      interceptors.push_back(
          std::make_unique<NotFoundMetricsInterceptorFactory>(*parts.agencies,
                                                              parts.registry));
    }
    for (auto& interceptor : parts.interceptors) {
      interceptors.push_back(std::move(interceptor));
    }
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    host->api_server_ = builder.BuildAndStart();
    if (host->api_server_ == nullptr || host->api_port_ == 0) {
      return absl::UnavailableError(absl::StrCat(
          "binding API port ", config.api_address(),
          ": server did not start (address in use or invalid, or a service "
          "registered twice)"));
    }
  }

  {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config.health_address(),
                             grpc::InsecureServerCredentials(),
                             &host->health_port_);
    builder.SetOption(std::make_unique<PluginsOption>(
        /*reflection=*/false, /*service_names=*/nullptr));
    AddConnectionArguments(builder);
    host->health_server_ = builder.BuildAndStart();
    if (host->health_server_ == nullptr || host->health_port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("binding health port ", config.health_address(),
                       ": server did not start (address in use or invalid)"));
    }
  }

  absl::StatusOr<std::unique_ptr<metrics::MetricsServer>> metrics_server =
      metrics::MetricsServer::Start(config.metrics_address(), parts.registry,
                                    parts.collectables);
  if (!metrics_server.ok()) {
    return absl::Status(metrics_server.status().code(),
                        absl::StrCat("starting metrics server: ",
                                     metrics_server.status().message()));
  }
  host->metrics_server_ = *std::move(metrics_server);
  host->metrics_port_ = host->metrics_server_->port();

  host->SetServing(true);
  for (grpc::Server* server : {host->api_server_.get(), host->health_server_.get()}) {
    if (grpc::HealthCheckServiceInterface* health =
            server->GetHealthCheckService()) {
      health->SetServingStatus(kLivenessService, true);
    }
  }
  return host;
}

ServerHost::~ServerHost() {
  Shutdown(absl::ZeroDuration()).IgnoreError();
  metrics_server_.reset();
}

void ServerHost::SetServing(bool serving) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  SetServingLocked(serving);
}

void ServerHost::SetServingLocked(bool serving) {
  for (grpc::Server* server : {api_server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    if (health == nullptr) continue;
    health->SetServingStatus("", serving);
    for (const std::string& name : service_names_) {
      health->SetServingStatus(name, serving);
    }
  }
}

absl::Status ServerHost::Shutdown(absl::Duration drain) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return absl::OkStatus();
    SetServingLocked(false);
    shut_down_ = true;
  }
  const std::chrono::system_clock::time_point deadline =
      absl::ToChronoTime(absl::Now() + drain);
  // API first: the health server keeps answering NOT_SERVING while the API
  // drains.
  if (api_server_ != nullptr) {
    api_server_->Shutdown(deadline);
    api_server_->Wait();
  }
  if (health_server_ != nullptr) {
    health_server_->Shutdown(deadline);
    health_server_->Wait();
  }
  return absl::OkStatus();
}

}  // namespace frontdoor::server
