#pragma once

// Re-sealing after a key rotation. When the key ring's active key changes,
// values sealed under the old keys still open (the key id is in each value),
// but the old keys cannot be removed from the ring until no row uses them.
// A Rewrapper finds, in each sealed column a service declares, the rows
// sealed under another key than the active one, opens each and seals it
// again under the active key with the same associated data, a batch per
// transaction, and exports how many rows are still on old keys
// (frontdoor_sealed_rows_on_old_keys), the gauge an operator waits to reach
// 0 before removing an old key.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/periodic.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::rewrap {

// Rows re-sealed per transaction.
inline constexpr int64_t kBatchRows = 100;
// Time between looks for rows on old keys once none are left.
inline constexpr absl::Duration kDefaultInterval = absl::Minutes(5);

// A column holding sealed values. SQL fragments are the service's own
// constants, never input.
struct SealedColumn {
  std::string table;   // e.g. "referrals"
  std::string column;  // e.g. "sealed_referral"
  // The columns that identify a row (its primary key or a unique key), in
  // an order that sorts the table, e.g. {"reference"} or
  // {"reference", "number"}.
  std::vector<std::string> key_columns;
  // An SQL expression over the row giving the associated data the value was
  // sealed with, e.g. "reference" or "reference || ':' || number".
  std::string aad_sql;
  // For a column of a referral's personal data, sealed under the
  // referral's own data key (common/rights/data_keys.h): an SQL expression
  // giving the reference, e.g. "reference". Its values sealed under the
  // ring (before data keys) count as on an old key whatever the key, and a
  // pass moves them to the data key. Values already under a data key are
  // never touched by a rotation: only the wrapped data keys are re-wrapped
  // (DataKeysColumn). Empty: the column is sealed under the ring.
  std::string reference_sql = {};
};

// Every service's outbox payloads (sealed with the event id; a referral's
// events under its data key, the others under the ring).
SealedColumn OutboxPayloads();

// Every service's wrapped data keys (sealed under the ring with
// "data_key:<reference>").
SealedColumn DataKeysColumn();

// Seals again under `reference`'s data key each of `column`'s values of
// that referral still sealed under the ring (`column.reference_sql` must be
// set), in the caller's transaction: what an erasure does first, so that
// destroying the data key covers them too. Returns how many; a value that
// does not open is an error (DATA_LOSS), so that an erasure never leaves
// a readable value behind.
absl::StatusOr<int64_t> MoveToDataKey(store::Tx& tx,
                                      const crypto::KeyRing& keys,
                                      const SealedColumn& column,
                                      const std::string& reference,
                                      absl::Time now);

struct PassResult {
  int64_t rewrapped = 0;  // rows now under the active key
  int64_t failed = 0;     // rows that did not open (altered): left as they are
};

// Rows of `column` sealed under another key than `keys`' active one (for a
// data-key column: under the ring at all).
absl::StatusOr<int64_t> CountOnOldKeys(store::Store& store,
                                       const crypto::KeyRing& keys,
                                       const SealedColumn& column);

// One pass over `column`: every row on an old key re-sealed under the
// active key (for a data-key column: under the referral's data key), kBatchRows per write transaction, in key order (a row that
// fails to open is counted, logged as "rewrap.failed" and passed over, so a
// pass always ends). A row changed by the service between the read and the
// write is left for the next pass.
absl::StatusOr<PassResult> RewrapColumn(store::Store& store,
                                        const crypto::KeyRing& keys,
                                        const SealedColumn& column);

// Runs passes over a service's sealed columns on a thread of its own: at
// start, then every `interval` until every column is at 0 (after which
// nothing can be on an old key until the ring changes, which takes a
// restart); keeps the counts for the gauge. Counting reads each sealed
// column whole, so the scans stop once there is nothing left to do.
class Rewrapper {
 public:
  // `store` and `keys` must outlive the Rewrapper.
  Rewrapper(store::Store& store, const crypto::KeyRing& keys,
            std::vector<SealedColumn> columns,
            absl::Duration interval = kDefaultInterval);
  Rewrapper(const Rewrapper&) = delete;
  Rewrapper& operator=(const Rewrapper&) = delete;
  ~Rewrapper();  // Stop()

  void Start() { thread_.Start(); }
  // Ends the thread after the column under way. Idempotent.
  void Stop() { thread_.Stop(); }

  // One round on the caller's thread: each column counted, re-wrapped and
  // counted again. Errors (the store unreadable) are logged and counted.
  void RunOnce() ABSL_LOCKS_EXCLUDED(mu_);

  struct ColumnState {
    std::string table;
    std::string column;
    int64_t on_old_keys = -1;  // -1 until counted
  };
  std::vector<ColumnState> columns() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t rewrapped_total() const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t failed_total() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // One round; false once every column is at 0.
  bool Round();

  store::Store& store_;
  const crypto::KeyRing& keys_;
  const std::vector<SealedColumn> specs_;
  const absl::Duration interval_;

  mutable absl::Mutex mu_;
  std::vector<ColumnState> states_ ABSL_GUARDED_BY(mu_);
  int64_t rewrapped_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  PeriodicThread thread_;  // last: stopped before the rest goes
};

// frontdoor_sealed_rows_on_old_keys{table,column} (once counted),
// frontdoor_rewrap_rows_total and frontdoor_rewrap_failures_total.
class RewrapCollector final : public prometheus::Collectable {
 public:
  explicit RewrapCollector(const Rewrapper& rewrapper)
      : rewrapper_(rewrapper) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Rewrapper& rewrapper_;
};

}  // namespace frontdoor::rewrap
