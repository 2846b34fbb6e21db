#include "intake-svc/reindex.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/rights/data_keys.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "intake-svc/intake_core.h"
#include "intake-svc/person_indexes.h"

namespace frontdoor::intake {
namespace {

// The literal must match kIdentityVersion: it is written into the SQL (not
// bound) so that the query can use migration 002's partial index.
static_assert(kIdentityVersion == 2,
              "update kStaleRows and the migration's partial index");
constexpr char kStaleRows[] =
    "SELECT reference, status, front_door, sealed_referral FROM referrals "
    "WHERE identity_version < 2 ORDER BY reference LIMIT $1";

// Re-seals the undelivered outbox event `event_id` of `reference` with
// `indexes`; true when there was one.
absl::StatusOr<bool> ResealEvent(store::Tx& tx, const crypto::KeyRing& keys,
                                 const std::string& reference,
                                 const std::string& event_id,
                                 const PersonIndexes& indexes) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT payload FROM outbox "
      "WHERE event_id = $1 AND delivered_at_us IS NULL",
      {event_id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return false;
  absl::StatusOr<std::string> plain =
      rights::OpenSealed(tx, keys, (*rows)[0].Text(0), event_id);
  if (!plain.ok()) {
    return absl::Status(
        plain.status().code(),
        absl::StrCat("outbox event of ", reference,
                     " did not open: ", plain.status().message()));
  }
  intake::v1::ReferralReceived event;
  if (!event.ParseFromString(*plain)) {
    return absl::DataLossError(
        absl::StrCat("outbox event of ", reference, " does not parse"));
  }
  SetIndexes(indexes, event);
  absl::StatusOr<std::string> sealed = rights::SealFor(
      tx, keys, reference, event.SerializeAsString(), event_id, absl::Now());
  if (!sealed.ok()) return sealed.status();
  absl::StatusOr<int64_t> updated =
      tx.Exec("UPDATE outbox SET payload = $1 WHERE event_id = $2",
              {store::Blob{*std::move(sealed)}, event_id});
  if (!updated.ok()) return updated.status();
  return true;
}

// One batch: re-indexes up to `batch_rows` stale rows; adds what it did to
// `done` and returns how many rows it found.
absl::StatusOr<int64_t> ReindexBatch(store::Tx& tx, const crypto::KeyRing& keys,
                                     int64_t batch_rows, ReindexResult& done) {
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query(kStaleRows, {batch_rows});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    const std::string& reference = row.Text(0);
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys, row.Text(3), reference);
    if (!plain.ok()) {
      return absl::Status(
          plain.status().code(),
          absl::StrCat("sealed referral ", reference,
                       " did not open: ", plain.status().message()));
    }
    common::v1::Referral referral;
    if (!referral.ParseFromString(*plain)) {
      return absl::DataLossError(
          absl::StrCat("sealed referral ", reference, " does not parse"));
    }
    const PersonIndexes indexes = IndexPeople(
        keys, referral, static_cast<intake::v1::ReferralStatus>(row.Int(1)),
        static_cast<common::v1::FrontDoor>(row.Int(2)));
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE referrals SET subject_index = $1, subject_loose_index = $2, "
        "identity_version = $3 WHERE reference = $4",
        {indexes.subject, indexes.subject_loose, kIdentityVersion, reference});
    if (!updated.ok()) return updated.status();
    ++done.referrals;
    const std::string event_id =
        absl::StrCat(reference, kReceivedEventIdSuffix);
    for (const std::string& id :
         {event_id, absl::StrCat(event_id, kForNotifyEventIdSuffix)}) {
      absl::StatusOr<bool> resealed =
          ResealEvent(tx, keys, reference, id, indexes);
      if (!resealed.ok()) return resealed.status();
      if (*resealed) ++done.events;
    }
  }
  return static_cast<int64_t>(rows->size());
}

}  // namespace

absl::StatusOr<ReindexResult> ReindexIdentities(store::Store& store,
                                                const crypto::KeyRing& keys,
                                                int64_t batch_rows) {
  if (batch_rows < 1) {
    return absl::InvalidArgumentError("batch_rows must be at least 1");
  }
  ReindexResult total;
  absl::Status status =
      store::WriteInBatches(store, [&](store::Tx& tx) -> absl::StatusOr<bool> {
        ReindexResult batch;
        absl::StatusOr<int64_t> n = ReindexBatch(tx, keys, batch_rows, batch);
        if (!n.ok()) return n.status();
        // A failed batch returns its error and the whole run stops, so
        // counting here counts only batches that commit.
        total.referrals += batch.referrals;
        total.events += batch.events;
        return *n < batch_rows;
      });
  if (!status.ok()) return status;
  if (total.referrals > 0) {
    Log(Level::kInfo, "identity.reindexed",
        {{"referrals", total.referrals},
         {"events", total.events},
         {"identity_version", kIdentityVersion}});
  }
  return total;
}

}  // namespace frontdoor::intake
