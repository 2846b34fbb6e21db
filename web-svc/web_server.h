#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "frontdoor/config/v1/config.pb.h"
#include "web-svc/sessions.h"

namespace frontdoor::web {

// Checks every setting: the missing ones are listed by name; a bad value
// is INVALID_ARGUMENT naming its field.
absl::Status ValidateConfig(const config::v1::WebConfig& config);

// The console's sign-in policy: WebConfig.console with its defaults.
SignInPolicy SignInPolicyFor(const config::v1::ConsoleConfig& console);

// web-svc assembled: its audit store and key ring, the intake client, the
// HTTPS server for people, the plaintext probe server and the metrics port.
class WebServer {
 public:
  // Starts everything; each failing step returns a status naming the step.
  // `clock` paces the per-address rate limits and the re-reading of the
  // public certificate, and stamps audit entries.
  static absl::StatusOr<std::unique_ptr<WebServer>> Start(
      const config::v1::WebConfig& config,
      const Clock& clock = RealClock::Get());

  virtual ~WebServer() = default;
  virtual int https_port() const = 0;
  virtual int health_port() const = 0;
  virtual int metrics_port() const = 0;

  // Graceful stop: /readyz answers 503, requests in flight finish within
  // `grace`, then the servers stop and the store closes. Idempotent.
  virtual absl::Status Shutdown(absl::Duration grace) = 0;
};

// Loads the configuration file, starts the server, waits for SIGTERM or
// SIGINT, then shuts down gracefully. OK on a clean stop.
absl::Status RunServer(const std::string& config_path);

}  // namespace frontdoor::web
