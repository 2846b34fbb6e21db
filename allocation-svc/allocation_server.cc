#include "allocation-svc/allocation_server.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "allocation-svc/allocation_core.h"
#include "allocation-svc/allocation_metrics.h"
#include "allocation-svc/allocation_rights.h"
#include "allocation-svc/allocation_service.h"
#include "allocation-svc/catalogue.h"
#include "allocation-svc/migrations.h"
#include "allocation-svc/seal_reasons.h"
#include "allocation-svc/settings.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/outbox/outbox_collector.h"
#include "common/rights/rights_service.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/server/strict_decoding.h"
#include "common/status/errors.h"
#include "common/tls/agency_registry.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "prometheus/registry.h"

namespace frontdoor::allocation {
namespace {

using server::WithContext;

// Request metadata "frontdoor-actor" of the relay's calls.
constexpr char kRelayActor[] = "allocation-svc outbox relay";

class AllocationServerImpl final
    : public server::RunningService<AllocationServer> {
 public:
  AllocationServerImpl() : RunningService("allocation-svc") {}
  ~AllocationServerImpl() override {
    // Stops serving before the members the server calls are destroyed.
    Shutdown(absl::ZeroDuration()).IgnoreError();
  }

  absl::Status Init(const config::v1::AllocationConfig& config,
                    const Clock& clock) {
    absl::StatusOr<config::v1::Catalogue> catalogue_proto =
        config::LoadJsonFile<config::v1::Catalogue>(config.catalogue_file());
    if (!catalogue_proto.ok()) {
      return WithContext(catalogue_proto.status(), "loading the catalogue");
    }
    absl::StatusOr<Catalogue> catalogue =
        Catalogue::FromProto(*std::move(catalogue_proto));
    if (!catalogue.ok()) {
      return server::DataFileError(catalogue.status(), config.catalogue_file());
    }
    catalogue_ = std::make_unique<Catalogue>(*std::move(catalogue));

    absl::StatusOr<config::v1::AllocationSettings> settings_proto =
        config::LoadJsonFile<config::v1::AllocationSettings>(
            config.settings_file());
    if (!settings_proto.ok()) {
      return WithContext(settings_proto.status(),
                         "loading the allocation settings");
    }
    absl::StatusOr<Settings> settings =
        Settings::FromProto(*std::move(settings_proto), *catalogue_);
    if (!settings.ok()) {
      return server::DataFileError(settings.status(), config.settings_file());
    }
    settings_ = std::make_unique<Settings>(*std::move(settings));

    absl::StatusOr<config::v1::DistrictList> districts =
        config::LoadJsonFile<config::v1::DistrictList>(config.districts_file());
    if (!districts.ok()) {
      return WithContext(districts.status(), "loading the districts");
    }
    for (const auto& d : districts->districts()) {
      funding_areas_[d.code()] = d.funding_area();
    }

    absl::StatusOr<server::CommonParts> common = server::LoadCommonParts(
        config.agency_registry_file(), config.key_ring_file(), config.store(),
        Migrations(), clock);
    if (!common.ok()) return common.status();
    common_ = *std::move(common);
    // Reasons stored in clear before migration 002 are sealed before the
    // service serves.
    absl::StatusOr<int64_t> sealed =
        SealPlainReasons(*common_.store, *common_.keys);
    if (!sealed.ok()) {
      return server::WithContext(sealed.status(), "sealing placement reasons");
    }
    if (*sealed > 0) {
      Log(Level::kInfo, "allocation.reasons_sealed", {{"placements", *sealed}});
    }

    if (absl::Status s = AddHop<notify::v1::NotifyInbox>(
            config.notify(), config.server().tls(), clock,
            kPlacementChangedTopic, kRelayActor,
            &notify::v1::NotifyInbox::Stub::async::DeliverPlacementChanged);
        !s.ok()) {
      return s;
    }
    core_ = std::make_unique<AllocationCore>(
        *common_.store, *common_.keys, *catalogue_, *settings_,
        *common_.registry,
        [this](const std::string& district) {
          auto it = funding_areas_.find(district);
          return it == funding_areas_.end() ? std::string() : it->second;
        },
        clock, [this] { NotifyRelays(); });
    auto metrics_registry = std::make_shared<prometheus::Registry>();
    absl::StatusOr<server::RateLimitPolicy> policy =
        server::RateLimitPolicyForServer(config.server(), *common_.registry);
    if (!policy.ok()) return policy.status();
    limits_ = std::make_unique<server::EdgeLimits>(
        "allocation-svc", *std::move(policy), clock, *metrics_registry);
    service_ = std::make_unique<AllocationService>(*core_, *catalogue_,
                                                   *common_.agencies, *limits_);
    inbox_ = std::make_unique<AllocationInbox>(*core_, *common_.agencies);
    if (absl::Status s = server::DecodeRequestsStrictly<v1::AllocationService>(
            *service_, &AllocationService::ListProgrammes,
            &AllocationService::RecordConsent, &AllocationService::ReleasePlace,
            &AllocationService::RecordFailure,
            &AllocationService::RecordFirstContact,
            &AllocationService::ListWaiting, &AllocationService::GetPlacement,
            &AllocationService::ListHistory, &AllocationService::Report);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = server::DecodeRequestsStrictly<v1::AllocationInbox>(
            *inbox_, &AllocationInbox::DeliverDecision);
        !s.ok()) {
      return s;
    }

    rights_core_ = std::make_unique<AllocationRights>(*common_.store,
                                                      *common_.keys, clock);
    absl::StatusOr<std::unique_ptr<rights::RightsService>> rights =
        rights::MakeRightsService(*rights_core_, *common_.agencies, *limits_);
    if (!rights.ok()) return rights.status();
    rights_service_ = *std::move(rights);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get(), inbox_.get(), rights_service_.get()};
    parts.agencies = common_.registry.get();
    parts.registry = std::move(metrics_registry);
    parts.collectables = {
        std::make_shared<AllocationCollector>(*core_),
        std::make_shared<outbox::OutboxCollector>(
            *common_.store, clock,
            std::vector<std::string>{kPlacementChangedTopic}, relays())};
    absl::StatusOr<retention::Schedule> retention =
        retention::ScheduleFor(config.server().retention());
    if (!retention.ok()) return retention.status();
    if (absl::Status s = Serve(
            std::move(parts), SealedColumns(),
            {ClosedCaseSchedule(*rights_core_, retention->closed_case)});
        !s.ok())
      return s;
    Log(Level::kInfo, "allocation.catalogue",
        {{"catalogue", catalogue_->version()}});
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<Catalogue> catalogue_;
  std::unique_ptr<Settings> settings_;
  absl::flat_hash_map<std::string, std::string> funding_areas_;
  std::unique_ptr<AllocationCore> core_;
  std::unique_ptr<server::EdgeLimits> limits_;
  std::unique_ptr<AllocationService> service_;
  std::unique_ptr<AllocationInbox> inbox_;
  std::unique_ptr<AllocationRights> rights_core_;
  std::unique_ptr<rights::RightsService> rights_service_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::AllocationConfig& config) {
  config::RequiredSettings required;
  server::RequireCommonSettings(config.server(), config.store(),
                                config.agency_registry_file(),
                                config.key_ring_file(), required);
  required.Require(!config.catalogue_file().empty(), "catalogue_file");
  required.Require(!config.settings_file().empty(), "settings_file");
  required.Require(!config.districts_file().empty(), "districts_file");
  if (absl::Status s = required.Check("allocation-svc configuration");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = server::CheckServerSettings(config.server()); !s.ok()) {
    return s;
  }
  return outbox::CheckDownstreams({{"notify", &config.notify()}},
                                  "allocation-svc");
}

absl::StatusOr<std::unique_ptr<AllocationServer>> AllocationServer::Start(
    const config::v1::AllocationConfig& config, const Clock& clock) {
  return server::ValidateAndStart<AllocationServerImpl>(config, clock,
                                                        ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::AllocationConfig>(
      "allocation-svc", config_path,
      [](const config::v1::AllocationConfig& config) {
        return AllocationServer::Start(config);
      });
}

}  // namespace frontdoor::allocation
