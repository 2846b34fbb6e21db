#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::notify {

// Checks that every required setting is present and the push settings are
// in range, and the email settings when given (CheckEmailConfig); the
// error names each bad one.
absl::Status ValidateConfig(const config::v1::NotifyConfig& config);

// notify-svc assembled: recipients and rules, store, key ring, registry,
// core, subscription hub, a push relay per push partner, an email relay per
// email agency (one SMTP client), gRPC servers.
class NotifyServer {
 public:
  // Starts everything; each failing step returns a status naming the step
  // (a bad rules file names each bad entry).
  static absl::StatusOr<std::unique_ptr<NotifyServer>> Start(
      const config::v1::NotifyConfig& config,
      const Clock& clock = RealClock::Get());

  virtual ~NotifyServer() = default;
  virtual int api_port() const = 0;
  virtual int health_port() const = 0;
  virtual int metrics_port() const = 0;

  // Graceful stop: open Subscribe streams end with UNAVAILABLE (partners
  // reconnect elsewhere or later and resume), NOT_SERVING, drain in-flight
  // calls until `grace` runs out, stop the push relays, then finish queued
  // writes and close the store. Idempotent.
  virtual absl::Status Shutdown(absl::Duration grace) = 0;
};

// Loads the configuration file, starts the server, waits for SIGTERM or
// SIGINT, then shuts down gracefully. OK on a clean stop.
absl::Status RunServer(const std::string& config_path);

}  // namespace frontdoor::notify
