#pragma once

// Each service's configuration as the in-process tests run it: free
// loopback ports with its dev-PKI certificate, a test store (SQLite or
// PostgreSQL) named after it in `dir`, the repository's agency registry and
// reference data, and the key ring at `dir`/keys.json (FreshServiceDir).
// Tests then point downstreams at each other and change what they test.

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "frontdoor/config/v1/config.pb.h"
#include "tests/testing/pki.h"
#include "tests/testing/service_dirs.h"

namespace frontdoor::testing {

namespace internal {
inline constexpr double kUnreachableRatePerSecond = 1e6;
inline constexpr int kUnreachableBurst = 1'000'000;

// The settings every service shares.
template <typename Config>
Config CommonConfig(const std::filesystem::path& dir, const char* service,
                    const char* store) {
  Config c;
  LocalServer(c.mutable_server(), service);
  // Flow tests poll on a fake clock, which never refills a token bucket:
  // limits out of their reach. The limits themselves are tested in
  // intake_service_test and service_edge_test with settings of their own.
  for (auto* bucket : {c.mutable_server()->mutable_rate_limits()->mutable_reads(),
                       c.mutable_server()->mutable_rate_limits()->mutable_writes()}) {
    bucket->set_per_second(kUnreachableRatePerSecond);
    bucket->set_burst(kUnreachableBurst);
  }
  UseTestStore(c.mutable_store(), dir, store);
  c.set_agency_registry_file(AgencyRegistryPath());
  c.set_key_ring_file((dir / "keys.json").string());
  return c;
}
}  // namespace internal

inline config::v1::IntakeConfig IntakeConfigIn(const std::filesystem::path& dir) {
  auto c = internal::CommonConfig<config::v1::IntakeConfig>(dir, "intake-svc",
                                                            "intake");
  c.set_districts_file(ConfigFile("districts.json"));
  return c;
}

inline config::v1::TriageConfig TriageConfigIn(const std::filesystem::path& dir) {
  auto c = internal::CommonConfig<config::v1::TriageConfig>(dir, "triage-svc",
                                                            "triage");
  c.set_rules_file(ConfigFile("triage-rules.json"));
  return c;
}

inline config::v1::AllocationConfig AllocationConfigIn(
    const std::filesystem::path& dir) {
  auto c = internal::CommonConfig<config::v1::AllocationConfig>(
      dir, "allocation-svc", "allocation");
  c.set_catalogue_file(ConfigFile("catalogue.json"));
  c.set_settings_file(ConfigFile("allocation-settings.json"));
  c.set_districts_file(ConfigFile("districts.json"));
  return c;
}

// Rules file: the caller sets it (tests point push partners at their ports).
inline config::v1::NotifyConfig NotifyConfigIn(const std::filesystem::path& dir) {
  return internal::CommonConfig<config::v1::NotifyConfig>(dir, "notify-svc",
                                                          "notify");
}

// Points `downstream` at a service on this machine.
inline void PointAt(config::v1::Downstream* downstream, int port) {
  downstream->set_target(absl::StrCat("localhost:", port));
}

// web-svc submitting to the intake-svc on `intake_port`, serving the built
// assets in `assets_dir`, its HTTPS certificate the dev PKI's web-svc one;
// professionals' forms offered to `professional_domain`.
// web-svc's config: its console's triage, allocation and notify (the
// data-protection officer's) calls go to the given ports (by default port 1, where nothing answers: for tests of the
// forms only).
inline config::v1::WebConfig WebConfigIn(const std::filesystem::path& dir,
                                         int intake_port,
                                         const std::string& assets_dir,
                                         const std::string& professional_domain,
                                         int triage_port = 1,
                                         int allocation_port = 1,
                                         int notify_port = 1) {
  config::v1::WebConfig w;
  w.set_https_address("127.0.0.1:0");
  const config::v1::TlsFiles files = PkiFiles("web-svc");
  w.mutable_public_tls()->set_cert_file(files.cert_file());
  w.mutable_public_tls()->set_key_file(files.key_file());
  w.set_health_address("127.0.0.1:0");
  w.set_metrics_address("127.0.0.1:0");
  *w.mutable_service_tls() = files;
  PointAt(w.mutable_intake(), intake_port);
  PointAt(w.mutable_triage(), triage_port);
  PointAt(w.mutable_allocation(), allocation_port);
  PointAt(w.mutable_notify(), notify_port);
  UseTestStore(w.mutable_store(), dir, "web");
  w.set_key_ring_file((dir / "keys.json").string());
  w.set_shutdown_grace_seconds(5);
  w.set_assets_dir(assets_dir);
  w.add_professional_email_domains(professional_domain);
  return w;
}

}  // namespace frontdoor::testing
