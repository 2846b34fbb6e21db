#include "intake-svc/intake_rights.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/identity/identity.h"
#include "common/rights/data_keys.h"
#include "common/rights/exporting.h"
#include "common/rights/rectify.h"
#include "common/rights/redaction.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "google/protobuf/util/time_util.h"
#include "intake-svc/migrations.h"
#include "intake-svc/person_indexes.h"
#include "intake-svc/submission.h"

namespace frontdoor::intake {

IntakeRights::IntakeRights(store::Store& store, const crypto::KeyRing& keys,
                           const Clock& clock)
    : RightsCore("intake-svc", store, keys, clock) {}

absl::StatusOr<bool> IntakeRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM referrals WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::Status IntakeRights::EraseIn(store::Tx& tx, const std::string& reference,
                                   absl::Time now) {
  if (absl::Status s = Shred(tx, reference, SealedColumns(), now); !s.ok()) {
    return s;
  }
  // identity_version: nothing is left to re-index from (reindex.cc).
  // request_hash is a digest of the whole referral: it goes too (the
  // agency's idempotency key stays, answering a resubmission with
  // ALREADY_EXISTS).
  const std::string erased = rights::ErasedIndex(reference);
  absl::StatusOr<int64_t> blanked = tx.Exec(
      "UPDATE referrals SET subject_index = $1, subject_loose_index = $1, "
      "request_hash = $1, identity_version = $2 WHERE reference = $3",
      {erased, kIdentityVersion, reference});
  return blanked.status();
}

retention::ErasureSchedule ReturnedReferralSchedule(IntakeRights& rights,
                                                    absl::Duration after) {
  retention::ErasureSchedule schedule;
  schedule.record = retention::kRecordReturnedReferral;
  schedule.after = after;
  schedule.candidates_sql = absl::StrCat(
      "SELECT reference, received_at_us AS since_us FROM referrals "
      "WHERE status = ",
      int64_t{v1::REFERRAL_STATUS_RETURNED});
  schedule.erase = [&rights](store::Tx& tx, const std::string& reference,
                             absl::Time now) {
    return rights.EraseOnSchedule(tx, reference, now);
  };
  return schedule;
}

absl::StatusOr<int> IntakeRights::RectifyIn(
    store::Tx& tx, const Caller&, const common::v1::RectifyRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  int copies = 0;
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT sealed_referral, status, front_door FROM referrals "
      "WHERE reference = $1",
      {reference});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    const store::Row& row = rows->front();
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys(), row.Text(0), reference);
    if (rights::IsErased(plain.status())) return plain.status();
    common::v1::Referral referral;
    if (!plain.ok() || !referral.ParseFromString(*plain)) {
      return absl::DataLossError("sealed referral did not open");
    }
    absl::StatusOr<std::string> old = rights::Apply(request, referral);
    if (!old.ok()) return old.status();
    const auto status = static_cast<intake::v1::ReferralStatus>(row.Int(1));
    const auto front_door = static_cast<common::v1::FrontDoor>(row.Int(2));
    const PersonIndexes indexes =
        IndexPeople(keys(), referral, status, front_door);
    // Sealed as at submission: the referral's bytes, the reference bound.
    absl::StatusOr<std::string> sealed = rights::SealFor(
        tx, keys(), reference, referral.SerializeAsString(), reference, now);
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE referrals SET sealed_referral = $2, subject_index = $3, "
        "subject_loose_index = $4 WHERE reference = $1",
        {reference, store::Blob{*std::move(sealed)}, indexes.subject,
         indexes.subject_loose});
    if (!updated.ok()) return updated.status();
    copies = 1;
    absl::StatusOr<int> events =
        rights::RectifyOutboxCopies<intake::v1::ReferralReceived>(
            tx, keys(), reference,
            {kReferralReceivedTopic, kReferralReceivedForNotifyTopic}, now,
            [&](intake::v1::ReferralReceived& event) -> absl::Status {
              absl::StatusOr<std::string> before =
                  rights::Apply(request, *event.mutable_referral());
              if (!before.ok()) return before.status();
              if (rights::ChangesIndexes(request.field())) {
                SetIndexes(
                    IndexPeople(keys(), event.referral(), status, front_door),
                    event);
              }
              return absl::OkStatus();
            });
    if (!events.ok()) return events.status();
    copies += *events;
    if (absl::Status s = rights::RecordRectification(
            tx, keys(), reference, now, rights::HistoryField(request), *old,
            request.value());
        !s.ok()) {
      return s;
    }
  }
  return copies;
}

// By reference: the referral's subject. By name and date of birth: the
// referrals whose subject has that blind index (referrals.subject_index).
// intake-svc keeps no column indexing the other party: triage-svc finds
// them (suspect_links).
absl::StatusOr<common::v1::FindPersonResponse> IntakeRights::FindIn(
    store::Tx& tx, const common::v1::FindPersonRequest& request, absl::Time) {
  common::v1::FindPersonResponse out;
  out.set_service(service());
  absl::StatusOr<std::vector<store::Row>> rows;
  if (request.has_name_and_birth()) {
    out.set_searched_by_name(true);
    const common::v1::NameAndBirth& who = request.name_and_birth();
    rows = tx.Query(
        "SELECT reference, front_door, received_at_us FROM referrals "
        "WHERE subject_index = $1 ORDER BY received_at_us, reference",
        {keys().BlindIndex(
            identity::PersonKey(who.name(), &who.date_of_birth()))});
  } else {
    rows = tx.Query(
        "SELECT reference, front_door, received_at_us FROM referrals "
        "WHERE reference = $1",
        {request.reference()});
  }
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    absl::StatusOr<common::v1::RightsState> state = StateIn(tx, row.Text(0));
    if (!state.ok()) return state.status();
    *out.add_referrals() =
        rights::Found(row.Text(0), common::v1::PARTY_SUBJECT,
                      static_cast<common::v1::FrontDoor>(row.Int(1)),
                      row.Int(2), *std::move(state));
  }
  return out;
}

// The referral as received with its receipt (one record), and intake's
// history of it.
absl::StatusOr<common::v1::ExportSubjectResponse> IntakeRights::ExportFrom(
    store::Tx& tx, const common::v1::ExportSubjectRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  common::v1::ExportSubjectResponse out;
  out.set_service(service());
  *out.mutable_person() = request.person();
  *out.mutable_exported_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(now));
  absl::StatusOr<common::v1::RightsState> state = StateIn(tx, reference);
  if (!state.ok()) return state.status();
  *out.mutable_state() = *state;
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT receipt, sealed_referral, received_at_us FROM referrals "
      "WHERE reference = $1",
      {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return out;
  const store::Row& row = (*rows)[0];
  intake::v1::Receipt receipt;
  if (!receipt.ParseFromString(row.Text(0))) {
    return absl::DataLossError("a stored receipt does not parse");
  }
  common::v1::Referral referral;
  bool erased = state->has_erased_at();
  if (!erased) {
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys(), row.Text(1), reference);
    if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
      return absl::DataLossError("the sealed referral did not open");
    }
    erased = !plain.ok();
    if (plain.ok() && !referral.ParseFromString(*plain)) {
      return absl::DataLossError("the sealed referral does not parse");
    }
  }
  if (!erased) {
    if (absl::Status s = rights::CheckChild(request.person(), referral);
        !s.ok()) {
      return s;
    }
  }
  const rights::Context context =
      rights::ContextFor(request, referral, receipt.front_door());
  rights::Redacted<intake::v1::Receipt> shown_receipt =
      rights::RedactReceipt(context, receipt, "receipt.");
  std::vector<rights::Part> parts = {{"receipt", &shown_receipt.record,
                                      shown_receipt.redactions,
                                      shown_receipt.needs_review}};
  rights::Redacted<common::v1::Referral> shown;
  if (erased) {
    parts[0].redactions.push_back(rights::ErasedAt("referral"));
  } else {
    shown = rights::RedactReferral(context, std::move(referral), "referral.");
    parts.push_back(
        {"referral", &shown.record, shown.redactions, shown.needs_review});
  }
  absl::StatusOr<common::v1::ExportedRecord> record =
      rights::MakeRecord(rights::kKindReferral, reference,
                         absl::FromUnixMicros(row.Int(2)), parts);
  if (!record.ok()) return record.status();
  *out.add_records() = *std::move(record);
  absl::StatusOr<std::optional<common::v1::ExportedRecord>> history =
      rights::HistoryRecord(tx, service(), reference, context);
  if (!history.ok()) return history.status();
  if (*history) *out.add_records() = **std::move(history);
  rights::OldestFirst(out);
  return out;
}

}  // namespace frontdoor::intake
