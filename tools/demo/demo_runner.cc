#include "tools/demo/demo_runner.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "allocation-svc/allocation_server.h"
#include "common/config/config.h"
#include "common/outbox/outbox.h"
#include "common/store/store.h"
#include "common/tls/credentials.h"
#include "frontdoor/config/v1/config.pb.h"
#include "grpcpp/create_channel.h"
#include "intake-svc/intake_server.h"
#include "notify-svc/notify_server.h"
#include "triage-svc/triage_server.h"

namespace frontdoor::demo {
namespace {

// The generator is a bulk loader on a fake clock, which refills no token
// bucket: limits out of its reach (the in-process tests do the same).
constexpr double kUnreachableRatePerSecond = 1e6;
constexpr int kUnreachableBurst = 1'000'000;
constexpr absl::Duration kShutdownGrace = absl::Seconds(5);
constexpr absl::Duration kOutboxPoll = absl::Milliseconds(50);
constexpr char kLoopbackAnyPort[] = "127.0.0.1:0";

// On free loopback ports (a running suite keeps its own), without limits.
void InProcess(config::v1::ServerConfig* server) {
  server->set_api_address(kLoopbackAnyPort);
  server->set_health_address(kLoopbackAnyPort);
  server->set_metrics_address(kLoopbackAnyPort);
  for (auto* bucket : {server->mutable_rate_limits()->mutable_reads(),
                       server->mutable_rate_limits()->mutable_writes()}) {
    bucket->set_per_second(kUnreachableRatePerSecond);
    bucket->set_burst(kUnreachableBurst);
  }
  server->mutable_rate_limits()->clear_agencies();
}

void PointAt(config::v1::Downstream* downstream, int port) {
  downstream->set_target(absl::StrCat("localhost:", port));
}

std::string Location(const config::v1::StoreConfig& store) {
  return store.postgres_url().empty() ? store.sqlite_path()
                                      : store.postgres_url();
}

template <typename Config>
absl::StatusOr<Config> Load(const std::filesystem::path& file) {
  return config::LoadJsonFile<Config>(file.string());
}

std::string JsonMap(const std::map<std::string, int>& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(absl::StrCat("\"", k, "\":", v));
  return absl::StrCat("{", absl::StrJoin(parts, ","), "}");
}

// The services, stopped (downstream last) however the run ends.
struct Suite {
  std::unique_ptr<notify::NotifyServer> notify;
  std::unique_ptr<allocation::AllocationServer> allocation;
  std::unique_ptr<triage::TriageServer> triage;
  std::unique_ptr<intake::IntakeServer> intake;
  ~Suite() {
    if (intake) (void)intake->Shutdown(kShutdownGrace);
    if (triage) (void)triage->Shutdown(kShutdownGrace);
    if (allocation) (void)allocation->Shutdown(kShutdownGrace);
    if (notify) (void)notify->Shutdown(kShutdownGrace);
  }
};

absl::Status Context(const absl::Status& s, absl::string_view what) {
  return absl::Status(s.code(), absl::StrCat(what, ": ", s.message()));
}

}  // namespace

ChannelFor DevPkiChannels(const std::string& pki_dir, int intake_port,
                          int triage_port, int allocation_port) {
  return [=](Service service, const std::string& identity)
             -> absl::StatusOr<std::shared_ptr<grpc::Channel>> {
    config::v1::TlsFiles files;
    files.set_ca_file(absl::StrCat(pki_dir, "/ca.pem"));
    files.set_cert_file(absl::StrCat(pki_dir, "/", identity, ".pem"));
    files.set_key_file(absl::StrCat(pki_dir, "/", identity, ".key"));
    auto credentials = tls::MakeChannelCredentials(files);
    if (!credentials.ok()) return credentials.status();
    const int port = service == Service::kIntake   ? intake_port
                     : service == Service::kTriage ? triage_port
                                                   : allocation_port;
    return grpc::CreateChannel(absl::StrCat("localhost:", port), *credentials);
  };
}

std::string SummaryJson(const Summary& s) {
  return absl::StrCat(
      "{\"submitted\":", s.submitted, ",\"accepted\":", s.accepted,
      ",\"returned\":", s.returned, ",\"errors\":", s.errors.size(),
      ",\"by_district\":", JsonMap(s.by_district),
      ",\"by_source\":", JsonMap(s.by_source),
      ",\"by_door\":", JsonMap(s.by_door),
      ",\"by_channel\":", JsonMap(s.by_channel),
      ",\"accepted_by_front_door\":", JsonMap(s.accepted_by_front_door),
      ",\"repeat_victims\":", s.repeat_victims,
      ",\"repeat_suspects\":", s.repeat_suspects,
      ",\"auto_triaged\":", s.auto_triaged, ",\"assessed\":", s.assessed,
      ",\"left_in_queue\":", s.left_in_queue,
      ",\"first_contacts\":", s.first_contacts, ",\"consents\":", s.consents,
      ",\"failures\":", s.failures, ",\"releases\":", s.releases,
      ",\"placements_by_state\":", JsonMap(s.placements_by_state), "}");
}

absl::Status RunDemoYear(const RunOptions& options, std::ostream& out) {
  const std::filesystem::path var(options.var_dir);
  auto intake_config = Load<config::v1::IntakeConfig>(var / "intake-svc.json");
  if (!intake_config.ok()) return intake_config.status();
  auto triage_config = Load<config::v1::TriageConfig>(var / "triage-svc.json");
  if (!triage_config.ok()) return triage_config.status();
  auto allocation_config =
      Load<config::v1::AllocationConfig>(var / "allocation-svc.json");
  if (!allocation_config.ok()) return allocation_config.status();
  std::optional<config::v1::NotifyConfig> notify_config;
  if (std::filesystem::exists(var / "notify-svc.json")) {
    auto loaded = Load<config::v1::NotifyConfig>(var / "notify-svc.json");
    if (!loaded.ok()) return loaded.status();
    notify_config = *std::move(loaded);
  }

  FakeClock clock(YearStart(options.year.year));
  Suite suite;
  if (notify_config.has_value()) {
    InProcess(notify_config->mutable_server());
    auto notify = notify::NotifyServer::Start(*notify_config, clock);
    if (!notify.ok()) return Context(notify.status(), "notify-svc");
    suite.notify = *std::move(notify);
  }
  auto to_notify = [&](config::v1::Downstream* d) {
    if (suite.notify)
      PointAt(d, suite.notify->api_port());
    else
      d->Clear();
  };
  InProcess(allocation_config->mutable_server());
  to_notify(allocation_config->mutable_notify());
  auto allocation =
      allocation::AllocationServer::Start(*allocation_config, clock);
  if (!allocation.ok()) return Context(allocation.status(), "allocation-svc");
  suite.allocation = *std::move(allocation);

  InProcess(triage_config->mutable_server());
  to_notify(triage_config->mutable_notify());
  PointAt(triage_config->mutable_allocation(), suite.allocation->api_port());
  auto triage = triage::TriageServer::Start(*triage_config, clock);
  if (!triage.ok()) return Context(triage.status(), "triage-svc");
  suite.triage = *std::move(triage);

  InProcess(intake_config->mutable_server());
  to_notify(intake_config->mutable_notify());
  PointAt(intake_config->mutable_triage(), suite.triage->api_port());
  auto intake = intake::IntakeServer::Start(*intake_config, clock);
  if (!intake.ok()) return Context(intake.status(), "intake-svc");
  suite.intake = *std::move(intake);

  // The stores, for the check before and the settling after (the services
  // have applied their migrations).
  std::vector<std::pair<std::string, std::unique_ptr<store::Store>>> stores;
  for (const auto& [name, location] :
       std::vector<std::pair<std::string, std::string>>{
           {"intake-svc", Location(intake_config->store())},
           {"triage-svc", Location(triage_config->store())},
           {"allocation-svc", Location(allocation_config->store())}}) {
    auto opened = store::OpenStore(location, {}, "frontdoor-demo-year");
    if (!opened.ok()) return Context(opened.status(), name);
    stores.emplace_back(name, *std::move(opened));
  }
  int64_t existing = 0;
  if (absl::Status s =
          stores[0].second->Read([&](store::Tx& tx) -> absl::Status {
            auto rows = tx.Query("SELECT COUNT(*) FROM referrals");
            if (!rows.ok()) return rows.status();
            if (!rows->empty()) existing = (*rows)[0].Int(0);
            return absl::OkStatus();
          });
      !s.ok()) {
    return Context(s, "counting intake-svc's referrals");
  }
  if (existing > 0 && !options.force) {
    return absl::FailedPreconditionError(absl::StrCat(
        "intake-svc's database (", Location(intake_config->store()),
        ") already holds ", existing,
        " referrals: the demo year is meant for fresh databases. Remove "
        "var/data (with the suite stopped: tools/down) or pass --force to add "
        "a year to them."));
  }

  const std::string pki_dir =
      std::filesystem::path(intake_config->server().tls().ca_file())
          .parent_path()
          .string();
  auto summary = GenerateYear(
      options.year, clock,
      DevPkiChannels(pki_dir, suite.intake->api_port(),
                     suite.triage->api_port(), suite.allocation->api_port()));
  if (!summary.ok()) return summary.status();

  // Settled when every service's outbox is delivered.
  std::vector<std::string> unsettled;
  const absl::Time give_up = absl::Now() + kSettleOutboxes;
  do {
    unsettled.clear();
    for (const auto& [name, store] : stores) {
      auto stats = outbox::Stats(*store, clock.Now());
      if (!stats.ok()) return Context(stats.status(), name);
      if (stats->undelivered > 0) {
        unsettled.push_back(absl::StrCat(name, " ", stats->undelivered));
      }
    }
    if (unsettled.empty()) break;
    absl::SleepFor(kOutboxPoll);
  } while (absl::Now() < give_up);

  out << SummaryJson(*summary) << "\n";
  for (const std::string& e : summary->errors) out << "error: " << e << "\n";
  if (!summary->errors.empty()) {
    return absl::InternalError(
        absl::StrCat(summary->errors.size(), " calls failed (listed above)"));
  }
  if (!unsettled.empty()) {
    return absl::DeadlineExceededError(absl::StrCat(
        "outboxes not delivered after ", absl::FormatDuration(kSettleOutboxes),
        ": ", absl::StrJoin(unsettled, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace frontdoor::demo
