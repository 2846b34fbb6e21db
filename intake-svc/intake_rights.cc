#include "intake-svc/intake_rights.h"

#include <utility>

#include "common/identity/identity.h"
#include "common/rights/exporting.h"
#include "common/rights/redaction.h"
#include "google/protobuf/util/time_util.h"

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
    absl::StatusOr<std::string> plain = keys().Open(row.Text(1), reference);
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
