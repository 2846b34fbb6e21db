#include "notify-svc/notify_server.h"

#include <utility>
#include <vector>

#include "common/config/config.h"
#include "common/logging/logging.h"
#include "common/outbox/grpc_sink.h"
#include "common/outbox/outbox_collector.h"
#include "common/rights/rights_service.h"
#include "common/server/server_host.h"
#include "common/server/service_main.h"
#include "common/server/strict_decoding.h"
#include "common/status/errors.h"
#include "frontdoor/config/v1/notify_rules.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "notify-svc/email.h"
#include "notify-svc/migrations.h"
#include "notify-svc/notify_core.h"
#include "notify-svc/notify_metrics.h"
#include "notify-svc/notify_retention.h"
#include "notify-svc/notify_rights.h"
#include "notify-svc/notify_service.h"
#include "notify-svc/recipients.h"
#include "notify-svc/smtp.h"
#include "notify-svc/subscriptions.h"
#include "prometheus/registry.h"

namespace frontdoor::notify {
namespace {

using server::WithContext;

// Request metadata "frontdoor-actor" of push deliveries.
constexpr char kPushActor[] = "notify-svc push delivery";
// Defaults of PushConfig's zero values.
constexpr absl::Duration kDefaultInitialBackoff = absl::Milliseconds(500);
constexpr absl::Duration kDefaultMaxBackoff = absl::Seconds(60);
constexpr absl::Duration kDefaultDeadLetterAfter = absl::Hours(24);
// How often every open stream looks for notifications committed elsewhere.
constexpr absl::Duration kStreamPollInterval = absl::Seconds(2);

absl::Duration OrDefault(int64_t value, absl::Duration unit,
                         absl::Duration fallback) {
  return value > 0 ? value * unit : fallback;
}

outbox::RelayOptions PushRelayOptions(const config::v1::PushConfig& push) {
  outbox::RelayOptions options;
  options.initial_backoff = OrDefault(
      push.initial_backoff_ms(), absl::Milliseconds(1), kDefaultInitialBackoff);
  options.max_backoff = OrDefault(push.max_backoff_ms(), absl::Milliseconds(1),
                                  kDefaultMaxBackoff);
  options.dead_letter_after =
      OrDefault(push.dead_letter_after_seconds(), absl::Seconds(1),
                kDefaultDeadLetterAfter);
  return options;
}

class NotifyServerImpl final : public server::RunningService<NotifyServer> {
 public:
  NotifyServerImpl() : RunningService("notify-svc") {}
  ~NotifyServerImpl() override {
    // Stops serving before the members the server calls are destroyed.
    Shutdown(absl::ZeroDuration()).IgnoreError();
  }

  absl::Status Shutdown(absl::Duration grace) override {
    // Open streams would hold the drain for the whole grace period.
    if (hub_ != nullptr) hub_->CloseAll();
    return RunningService::Shutdown(grace);
  }

  absl::Status Init(const config::v1::NotifyConfig& config,
                    const Clock& clock) {
    absl::StatusOr<config::v1::NotifyRules> rules_proto =
        config::LoadJsonFile<config::v1::NotifyRules>(config.rules_file());
    if (!rules_proto.ok()) {
      return WithContext(rules_proto.status(), "loading the notify rules");
    }
    absl::StatusOr<Recipients> recipients =
        Recipients::FromProto(*std::move(rules_proto));
    if (!recipients.ok()) {
      return server::DataFileError(recipients.status(), config.rules_file());
    }
    recipients_ = std::make_unique<Recipients>(*std::move(recipients));

    absl::StatusOr<server::CommonParts> common = server::LoadCommonParts(
        config.agency_registry_file(), config.key_ring_file(), config.store(),
        Migrations(), clock);
    if (!common.ok()) return common.status();
    common_ = *std::move(common);

    // One relay per push partner, each with its own back-off.
    std::vector<std::string> push_topics;
    for (const config::v1::NotifyRecipient& r : recipients_->PushRecipients()) {
      config::v1::Downstream downstream;
      downstream.set_target(r.push_target());
      downstream.set_tls_server_name(r.push_tls_server_name());
      // Only the agency's own certificate may receive its notifications.
      const config::v1::Agency* agency =
          common_.registry->FindById(r.agency_id());
      if (agency == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("push recipient ", r.agency_id(),
                         " is not in the agency registry"));
      }
      for (const std::string& identity : agency->identities()) {
        downstream.add_expected_identities(identity);
      }
      downstream.set_deadline_ms(config.push().deadline_ms());
      push_topics.push_back(PushTopic(r.agency_id()));
      if (absl::Status s = AddHop<v1::PartnerInbox>(
              downstream, config.server().tls(), clock, push_topics.back(),
              kPushActor, &v1::PartnerInbox::Stub::async::Deliver,
              PushRelayOptions(config.push()));
          !s.ok()) {
        return s;
      }
    }

    // One relay per email agency, with the push back-off and dead-letter
    // window, sharing one SMTP client.
    const std::vector<std::string> email_agencies =
        recipients_->EmailAgencies();
    if (!email_agencies.empty()) {
      if (config.email().smtp_url().empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "email.smtp_url: required: the notify rules email ",
            email_agencies.front(), "'s referrers (DELIVERY_MODE_EMAIL)"));
      }
      absl::StatusOr<std::unique_ptr<SmtpTransport>> transport =
          SmtpTransport::Create(config.email());
      if (!transport.ok()) return transport.status();
      std::shared_ptr<SmtpTransport> smtp = *std::move(transport);
      outbox::RelayOptions options = PushRelayOptions(config.push());
      options.delivery_deadline =
          OrDefault(config.email().timeout_ms(), absl::Milliseconds(1),
                    kDefaultEmailTimeout);
      for (const std::string& agency : email_agencies) {
        if (common_.registry->FindById(agency) == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "email recipient ", agency, " is not in the agency registry"));
        }
        push_topics.push_back(EmailTopic(agency));
        if (absl::Status s =
                AddSinkHop(std::make_unique<EmailSink>(
                               *common_.store, *common_.keys, config.email(),
                               agency, *smtp, clock),
                           smtp, clock, push_topics.back(), options);
            !s.ok()) {
          return s;
        }
      }
    }

    hub_ = std::make_unique<SubscriptionHub>(kStreamPollInterval);
    core_ = std::make_unique<NotifyCore>(
        *common_.store, *common_.keys, *recipients_, clock,
        [this](const std::vector<std::string>& agencies) {
          hub_->Wake(agencies);
          NotifyRelays();
        });
    auto metrics_registry = std::make_shared<prometheus::Registry>();
    absl::StatusOr<server::RateLimitPolicy> policy =
        server::RateLimitPolicyForServer(config.server(), *common_.registry);
    if (!policy.ok()) return policy.status();
    limits_ = std::make_unique<server::EdgeLimits>(
        "notify-svc", *std::move(policy), clock, *metrics_registry);
    service_ = std::make_unique<NotifyService>(*core_, *common_.agencies, *hub_,
                                               counters_, *limits_);
    inbox_ = std::make_unique<NotifyInbox>(*core_, *common_.agencies);
    if (absl::Status s = server::DecodeRequestsStrictly<v1::NotifyService>(
            *service_, &NotifyService::Subscribe, &NotifyService::Ack,
            &NotifyService::ListUpdates, &NotifyService::ReplayDeadLetters);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = server::DecodeRequestsStrictly<v1::NotifyInbox>(
            *inbox_, &NotifyInbox::DeliverReferralReceived,
            &NotifyInbox::DeliverTriageDecided,
            &NotifyInbox::DeliverPlacementChanged,
            &NotifyInbox::DeliverSerialPerpetrator);
        !s.ok()) {
      return s;
    }

    rights_core_ = std::make_unique<NotifyRights>(
        *common_.store, *common_.keys, clock,
        [this](const std::vector<std::string>& agencies) {
          hub_->Wake(agencies);
          NotifyRelays();
        });
    absl::StatusOr<retention::Schedule> schedule =
        retention::ScheduleFor(config.server().retention());
    if (!schedule.ok()) return schedule.status();
    AddPurge(AcknowledgedNotificationsPurge(*schedule));
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
        std::make_shared<NotifyCollector>(*core_, *hub_, counters_, relays()),
        std::make_shared<outbox::OutboxCollector>(*common_.store, clock,
                                                  push_topics, relays())};
    if (absl::Status s = Serve(std::move(parts), SealedColumns()); !s.ok())
      return s;
    Log(Level::kInfo, "notify.rules",
        {{"rules", recipients_->version()},
         {"push_partners",
          static_cast<int64_t>(recipients_->PushRecipients().size())},
         {"email_agencies", static_cast<int64_t>(email_agencies.size())}});
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<Recipients> recipients_;
  StreamCounters counters_;
  std::unique_ptr<SubscriptionHub> hub_;
  std::unique_ptr<NotifyCore> core_;
  std::unique_ptr<server::EdgeLimits> limits_;
  std::unique_ptr<NotifyService> service_;
  std::unique_ptr<NotifyInbox> inbox_;
  std::unique_ptr<NotifyRights> rights_core_;
  std::unique_ptr<rights::RightsService> rights_service_;
};

}  // namespace

absl::Status ValidateConfig(const config::v1::NotifyConfig& config) {
  config::RequiredSettings required;
  server::RequireCommonSettings(config.server(), config.store(),
                                config.agency_registry_file(),
                                config.key_ring_file(), required);
  required.Require(!config.rules_file().empty(), "rules_file");
  if (absl::Status s = required.Check("notify-svc configuration"); !s.ok()) {
    return s;
  }
  if (absl::Status s = server::CheckServerSettings(config.server()); !s.ok()) {
    return s;
  }
  const config::v1::PushConfig& push = config.push();
  std::vector<FieldViolation> negative;
  for (const auto& [value, name] :
       {std::pair{int64_t{push.initial_backoff_ms()},
                  "push.initial_backoff_ms"},
        std::pair{int64_t{push.max_backoff_ms()}, "push.max_backoff_ms"},
        std::pair{int64_t{push.dead_letter_after_seconds()},
                  "push.dead_letter_after_seconds"},
        std::pair{int64_t{push.deadline_ms()}, "push.deadline_ms"}}) {
    if (value < 0) negative.push_back({name, "must not be negative"});
  }
  if (!negative.empty()) {
    return InvalidArgumentWithViolations(
        "notify-svc configuration is not valid", negative);
  }
  if (config.has_email()) {
    if (absl::Status s = CheckEmailConfig(config.email()); !s.ok()) return s;
  }
  return outbox::ValidateRelayOptions(PushRelayOptions(push));
}

absl::StatusOr<std::unique_ptr<NotifyServer>> NotifyServer::Start(
    const config::v1::NotifyConfig& config, const Clock& clock) {
  return server::ValidateAndStart<NotifyServerImpl>(config, clock,
                                                    ValidateConfig);
}

absl::Status RunServer(const std::string& config_path) {
  return server::RunUntilSignal<config::v1::NotifyConfig>(
      "notify-svc", config_path, [](const config::v1::NotifyConfig& config) {
        return NotifyServer::Start(config);
      });
}

}  // namespace frontdoor::notify
