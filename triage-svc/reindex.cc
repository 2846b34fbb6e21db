#include "triage-svc/reindex.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/identity/identity.h"
#include "common/logging/logging.h"
#include "common/rights/data_keys.h"
#include "frontdoor/intake/v1/events.pb.h"

namespace frontdoor::triage {
namespace {

// What one batch did.
struct Batch {
  ReindexResult changed;
  bool finished = false;
};

absl::Status ReindexOne(store::Tx& tx, const crypto::KeyRing& keys,
                        const std::string& reference,
                        const std::string& stored_index,
                        const std::string& sealed_event,
                        ReindexResult& changed) {
  absl::StatusOr<std::string> plain =
      rights::OpenSealed(tx, keys, sealed_event, reference);
  // Erased: nothing left to index (erasure replaced its indexes).
  if (rights::IsErased(plain.status())) return absl::OkStatus();
  if (!plain.ok()) {
    return absl::Status(
        plain.status().code(),
        absl::StrCat("sealed referral ", reference,
                     " did not open: ", plain.status().message()));
  }
  intake::v1::ReferralReceived event;
  if (!event.ParseFromString(*plain)) {
    return absl::DataLossError(
        absl::StrCat("sealed referral ", reference, " does not parse"));
  }
  const common::v1::Subject& subject = event.referral().subject();
  const std::string index = keys.BlindIndex(
      identity::PersonKey(subject.name(), &subject.date_of_birth()));
  if (index != stored_index || index != event.subject_index()) {
    event.set_subject_index(index);
    absl::StatusOr<std::string> sealed =
        rights::SealFor(tx, keys, reference, event.SerializeAsString(),
                        reference, absl::Now());
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE triage_referrals SET subject_index = $1, sealed_event = $2 "
        "WHERE reference = $3",
        {index, store::Blob{*std::move(sealed)}, reference});
    if (!updated.ok()) return updated.status();
    changed.referrals += *updated;
  }
  absl::StatusOr<int64_t> marac = tx.Exec(
      "UPDATE marac_referrals SET subject_index = $1 "
      "WHERE reference = $2 AND subject_index <> $1",
      {index, reference});
  if (!marac.ok()) return marac.status();
  changed.marac += *marac;
  return absl::OkStatus();
}

absl::StatusOr<Batch> ReindexBatch(store::Tx& tx, const crypto::KeyRing& keys,
                                   int64_t batch_rows) {
  Batch batch;
  absl::StatusOr<std::vector<store::Row>> progress = tx.Query(
      "SELECT after_reference, done FROM identity_reindex WHERE version = $1",
      {kIdentityVersion});
  if (!progress.ok()) return progress.status();
  if (progress->empty()) {
    return absl::FailedPreconditionError(
        "identity_reindex has no row for this identity version (migration "
        "triage/002_identity not applied?)");
  }
  if ((*progress)[0].Int(1) != 0) {
    batch.finished = true;
    return batch;
  }
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT reference, subject_index, sealed_event FROM triage_referrals "
      "WHERE reference > $1 ORDER BY reference LIMIT $2",
      {(*progress)[0].Text(0), batch_rows});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    absl::Status s = ReindexOne(tx, keys, row.Text(0), row.Text(1), row.Text(2),
                                batch.changed);
    if (!s.ok()) return s;
  }
  batch.finished = static_cast<int64_t>(rows->size()) < batch_rows;
  const std::string after =
      rows->empty() ? (*progress)[0].Text(0) : rows->back().Text(0);
  absl::StatusOr<int64_t> recorded = tx.Exec(
      "UPDATE identity_reindex SET after_reference = $1, done = $2 "
      "WHERE version = $3",
      {after, int64_t{batch.finished}, kIdentityVersion});
  if (!recorded.ok()) return recorded.status();
  return batch;
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
        absl::StatusOr<Batch> b = ReindexBatch(tx, keys, batch_rows);
        if (!b.ok()) return b.status();
        // A failed batch stops the whole run with its error, so the counts
        // matter only when every batch committed.
        total.referrals += b->changed.referrals;
        total.marac += b->changed.marac;
        return b->finished;
      });
  if (!status.ok()) return status;
  if (total.referrals > 0 || total.marac > 0) {
    Log(Level::kInfo, "identity.reindexed",
        {{"referrals", total.referrals},
         {"marac_referrals", total.marac},
         {"identity_version", kIdentityVersion}});
  }
  return total;
}

}  // namespace frontdoor::triage
