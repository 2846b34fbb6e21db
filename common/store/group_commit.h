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

  absl::StatusOr<int64_t> Exec(std::string_view sql,
                               const Params& params = {}) {
    return Run(sql, params, nullptr);
  }
  // Ends any open transaction, ignoring errors: used on paths that are
  // already failing.
  void RollbackIfOpen();
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
  virtual std::string TranslateMigration(const std::string& sql) const {
    return sql;
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
};

// Opens the writer connection, applies `migrations` (each once, in order,
// recorded in schema_migrations) and opens the readers.
absl::StatusOr<std::unique_ptr<Store>> OpenGroupCommitStore(
    std::unique_ptr<Backend> backend, const GroupCommitOptions& options,
    const std::vector<Migration>& migrations);

}  // namespace frontdoor::store::internal
