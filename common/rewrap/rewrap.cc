#include "common/rewrap/rewrap.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging/logging.h"
#include "common/metrics/families.h"

namespace frontdoor::rewrap {
namespace {

// "substr(column, 1, $1) <> $2": a value not sealed under the active key
// (its first bytes are not the active key's prefix).
std::string OnOldKey(const SealedColumn& c) {
  return absl::StrCat("substr(", c.column, ", 1, $1) <> $2");
}

store::Params PrefixParams(const crypto::KeyRing& keys) {
  const std::string prefix = crypto::SealedPrefix(keys.active_key_id());
  return {static_cast<int64_t>(prefix.size()), store::Blob{prefix}};
}

// "k1 > $3" or "(k1, k2) > ($3, $4)", parameters from `first`.
std::string AfterCursor(const SealedColumn& c, int first) {
  std::vector<std::string> placeholders;
  for (size_t i = 0; i < c.key_columns.size(); ++i) {
    placeholders.push_back(absl::StrCat("$", first + static_cast<int>(i)));
  }
  if (c.key_columns.size() == 1) {
    return absl::StrCat(c.key_columns[0], " > ", placeholders[0]);
  }
  return absl::StrCat("(", absl::StrJoin(c.key_columns, ", "), ") > (",
                      absl::StrJoin(placeholders, ", "), ")");
}

}  // namespace

SealedColumn OutboxPayloads() {
  return {"outbox", "payload", {"seq"}, "event_id"};
}

absl::StatusOr<int64_t> CountOnOldKeys(store::Store& store,
                                       const crypto::KeyRing& keys,
                                       const SealedColumn& column) {
  int64_t count = 0;
  absl::Status read = store.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(absl::StrCat("SELECT COUNT(*) FROM ", column.table,
                                      " WHERE ", OnOldKey(column)),
                         PrefixParams(keys));
    if (!rows.ok()) return rows.status();
    count = rows->empty() ? 0 : (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  return count;
}

absl::StatusOr<PassResult> RewrapColumn(store::Store& store,
                                        const crypto::KeyRing& keys,
                                        const SealedColumn& column) {
  const size_t n_keys = column.key_columns.size();
  const std::string keys_list = absl::StrJoin(column.key_columns, ", ");
  std::string where_key;
  for (size_t i = 0; i < n_keys; ++i) {
    absl::StrAppend(&where_key, i == 0 ? "" : " AND ", column.key_columns[i],
                    " = $", i + 2);
  }
  const std::string update =
      absl::StrCat("UPDATE ", column.table, " SET ", column.column,
                   " = $1 WHERE ", where_key, " AND ", column.column, " = $",
                   n_keys + 2);
  PassResult result;
  std::optional<std::vector<store::Value>> cursor;
  while (true) {
    bool more = false;
    absl::Status written = store.WriteSync([&](store::Tx& tx) -> absl::Status {
      store::Params params = PrefixParams(keys);
      std::string query = absl::StrCat(
          "SELECT ", keys_list, ", ", column.aad_sql, ", ", column.column,
          " FROM ", column.table, " WHERE ", OnOldKey(column));
      if (cursor.has_value()) {
        absl::StrAppend(&query, " AND ", AfterCursor(column, 3));
        for (const store::Value& v : *cursor) params.push_back(v);
      }
      absl::StrAppend(&query, " ORDER BY ", keys_list, " LIMIT ", kBatchRows);
      auto rows = tx.Query(query, params);
      if (!rows.ok()) return rows.status();
      for (const store::Row& row : *rows) {
        std::vector<store::Value> key;
        for (size_t i = 0; i < n_keys; ++i) key.push_back(row.at(i));
        const std::string& aad = row.Text(n_keys);
        const std::string& sealed = row.Text(n_keys + 1);
        cursor = key;
        absl::StatusOr<std::string> plain = keys.Open(sealed, aad);
        if (!plain.ok()) {
          ++result.failed;
          Log(Level::kError, "rewrap.failed",
              {{"table", column.table},
               {"column", column.column},
               {"error", std::string(plain.status().message())}});
          continue;
        }
        absl::StatusOr<std::string> resealed = keys.Seal(*plain, aad);
        if (!resealed.ok()) return resealed.status();
        store::Params update_params = {store::Blob{*std::move(resealed)}};
        for (store::Value& v : key) update_params.push_back(std::move(v));
        update_params.push_back(store::Blob{sealed});
        auto changed = tx.Exec(update, update_params);
        if (!changed.ok()) return changed.status();
        result.rewrapped += *changed;
      }
      more = static_cast<int64_t>(rows->size()) == kBatchRows;
      return absl::OkStatus();
    });
    if (!written.ok()) return written;
    if (!more) break;
  }
  return result;
}

Rewrapper::Rewrapper(store::Store& store, const crypto::KeyRing& keys,
                     std::vector<SealedColumn> columns, absl::Duration interval)
    : store_(store),
      keys_(keys),
      specs_(std::move(columns)),
      interval_(interval),
      thread_(interval_, [this] { return Round(); }) {
  for (const SealedColumn& c : specs_) {
    states_.push_back({c.table, c.column, -1});
  }
}

Rewrapper::~Rewrapper() { Stop(); }

bool Rewrapper::Round() {
  RunOnce();
  // The ring is loaded once and new values are sealed under its active key,
  // so once every column is at 0 it stays there until a restart: no more
  // scans.
  for (const ColumnState& c : columns()) {
    if (c.on_old_keys != 0) return true;
  }
  return false;
}

void Rewrapper::RunOnce() {
  for (size_t i = 0; i < specs_.size() && !thread_.stopping(); ++i) {
    const SealedColumn& spec = specs_[i];
    absl::StatusOr<int64_t> before = CountOnOldKeys(store_, keys_, spec);
    std::optional<PassResult> pass;
    if (before.ok() && *before > 0) {
      absl::StatusOr<PassResult> done = RewrapColumn(store_, keys_, spec);
      if (done.ok()) {
        pass = *done;
        Log(Level::kInfo, "rewrap.pass",
            {{"table", spec.table},
             {"column", spec.column},
             {"rewrapped", done->rewrapped},
             {"failed", done->failed}});
      } else {
        Log(Level::kWarning, "rewrap.error",
            {{"table", spec.table},
             {"error", std::string(done.status().message())}});
      }
    }
    absl::StatusOr<int64_t> after =
        pass.has_value() ? CountOnOldKeys(store_, keys_, spec) : before;
    if (!after.ok()) {
      Log(Level::kWarning, "rewrap.error",
          {{"table", spec.table},
           {"error", std::string(after.status().message())}});
    }
    absl::MutexLock lock(&mu_);
    if (after.ok()) states_[i].on_old_keys = *after;
    if (pass.has_value()) {
      rewrapped_ += pass->rewrapped;
      failed_ += pass->failed;
    }
  }
}

std::vector<Rewrapper::ColumnState> Rewrapper::columns() const {
  absl::MutexLock lock(&mu_);
  return states_;
}

int64_t Rewrapper::rewrapped_total() const {
  absl::MutexLock lock(&mu_);
  return rewrapped_;
}

int64_t Rewrapper::failed_total() const {
  absl::MutexLock lock(&mu_);
  return failed_;
}

std::vector<prometheus::MetricFamily> RewrapCollector::Collect() const {
  auto on_old = metrics::NewGauge(
      "frontdoor_sealed_rows_on_old_keys",
      "Rows of a sealed column still sealed under a key other than the key "
      "ring's active one; an old key may leave the ring once every service "
      "reports 0.");
  for (const Rewrapper::ColumnState& c : rewrapper_.columns()) {
    if (c.on_old_keys < 0) continue;
    metrics::AddSample(on_old, {{"table", c.table}, {"column", c.column}},
                       static_cast<double>(c.on_old_keys));
  }
  auto rewrapped = metrics::NewCounter(
      "frontdoor_rewrap_rows_total",
      "Sealed values re-sealed under the active key after a rotation.");
  metrics::AddSample(rewrapped, {},
                     static_cast<double>(rewrapper_.rewrapped_total()));
  auto failed = metrics::NewCounter(
      "frontdoor_rewrap_failures_total",
      "Sealed values that did not open when re-sealing (altered or "
      "swapped): left as they are.");
  metrics::AddSample(failed, {},
                     static_cast<double>(rewrapper_.failed_total()));
  return {std::move(on_old), std::move(rewrapped), std::move(failed)};
}

}  // namespace frontdoor::rewrap
