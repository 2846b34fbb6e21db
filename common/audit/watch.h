#pragma once

// A service's own, scheduled check of its audit log: the whole chain is
// verified under the key ring's audit key at start-up and every interval,
// and each intact check anchors the newest verified row outside the
// database (a log line "audit.anchored" always; the anchor file when one
// is configured), so that the next check, and `frontdoor-audit verify
// --anchor`, notice rows cut off the end. The result is exported as
// metrics for the FrontdoorAuditChainBroken and FrontdoorAuditChainUnchecked
// alerts.
//
// The anchor a check verifies against is the newer of the anchor file's
// and the last one this process made, so deleting or rolling back the file
// while the service runs does not hide a truncation; across a restart the
// log lines are the record that leaves the machine.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/audit/audit.h"
#include "common/clock/clock.h"
#include "common/clock/periodic.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "frontdoor/config/v1/config.pb.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::audit {

// Time between checks when AuditConfig.verify_interval_seconds is 0.
inline constexpr absl::Duration kDefaultVerifyInterval = absl::Minutes(10);
// What the anchor file defaults to with SQLite: the database path + this.
inline constexpr std::string_view kAnchorFileSuffix = ".audit-anchor.json";

struct WatchOptions {
  // The anchor file; empty for none (the log line only).
  std::string anchor_file;
  absl::Duration interval = kDefaultVerifyInterval;
};

// The options of `config` for a service whose SQLite database is at
// `sqlite_path` (empty on PostgreSQL).
WatchOptions WatchOptionsFor(const config::v1::AuditConfig& config,
                             const std::string& sqlite_path);

// What the last check found.
struct WatchState {
  bool checked = false;         // a check has completed
  bool intact = false;          // ... and found the chain intact
  int64_t entries = 0;          // rows found intact
  int64_t unkeyed_entries = 0;  // of which written before keying
  absl::Time last_check;        // when it completed (the injected clock)
  int64_t anchored_seq = 0;     // the newest anchor's row, 0 for none
  int64_t errors = 0;           // checks that could not run, anchors not saved
};

class ChainWatch {
 public:
  // `store`, `keys` and `clock` must outlive the watch.
  ChainWatch(store::Store& store, const crypto::KeyRing& keys,
             const Clock& clock, WatchOptions options);
  ChainWatch(const ChainWatch&) = delete;
  ChainWatch& operator=(const ChainWatch&) = delete;
  ~ChainWatch();  // Stop()

  // Checks now, on a thread of its own, and then every interval.
  void Start() { thread_.Start(); }
  // Ends the thread (waiting for a check under way). Idempotent.
  void Stop() { thread_.Stop(); }

  // One check, on the caller's thread: reads the anchor file, verifies the
  // chain against the newest anchor, and anchors the last verified row when
  // intact. Logs "audit.chain_broken" (error) with the first bad seq and
  // the problem when it is not. An error is a failure to read the store or
  // the anchor file (the chain's state unknown), also counted in errors.
  absl::StatusOr<VerifyResult> CheckNow() ABSL_LOCKS_EXCLUDED(check_mu_);

  WatchState state() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void CountError() ABSL_LOCKS_EXCLUDED(mu_);

  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Clock& clock_;
  const WatchOptions options_;

  absl::Mutex check_mu_;  // one check at a time
  std::optional<Anchor> last_anchor_ ABSL_GUARDED_BY(check_mu_);

  mutable absl::Mutex mu_;
  WatchState state_ ABSL_GUARDED_BY(mu_);
  PeriodicThread thread_;  // last: stopped before the rest goes
};

// The watch's metrics, read at each scrape:
//   frontdoor_audit_chain_intact                     1 intact, 0 broken
//   frontdoor_audit_chain_entries                    rows verified
//   frontdoor_audit_chain_last_check_timestamp_seconds
//   frontdoor_audit_chain_anchored_seq
//   frontdoor_audit_chain_check_errors_total
// The first four only once a check has completed. `watch` must outlive
// the collector's scrapes.
class ChainWatchCollector final : public prometheus::Collectable {
 public:
  explicit ChainWatchCollector(const ChainWatch& watch) : watch_(watch) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ChainWatch& watch_;
};

}  // namespace frontdoor::audit
