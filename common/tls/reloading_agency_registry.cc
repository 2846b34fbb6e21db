#include "common/tls/reloading_agency_registry.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"

namespace frontdoor::tls {

absl::StatusOr<ReloadingAgencyRegistry::FileVersion>
ReloadingAgencyRegistry::Stat(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("agency registry ", path, ": ",
                                            std::strerror(errno)));
  }
  FileVersion version;
  version.device = st.st_dev;
  version.inode = st.st_ino;
  version.size = static_cast<std::int64_t>(st.st_size);
  version.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) *
                         1'000'000'000 +
                     st.st_mtim.tv_nsec;
  return version;
}

absl::StatusOr<std::unique_ptr<ReloadingAgencyRegistry>>
ReloadingAgencyRegistry::Open(const std::string& path, const Clock& clock,
                              absl::Duration poll_interval) {
  if (poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("agency registry poll interval ",
                     absl::FormatDuration(poll_interval), " is not positive"));
  }
  // The version is taken before the read: a change during the read is seen
  // again on the next look.
  absl::StatusOr<FileVersion> version = Stat(path);
  if (!version.ok()) return version.status();
  absl::StatusOr<AgencyRegistry> registry = AgencyRegistry::LoadFromFile(path);
  if (!registry.ok()) return registry.status();
  return std::unique_ptr<ReloadingAgencyRegistry>(new ReloadingAgencyRegistry(
      path, clock, poll_interval,
      std::make_shared<const AgencyRegistry>(*std::move(registry)), *version));
}

ReloadingAgencyRegistry::ReloadingAgencyRegistry(
    std::string path, const Clock& clock, absl::Duration poll_interval,
    std::shared_ptr<const AgencyRegistry> registry, FileVersion version)
    : path_(std::move(path)),
      clock_(clock),
      poll_interval_(poll_interval),
      current_(std::move(registry)),
      last_look_(clock.Now()),
      loaded_version_(version) {}

std::shared_ptr<const AgencyRegistry> ReloadingAgencyRegistry::Current() {
  bool look = false;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_.Now();
    if (now - last_look_ >= poll_interval_) {
      last_look_ = now;  // this caller looks; the others go on meanwhile
      look = true;
    } else {
      return current_;
    }
  }
  if (look) Refresh().IgnoreError();  // logged by Refresh
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status ReloadingAgencyRegistry::Refresh() {
  absl::MutexLock reload_lock(&reload_mu_);
  absl::StatusOr<FileVersion> version = Stat(path_);
  absl::Status status = version.status();
  if (status.ok() && *version == loaded_version_) return absl::OkStatus();
  std::shared_ptr<const AgencyRegistry> loaded;
  if (status.ok()) {
    absl::StatusOr<AgencyRegistry> registry =
        AgencyRegistry::LoadFromFile(path_);
    status = registry.status();
    if (registry.ok()) {
      loaded = std::make_shared<const AgencyRegistry>(*std::move(registry));
    }
  }
  if (!status.ok()) {
    // The previous registry stays in force. The file is looked at again on
    // the next poll (loaded_version_ is unchanged), and logged each time
    // until it is fixed.
    Log(Level::kError, "agency_registry.reload_failed",
        {{"file", path_}, {"error", std::string(status.message())}});
    return status;
  }
  loaded_version_ = *version;
  const int agencies = loaded->proto().agencies_size();
  {
    absl::MutexLock lock(&mu_);
    current_ = std::move(loaded);
  }
  Log(Level::kInfo, "agency_registry.reloaded",
      {{"file", path_}, {"agencies", agencies}});
  return absl::OkStatus();
}

}  // namespace frontdoor::tls
