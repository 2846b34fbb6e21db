#include "intake-svc/intake_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/outbox/outbox_collector.h"
#include "common/rights/rights_service.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/server/strict_decoding.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "intake-svc/crash_points.h"
#include "intake-svc/districts.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_metrics.h"
#include "intake-svc/intake_rights.h"
#include "intake-svc/intake_service.h"
#include "intake-svc/migrations.h"
#include "intake-svc/reindex.h"
#include "prometheus/registry.h"

namespace frontdoor::intake {
namespace {

// Request metadata "frontdoor-actor" of the relay's calls.
constexpr char kRelayActor[] = "intake-svc outbox relay";

class IntakeServerImpl final : public server::RunningService<IntakeServer> {
 public:
  IntakeServerImpl() : RunningService("intake-svc") {}
  ~IntakeServerImpl() override {
    // Stops serving before the members the server calls are destroyed.
    Shutdown(absl::ZeroDuration()).IgnoreError();
  }

  absl::Status Init(const config::v1::IntakeConfig& config,
                    const Clock& clock) {
    absl::StatusOr<config::v1::DistrictList> district_list =
        config::LoadJsonFile<config::v1::DistrictList>(config.districts_file());
    if (!district_list.ok()) {
      return server::WithContext(district_list.status(),
                                 "loading the districts");
    }
    absl::StatusOr<DistrictDirectory> districts =
        DistrictDirectory::FromProto(*district_list);
    if (!districts.ok()) {
      return server::WithContext(
          districts.status(),
          absl::StrCat("districts file ", config.districts_file()));
    }
    districts_ = std::make_unique<DistrictDirectory>(*std::move(districts));

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

    if (absl::Status s = AddHop<triage::v1::TriageInbox>(
            config.triage(), config.server().tls(), clock,
            kReferralReceivedTopic, kRelayActor,
            &triage::v1::TriageInbox::Stub::async::DeliverReferral);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AddHop<notify::v1::NotifyInbox>(
            config.notify(), config.server().tls(), clock,
            kReferralReceivedForNotifyTopic, kRelayActor,
            &notify::v1::NotifyInbox::Stub::async::DeliverReferralReceived);
        !s.ok()) {
      return s;
    }

    auto metrics_registry = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<IntakeMetrics>(*metrics_registry);
    core_ = std::make_unique<IntakeCore>(
        *common_.store, *common_.keys, *districts_, *common_.registry, clock,
        *metrics_, [this] {
          // Crash-point build: the relay
          // must not beat the reply.
          if (FRONTDOOR_CRASH_POINT_ARMED("after_ack_before_forward")) {
            return;
          }
          NotifyRelays();
        });
    absl::StatusOr<server::RateLimitPolicy> policy =
        server::RateLimitPolicyForServer(config.server(), *common_.registry);
    if (!policy.ok()) return policy.status();
    limits_ = std::make_unique<server::EdgeLimits>(
        "intake-svc", *std::move(policy), clock, *metrics_registry);
    service_ = std::make_unique<IntakeService>(*core_, *common_.agencies,
                                               *metrics_, *limits_);
    if (absl::Status s = server::DecodeRequestsStrictly<v1::IntakeService>(
            *service_, &IntakeService::SubmitReferral,
            &IntakeService::GetReferral, &IntakeService::ReadReferral,
            &IntakeService::ListHistory, &IntakeService::Report);
        !s.ok()) {
      return s;
    }

    rights_core_ =
        std::make_unique<IntakeRights>(*common_.store, *common_.keys, clock);
    absl::StatusOr<std::unique_ptr<rights::RightsService>> rights =
        rights::MakeRightsService(*rights_core_, *common_.agencies, *limits_);
    if (!rights.ok()) return rights.status();
    rights_service_ = *std::move(rights);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get(), rights_service_.get()};
    parts.agencies = common_.registry.get();
    // Partners send here: the smallest limit of the chain, so that every
    // event made from an accepted request fits the later hops.
    parts.max_receive_message_bytes = server::kMaxPartnerRequestBytes;
    parts.registry = std::move(metrics_registry);
    parts.collectables = {std::make_shared<outbox::OutboxCollector>(
        *common_.store, clock,
        std::vector<std::string>{kReferralReceivedTopic,
                                 kReferralReceivedForNotifyTopic},
        relays())};
    absl::StatusOr<retention::Schedule> retention =
        retention::ScheduleFor(config.server().retention());
    if (!retention.ok()) return retention.status();
    return Serve(std::move(parts), SealedColumns(),
                 {ReturnedReferralSchedule(*rights_core_,
                                           retention->returned_referral)});
  }

 private:
  std::unique_ptr<DistrictDirectory> districts_;
  std::unique_ptr<IntakeMetrics> metrics_;
  std::unique_ptr<IntakeCore> core_;
  std::unique_ptr<server::EdgeLimits> limits_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<IntakeRights> rights_core_;
  std::unique_ptr<rights::RightsService> rights_service_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::IntakeConfig& config) {
  config::RequiredSettings required;
  server::RequireCommonSettings(config.server(), config.store(),
                                config.agency_registry_file(),
                                config.key_ring_file(), required);
  required.Require(!config.districts_file().empty(), "districts_file");
  if (absl::Status s = required.Check("intake-svc configuration"); !s.ok()) {
    return s;
  }
  if (absl::Status s = server::CheckServerSettings(config.server()); !s.ok()) {
    return s;
  }
  return outbox::CheckDownstreams(
      {{"triage", &config.triage()}, {"notify", &config.notify()}},
      "intake-svc");
}

absl::StatusOr<std::unique_ptr<IntakeServer>> IntakeServer::Start(
    const config::v1::IntakeConfig& config, const Clock& clock) {
  return server::ValidateAndStart<IntakeServerImpl>(config, clock,
                                                    ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::IntakeConfig>(
      "intake-svc", config_path, [](const config::v1::IntakeConfig& config) {
        return IntakeServer::Start(config);
      });
}

}  // namespace frontdoor::intake
