#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/tls/agency_registry.h"

namespace frontdoor::tls {

// How often the agency registry file is looked at for a change: the longest
// a removed (revoked) agency or a changed role can go on being honoured.
inline constexpr absl::Duration kAgencyRegistryPollInterval = absl::Seconds(10);

// The agency registry loaded from a file and reloaded when the file changes
// (its inode, size or modification time: an in-place rewrite or an atomic
// rename, as the kubelet does for a ConfigMap), without a restart. Callers
// take an immutable snapshot per call with Current(); a snapshot stays valid
// for as long as they hold it. A changed file that does not load (bad JSON,
// failed validation) leaves the previous registry in force and logs
// "agency_registry.reload_failed" with the reason. Thread-safe.
class ReloadingAgencyRegistry {
 public:
  // Loads `path` (errors as AgencyRegistry::LoadFromFile: start-up fails
  // with the file named). `clock` must outlive the result. INVALID_ARGUMENT
  // for a non-positive `poll_interval`.
  static absl::StatusOr<std::unique_ptr<ReloadingAgencyRegistry>> Open(
      const std::string& path, const Clock& clock,
      absl::Duration poll_interval = kAgencyRegistryPollInterval);

  // The registry in force. When `poll_interval` has passed since the file
  // was last looked at, looks at it first (one caller does; others get the
  // snapshot in force meanwhile).
  std::shared_ptr<const AgencyRegistry> Current();

  // Looks at the file now and reloads it if it changed. OK when unchanged
  // or reloaded; otherwise the error, with the previous registry kept.
  absl::Status Refresh();

  const std::string& path() const { return path_; }

 private:
  // What identifies one version of the file.
  struct FileVersion {
    dev_t device = 0;
    ino_t inode = 0;
    std::int64_t size = -1;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileVersion& other) const {
      return device == other.device && inode == other.inode &&
             size == other.size && mtime_ns == other.mtime_ns;
    }
  };
  static absl::StatusOr<FileVersion> Stat(const std::string& path);

  ReloadingAgencyRegistry(std::string path, const Clock& clock,
                          absl::Duration poll_interval,
                          std::shared_ptr<const AgencyRegistry> registry,
                          FileVersion version);

  const std::string path_;
  const Clock& clock_;
  const absl::Duration poll_interval_;

  absl::Mutex mu_;
  std::shared_ptr<const AgencyRegistry> current_ ABSL_GUARDED_BY(mu_);
  absl::Time last_look_ ABSL_GUARDED_BY(mu_);

  // Serialises Refresh(); held while reading the file, never with mu_ held
  // for long.
  absl::Mutex reload_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  FileVersion loaded_version_ ABSL_GUARDED_BY(reload_mu_);
};

}  // namespace frontdoor::tls
