#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace frontdoor::store {

// Bytes stored as a BLOB (SQLite) / BYTEA (PostgreSQL), as opposed to TEXT.
struct Blob {
  std::string bytes;
};

// A bound parameter. SQL is written with PostgreSQL-style numbered
// placeholders ($1, $2, ...) for every backend; values are never spliced into
// SQL text.
using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;
using Params = std::vector<Value>;

// One result row; columns by index, in SELECT order.
class Row {
 public:
  explicit Row(std::vector<Value> columns) : columns_(std::move(columns)) {}
  size_t size() const { return columns_.size(); }
  bool IsNull(size_t i) const {
    return std::holds_alternative<std::monostate>(columns_.at(i));
  }
  // Integer column; 0 for NULL.
  int64_t Int(size_t i) const;
  // Text or blob column as bytes; empty for NULL.
  const std::string& Text(size_t i) const;
  const Value& at(size_t i) const { return columns_.at(i); }

 private:
  std::vector<Value> columns_;
};

// The SQL dialect behind a store, for the few statements that differ (for
// example PostgreSQL's FOR UPDATE SKIP LOCKED).
enum class Dialect { kSqlite, kPostgres };

// A transaction in progress. Only valid inside the callback it is given to.
//
// On PostgreSQL a failed statement leaves the transaction unusable until
// the unit of work is rolled back: work must return a statement's error,
// not carry on after it.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Dialect dialect() const = 0;
  // Runs a statement that returns no rows. Returns the number of rows changed.
  virtual absl::StatusOr<int64_t> Exec(std::string_view sql,
                                       const Params& params = {}) = 0;
  // Runs a query and returns every row.
  virtual absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                                 const Params& params = {}) = 0;
};

// A named schema change. Migrations are applied once each, in the order given,
// at start-up; the name (for example "intake/001_referrals") is recorded in
// schema_migrations.
struct Migration {
  std::string name;
  std::string sql;  // one or more statements separated by ';'
  // PostgreSQL's own SQL, for what SQLite's dialect cannot say (triggers,
  // functions); empty means `sql`, translated.
  std::string postgres_sql;
};

using Work = std::function<absl::Status(Tx&)>;
using Done = std::function<void(absl::Status)>;
// Told whether the store can commit writes (true) or not (false).
using HealthListener = std::function<void(bool healthy)>;

// Exit code of a process whose store met a write or fsync I/O error on its
// database (EX_IOERR of sysexits.h): see Store::Write.
inline constexpr int kFatalStorageErrorExitCode = 74;

// While unhealthy, a store probes the database with a small write of its
// own this often, so it becomes healthy again without outside traffic.
inline constexpr absl::Duration kDefaultHealthProbeInterval = absl::Seconds(1);

// The storage interface every service uses. Two backends: embedded SQLite
// (default) and PostgreSQL. On both, write transactions are serialised:
// one at a time per database, whatever the number of processes, so a unit
// of work may read and then write without other writers in between.
class Store {
 public:
  virtual ~Store() = default;

  // Runs `work` inside a write transaction and calls `done` once the
  // transaction is durably committed (OK) or has failed (the error). Work
  // submitted concurrently may share one transaction and one commit (group
  // commit); each unit is isolated by a savepoint, so a unit whose work
  // returns an error is rolled back alone and its `done` gets that error.
  // `done` runs on a store thread: it must not block. The trace current on
  // the calling thread (common/logging ScopedTrace) is current around
  // `work` and `done` too, so their log lines, and the outbox events
  // `work` queues (common/outbox), carry the caller's trace.
  //
  // Storage faults (both backends share this): a disk that is full, or a
  // database that cannot be reached, fails writes with UNAVAILABLE and makes
  // the store unhealthy until a write commits again. An I/O error writing
  // or syncing the database (SQLite: a write or fsync error, EIO) is fatal:
  // the data on disk is no longer known, so the store logs
  // "store.fatal_io_error" and ends the process with
  // kFatalStorageErrorExitCode without calling `done` for any unit of that
  // batch or any later one. A restart recovers from the WAL.
  virtual void Write(Work work, Done done) = 0;

  // Synchronous form of Write, for start-up and tools. Do not call from a
  // store thread.
  absl::Status WriteSync(Work work);

  // Runs `work` against a consistent read snapshot. Blocking; safe to call
  // from many threads.
  virtual absl::Status Read(const Work& work) = 0;

  // Finishes queued writes, then stops accepting new ones (they fail with
  // UNAVAILABLE). Idempotent.
  // SQLite backend: after Close, Write calls `done` with UNAVAILABLE on the
  // caller's thread before returning, and Read returns UNAVAILABLE. Do not
  // call Close (or destroy the store) from a store thread.
  virtual void Close() = 0;

  // Whether writes can commit now. A backend without faults is always
  // healthy.
  virtual bool Healthy() const { return true; }

  // Calls `listener` at once with Healthy(), then on the store's writer
  // thread each time it changes, before the `done` of the write that
  // changed it. Replaces any earlier listener; nullptr removes it, and
  // returns after any call in progress has finished. The listener must not
  // block or call into the store.
  virtual void SetHealthListener(HealthListener listener) {
    if (listener) listener(true);
  }
};

struct SqliteOptions {
  // Database file; created if missing. WAL journal, synchronous=FULL.
  std::string path;
  // Read connections kept open for Read().
  int read_connections = 4;
  // Most units of work committed together in one transaction.
  int max_batch = 256;
  // How long a connection waits on a lock before failing.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Name of a registered SQLite VFS to open the file with; empty for the
  // default. Tests register one that fails on demand.
  std::string vfs;
  // See kDefaultHealthProbeInterval.
  absl::Duration health_probe_interval = kDefaultHealthProbeInterval;
};

// Opens (creating if needed) an SQLite store and applies `migrations`.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteOptions& options, const std::vector<Migration>& migrations);

struct PostgresOptions {
  // libpq connection URI or key=value string, for example
  // "postgresql://intake@db.example:5432/frontdoor?sslmode=verify-full".
  // Settings it leaves out come from libpq's environment (PGPASSWORD,
  // PGPASSFILE, PGSSLROOTCERT, ...).
  std::string url;
  // Shown in pg_stat_activity, for example "intake-svc".
  std::string application_name = "frontdoor";
  int read_connections = 4;
  int max_batch = 256;
  // Waiting for the server to accept a connection.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longest a statement may run, and wait for a lock, before failing.
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration lock_timeout = absl::Seconds(10);
  // After a connection is lost: waits between attempts to reconnect,
  // doubling from initial to max. Meanwhile calls fail with UNAVAILABLE.
  absl::Duration reconnect_initial_backoff = absl::Milliseconds(100);
  absl::Duration reconnect_max_backoff = absl::Seconds(5);
  // See kDefaultHealthProbeInterval.
  absl::Duration health_probe_interval = kDefaultHealthProbeInterval;
};

// Whether `url` names a PostgreSQL database (postgres:// or postgresql://).
bool IsPostgresUrl(std::string_view url);

// Connects to PostgreSQL and applies `migrations` (written in SQLite's
// dialect; integer columns become BIGINT, BLOB becomes BYTEA and an
// INTEGER PRIMARY KEY an identity column). Write transactions of every
// process using the same database and schema take one transaction-level
// advisory lock first, so they run one at a time, as on SQLite: replicas
// add availability and read capacity, not write throughput.
absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresOptions& options, const std::vector<Migration>& migrations);

// Opens the store `location` names: a postgres:// or postgresql:// URL, or
// else an SQLite file path, with each backend's default options.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(
    std::string_view location, const std::vector<Migration>& migrations,
    std::string_view application_name = "frontdoor");

// Runs `batch` in one write transaction after another (WriteSync) until it
// reports that the work is finished (true) or fails: for start-up work over
// a whole table, so that no transaction grows with the table. A batch that
// fails is rolled back and its error returned.
absl::Status WriteInBatches(Store& store,
                            const std::function<absl::StatusOr<bool>(Tx&)>& batch);

}  // namespace frontdoor::store
