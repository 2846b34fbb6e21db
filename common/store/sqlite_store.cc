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
#include "common/store/group_commit.h"
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
  switch (code) {
    // Writing or syncing the database or its WAL failed: what is on disk
    // is unknown (fsyncgate: a later fsync may report success for pages
    // the kernel has dropped).
    case SQLITE_IOERR_WRITE:
    case SQLITE_IOERR_FSYNC:
    case SQLITE_IOERR_DIR_FSYNC:
    case SQLITE_IOERR_TRUNCATE:
      return internal::WithFault(absl::UnavailableError(message),
                                 internal::Fault::kWriteIo);
    default:
      break;
  }
  switch (code & kPrimaryCodeMask) {
    case SQLITE_FULL:
      return internal::WithFault(absl::UnavailableError(message),
                                 internal::Fault::kStorageFull);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
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

// Per-connection settings. temp_store=MEMORY keeps the savepoint
// sub-journal of a batch in memory instead of spilling it to a temporary
// file for every batch. The writer's page cache (64 MiB; negative sizes are
// KiB) holds the index pages that random keys (references, blind indexes)
// touch, so inserts rarely read from disk; readers keep 16 MiB each. The
// WAL is checkpointed into the database every 4000 pages (16 MiB), so a
// page written by many batches is copied once; when a checkpoint lets the
// WAL start again from its beginning, the file is cut back to
// journal_size_limit (64 MiB), so the space a burst took is given back.
constexpr char kConnectionPragmas[] =
    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; ";
constexpr char kWriterPragmas[] =
    "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536; "
    "PRAGMA wal_autocheckpoint=4000; PRAGMA journal_size_limit=67108864;";
// After the disk filled up (and once it has room again): copy the WAL into
// the database and truncate the WAL to zero bytes.
constexpr char kCheckpointTruncate[] = "PRAGMA wal_checkpoint(TRUNCATE)";
constexpr char kReaderPragmas[] =
    "PRAGMA query_only=ON; PRAGMA cache_size=-16384;";

using internal::Backend;
using internal::SqlForError;

// One SQLite connection with its statement cache.
class SqliteConnection final : public internal::Connection {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const SqliteOptions& options, Backend::Role role);

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  absl::StatusOr<int64_t> Run(std::string_view sql, const Params& params,
                              std::vector<Row>* rows) override;
  absl::Status ExecScript(const std::string& sql) override;
  bool InTransaction() const override {
    return sqlite3_get_autocommit(db_) == 0;
  }
  // A file connection is never lost.
  bool Usable() const override { return true; }
  Dialect dialect() const override { return Dialect::kSqlite; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  absl::Status Error(int code, std::string_view sql) const {
    return Noted(StatusFromSqlite(code, SqlForError(sql), sqlite3_errmsg(db_)));
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

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const SqliteOptions& options, Backend::Role role) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (role == Backend::Role::kWriter) {
    flags |= SQLITE_OPEN_CREATE;
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags,
                                 options.vfs.empty() ? nullptr
                                                     : options.vfs.c_str());
  if (db == nullptr) {
    return absl::ResourceExhaustedError("sqlite: cannot allocate connection");
  }
  // Owns `db` from here on, including on the error paths below.
  auto connection = absl::WrapUnique(new SqliteConnection(db));
  if (rc != SQLITE_OK) {
    return StatusFromSqlite(rc, absl::StrCat("open ", options.path),
                            sqlite3_errmsg(db));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(
      db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));

  if (role == Backend::Role::kWriter) {
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

absl::StatusOr<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql,
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

absl::Status SqliteConnection::Bind(sqlite3_stmt* stmt, const Params& params,
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

absl::Status SqliteConnection::AppendRow(sqlite3_stmt* stmt,
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

absl::StatusOr<int64_t> SqliteConnection::Run(std::string_view sql,
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

absl::Status SqliteConnection::ExecScript(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) {
    return absl::OkStatus();
  }
  absl::Status status = Noted(StatusFromSqlite(
      rc, "script", message != nullptr ? message : sqlite3_errmsg(db_)));
  sqlite3_free(message);
  return status;
}

// Writes take the database's write lock when they begin (IMMEDIATE), so a
// batch never fails half-way on a lock another process holds.
class SqliteBackend final : public Backend {
 public:
  static constexpr char kBeginImmediate[] = "BEGIN IMMEDIATE";
  static constexpr char kBeginDeferred[] = "BEGIN";

  explicit SqliteBackend(SqliteOptions options) : options_(std::move(options)) {}
  const char* name() const override { return "sqlite"; }
  absl::StatusOr<std::unique_ptr<internal::Connection>> Open(
      Role role) override {
    auto opened = SqliteConnection::Open(options_, role);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<internal::Connection>(*std::move(opened));
  }
  absl::Status BeginWrite(internal::Connection& connection) override {
    return connection.Exec(kBeginImmediate).status();
  }
  // A deferred transaction takes its snapshot at the first read and keeps
  // it until the end.
  absl::Status BeginRead(internal::Connection& connection) override {
    return connection.Exec(kBeginDeferred).status();
  }
  absl::Status ReclaimSpace(internal::Connection& connection) override {
    std::vector<Row> result;
    return connection.Run(kCheckpointTruncate, {}, &result).status();
  }

 private:
  const SqliteOptions options_;
};

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
  internal::GroupCommitOptions group;
  group.read_connections = options.read_connections;
  group.max_batch = options.max_batch;
  group.health_probe_interval = options.health_probe_interval;
  return internal::OpenGroupCommitStore(std::make_unique<SqliteBackend>(options),
                                        group, migrations);
}

}  // namespace frontdoor::store
