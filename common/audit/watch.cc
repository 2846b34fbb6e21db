#include "common/audit/watch.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/metrics/families.h"

namespace frontdoor::audit {

WatchOptions WatchOptionsFor(const config::v1::AuditConfig& config,
                             const std::string& sqlite_path) {
  WatchOptions options;
  options.anchor_file = config.anchor_file();
  if (options.anchor_file.empty() && !sqlite_path.empty()) {
    options.anchor_file = absl::StrCat(sqlite_path, std::string(kAnchorFileSuffix));
  }
  if (config.verify_interval_seconds() > 0) {
    options.interval = absl::Seconds(config.verify_interval_seconds());
  }
  return options;
}

ChainWatch::ChainWatch(store::Store& store, const crypto::KeyRing& keys,
                       const Clock& clock, WatchOptions options)
    : store_(store),
      keys_(keys),
      clock_(clock),
      options_(std::move(options)),
      thread_(options_.interval, [this] {
        CheckNow().IgnoreError();  // logged and counted by CheckNow
        return true;
      }) {}

ChainWatch::~ChainWatch() { Stop(); }

void ChainWatch::CountError() {
  absl::MutexLock lock(&mu_);
  ++state_.errors;
}

absl::StatusOr<VerifyResult> ChainWatch::CheckNow() {
  absl::MutexLock check_lock(&check_mu_);
  std::optional<Anchor> anchor = last_anchor_;
  if (!options_.anchor_file.empty()) {
    absl::StatusOr<std::optional<Anchor>> file =
        ReadAnchorFile(options_.anchor_file);
    if (!file.ok()) {
      Log(Level::kError, "audit.anchor_unreadable",
          {{"path", options_.anchor_file},
           {"error", std::string(file.status().message())}});
      CountError();
      return file.status();
    }
    if (file->has_value() &&
        (!anchor.has_value() || (*file)->seq > anchor->seq)) {
      anchor = **file;
    }
  }
  absl::StatusOr<VerifyResult> result = Verify(store_, keys_, anchor);
  if (!result.ok()) {
    Log(Level::kError, "audit.check_failed",
        {{"error", std::string(result.status().message())}});
    CountError();
    return result.status();
  }
  if (!result->ok()) {
    Log(Level::kError, "audit.chain_broken",
        {{"first_bad_seq", *result->first_bad_seq},
         {"problem", result->problem},
         {"entries", result->entries}});
  } else if (result->last_seq > 0 &&
             (!anchor.has_value() || result->last_seq > anchor->seq)) {
    anchor = MakeAnchor(keys_, result->last_seq, result->last_hash,
                        clock_.Now());
    last_anchor_ = anchor;
    Log(Level::kInfo, "audit.anchored",
        {{"seq", anchor->seq}, {"hash", anchor->hash}, {"mac", anchor->mac}});
    if (!options_.anchor_file.empty()) {
      if (absl::Status saved = WriteAnchorFile(options_.anchor_file, *anchor);
          !saved.ok()) {
        Log(Level::kError, "audit.anchor_not_saved",
            {{"path", options_.anchor_file},
             {"error", std::string(saved.message())}});
        CountError();
      }
    }
  }
  absl::MutexLock lock(&mu_);
  state_.checked = true;
  state_.intact = result->ok();
  state_.entries = result->entries;
  state_.unkeyed_entries = result->unkeyed_entries;
  state_.last_check = clock_.Now();
  state_.anchored_seq = anchor.has_value() ? anchor->seq : 0;
  return result;
}

WatchState ChainWatch::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

std::vector<prometheus::MetricFamily> ChainWatchCollector::Collect() const {
  const WatchState state = watch_.state();
  std::vector<prometheus::MetricFamily> families;
  auto errors = metrics::NewCounter(
      "frontdoor_audit_chain_check_errors_total",
      "Audit chain checks that could not run (store or anchor file "
      "unreadable) and anchors that could not be saved.");
  metrics::AddSample(errors, {}, static_cast<double>(state.errors));
  families.push_back(std::move(errors));
  if (!state.checked) return families;
  auto intact = metrics::NewGauge(
      "frontdoor_audit_chain_intact",
      "1 when the last check found the audit chain intact under the audit "
      "key and reaching its anchor, 0 when it found it broken.");
  metrics::AddSample(intact, {}, state.intact ? 1 : 0);
  families.push_back(std::move(intact));
  auto entries = metrics::NewGauge("frontdoor_audit_chain_entries",
                                   "Audit rows the last check found intact.");
  metrics::AddSample(entries, {}, static_cast<double>(state.entries));
  families.push_back(std::move(entries));
  auto last = metrics::NewGauge(
      "frontdoor_audit_chain_last_check_timestamp_seconds",
      "When the last check of the audit chain completed, Unix seconds.");
  metrics::AddSample(last, {}, absl::ToUnixMicros(state.last_check) / 1e6);
  families.push_back(std::move(last));
  auto anchored = metrics::NewGauge(
      "frontdoor_audit_chain_anchored_seq",
      "The audit row the newest anchor names (0: none yet).");
  metrics::AddSample(anchored, {}, static_cast<double>(state.anchored_seq));
  families.push_back(std::move(anchored));
  return families;
}

}  // namespace frontdoor::audit
