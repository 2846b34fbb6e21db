#include "intake-svc/intake_server.h"

#include <csignal>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/crypto/key_ring.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/audit/audit.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/store/store.h"
#include "common/tls/agency_registry.h"
#include "intake-svc/districts.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/intake_metrics.h"
#include "intake-svc/intake_service.h"
#include "intake-svc/migrations.h"
#include "common/outbox/grpc_sink.h"
#include "common/tls/credentials.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "common/outbox/outbox_collector.h"
#include "common/outbox/relay.h"
#include "prometheus/registry.h"

namespace frontdoor::intake {

namespace {


// The relay's hand-over to triage-svc.
using TriageSink = outbox::UnarySink<intake::v1::ReferralReceived,
                                     triage::v1::DeliverReferralResponse>;
// Request metadata "frontdoor-actor" of the relay's calls.
constexpr char kRelayActor[] = "intake-svc outbox relay";

// At shutdown, how long the relay may keep handing over due events.
constexpr absl::Duration kRelayFlushBudget = absl::Seconds(2);

class IntakeServerImpl final : public IntakeServer {
 public:
  absl::Status Init(const config::v1::IntakeConfig& config,
                    const Clock& clock) {
    absl::StatusOr<tls::AgencyRegistry> registry =
        tls::AgencyRegistry::LoadFromFile(config.agency_registry_file());
    if (!registry.ok()) {
      return server::WithContext(registry.status(), "loading the agency registry");
    }
    registry_ = std::make_unique<tls::AgencyRegistry>(*std::move(registry));

    absl::StatusOr<config::v1::DistrictList> district_list =
        config::LoadJsonFile<config::v1::DistrictList>(config.districts_file());
    if (!district_list.ok()) {
      return server::WithContext(district_list.status(), "loading the districts");
    }
    absl::StatusOr<DistrictDirectory> districts =
        DistrictDirectory::FromProto(*district_list);
    if (!districts.ok()) {
      return server::WithContext(districts.status(),
                         absl::StrCat("districts file ",
                                      config.districts_file()));
    }
    districts_ = std::make_unique<DistrictDirectory>(*std::move(districts));

    absl::StatusOr<crypto::KeyRing> keys =
        crypto::KeyRing::LoadFile(config.key_ring_file());
    if (!keys.ok()) return server::WithContext(keys.status(), "loading the key ring");
    keys_ = std::make_unique<crypto::KeyRing>(*std::move(keys));

    absl::StatusOr<std::unique_ptr<store::Store>> store =
        server::OpenServiceStore(config.store(), Migrations());
    if (!store.ok()) return store.status();
    store_ = *std::move(store);

    if (!config.triage().target().empty()) {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
          tls::MakeDownstreamChannel(config.triage(), config.server().tls());
      if (!channel.ok()) {
        return server::WithContext(channel.status(), "connecting to triage-svc");
      }
      triage_ = triage::v1::TriageInbox::NewStub(*channel);
      triage::v1::TriageInbox::Stub* stub = triage_.get();
      sink_ = std::make_unique<TriageSink>(
          *keys_, kReferralReceivedTopic,
          outbox::DeliveryDeadline(config.triage()), kRelayActor,
          [stub](grpc::ClientContext* context,
                 const intake::v1::ReferralReceived& event,
                 triage::v1::DeliverReferralResponse* response) {
            return stub->DeliverReferral(context, event, response);
          });
      outbox::RelayOptions options;
      options.topic = kReferralReceivedTopic;
      relay_ = std::make_unique<outbox::Relay>(*store_, *sink_, clock, options);
      if (absl::Status s = relay_->Start(); !s.ok()) {
        return server::WithContext(s, "starting the outbox relay");
      }
    } else {
      Log(Level::kWarning, "relay.not_configured",
          {{"service", "intake-svc"},
           {"detail", "no triage target: referrals wait in the outbox"}});
    }

    registry_metrics_ = std::make_shared<prometheus::Registry>();
    metrics_ = std::make_unique<IntakeMetrics>(*registry_metrics_);
    outbox::Relay* relay = relay_.get();
    core_ = std::make_unique<IntakeCore>(
        *store_, *keys_, *districts_, clock, *metrics_, [relay] {
          if (relay != nullptr) relay->Notify();
        });
    service_ = std::make_unique<IntakeService>(*core_, *registry_, *metrics_);

    server::ServerParts parts;
    parts.config = config.server();
    parts.services = {service_.get()};
    parts.registry = registry_metrics_;
    parts.collectables = {std::make_shared<outbox::OutboxCollector>(
        *store_, clock, std::vector<std::string>{kReferralReceivedTopic},
        relay_.get())};
    absl::StatusOr<std::unique_ptr<server::ServerHost>> host =
        server::ServerHost::Start(std::move(parts));
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    Log(Level::kInfo, "server.started",
        {{"service", "intake-svc"},
         {"api_port", host_->api_port()},
         {"health_port", host_->health_port()},
         {"metrics_port", host_->metrics_port()}});
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
      // Hand over what is due now; anything left is delivered after restart.
      relay_->Stop();
      relay_->Flush(kRelayFlushBudget).IgnoreError();
    }
    // In-flight calls are done or cancelled; finish their queued writes.
    store_->Close();
    Log(Level::kInfo, "server.stopped", {{"service", "intake-svc"}});
    return status;
  }

  ~IntakeServerImpl() override {
    if (host_ != nullptr) Shutdown(absl::ZeroDuration()).IgnoreError();
  }

 private:
  bool stopped_ = false;
  std::unique_ptr<tls::AgencyRegistry> registry_;
  std::unique_ptr<DistrictDirectory> districts_;
  std::unique_ptr<crypto::KeyRing> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<triage::v1::TriageInbox::Stub> triage_;
  std::unique_ptr<TriageSink> sink_;
  std::unique_ptr<outbox::Relay> relay_;
  std::shared_ptr<prometheus::Registry> registry_metrics_;
  std::unique_ptr<IntakeMetrics> metrics_;
  std::unique_ptr<IntakeCore> core_;
  std::unique_ptr<IntakeService> service_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::IntakeConfig& config) {
  config::RequiredSettings required;
  server::RequireServerSettings(config.server(), config.store(), required);
  required.Require(!config.agency_registry_file().empty(),
                   "agency_registry_file");
  required.Require(!config.districts_file().empty(), "districts_file");
  required.Require(!config.key_ring_file().empty(), "key_ring_file");
  return required.Check("intake-svc configuration");
}

absl::StatusOr<std::unique_ptr<IntakeServer>> IntakeServer::Start(
    const config::v1::IntakeConfig& config, const Clock& clock) {
  return server::ValidateAndStart<IntakeServerImpl>(config, clock, ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::IntakeConfig>(
      "intake-svc", config_path,
      [](const config::v1::IntakeConfig& config) {
        return IntakeServer::Start(config);
      });
}

}  // namespace frontdoor::intake
