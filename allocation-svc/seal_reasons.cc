#include "allocation-svc/seal_reasons.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace frontdoor::allocation {

std::string ReasonAad(const std::string& reference) {
  return absl::StrCat(reference, ":reason");
}

absl::StatusOr<int64_t> SealPlainReasons(store::Store& store,
                                         const crypto::KeyRing& keys,
                                         int64_t batch_rows) {
  int64_t sealed_rows = 0;
  absl::Status status = store::WriteInBatches(
      store, [&](store::Tx& tx) -> absl::StatusOr<bool> {
        if (tx.dialect() == store::Dialect::kSqlite) {
          // Freed space is zeroed, so the text replaced does not linger in
          // the database file's free pages.
          absl::StatusOr<int64_t> on = tx.Exec("PRAGMA secure_delete = ON", {});
          if (!on.ok()) return on.status();
        }
        absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
            "SELECT reference, reason FROM placements "
            "WHERE sealed_reason IS NULL ORDER BY reference LIMIT $1",
            {batch_rows});
        if (!rows.ok()) return rows.status();
        int64_t sealed_now = 0;
        for (const store::Row& row : *rows) {
          const std::string& reference = row.Text(0);
          absl::StatusOr<std::string> sealed =
              keys.Seal(row.Text(1), ReasonAad(reference));
          if (!sealed.ok()) return sealed.status();
          absl::StatusOr<int64_t> updated = tx.Exec(
              "UPDATE placements SET reason = '', sealed_reason = $1 "
              "WHERE reference = $2 AND sealed_reason IS NULL",
              {store::Blob{*std::move(sealed)}, reference});
          if (!updated.ok()) return updated.status();
          sealed_now += *updated;
        }
        sealed_rows += sealed_now;
        // Done after a short batch; a batch that sealed nothing (which
        // cannot happen, since each row is chosen in its own transaction)
        // ends it too rather than loop.
        return static_cast<int64_t>(rows->size()) < batch_rows ||
               sealed_now == 0;
      });
  if (!status.ok()) return status;
  return sealed_rows;
}

}  // namespace frontdoor::allocation
