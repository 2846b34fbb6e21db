#include "common/rewrap/rewrap.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging/logging.h"
#include "common/metrics/families.h"
#include "common/rights/data_keys.h"

namespace frontdoor::rewrap {
namespace {

// A value sealed under the ring (its first byte is format version 1, as
// the prefix's is) but not under the active key (its first bytes are not
// the active key's prefix); for a data-key column, any value under the
// ring. Values under data keys (version 2) and NULLs (a destroyed key) are
// never on an old key.
// Parameters (PrefixParams): $1 the version-1 byte; for a ring column, $2
// the active key's prefix length and $3 the prefix.
std::string OnOldKey(const SealedColumn& c) {
  std::string under_ring = absl::StrCat("substr(", c.column, ", 1, 1) = $1");
  if (!c.reference_sql.empty()) return under_ring;
  return absl::StrCat(under_ring, " AND substr(", c.column, ", 1, $2) <> $3");
}

store::Params PrefixParams(const crypto::KeyRing& keys,
                           const SealedColumn& c) {
  store::Params params = {
      store::Blob{std::string(1, static_cast<char>(crypto::kSealFormatV1))}};
  if (c.reference_sql.empty()) {
    const std::string prefix = crypto::SealedPrefix(keys.active_key_id());
    params.push_back(static_cast<int64_t>(prefix.size()));
    params.push_back(store::Blob{prefix});
  }
  return params;
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

SealedColumn DataKeysColumn() {
  return {"data_keys", "wrapped_key", {"reference"},
          absl::StrCat("'", crypto::kDataKeyWrapAadPrefix, "' || reference")};
}

absl::StatusOr<int64_t> MoveToDataKey(store::Tx& tx,
                                      const crypto::KeyRing& keys,
                                      const SealedColumn& column,
                                      const std::string& reference,
                                      absl::Time now) {
  if (column.reference_sql.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(column.table, ".", column.column,
                     " is not a column of data under data keys"));
  }
  const std::string keys_list = absl::StrJoin(column.key_columns, ", ");
  store::Params params = PrefixParams(keys, column);
  params.push_back(reference);
  auto rows = tx.Query(
      absl::StrCat("SELECT ", keys_list, ", ", column.aad_sql, ", ",
                   column.column, " FROM ", column.table, " WHERE ",
                   column.reference_sql, " = $", params.size(), " AND ",
                   OnOldKey(column)),
      params);
  if (!rows.ok()) return rows.status();
  const size_t n_keys = column.key_columns.size();
  std::string where_key;
  for (size_t i = 0; i < n_keys; ++i) {
    absl::StrAppend(&where_key, i == 0 ? "" : " AND ", column.key_columns[i],
                    " = $", i + 2);
  }
  int64_t moved = 0;
  for (const store::Row& row : *rows) {
    const std::string& aad = row.Text(n_keys);
    absl::StatusOr<std::string> plain = keys.Open(row.Text(n_keys + 1), aad);
    if (!plain.ok()) {
      return absl::DataLossError(absl::StrCat(
          "a value of ", column.table, ".", column.column,
          " did not open to move it to the referral's data key: ",
          plain.status().message()));
    }
    absl::StatusOr<std::string> sealed =
        rights::SealFor(tx, keys, reference, *plain, aad, now);
    if (!sealed.ok()) return sealed.status();
    store::Params params = {store::Blob{*std::move(sealed)}};
    for (size_t i = 0; i < n_keys; ++i) params.push_back(row.at(i));
    auto changed = tx.Exec(absl::StrCat("UPDATE ", column.table, " SET ",
                                        column.column, " = $1 WHERE ",
                                        where_key),
                           params);
    if (!changed.ok()) return changed.status();
    moved += *changed;
  }
  return moved;
}

absl::StatusOr<int64_t> CountOnOldKeys(store::Store& store,
                                       const crypto::KeyRing& keys,
                                       const SealedColumn& column) {
  int64_t count = 0;
  absl::Status read = store.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(absl::StrCat("SELECT COUNT(*) FROM ", column.table,
                                      " WHERE ", OnOldKey(column)),
                         PrefixParams(keys, column));
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
  const bool to_data_key = !column.reference_sql.empty();
  PassResult result;
  std::optional<std::vector<store::Value>> cursor;
  while (true) {
    bool more = false;
    absl::Status written = store.WriteSync([&](store::Tx& tx) -> absl::Status {
      store::Params params = PrefixParams(keys, column);
      std::string query = absl::StrCat(
          "SELECT ", keys_list, ", ", column.aad_sql, ", ", column.column,
          ", ", to_data_key ? column.reference_sql : std::string("''"),
          " FROM ", column.table, " WHERE ", OnOldKey(column));
      if (cursor.has_value()) {
        absl::StrAppend(&query, " AND ",
                        AfterCursor(column, static_cast<int>(params.size()) + 1));
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
        absl::StatusOr<std::string> resealed =
            to_data_key ? rights::SealFor(tx, keys, row.Text(n_keys + 2),
                                          *plain, aad, absl::Now())
                        : keys.Seal(*plain, aad);
        if (rights::IsErased(resealed.status())) {
          // A value left under the ring by a referral erased since: it
          // stays counted (and an operator told) until it is dealt with.
          ++result.failed;
          Log(Level::kError, "rewrap.erased_referral_value",
              {{"table", column.table}, {"column", column.column}});
          continue;
        }
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
