#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "frontdoor/config/v1/config.pb.h"

namespace frontdoor::allocation {

// Checks that every required setting is present; the error lists each
// missing one by name.
absl::Status ValidateConfig(const config::v1::AllocationConfig& config);

// allocation-svc assembled: catalogue, settings, store, key ring, registry,
// core, gRPC servers, and the relay to notify-svc when one is configured.
class AllocationServer {
 public:
  // Starts everything; each failing step returns a status naming the step
  // (a bad catalogue or settings file names each bad entry).
  static absl::StatusOr<std::unique_ptr<AllocationServer>> Start(
      const config::v1::AllocationConfig& config,
      const Clock& clock = RealClock::Get());

  virtual ~AllocationServer() = default;
  virtual int api_port() const = 0;
  virtual int health_port() const = 0;
  virtual int metrics_port() const = 0;

  // Graceful stop: NOT_SERVING, drain in-flight calls until `grace` runs
  // out, then finish queued writes and close the store. Idempotent.
  virtual absl::Status Shutdown(absl::Duration grace) = 0;
};

// Loads the configuration file, starts the server, waits for SIGTERM or
// SIGINT, then shuts down gracefully. OK on a clean stop.
absl::Status RunServer(const std::string& config_path);

}  // namespace frontdoor::allocation
