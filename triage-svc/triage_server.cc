#include "triage-svc/triage_server.h"

#include <utility>

#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/outbox/outbox_collector.h"
#include "common/outbox/relay.h"
#include "common/tls/credentials.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/status/errors.h"
#include "common/tls/agency_registry.h"
#include "prometheus/registry.h"
#include "triage-svc/migrations.h"
#include "triage-svc/rules.h"
#include "triage-svc/triage_core.h"
#include "triage-svc/triage_metrics.h"
#include "triage-svc/triage_service.h"

namespace frontdoor::triage {
namespace {

using server::WithContext;

// The relay's hand-over to allocation-svc.
using AllocationSink =
    outbox::UnarySink<v1::TriageDecided,
                      allocation::v1::DeliverDecisionResponse>;
// Request metadata "frontdoor-actor" of the relay's calls.
constexpr char kRelayActor[] = "triage-svc outbox relay";
// At shutdown, how long the relay may keep handing over due events.
constexpr absl::Duration kRelayFlushBudget = absl::Seconds(2);

// A rules file's problems, each entry named, in one message.
absl::Status RulesError(const absl::Status& status, const std::string& path) {
  std::string entries;
  for (const FieldViolation& v : GetFieldViolations(status)) {
    absl::StrAppend(&entries, "; ", v.field, ": ", v.description);
  }
  return absl::Status(status.code(), absl::StrCat("rules file ", path, ": ",
                                                  status.message(), entries));
}

class TriageServerImpl final : public TriageServer {
 public:
  absl::Status Init(const config::v1::TriageConfig& config,
                    const Clock& clock) {
    absl::StatusOr<config::v1::TriageRules> rules_proto =
        config::LoadJsonFile<config::v1::TriageRules>(config.rules_file());
    if (!rules_proto.ok()) {
      return WithContext(rules_proto.status(), "loading the triage rules");
    }
    absl::StatusOr<Rules> rules = Rules::FromProto(*rules_proto);
    if (!rules.ok()) return RulesError(rules.status(), config.rules_file());
    rules_ = std::make_unique<Rules>(*std::move(rules));

    absl::StatusOr<tls::AgencyRegistry> registry =
        tls::AgencyRegistry::LoadFromFile(config.agency_registry_file());
    if (!registry.ok()) {
      return WithContext(registry.status(), "loading the agency registry");
    }
    registry_ = std::make_unique<tls::AgencyRegistry>(*std::move(registry));

    absl::StatusOr<crypto::KeyRing> keys =
        crypto::KeyRing::LoadFile(config.key_ring_file());
    if (!keys.ok()) return WithContext(keys.status(), "loading the key ring");
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));

    absl::StatusOr<std::unique_ptr<store::Store>> store =
        server::OpenServiceStore(config.store(), Migrations());
    if (!store.ok()) return store.status();
    store_ = *std::move(store);

    // One relay per hop: allocation-svc when configured. notify-svc's
    // events wait in the outbox until it exists.
    if (!config.allocation().target().empty()) {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
          tls::MakeDownstreamChannel(config.allocation(),
                                     config.server().tls());
      if (!channel.ok()) {
        return WithContext(channel.status(), "connecting to allocation-svc");
      }
      allocation_ = allocation::v1::AllocationInbox::NewStub(*channel);
      allocation::v1::AllocationInbox::Stub* stub = allocation_.get();
      sink_ = std::make_unique<AllocationSink>(
          *keys_, kDecidedForAllocationTopic,
          outbox::DeliveryDeadline(config.allocation()), kRelayActor,
          [stub](grpc::ClientContext* context, const v1::TriageDecided& event,
                 allocation::v1::DeliverDecisionResponse* response) {
            return stub->DeliverDecision(context, event, response);
          });
      outbox::RelayOptions options;
      options.topic = kDecidedForAllocationTopic;
      relay_ = std::make_unique<outbox::Relay>(*store_, *sink_, clock, options);
      if (absl::Status s = relay_->Start(); !s.ok()) {
        return WithContext(s, "starting the outbox relay");
      }
    } else {
      Log(Level::kWarning, "relay.not_configured",
          {{"service", "triage-svc"},
           {"detail", "no allocation target: decisions wait in the outbox"}});
    }
    metrics_registry_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<TriageMetrics>(*metrics_registry_);
    outbox::Relay* relay = relay_.get();
    core_ = std::make_unique<TriageCore>(*store_, *keys_, *rules_, clock,
                                         *metrics_, [relay] {
                                           if (relay != nullptr) {
                                             relay->Notify();
                                           }
                                         });
    service_ = std::make_unique<TriageService>(*core_, *registry_);
    inbox_ = std::make_unique<TriageInbox>(*core_, *registry_);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get(), inbox_.get()};
    parts.registry = metrics_registry_;
    TriageCore* core = core_.get();
    parts.collectables = {
        std::make_shared<QueueCollector>([core] { return core->Stats(); }),
        std::make_shared<outbox::OutboxCollector>(
            *store_, clock,
            std::vector<std::string>{kDecidedForAllocationTopic,
                                     kDecidedForNotifyTopic},
            relay_.get())};
    absl::StatusOr<std::unique_ptr<server::ServerHost>> host =
        server::ServerHost::Start(std::move(parts));
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    Log(Level::kInfo, "server.started",
        {{"service", "triage-svc"},
         {"api_port", host_->api_port()},
         {"health_port", host_->health_port()},
         {"metrics_port", host_->metrics_port()},
         {"dash_rules", rules_->dash().version()},
         {"child_rules", rules_->child().version()}});
    return absl::OkStatus();
  }

  int api_port() const override { return host_->api_port(); }
  int health_port() const override { return host_->health_port(); }
  int metrics_port() const override { return host_->metrics_port(); }

  absl::Status Shutdown(absl::Duration grace) override {
    if (stopped_) return absl::OkStatus();
    stopped_ = true;
    absl::Status status = host_->Shutdown(grace);
    if (relay_ != nullptr) {
      relay_->Stop();
      relay_->Flush(kRelayFlushBudget).IgnoreError();
    }
    store_->Close();
    Log(Level::kInfo, "server.stopped", {{"service", "triage-svc"}});
    return status;
  }

  ~TriageServerImpl() override {
    if (host_ != nullptr) Shutdown(absl::ZeroDuration()).IgnoreError();
  }

 private:
  bool stopped_ = false;
  std::unique_ptr<Rules> rules_;
  std::unique_ptr<tls::AgencyRegistry> registry_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<allocation::v1::AllocationInbox::Stub> allocation_;
  std::unique_ptr<AllocationSink> sink_;
  std::unique_ptr<outbox::Relay> relay_;
  std::shared_ptr<prometheus::Registry> metrics_registry_;
  std::unique_ptr<TriageMetrics> metrics_;
  std::unique_ptr<TriageCore> core_;
  std::unique_ptr<TriageService> service_;
  std::unique_ptr<TriageInbox> inbox_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::TriageConfig& config) {
  config::RequiredSettings required;
  server::RequireServerSettings(config.server(), config.store(), required);
  required.Require(!config.agency_registry_file().empty(),
                   "agency_registry_file");
  required.Require(!config.rules_file().empty(), "rules_file");
  required.Require(!config.key_ring_file().empty(), "key_ring_file");
  return required.Check("triage-svc configuration");
}

absl::StatusOr<std::unique_ptr<TriageServer>> TriageServer::Start(
    const config::v1::TriageConfig& config, const Clock& clock) {
  return server::ValidateAndStart<TriageServerImpl>(config, clock, ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::TriageConfig>(
      "triage-svc", config_path,
      [](const config::v1::TriageConfig& config) {
        return TriageServer::Start(config);
      });
}

}  // namespace frontdoor::triage
