#include "common/store/store.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace frontdoor::store {

int64_t Row::Int(size_t i) const {
  const Value& v = columns_.at(i);
  if (const auto* n = std::get_if<int64_t>(&v)) {
    return *n;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    return static_cast<int64_t>(*d);
  }
  return 0;
}

const std::string& Row::Text(size_t i) const {
  static const std::string* const kEmpty = new std::string();
  const Value& v = columns_.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) {
    return *s;
  }
  if (const auto* b = std::get_if<Blob>(&v)) {
    return b->bytes;
  }
  return *kEmpty;
}

absl::Status Store::WriteSync(Work work) {
  absl::Notification committed;
  absl::Status result;
  Write(std::move(work), [&](absl::Status status) {
    result = std::move(status);
    committed.Notify();
  });
  committed.WaitForNotification();
  return result;
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(
    std::string_view location, const std::vector<Migration>& migrations,
    std::string_view application_name) {
  if (IsPostgresUrl(location)) {
    PostgresOptions options;
    options.url = std::string(location);
    options.application_name = std::string(application_name);
    return OpenPostgresStore(options, migrations);
  }
  SqliteOptions options;
  options.path = std::string(location);
  return OpenSqliteStore(options, migrations);
}

absl::Status WriteInBatches(
    Store& store, const std::function<absl::StatusOr<bool>(Tx&)>& batch) {
  for (;;) {
    bool finished = false;
    absl::Status status = store.WriteSync([&](Tx& tx) -> absl::Status {
      absl::StatusOr<bool> done = batch(tx);
      if (!done.ok()) return done.status();
      finished = *done;
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    if (finished) return absl::OkStatus();
  }
}

}  // namespace frontdoor::store
