#include "common/store/sqlite_store.h"

#include <pthread.h>
#include <sqlite3.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/memory/memory.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store/store.h"

namespace frontdoor::store {
namespace sqlite_internal {
namespace {

// absl::string_view is not std::string_view in this Abseil build.
absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool IsIdentifierChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '$';
}

bool IsDigit(char c) {
  return absl::ascii_isdigit(static_cast<unsigned char>(c));
}

// Low byte of an extended result code is the primary code.
constexpr int kPrimaryCodeMask = 0xff;

}  // namespace

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  const size_t n = sql.size();
  size_t i = 0;
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A doubled quote inside a literal closes and reopens it, which this
      // copies correctly as two adjacent quoted runs.
      size_t end = sql.find(c, i + 1);
      end = end == std::string_view::npos ? n : end + 1;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string_view::npos ? n : end;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? n : end + 2;
      out.append(sql.substr(i, end - i));
      i = end;
    } else if (c == '$' && i + 1 < n && IsDigit(sql[i + 1]) &&
               (i == 0 || !IsIdentifierChar(sql[i - 1]))) {
      out.push_back('?');
      ++i;
      while (i < n && IsDigit(sql[i])) {
        out.push_back(sql[i++]);
      }
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

absl::Status StatusFromSqlite(int code, std::string_view context,
                              std::string_view sqlite_message) {
  std::string message =
      absl::StrCat(AsAbsl(context), ": ", AsAbsl(sqlite_message), " (",
                   sqlite3_errstr(code), ")");
  switch (code & kPrimaryCodeMask) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE ||
          code == SQLITE_CONSTRAINT_PRIMARYKEY ||
          code == SQLITE_CONSTRAINT_ROWID) {
        return absl::AlreadyExistsError(message);
      }
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace sqlite_internal

namespace {

using sqlite_internal::AsAbsl;
using sqlite_internal::StatusFromSqlite;

// Prepared statements kept per connection. Services use a fixed set of SQL
// texts; beyond this many (ad-hoc SQL from tools) statements are prepared,
// used once and finalized.
constexpr size_t kMaxCachedStatements = 512;
// How much of a statement's text an error message quotes.
constexpr size_t kMaxSqlInError = 160;

// Per-connection settings. temp_store=MEMORY keeps the savepoint
// sub-journal of a batch in memory instead of spilling it to a temporary
// file for every batch. The writer's page cache (64 MiB; negative sizes are
// KiB) holds the index pages that random keys (references, blind indexes)
// touch, so inserts rarely read from disk; readers keep 16 MiB each. The
// WAL is checkpointed into the database every 4000 pages (16 MiB), so a
// page written by many batches is copied once.
constexpr char kConnectionPragmas[] =
    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; ";
constexpr char kWriterPragmas[] =
    "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
    "PRAGMA wal_autocheckpoint=4000;";
constexpr char kReaderPragmas[] =
    "PRAGMA query_only=ON; PRAGMA cache_size=-16384;";

constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
constexpr char kBeginDeferred[] = "BEGIN";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT unit";
constexpr char kRelease[] = "RELEASE unit";
constexpr char kRollbackToSavepoint[] = "ROLLBACK TO unit";

constexpr char kCreateMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)";
constexpr char kFindMigration[] =
    "SELECT 1 FROM schema_migrations WHERE name = $1";
constexpr char kRecordMigration[] =
    "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)";

std::string SqlForError(std::string_view sql) {
  if (sql.size() <= kMaxSqlInError) {
    return std::string(sql);
  }
  return absl::StrCat(AsAbsl(sql.substr(0, kMaxSqlInError)), "...");
}

// One SQLite connection with its statement cache. Not thread-safe: the store
// gives each connection to one thread at a time.
class Connection {
 public:
  enum class Role { kWriter, kReader };

  static absl::StatusOr<std::unique_ptr<Connection>> Open(
      const SqliteOptions& options, Role role);

  ~Connection() {
    for (auto& [sql, stmt] : statements_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement; appends result rows to `rows` when it is not null.
  // Returns the rows changed (0 for a statement that does not write).
  absl::StatusOr<int64_t> Run(std::string_view sql, const Params& params,
                              std::vector<Row>* rows);

  absl::StatusOr<int64_t> Exec(std::string_view sql,
                               const Params& params = {}) {
    return Run(sql, params, nullptr);
  }

  // Runs several ';'-separated statements without parameters (migrations).
  absl::Status ExecScript(const std::string& sql);

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  // Ends any open transaction, ignoring errors: used on paths that are
  // already failing.
  void RollbackIfOpen() {
    if (InTransaction()) {
      (void)Exec(kRollback);
    }
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  absl::Status Error(int code, std::string_view sql) const {
    return StatusFromSqlite(code, SqlForError(sql), sqlite3_errmsg(db_));
  }

  // Returns a prepared statement for `sql`; `*cached` says whether it belongs
  // to the cache (reset after use) or to the caller (finalize after use).
  absl::StatusOr<sqlite3_stmt*> Prepare(std::string_view sql, bool* cached);
  absl::Status Bind(sqlite3_stmt* stmt, const Params& params,
                    std::string_view sql) const;
  absl::Status AppendRow(sqlite3_stmt* stmt, std::vector<Row>* rows) const;

  sqlite3* const db_;
  // Keyed by the caller's SQL text, so the $N rewrite runs once per text.
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(
    const SqliteOptions& options, Role role) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Role::kWriter) {
    flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (db == nullptr) {
    return absl::ResourceExhaustedError("sqlite: cannot allocate connection");
  }
  // Owns `db` from here on, including on the error paths below.
  auto connection = absl::WrapUnique(new Connection(db));
  if (rc != SQLITE_OK) {
    return StatusFromSqlite(rc, absl::StrCat("open ", options.path),
                            sqlite3_errmsg(db));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(
      db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));

  if (role == Role::kWriter) {
    std::vector<Row> mode;
    auto set = connection->Run("PRAGMA journal_mode=WAL", {}, &mode);
    if (!set.ok()) {
      return set.status();
    }
    if (mode.size() != 1 || mode[0].Text(0) != "wal") {
      return absl::FailedPreconditionError(absl::StrCat(
          "sqlite: ", options.path, " cannot use the WAL journal (got \"",
          mode.empty() ? "" : mode[0].Text(0), "\")"));
    }
    if (auto s = connection->ExecScript(
            absl::StrCat(kConnectionPragmas, kWriterPragmas));
        !s.ok()) {
      return s;
    }
  } else {
    // Readers must never write: a write on a read path is a bug.
    if (auto s = connection->ExecScript(
            absl::StrCat(kConnectionPragmas, kReaderPragmas));
        !s.ok()) {
      return s;
    }
  }
  return connection;
}

absl::StatusOr<sqlite3_stmt*> Connection::Prepare(std::string_view sql,
                                                  bool* cached) {
  if (auto it = statements_.find(AsAbsl(sql)); it != statements_.end()) {
    *cached = true;
    return it->second;
  }
  *cached = statements_.size() < kMaxCachedStatements;
  const std::string rewritten = sqlite_internal::RewritePlaceholders(sql);
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  // The length includes the terminating NUL, which lets SQLite skip a copy.
  const int rc = sqlite3_prepare_v3(
      db_, rewritten.c_str(), static_cast<int>(rewritten.size() + 1),
      *cached ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
  if (rc != SQLITE_OK) {
    return Error(rc, sql);
  }
  if (stmt == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite: no statement in \"", SqlForError(sql), "\""));
  }
  for (; tail != nullptr && *tail != '\0'; ++tail) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(*tail))) {
      sqlite3_finalize(stmt);
      return absl::InvalidArgumentError(absl::StrCat(
          "sqlite: one statement per call: \"", SqlForError(sql), "\""));
    }
  }
  if (*cached) {
    statements_.emplace(std::string(sql), stmt);
  }
  return stmt;
}

absl::Status Connection::Bind(sqlite3_stmt* stmt, const Params& params,
                              std::string_view sql) const {
  const int expected = sqlite3_bind_parameter_count(stmt);
  if (static_cast<size_t>(expected) != params.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite: statement takes ", expected, " parameters, ",
                     params.size(), " given: \"", SqlForError(sql), "\""));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    const Value& value = params[i];
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<int64_t>(&value)) {
      rc = sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* d = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      // SQLITE_STATIC: `params` outlives the statement's use (it is reset
      // before Run returns).
      rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_STATIC,
                               SQLITE_UTF8);
    } else if (const auto* b = std::get_if<Blob>(&value)) {
      rc = sqlite3_bind_blob64(stmt, index, b->bytes.data(), b->bytes.size(),
                               SQLITE_STATIC);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) {
      return Error(rc, sql);
    }
  }
  return absl::OkStatus();
}

absl::Status Connection::AppendRow(sqlite3_stmt* stmt,
                                   std::vector<Row>* rows) const {
  const int count = sqlite3_column_count(stmt);
  std::vector<Value> columns;
  columns.reserve(count);
  for (int c = 0; c < count; ++c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        columns.emplace_back(
            static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
        break;
      case SQLITE_FLOAT:
        columns.emplace_back(sqlite3_column_double(stmt, c));
        break;
      case SQLITE_TEXT: {
        const auto* data =
            reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        if (data == nullptr) {
          return absl::ResourceExhaustedError("sqlite: out of memory");
        }
        columns.emplace_back(
            std::in_place_type<std::string>, data,
            static_cast<size_t>(sqlite3_column_bytes(stmt, c)));
        break;
      }
      case SQLITE_BLOB: {
        // A zero-length blob reads back as a null pointer.
        const auto* data =
            static_cast<const char*>(sqlite3_column_blob(stmt, c));
        const size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
        columns.emplace_back(
            Blob{data == nullptr ? std::string() : std::string(data, size)});
        break;
      }
      default:
        columns.emplace_back(std::monostate());
        break;
    }
  }
  rows->emplace_back(std::move(columns));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Connection::Run(std::string_view sql,
                                        const Params& params,
                                        std::vector<Row>* rows) {
  bool cached = false;
  absl::StatusOr<sqlite3_stmt*> prepared = Prepare(sql, &cached);
  if (!prepared.ok()) {
    return prepared.status();
  }
  sqlite3_stmt* const stmt = *prepared;
  // Resetting ends the statement's implicit read, so a cached statement
  // never pins a snapshot between calls.
  struct Release {
    sqlite3_stmt* stmt;
    bool cached;
    ~Release() {
      if (cached) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
      } else {
        sqlite3_finalize(stmt);
      }
    }
  } release{stmt, cached};

  if (auto s = Bind(stmt, params, sql); !s.ok()) {
    return s;
  }
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
      break;
    }
    if (rc != SQLITE_ROW) {
      return Error(rc, sql);
    }
    if (rows != nullptr) {
      if (auto s = AppendRow(stmt, rows); !s.ok()) {
        return s;
      }
    }
  }
  return sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes64(db_);
}

absl::Status Connection::ExecScript(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) {
    return absl::OkStatus();
  }
  absl::Status status = StatusFromSqlite(
      rc, "script", message != nullptr ? message : sqlite3_errmsg(db_));
  sqlite3_free(message);
  return status;
}

// The Tx handed to a unit of work: a view of the connection, valid only for
// the duration of the callback.
class ConnectionTx final : public Tx {
 public:
  explicit ConnectionTx(Connection& connection) : connection_(connection) {}
  absl::StatusOr<int64_t> Exec(std::string_view sql,
                               const Params& params) override {
    return connection_.Run(sql, params, nullptr);
  }
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                         const Params& params) override {
    std::vector<Row> rows;
    auto run = connection_.Run(sql, params, &rows);
    if (!run.ok()) {
      return run.status();
    }
    return rows;
  }

 private:
  Connection& connection_;
};

absl::Status ApplyMigrations(Connection& db,
                             const std::vector<Migration>& migrations) {
  absl::flat_hash_set<absl::string_view> names;
  for (const Migration& m : migrations) {
    if (m.name.empty() || !names.insert(m.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "migrations: empty or duplicate migration name \"", m.name, "\""));
    }
  }
  if (auto s = db.Exec(kCreateMigrationsTable); !s.ok()) {
    return s.status();
  }
  for (const Migration& m : migrations) {
    // Checked inside the transaction so two processes opening one database
    // cannot both apply a migration.
    absl::Status status = db.Exec(kBeginImmediate).status();
    std::vector<Row> applied;
    if (status.ok()) {
      status = db.Run(kFindMigration, {m.name}, &applied).status();
    }
    if (status.ok() && applied.empty()) {
      status = db.ExecScript(m.sql);
      if (status.ok()) {
        status =
            db.Exec(kRecordMigration,
                    {m.name, absl::FormatTime(absl::RFC3339_full, absl::Now(),
                                              absl::UTCTimeZone())})
                .status();
      }
    }
    if (status.ok()) {
      status = db.Exec(kCommit).status();
    }
    if (!status.ok()) {
      db.RollbackIfOpen();
      return absl::Status(status.code(),
                          absl::StrCat("migration \"", m.name,
                                       "\" failed: ", status.message()));
    }
  }
  return absl::OkStatus();
}

class SqliteStore final : public Store {
 public:
  SqliteStore(int max_batch, std::unique_ptr<Connection> writer,
              std::vector<std::unique_ptr<Connection>> readers)
      : max_batch_(static_cast<size_t>(max_batch)),
        writer_(std::move(writer)),
        idle_readers_(std::move(readers)) {
    writer_thread_ = std::thread(&SqliteStore::WriterLoop, this);
    done_thread_ = std::thread(&SqliteStore::DoneLoop, this);
    pthread_setname_np(writer_thread_.native_handle(), "store-writer");
    pthread_setname_np(done_thread_.native_handle(), "store-done");
  }

  ~SqliteStore() override { Close(); }

  void Write(Work work, Done done) override;
  absl::Status Read(const Work& work) override;
  void Close() override;

 private:
  struct Unit {
    Work work;
    Done done;
    absl::Status status;
  };

  // A committed unit's outcome, waiting for its `done` to run.
  struct Outcome {
    Done done;
    absl::Status status;
  };

  bool HasWorkOrClosing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || closing_;
  }
  bool HasOutcomesOrWriterDone() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(done_mu_) {
    return !outcomes_.empty() || writer_done_;
  }
  bool ReaderAvailableOrClosed() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(readers_mu_) {
    return !idle_readers_.empty() || readers_closed_;
  }
  bool NoReaderInUse() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(readers_mu_) {
    return readers_in_use_ == 0;
  }

  void WriterLoop();
  // Runs `done` callbacks, so the writer goes on to the next batch (and its
  // fsync) while callers are answered.
  void DoneLoop();
  // Commits batch[first...] in one transaction, setting each unit's status.
  // Returns the index of the first unit it did not settle: SQLite may roll a
  // whole transaction back on its own (I/O error, disk full), after which
  // the remaining units start a fresh transaction.
  size_t CommitFrom(std::vector<Unit>& batch, size_t first);
  absl::Status RunRead(Connection& connection, const Work& work);

  const size_t max_batch_;
  // Touched only by the writer thread between construction and Close().
  std::unique_ptr<Connection> writer_;
  std::thread writer_thread_;
  std::thread done_thread_;

  absl::Mutex done_mu_;
  std::vector<Outcome> outcomes_ ABSL_GUARDED_BY(done_mu_);
  bool writer_done_ ABSL_GUARDED_BY(done_mu_) = false;

  absl::Mutex mu_;
  std::deque<Unit> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);
  int readers_in_use_ ABSL_GUARDED_BY(readers_mu_) = 0;
  bool readers_closed_ ABSL_GUARDED_BY(readers_mu_) = false;

  // Serialises Close() so it is idempotent and safe from several threads.
  absl::Mutex close_mu_ ABSL_ACQUIRED_BEFORE(mu_, readers_mu_);
  bool closed_ ABSL_GUARDED_BY(close_mu_) = false;
};

void SqliteStore::Write(Work work, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(
          Unit{std::move(work), std::move(done), absl::OkStatus()});
      return;
    }
  }
  // No store thread runs any more: `done` runs here, before Write returns.
  if (done) {
    done(absl::UnavailableError("store is closed"));
  }
}

void SqliteStore::WriterLoop() {
  std::vector<Unit> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &SqliteStore::HasWorkOrClosing));
      if (queue_.empty()) {
        // Closing, and every queued unit is committed or failed.
        absl::MutexLock done_lock(&done_mu_);
        writer_done_ = true;
        return;
      }
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (size_t next = 0; next < batch.size();) {
      next = CommitFrom(batch, next);
    }
    {
      absl::MutexLock done_lock(&done_mu_);
      for (Unit& unit : batch) {
        if (unit.done) {
          outcomes_.push_back(
              Outcome{std::move(unit.done), std::move(unit.status)});
        }
      }
    }
    batch.clear();
  }
}

void SqliteStore::DoneLoop() {
  std::vector<Outcome> ready;
  for (;;) {
    {
      absl::MutexLock lock(&done_mu_);
      done_mu_.Await(
          absl::Condition(this, &SqliteStore::HasOutcomesOrWriterDone));
      if (outcomes_.empty()) {
        return;  // The writer has stopped and every outcome is delivered.
      }
      ready.swap(outcomes_);
    }
    for (Outcome& outcome : ready) {
      outcome.done(std::move(outcome.status));
    }
    ready.clear();
  }
}

size_t SqliteStore::CommitFrom(std::vector<Unit>& batch, size_t first) {
  Connection& db = *writer_;
  const auto fail_from = [&](size_t from, size_t to, const absl::Status& why) {
    for (size_t j = from; j < to; ++j) {
      if (batch[j].status.ok()) {
        batch[j].status = why;
      }
    }
  };
  if (auto begin = db.Exec(kBeginImmediate); !begin.ok()) {
    fail_from(first, batch.size(), begin.status());
    db.RollbackIfOpen();
    return batch.size();
  }
  ConnectionTx tx(db);
  for (size_t i = first; i < batch.size(); ++i) {
    Unit& unit = batch[i];
    unit.status = db.Exec(kSavepoint).status();
    if (unit.status.ok()) {
      unit.status = unit.work
                        ? unit.work(tx)
                        : absl::InvalidArgumentError("empty unit of work");
    }
    if (!db.InTransaction()) {
      // SQLite rolled back the whole transaction: every unit settled in it
      // so far is lost.
      const absl::Status lost = absl::UnavailableError(
          absl::StrCat("write rolled back with its batch: ",
                       unit.status.ok() ? "transaction ended by a unit of work"
                                        : unit.status.message()));
      fail_from(first, i + 1, lost);
      return i + 1;
    }
    if (unit.status.ok()) {
      unit.status = db.Exec(kRelease).status();
      if (unit.status.ok()) {
        continue;
      }
    }
    // This unit failed: undo its changes alone.
    absl::Status undo = db.Exec(kRollbackToSavepoint).status();
    if (undo.ok()) {
      undo = db.Exec(kRelease).status();
    }
    if (!undo.ok()) {
      db.RollbackIfOpen();
      fail_from(first, i + 1,
                absl::UnavailableError(absl::StrCat(
                    "write rolled back with its batch: ", undo.message())));
      return i + 1;
    }
  }
  if (auto commit = db.Exec(kCommit); !commit.ok()) {
    db.RollbackIfOpen();
    // Units that failed on their own keep their own, more specific, error.
    fail_from(first, batch.size(), commit.status());
  }
  return batch.size();
}

absl::Status SqliteStore::Read(const Work& work) {
  std::unique_ptr<Connection> connection;
  {
    absl::MutexLock lock(&readers_mu_);
    readers_mu_.Await(
        absl::Condition(this, &SqliteStore::ReaderAvailableOrClosed));
    if (readers_closed_) {
      return absl::UnavailableError("store is closed");
    }
    connection = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    ++readers_in_use_;
  }
  absl::Status status = RunRead(*connection, work);
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(std::move(connection));
  --readers_in_use_;
  return status;
}

absl::Status SqliteStore::RunRead(Connection& connection, const Work& work) {
  // A deferred transaction takes its snapshot at the first read and keeps
  // it until the end; nothing is written, so ending it is always ROLLBACK.
  if (auto begin = connection.Exec(kBeginDeferred); !begin.ok()) {
    return begin.status();
  }
  ConnectionTx tx(connection);
  absl::Status status =
      work ? work(tx) : absl::InvalidArgumentError("empty unit of work");
  connection.RollbackIfOpen();
  return status;
}

void SqliteStore::Close() {
  absl::MutexLock close_lock(&close_mu_);
  if (closed_) {
    return;
  }
  closed_ = true;
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  writer_thread_.join();
  done_thread_.join();
  writer_.reset();
  absl::MutexLock lock(&readers_mu_);
  readers_closed_ = true;
  readers_mu_.Await(absl::Condition(this, &SqliteStore::NoReaderInUse));
  idle_readers_.clear();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const SqliteOptions& options, const std::vector<Migration>& migrations) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite: path is empty");
  }
  if (options.read_connections < 1 || options.max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sqlite: read_connections (", options.read_connections,
        ") and max_batch (", options.max_batch, ") must be at least 1"));
  }
  if (options.busy_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("sqlite: busy_timeout is negative");
  }
  auto writer = Connection::Open(options, Connection::Role::kWriter);
  if (!writer.ok()) {
    return writer.status();
  }
  if (auto s = ApplyMigrations(**writer, migrations); !s.ok()) {
    return s;
  }
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    auto reader = Connection::Open(options, Connection::Role::kReader);
    if (!reader.ok()) {
      return reader.status();
    }
    readers.push_back(*std::move(reader));
  }
  return std::make_unique<SqliteStore>(options.max_batch, *std::move(writer),
                                       std::move(readers));
}

}  // namespace frontdoor::store
