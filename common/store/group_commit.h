#pragma once

// Internals shared by the store's backends: what a backend provides (a
// Connection and a Backend that opens them) and the store built on top of
// them (one writer thread with group commit, a pool of read connections,
// reconnection with back-off). Services use the Open*Store functions of
// store.h, never this header.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/store/store.h"

namespace frontdoor::store::internal {

// How much of a statement's text an error message quotes.
inline constexpr size_t kMaxSqlInError = 160;

// The start of `sql`, for error messages (never parameter values).
std::string SqlForError(std::string_view sql);

// What a backend's error says about the storage underneath, beyond its
// status code (carried as a payload of the status).
enum class Fault {
  kNone,
  // The disk (or the server's) is full: not fatal, the store reports itself
  // unhealthy until a write succeeds again.
  kStorageFull,
  // A write or fsync of the database failed: what is on disk is unknown,
  // so the process must not go on acknowledging writes (fatal).
  kWriteIo,
};
absl::Status WithFault(absl::Status status, Fault fault);
Fault FaultOf(const absl::Status& status);

// One database connection. Not thread-safe: the store gives each connection
// to one thread at a time.
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one statement; appends result rows to `rows` when it is not null.
  // Returns the rows changed (0 for a statement that does not write).
  virtual absl::StatusOr<int64_t> Run(std::string_view sql,
                                      const Params& params,
                                      std::vector<Row>* rows) = 0;
  // Runs several ';'-separated statements without parameters (migrations).
  virtual absl::Status ExecScript(const std::string& sql) = 0;
  // Whether a transaction is open (including one a failed statement left
  // waiting for a rollback).
  virtual bool InTransaction() const = 0;
  // False once the connection to the server is lost; the store then opens
  // a new one.
  virtual bool Usable() const = 0;
  virtual Dialect dialect() const = 0;
  // The first error of kind Fault::kWriteIo this connection met, OK if none.
  // Kept even when the caller of the failing statement ignores its error.
  const absl::Status& write_io_error() const { return write_io_error_; }

  absl::StatusOr<int64_t> Exec(std::string_view sql,
                               const Params& params = {}) {
    return Run(sql, params, nullptr);
  }
  // Ends any open transaction, ignoring errors: used on paths that are
  // already failing.
  void RollbackIfOpen();

 protected:
  // Backends pass every error through this, so write_io_error() sees it.
  absl::Status Noted(absl::Status status) const {
    if (write_io_error_.ok() && FaultOf(status) == Fault::kWriteIo) {
      write_io_error_ = status;
    }
    return status;
  }

 private:
  mutable absl::Status write_io_error_;
};

// What differs between backends: opening connections, starting
// transactions, and the schema's dialect.
class Backend {
 public:
  enum class Role { kWriter, kReader };

  virtual ~Backend() = default;
  // For messages: "sqlite", "postgres".
  virtual const char* name() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Connection>> Open(Role role) = 0;
  // Starts a write transaction (a batch or a migration) that no other
  // writer of the same database runs beside.
  virtual absl::Status BeginWrite(Connection& connection) = 0;
  // Starts a read-only transaction on one consistent snapshot.
  virtual absl::Status BeginRead(Connection& connection) = 0;
  // A migration's SQL (written in SQLite's dialect) in this backend's.
  virtual std::string TranslateMigration(const Migration& migration) const {
    return migration.sql;
  }
  // Gives space back after the disk filled up, or after it is free again
  // (SQLite: checkpoints and truncates the WAL). Outside any transaction;
  // best effort, errors are for the log.
  virtual absl::Status ReclaimSpace(Connection& /*connection*/) {
    return absl::OkStatus();
  }
};

struct GroupCommitOptions {
  // Read connections kept for Read().
  int read_connections = 4;
  // Most units of work committed together in one transaction.
  int max_batch = 256;
  // Waits between attempts to reconnect after a connection is lost,
  // doubling from initial to max. Meanwhile writes and reads fail at once
  // with UNAVAILABLE.
  absl::Duration reconnect_initial_backoff = absl::Milliseconds(100);
  absl::Duration reconnect_max_backoff = absl::Seconds(5);
  // While the store is unhealthy, how often the writer tries a small write
  // of its own when no other write comes (readiness off means no traffic).
  absl::Duration health_probe_interval = kDefaultHealthProbeInterval;
};

// Opens the writer connection, applies `migrations` (each once, in order,
// recorded in schema_migrations) and opens the readers.
absl::StatusOr<std::unique_ptr<Store>> OpenGroupCommitStore(
    std::unique_ptr<Backend> backend, const GroupCommitOptions& options,
    const std::vector<Migration>& migrations);

}  // namespace frontdoor::store::internal
