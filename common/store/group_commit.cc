#include "common/store/group_commit.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/status/errors.h"

namespace frontdoor::store::internal {

std::string SqlForError(std::string_view sql) {
  const absl::string_view text(sql.data(), sql.size());
  if (text.size() <= kMaxSqlInError) return std::string(text);
  return absl::StrCat(text.substr(0, kMaxSqlInError), "...");
}

namespace {
// The payload that carries a Fault, and its values.
constexpr char kFaultTypeUrl[] = "type.frontdoor/store.fault";
constexpr char kFaultStorageFull[] = "storage_full";
constexpr char kFaultWriteIo[] = "write_io";
}  // namespace

absl::Status WithFault(absl::Status status, Fault fault) {
  if (status.ok() || fault == Fault::kNone) return status;
  status.SetPayload(kFaultTypeUrl,
                    absl::Cord(fault == Fault::kStorageFull ? kFaultStorageFull
                                                            : kFaultWriteIo));
  return status;
}

Fault FaultOf(const absl::Status& status) {
  auto payload = status.GetPayload(kFaultTypeUrl);
  if (!payload.has_value()) return Fault::kNone;
  if (*payload == kFaultStorageFull) return Fault::kStorageFull;
  if (*payload == kFaultWriteIo) return Fault::kWriteIo;
  return Fault::kNone;
}

void Connection::RollbackIfOpen() {
  if (Usable() && InTransaction()) (void)Exec("ROLLBACK");
}

namespace {

constexpr char kCommit[] = "COMMIT";
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

// The write the store makes on its own while unhealthy, to learn when
// writes commit again: one row, rewritten each time.
constexpr char kCreateHealthProbeTable[] =
    "CREATE TABLE IF NOT EXISTS store_health_probe ("
    "id INTEGER PRIMARY KEY, probed_at TEXT NOT NULL)";
constexpr char kHealthProbe[] =
    "INSERT INTO store_health_probe (id, probed_at) VALUES (1, $1) "
    "ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at";

std::string NowRfc3339() {
  return absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone());
}

// Ends the process after a write or fsync error on the database: nothing
// it acknowledged later could be trusted (PostgreSQL's fsync lesson). The
// log line is written with one write(2) before the exit.
[[noreturn]] void DieOnWriteIoError(const char* backend,
                                    const absl::Status& error) {
  Log(Level::kError, "store.fatal_io_error",
      {{"backend", backend},
       {"error", std::string(error.message())},
       {"action", "exiting without acknowledging; a restart recovers from "
                  "the WAL"},
       {"exit_code", kFatalStorageErrorExitCode}});
  std::_Exit(kFatalStorageErrorExitCode);
}

// The Tx handed to a unit of work: a view of the connection, valid only for
// the duration of the callback.
class ConnectionTx final : public Tx {
 public:
  explicit ConnectionTx(Connection& connection) : connection_(connection) {}
  Dialect dialect() const override { return connection_.dialect(); }
  // The database's errors reach the unit of work marked as internal
  // detail, so the gRPC edge never shows a caller SQL or a host name.
  absl::StatusOr<int64_t> Exec(std::string_view sql,
                               const Params& params) override {
    absl::StatusOr<int64_t> run = connection_.Run(sql, params, nullptr);
    if (!run.ok()) return WithInternalDetail(run.status());
    return run;
  }
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql,
                                         const Params& params) override {
    std::vector<Row> rows;
    auto run = connection_.Run(sql, params, &rows);
    if (!run.ok()) return WithInternalDetail(run.status());
    return rows;
  }

 private:
  Connection& connection_;
};

// Runs `body` in one write transaction and commits it.
absl::Status InWriteTransaction(Backend& backend, Connection& db,
                                const std::function<absl::Status()>& body) {
  absl::Status status = backend.BeginWrite(db);
  if (status.ok()) status = body();
  if (status.ok()) status = db.Exec(kCommit).status();
  if (!status.ok()) db.RollbackIfOpen();
  return status;
}

absl::Status ApplyMigrations(Backend& backend, Connection& db,
                             const std::vector<Migration>& migrations) {
  absl::flat_hash_set<absl::string_view> names;
  for (const Migration& m : migrations) {
    if (m.name.empty() || !names.insert(m.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "migrations: empty or duplicate migration name \"", m.name, "\""));
    }
  }
  // Inside a write transaction, so that processes starting together
  // create it once.
  absl::Status created = InWriteTransaction(backend, db, [&] {
    absl::Status s = db.Exec(kCreateMigrationsTable).status();
    if (s.ok()) s = db.Exec(kCreateHealthProbeTable).status();
    return s;
  });
  if (!created.ok()) return created;
  for (const Migration& m : migrations) {
    // Checked inside the transaction so two processes opening one database
    // cannot both apply a migration.
    absl::Status status = InWriteTransaction(backend, db, [&] {
      std::vector<Row> applied;
      absl::Status s = db.Run(kFindMigration, {m.name}, &applied).status();
      if (!s.ok() || !applied.empty()) return s;
      s = db.ExecScript(backend.TranslateMigration(m));
      if (!s.ok()) return s;
      return db.Exec(kRecordMigration,
                     {m.name, absl::FormatTime(absl::RFC3339_full, absl::Now(),
                                               absl::UTCTimeZone())})
          .status();
    });
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("migration \"", m.name,
                                       "\" failed: ", status.message()));
    }
  }
  return absl::OkStatus();
}

// When to try opening a connection again after failing to: at once the
// first time, then after a wait doubling from initial to max.
class Reconnect {
 public:
  Reconnect(absl::Duration initial, absl::Duration max)
      : initial_(initial), max_(max) {}

  // UNAVAILABLE while waiting; OK when an attempt may be made now.
  absl::Status MayTry(const char* backend, absl::Time now) const {
    if (now >= retry_at_) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat(
        backend, ": the database is unreachable (", last_error_.message(),
        "); reconnecting in ", absl::FormatDuration(retry_at_ - now)));
  }
  void Failed(absl::Status why, absl::Time now) {
    backoff_ = backoff_ == absl::ZeroDuration() ? initial_
                                                : std::min(backoff_ * 2, max_);
    retry_at_ = now + backoff_;
    last_error_ = std::move(why);
  }
  void Succeeded() {
    backoff_ = absl::ZeroDuration();
    retry_at_ = absl::InfinitePast();
  }

 private:
  const absl::Duration initial_;
  const absl::Duration max_;
  absl::Duration backoff_ = absl::ZeroDuration();
  absl::Time retry_at_ = absl::InfinitePast();
  absl::Status last_error_;
};

// A connection lost (or never opened) becomes usable again through
// `reconnect`; UNAVAILABLE while the database cannot be reached.
absl::Status EnsureConnected(Backend& backend, Backend::Role role,
                             Reconnect& reconnect,
                             std::unique_ptr<Connection>& connection) {
  if (connection != nullptr && connection->Usable()) return absl::OkStatus();
  connection.reset();
  const absl::Time now = absl::Now();
  if (absl::Status wait = reconnect.MayTry(backend.name(), now); !wait.ok()) {
    return wait;
  }
  absl::StatusOr<std::unique_ptr<Connection>> opened = backend.Open(role);
  if (!opened.ok()) {
    reconnect.Failed(opened.status(), now);
    return absl::UnavailableError(
        absl::StrCat(backend.name(), ": the database is unreachable: ",
                     opened.status().message()));
  }
  reconnect.Succeeded();
  connection = *std::move(opened);
  return absl::OkStatus();
}

class GroupCommitStore final : public Store {
 public:
  GroupCommitStore(std::unique_ptr<Backend> backend,
                   const GroupCommitOptions& options,
                   std::unique_ptr<Connection> writer,
                   std::vector<std::unique_ptr<Connection>> readers)
      : backend_(std::move(backend)),
        max_batch_(static_cast<size_t>(options.max_batch)),
        health_probe_interval_(options.health_probe_interval),
        writer_(std::move(writer)),
        writer_reconnect_(options.reconnect_initial_backoff,
                          options.reconnect_max_backoff),
        idle_readers_(std::move(readers)),
        reader_reconnect_(options.reconnect_initial_backoff,
                          options.reconnect_max_backoff) {
    writer_thread_ = std::thread(&GroupCommitStore::WriterLoop, this);
    done_thread_ = std::thread(&GroupCommitStore::DoneLoop, this);
    pthread_setname_np(writer_thread_.native_handle(), "store-writer");
    pthread_setname_np(done_thread_.native_handle(), "store-done");
  }

  ~GroupCommitStore() override { Close(); }

  void Write(Work work, Done done) override;
  absl::Status Read(const Work& work) override;
  void Close() override;
  bool Healthy() const override {
    absl::MutexLock lock(&health_mu_);
    return healthy_;
  }
  void SetHealthListener(HealthListener listener) override {
    absl::MutexLock lock(&health_mu_);
    listener_ = std::move(listener);
    if (listener_) listener_(healthy_);
  }

 private:
  struct Unit {
    Work work;
    Done done;
    absl::Status status;
    // The trace current on the thread that called Write, made current
    // again around `work` and `done` on the store's threads.
    std::string trace_id;
  };

  // A committed unit's outcome, waiting for its `done` to run.
  struct Outcome {
    Done done;
    absl::Status status;
    std::string trace_id;
  };

  bool HasWorkOrClosing() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || closing_;
  }
  // Records the store's health after a batch; tells the listener of a
  // change. `why` names the fault when unhealthy.
  void SetHealthy(bool healthy, absl::string_view why);
  // Looks at a finished batch: dies on a write I/O error; otherwise
  // updates the store's health and gives back space after a full disk.
  void AfterBatch(const std::vector<Unit>& batch, bool connected);
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
  // commit) while callers are answered.
  void DoneLoop();
  // Commits batch[first...] in one transaction, setting each unit's status.
  // Returns the index of the first unit it did not settle: the database may
  // end a whole transaction on its own (SQLite on an I/O error or a full
  // disk), after which the remaining units start a fresh transaction.
  size_t CommitFrom(std::vector<Unit>& batch, size_t first);
  absl::Status RunRead(Connection& connection, const Work& work);

  const std::unique_ptr<Backend> backend_;
  const size_t max_batch_;
  const absl::Duration health_probe_interval_;
  // Touched only by the writer thread between construction and Close().
  std::unique_ptr<Connection> writer_;
  Reconnect writer_reconnect_;
  std::thread writer_thread_;
  std::thread done_thread_;

  mutable absl::Mutex health_mu_;
  bool healthy_ ABSL_GUARDED_BY(health_mu_) = true;
  HealthListener listener_ ABSL_GUARDED_BY(health_mu_);

  absl::Mutex done_mu_;
  std::vector<Outcome> outcomes_ ABSL_GUARDED_BY(done_mu_);
  bool writer_done_ ABSL_GUARDED_BY(done_mu_) = false;

  absl::Mutex mu_;
  std::deque<Unit> queue_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;

  // A slot may hold no connection (lost, reopened on its next use).
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_
      ABSL_GUARDED_BY(readers_mu_);
  int readers_in_use_ ABSL_GUARDED_BY(readers_mu_) = 0;
  bool readers_closed_ ABSL_GUARDED_BY(readers_mu_) = false;
  absl::Mutex reader_reconnect_mu_;
  Reconnect reader_reconnect_ ABSL_GUARDED_BY(reader_reconnect_mu_);

  // Serialises Close() so it is idempotent and safe from several threads.
  absl::Mutex close_mu_ ABSL_ACQUIRED_BEFORE(mu_, readers_mu_);
  bool closed_ ABSL_GUARDED_BY(close_mu_) = false;
};

void GroupCommitStore::Write(Work work, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closing_) {
      queue_.push_back(
          Unit{std::move(work), std::move(done), absl::OkStatus(),
               std::string(CurrentTraceId())});
      return;
    }
  }
  // No store thread runs any more: `done` runs here, before Write returns.
  if (done) done(absl::UnavailableError("store is closed"));
}

void GroupCommitStore::WriterLoop() {
  std::vector<Unit> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      const absl::Condition has_work(this, &GroupCommitStore::HasWorkOrClosing);
      if (Healthy()) {
        mu_.Await(has_work);
      } else if (!mu_.AwaitWithTimeout(has_work, health_probe_interval_)) {
        // Unhealthy and no write came: probe with one of the store's own,
        // so that readiness (which keeps traffic away) can come back.
        batch.push_back(Unit{[](Tx& tx) {
                               return tx.Exec(kHealthProbe, {NowRfc3339()})
                                   .status();
                             },
                             nullptr, absl::OkStatus(), std::string()});
      }
      if (batch.empty() && queue_.empty()) {
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
    absl::Status connected = EnsureConnected(*backend_, Backend::Role::kWriter,
                                             writer_reconnect_, writer_);
    if (connected.ok()) {
      // After a write I/O error nothing more is tried: AfterBatch ends the
      // process.
      for (size_t next = 0;
           next < batch.size() && writer_->write_io_error().ok();) {
        next = CommitFrom(batch, next);
      }
    } else {
      for (Unit& unit : batch) unit.status = WithInternalDetail(connected);
    }
    // Before any `done` of the batch runs: a fatal error acknowledges
    // nothing, and health changes before the caller hears of the write.
    AfterBatch(batch, connected.ok());
    {
      absl::MutexLock done_lock(&done_mu_);
      for (Unit& unit : batch) {
        if (unit.done) {
          outcomes_.push_back(
              Outcome{std::move(unit.done), std::move(unit.status),
                      std::move(unit.trace_id)});
        }
      }
    }
    batch.clear();
  }
}

void GroupCommitStore::SetHealthy(bool healthy, absl::string_view why) {
  absl::MutexLock lock(&health_mu_);
  if (healthy_ == healthy) return;
  healthy_ = healthy;
  if (healthy) {
    Log(Level::kInfo, "store.healthy", {{"backend", backend_->name()}});
  } else {
    Log(Level::kWarning, "store.unhealthy",
        {{"backend", backend_->name()}, {"reason", std::string(why)}});
  }
  if (listener_) listener_(healthy);
}

void GroupCommitStore::AfterBatch(const std::vector<Unit>& batch,
                                  bool connected) {
  if (connected && !writer_->write_io_error().ok()) {
    DieOnWriteIoError(backend_->name(), writer_->write_io_error());
  }
  if (!connected || !writer_->Usable()) {
    SetHealthy(false, "database_unreachable");
    return;
  }
  bool committed = false;
  bool full = false;
  for (const Unit& unit : batch) {
    committed = committed || unit.status.ok();
    full = full || FaultOf(unit.status) == Fault::kStorageFull;
  }
  if (full) {
    SetHealthy(false, "storage_full");
  } else if (committed) {
    const bool was_healthy = Healthy();
    SetHealthy(true, "");
    if (was_healthy) return;
  } else {
    return;  // Only the units' own errors: health is unchanged.
  }
  // The disk filled up, or has room again after it did: give the WAL's
  // space back. A failure here (still full) is not news.
  if (absl::Status reclaimed = backend_->ReclaimSpace(*writer_);
      !reclaimed.ok() && FaultOf(reclaimed) != Fault::kStorageFull) {
    Log(Level::kWarning, "store.reclaim_failed",
        {{"backend", backend_->name()},
         {"error", std::string(reclaimed.message())}});
  }
  if (!writer_->write_io_error().ok()) {
    DieOnWriteIoError(backend_->name(), writer_->write_io_error());
  }
}

void GroupCommitStore::DoneLoop() {
  std::vector<Outcome> ready;
  for (;;) {
    {
      absl::MutexLock lock(&done_mu_);
      done_mu_.Await(
          absl::Condition(this, &GroupCommitStore::HasOutcomesOrWriterDone));
      if (outcomes_.empty()) {
        return;  // The writer has stopped and every outcome is delivered.
      }
      ready.swap(outcomes_);
    }
    for (Outcome& outcome : ready) {
      ScopedTrace trace(outcome.trace_id);
      outcome.done(std::move(outcome.status));
    }
    ready.clear();
  }
}

size_t GroupCommitStore::CommitFrom(std::vector<Unit>& batch, size_t first) {
  Connection& db = *writer_;
  const auto fail_from = [&](size_t from, size_t to, const absl::Status& why) {
    for (size_t j = from; j < to; ++j) {
      if (batch[j].status.ok()) batch[j].status = WithInternalDetail(why);
    }
  };
  // A lost connection loses the whole transaction: UNAVAILABLE (retry may
  // succeed), whatever error the unit saw.
  const auto lost = [&](absl::string_view what) {
    return absl::UnavailableError(
        absl::StrCat("write rolled back with its batch: ", what));
  };
  if (absl::Status begin = backend_->BeginWrite(db); !begin.ok()) {
    fail_from(first, batch.size(),
              db.Usable() ? begin : lost(begin.message()));
    db.RollbackIfOpen();
    return batch.size();
  }
  ConnectionTx tx(db);
  for (size_t i = first; i < batch.size(); ++i) {
    Unit& unit = batch[i];
    unit.status = db.Exec(kSavepoint).status();
    if (unit.status.ok()) {
      ScopedTrace trace(unit.trace_id);
      unit.status = unit.work
                        ? unit.work(tx)
                        : absl::InvalidArgumentError("empty unit of work");
    }
    if (!db.InTransaction() || !db.Usable()) {
      // The database ended the whole transaction: every unit settled in it
      // so far is lost.
      fail_from(first, i + 1,
                lost(unit.status.ok() ? "transaction ended by a unit of work"
                                      : unit.status.message()));
      db.RollbackIfOpen();
      return i + 1;
    }
    if (unit.status.ok()) {
      unit.status = db.Exec(kRelease).status();
      if (unit.status.ok()) continue;
    }
    // This unit failed: undo its changes alone.
    absl::Status undo = db.Exec(kRollbackToSavepoint).status();
    if (undo.ok()) undo = db.Exec(kRelease).status();
    if (!undo.ok()) {
      db.RollbackIfOpen();
      fail_from(first, i + 1, lost(undo.message()));
      return i + 1;
    }
  }
  if (auto commit = db.Exec(kCommit); !commit.ok()) {
    db.RollbackIfOpen();
    // Units that failed on their own keep their own, more specific, error.
    // A commit whose answer was lost may or may not have happened: the
    // caller sees UNAVAILABLE and retries (every write is idempotent).
    fail_from(first, batch.size(),
              db.Usable() ? commit.status() : lost(commit.status().message()));
  }
  return batch.size();
}

absl::Status GroupCommitStore::Read(const Work& work) {
  std::unique_ptr<Connection> connection;
  {
    absl::MutexLock lock(&readers_mu_);
    readers_mu_.Await(
        absl::Condition(this, &GroupCommitStore::ReaderAvailableOrClosed));
    if (readers_closed_) return absl::UnavailableError("store is closed");
    connection = std::move(idle_readers_.back());
    idle_readers_.pop_back();
    ++readers_in_use_;
  }
  absl::Status status;
  {
    absl::MutexLock lock(&reader_reconnect_mu_);
    status = EnsureConnected(*backend_, Backend::Role::kReader,
                             reader_reconnect_, connection);
  }
  if (status.ok()) {
    status = RunRead(*connection, work);
  } else {
    status = WithInternalDetail(std::move(status));
  }
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(std::move(connection));
  --readers_in_use_;
  return status;
}

absl::Status GroupCommitStore::RunRead(Connection& connection,
                                       const Work& work) {
  if (absl::Status begin = backend_->BeginRead(connection); !begin.ok()) {
    connection.RollbackIfOpen();
    return WithInternalDetail(std::move(begin));
  }
  ConnectionTx tx(connection);
  absl::Status status =
      work ? work(tx) : absl::InvalidArgumentError("empty unit of work");
  // Nothing is written, so ending a read is always ROLLBACK.
  connection.RollbackIfOpen();
  if (!status.ok() && !connection.Usable()) {
    return WithInternalDetail(absl::UnavailableError(
        absl::StrCat(backend_->name(), ": connection lost during a read: ",
                     status.message())));
  }
  return status;
}

void GroupCommitStore::Close() {
  absl::MutexLock close_lock(&close_mu_);
  if (closed_) return;
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
  readers_mu_.Await(absl::Condition(this, &GroupCommitStore::NoReaderInUse));
  idle_readers_.clear();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenGroupCommitStore(
    std::unique_ptr<Backend> backend, const GroupCommitOptions& options,
    const std::vector<Migration>& migrations) {
  const std::string name(backend->name());
  if (options.read_connections < 1 || options.max_batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": read_connections (", options.read_connections,
        ") and max_batch (", options.max_batch, ") must be at least 1"));
  }
  if (options.health_probe_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": health_probe_interval must be positive"));
  }
  if (options.reconnect_initial_backoff <= absl::ZeroDuration() ||
      options.reconnect_max_backoff < options.reconnect_initial_backoff) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": reconnect back-off must be positive, "
                           "initial no more than max"));
  }
  auto writer = backend->Open(Backend::Role::kWriter);
  if (!writer.ok()) return writer.status();
  if (auto s = ApplyMigrations(*backend, **writer, migrations); !s.ok()) {
    return s;
  }
  std::vector<std::unique_ptr<Connection>> readers;
  for (int i = 0; i < options.read_connections; ++i) {
    auto reader = backend->Open(Backend::Role::kReader);
    if (!reader.ok()) return reader.status();
    readers.push_back(*std::move(reader));
  }
  return std::make_unique<GroupCommitStore>(
      std::move(backend), options, *std::move(writer), std::move(readers));
}

}  // namespace frontdoor::store::internal
