#include "triage-svc/triage_server.h"

#include <utility>

#include "common/config/config.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/outbox/outbox_collector.h"
#include "common/rights/rights_service.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/server/strict_decoding.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "prometheus/registry.h"
#include "triage-svc/migrations.h"
#include "triage-svc/reindex.h"
#include "triage-svc/rules.h"
#include "triage-svc/triage_core.h"
#include "triage-svc/triage_metrics.h"
#include "triage-svc/triage_rights.h"
#include "triage-svc/triage_service.h"

namespace frontdoor::triage {
namespace {

// Request metadata "frontdoor-actor" of the relay's calls.
constexpr char kRelayActor[] = "triage-svc outbox relay";

class TriageServerImpl final : public server::RunningService<TriageServer> {
 public:
  TriageServerImpl() : RunningService("triage-svc") {}
  ~TriageServerImpl() override {
    // Stops serving before the members the server calls are destroyed.
    Shutdown(absl::ZeroDuration()).IgnoreError();
  }

  absl::Status Init(const config::v1::TriageConfig& config,
                    const Clock& clock) {
    absl::StatusOr<config::v1::TriageRules> rules_proto =
        config::LoadJsonFile<config::v1::TriageRules>(config.rules_file());
    if (!rules_proto.ok()) {
      return server::WithContext(rules_proto.status(),
                                 "loading the triage rules");
    }
    absl::StatusOr<Rules> rules = Rules::FromProto(*rules_proto);
    if (!rules.ok()) {
      return server::DataFileError(rules.status(), config.rules_file());
    }
    rules_ = std::make_unique<Rules>(*std::move(rules));

    absl::StatusOr<server::CommonParts> common = server::LoadCommonParts(
        config.agency_registry_file(), config.key_ring_file(), config.store(),
        Migrations(), clock);
    if (!common.ok()) return common.status();
    common_ = *std::move(common);
    if (absl::StatusOr<ReindexResult> r =
            ReindexIdentities(*common_.store, *common_.keys);
        !r.ok()) {
      return server::WithContext(r.status(), "re-indexing identities");
    }

    // One relay per hop.
    if (absl::Status s = AddHop<allocation::v1::AllocationInbox>(
            config.allocation(), config.server().tls(), clock,
            kDecidedForAllocationTopic, kRelayActor,
            &allocation::v1::AllocationInbox::Stub::async::DeliverDecision);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AddHop<notify::v1::NotifyInbox>(
            config.notify(), config.server().tls(), clock,
            kDecidedForNotifyTopic, kRelayActor,
            &notify::v1::NotifyInbox::Stub::async::DeliverTriageDecided);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AddHop<notify::v1::NotifyInbox>(
            config.notify(), config.server().tls(), clock,
            kSerialPerpetratorTopic, kRelayActor,
            &notify::v1::NotifyInbox::Stub::async::DeliverSerialPerpetrator);
        !s.ok()) {
      return s;
    }

    auto metrics_registry = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<TriageMetrics>(*metrics_registry);
    core_ = std::make_unique<TriageCore>(*common_.store, *common_.keys, *rules_,
                                         clock, *metrics_,
                                         [this] { NotifyRelays(); });
    absl::StatusOr<server::RateLimitPolicy> policy =
        server::RateLimitPolicyForServer(config.server(), *common_.registry);
    if (!policy.ok()) return policy.status();
    limits_ = std::make_unique<server::EdgeLimits>(
        "triage-svc", *std::move(policy), clock, *metrics_registry);
    service_ =
        std::make_unique<TriageService>(*core_, *common_.agencies, *limits_);
    inbox_ = std::make_unique<TriageInbox>(*core_, *common_.agencies);
    if (absl::Status s = server::DecodeRequestsStrictly<v1::TriageService>(
            *service_, &TriageService::ListQueue,
            &TriageService::GetAssessmentForm, &TriageService::SubmitAssessment,
            &TriageService::GetDecision, &TriageService::OverrideDecision,
            &TriageService::ListHistory, &TriageService::Report);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = server::DecodeRequestsStrictly<v1::TriageInbox>(
            *inbox_, &TriageInbox::DeliverReferral);
        !s.ok()) {
      return s;
    }

    rights_core_ =
        std::make_unique<TriageRights>(*common_.store, *common_.keys, clock);
    absl::StatusOr<std::unique_ptr<rights::RightsService>> rights =
        rights::MakeRightsService(*rights_core_, *common_.agencies, *limits_);
    if (!rights.ok()) return rights.status();
    rights_service_ = *std::move(rights);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get(), inbox_.get(), rights_service_.get()};
    parts.agencies = common_.registry.get();
    parts.registry = std::move(metrics_registry);
    TriageCore* core = core_.get();
    parts.collectables = {
        std::make_shared<QueueCollector>([core] { return core->Stats(); }),
        std::make_shared<outbox::OutboxCollector>(
            *common_.store, clock,
            std::vector<std::string>{kDecidedForAllocationTopic,
                                     kDecidedForNotifyTopic,
                                     kSerialPerpetratorTopic},
            relays())};
    if (absl::Status s = Serve(std::move(parts), SealedColumns()); !s.ok())
      return s;
    Log(Level::kInfo, "triage.rules",
        {{"dash_rules", rules_->dash().version()},
         {"child_rules", rules_->child().version()}});
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<Rules> rules_;
  std::unique_ptr<TriageMetrics> metrics_;
  std::unique_ptr<TriageCore> core_;
  std::unique_ptr<server::EdgeLimits> limits_;
  std::unique_ptr<TriageService> service_;
  std::unique_ptr<TriageInbox> inbox_;
  std::unique_ptr<TriageRights> rights_core_;
  std::unique_ptr<rights::RightsService> rights_service_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::TriageConfig& config) {
  config::RequiredSettings required;
  server::RequireCommonSettings(config.server(), config.store(),
                                config.agency_registry_file(),
                                config.key_ring_file(), required);
  required.Require(!config.rules_file().empty(), "rules_file");
  if (absl::Status s = required.Check("triage-svc configuration"); !s.ok()) {
    return s;
  }
  if (absl::Status s = server::CheckServerSettings(config.server()); !s.ok()) {
    return s;
  }
  return outbox::CheckDownstreams(
      {{"allocation", &config.allocation()}, {"notify", &config.notify()}},
      "triage-svc");
}

absl::StatusOr<std::unique_ptr<TriageServer>> TriageServer::Start(
    const config::v1::TriageConfig& config, const Clock& clock) {
  return server::ValidateAndStart<TriageServerImpl>(config, clock,
                                                    ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::TriageConfig>(
      "triage-svc", config_path, [](const config::v1::TriageConfig& config) {
        return TriageServer::Start(config);
      });
}

}  // namespace frontdoor::triage
