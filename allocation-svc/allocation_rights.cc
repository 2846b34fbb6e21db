#include "allocation-svc/allocation_rights.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "allocation-svc/allocation_core.h"
#include "allocation-svc/migrations.h"
#include "allocation-svc/seal_reasons.h"
#include "common/rights/data_keys.h"
#include "common/rights/exporting.h"
#include "common/rights/rectify.h"
#include "common/rights/redaction.h"
#include "frontdoor/allocation/v1/allocation.pb.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "intake-svc/person_indexes.h"

namespace frontdoor::allocation {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kPlacementColumns[] =
    "state, programme_id, practitioner_id, risk_level, tier, "
    "specialist_need, received_at_us, waiting_since_us, allocated_at_us, "
    "first_contact_due_us, failure, funders, catalogue_version, "
    "consent_subject, consent_carer, sealed_decision, sealed_reason, "
    "first_contact_at_us, first_contact_method, reason";

// The placement as its columns hold it (the reason apart).
v1::Placement PlacementOf(const std::string& reference, const store::Row& row,
                          absl::Time now) {
  v1::Placement p;
  p.set_reference(reference);
  p.set_state(static_cast<v1::PlacementState>(row.Int(0)));
  p.set_programme_id(row.Text(1));
  p.set_practitioner_id(row.Text(2));
  p.set_risk_level(static_cast<common::v1::RiskLevel>(row.Int(3)));
  p.set_tier(static_cast<int32_t>(row.Int(4)));
  p.set_specialist_need(static_cast<common::v1::SpecialistNeed>(row.Int(5)));
  if (row.Int(7) != 0) {
    *p.mutable_waiting_since() = TimeUtil::MicrosecondsToTimestamp(row.Int(7));
  }
  if (row.Int(8) != 0) {
    *p.mutable_allocated_at() = TimeUtil::MicrosecondsToTimestamp(row.Int(8));
  }
  if (row.Int(9) != 0) {
    *p.mutable_first_contact_due() =
        TimeUtil::MicrosecondsToTimestamp(row.Int(9));
  }
  p.set_failure(static_cast<v1::FailureReason>(row.Int(10)));
  for (absl::string_view f :
       absl::StrSplit(row.Text(11), ',', absl::SkipEmpty())) {
    p.add_funders(std::string(f));
  }
  p.set_catalogue_version(row.Text(12));
  p.mutable_consent()->set_subject(
      static_cast<common::v1::Consent>(row.Int(13)));
  p.mutable_consent()->set_parent_or_carer(
      static_cast<common::v1::Consent>(row.Int(14)));
  if (row.Int(17) != 0) {
    *p.mutable_first_contact_at() =
        TimeUtil::MicrosecondsToTimestamp(row.Int(17));
  }
  p.set_first_contact_method(static_cast<v1::ContactMethod>(row.Int(18)));
  p.set_first_contact(FirstContactOf(p.state(), row.Int(9), row.Int(17),
                                     absl::ToUnixMicros(now)));
  p.set_first_contact_overdue(p.first_contact() == v1::FIRST_CONTACT_OVERDUE);
  return p;
}

}  // namespace

AllocationRights::AllocationRights(store::Store& store,
                                   const crypto::KeyRing& keys,
                                   const Clock& clock)
    : RightsCore("allocation-svc", store, keys, clock) {}

absl::StatusOr<bool> AllocationRights::HoldsReference(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM placements WHERE reference = $1 LIMIT 1", {reference});
  if (!rows.ok()) return rows.status();
  return !rows->empty();
}

absl::Status AllocationRights::EraseIn(store::Tx& tx,
                                       const std::string& reference,
                                       absl::Time now) {
  if (absl::Status s = Shred(tx, reference, SealedColumns(), now); !s.ok()) {
    return s;
  }
  // Erasure ends the case: a placement that waits for or holds a place
  // can no longer be opened to be worked, so it is released now (its
  // place is free for the next allocation).
  absl::StatusOr<int64_t> released = tx.Exec(
      "UPDATE placements SET state = $1, released_at_us = CASE WHEN "
      "released_at_us = 0 THEN $2 ELSE released_at_us END "
      "WHERE reference = $3 AND state IN ($4, $5, $6)",
      {int64_t{v1::PLACEMENT_STATE_RELEASED}, absl::ToUnixMicros(now),
       reference, int64_t{v1::PLACEMENT_STATE_AWAITING_CONSENT},
       int64_t{v1::PLACEMENT_STATE_WAITING},
       int64_t{v1::PLACEMENT_STATE_ALLOCATED}});
  return released.status();
}

retention::ErasureSchedule ClosedCaseSchedule(AllocationRights& rights,
                                              absl::Duration after) {
  retention::ErasureSchedule schedule;
  schedule.record = retention::kRecordClosedCase;
  schedule.after = after;
  schedule.candidates_sql = absl::StrCat(
      "SELECT reference, CASE WHEN state = ",
      int64_t{v1::PLACEMENT_STATE_RELEASED},
      " THEN released_at_us ELSE failed_at_us END AS since_us "
      "FROM placements WHERE (state = ",
      int64_t{v1::PLACEMENT_STATE_RELEASED},
      " AND released_at_us > 0) OR (state = ",
      int64_t{v1::PLACEMENT_STATE_FAILED}, " AND failed_at_us > 0)");
  schedule.erase = [&rights](store::Tx& tx, const std::string& reference,
                             absl::Time now) {
    return rights.EraseOnSchedule(tx, reference, now);
  };
  return schedule;
}

absl::StatusOr<int> AllocationRights::RectifyIn(
    store::Tx& tx, const Caller&, const common::v1::RectifyRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  int copies = 0;
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query("SELECT sealed_decision FROM placements WHERE reference = $1",
               {reference});
  if (!rows.ok()) return rows.status();
  if (!rows->empty()) {
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys(), rows->front().Text(0), reference);
    if (rights::IsErased(plain.status())) return plain.status();
    triage::v1::TriageDecided decided;
    if (!plain.ok() || !decided.ParseFromString(*plain)) {
      return absl::DataLossError("sealed decision did not open");
    }
    absl::StatusOr<std::string> old =
        rights::Apply(request, *decided.mutable_referral());
    if (!old.ok()) return old.status();
    if (rights::ChangesIndexes(request.field())) {
      decided.set_subject_index(
          intake::IndexPeople(keys(), decided.referral(),
                              intake::v1::REFERRAL_STATUS_ACCEPTED,
                              decided.decision().front_door())
              .subject);
    }
    // Sealed as AllocationCore::Save seals it: the reference bound.
    absl::StatusOr<std::string> sealed = rights::SealFor(
        tx, keys(), reference, decided.SerializeAsString(), reference, now);
    if (!sealed.ok()) return sealed.status();
    absl::StatusOr<int64_t> updated = tx.Exec(
        "UPDATE placements SET sealed_decision = $2 WHERE reference = $1",
        {reference, store::Blob{*std::move(sealed)}});
    if (!updated.ok()) return updated.status();
    copies = 1;
    if (request.person().party() == common::v1::PARTY_REFERRER) {
      absl::StatusOr<int> events =
          rights::RectifyOutboxCopies<allocation::v1::PlacementChanged>(
              tx, keys(), reference, {kPlacementChangedTopic}, now,
              [&](allocation::v1::PlacementChanged& changed) -> absl::Status {
                common::v1::Referral holder;
                *holder.mutable_referrer() = changed.referrer();
                absl::StatusOr<std::string> before =
                    rights::Apply(request, holder);
                if (!before.ok()) return before.status();
                *changed.mutable_referrer() = holder.referrer();
                return absl::OkStatus();
              });
      if (!events.ok()) return events.status();
      copies += *events;
    }
    if (absl::Status s = rights::RecordRectification(
            tx, keys(), reference, now, rights::HistoryField(request), *old,
            request.value());
        !s.ok()) {
      return s;
    }
  }
  return copies;
}

// allocation-svc keeps no index of people: by reference only.
absl::StatusOr<common::v1::FindPersonResponse> AllocationRights::FindIn(
    store::Tx& tx, const common::v1::FindPersonRequest& request, absl::Time) {
  common::v1::FindPersonResponse out;
  out.set_service(service());
  out.set_searched_by_name(false);
  if (request.has_name_and_birth()) return out;
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT reference, received_at_us, sealed_decision FROM placements "
      "WHERE reference = $1",
      {request.reference()});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    absl::StatusOr<common::v1::RightsState> state = StateIn(tx, row.Text(0));
    if (!state.ok()) return state.status();
    // The front door is the decision's (a code, but sealed with it).
    common::v1::FrontDoor door = common::v1::FRONT_DOOR_UNSPECIFIED;
    if (absl::StatusOr<std::string> plain =
            rights::OpenSealed(tx, keys(), row.Text(2), row.Text(0));
        plain.ok()) {
      triage::v1::TriageDecided event;
      if (event.ParseFromString(*plain)) door = event.decision().front_door();
    }
    *out.add_referrals() = rights::Found(row.Text(0), common::v1::PARTY_SUBJECT,
                                         door, row.Int(1), *std::move(state));
  }
  return out;
}

// The placement with the decision (and referral) it was planned from, as
// one record, and allocation's history of it.
absl::StatusOr<common::v1::ExportSubjectResponse> AllocationRights::ExportFrom(
    store::Tx& tx, const common::v1::ExportSubjectRequest& request,
    absl::Time now) {
  const std::string& reference = request.person().reference();
  common::v1::ExportSubjectResponse out;
  out.set_service(service());
  *out.mutable_person() = request.person();
  *out.mutable_exported_at() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  absl::StatusOr<common::v1::RightsState> state = StateIn(tx, reference);
  if (!state.ok()) return state.status();
  *out.mutable_state() = *state;
  absl::StatusOr<std::vector<store::Row>> rows =
      tx.Query(absl::StrCat("SELECT ", kPlacementColumns,
                            " FROM placements WHERE reference = $1"),
               {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return out;
  const store::Row& row = (*rows)[0];
  v1::Placement placement = PlacementOf(reference, row, now);
  triage::v1::TriageDecided event;
  bool erased = state->has_erased_at();
  if (!erased) {
    absl::StatusOr<std::string> plain =
        rights::OpenSealed(tx, keys(), row.Text(15), reference);
    if (!plain.ok() && !rights::IsErasedOpen(plain.status())) {
      return absl::DataLossError("the sealed decision did not open");
    }
    erased = !plain.ok();
    if (plain.ok() && !event.ParseFromString(*plain)) {
      return absl::DataLossError("the sealed decision does not parse");
    }
  }
  if (!erased) {
    if (row.IsNull(16)) {
      placement.set_reason(row.Text(19));
    } else {
      absl::StatusOr<std::string> reason =
          rights::OpenSealed(tx, keys(), row.Text(16), ReasonAad(reference));
      if (!reason.ok() && !rights::IsErasedOpen(reason.status())) {
        return absl::DataLossError("the sealed reason did not open");
      }
      if (reason.ok()) placement.set_reason(*std::move(reason));
    }
    if (absl::Status s = rights::CheckChild(request.person(), event.referral());
        !s.ok()) {
      return s;
    }
  }
  const rights::Context context = rights::ContextFor(
      request, event.referral(), event.decision().front_door());
  rights::Redacted<v1::Placement> shown_placement =
      rights::RedactPlacement(context, std::move(placement), "placement.");
  std::vector<rights::Part> parts = {{"placement", &shown_placement.record,
                                      shown_placement.redactions,
                                      shown_placement.needs_review}};
  rights::Redacted<triage::v1::Decision> shown_decision;
  rights::Redacted<common::v1::Referral> shown_referral;
  if (erased) {
    parts[0].redactions.push_back(rights::ErasedAt("placement.reason"));
    parts[0].redactions.push_back(rights::ErasedAt("decision"));
    parts[0].redactions.push_back(rights::ErasedAt("referral"));
  } else {
    shown_decision =
        rights::RedactDecision(context, event.decision(), "decision.");
    shown_referral =
        rights::RedactReferral(context, event.referral(), "referral.");
    parts.push_back({"decision", &shown_decision.record,
                     shown_decision.redactions, shown_decision.needs_review});
    parts.push_back({"referral", &shown_referral.record,
                     shown_referral.redactions, shown_referral.needs_review});
  }
  absl::StatusOr<common::v1::ExportedRecord> record =
      rights::MakeRecord(rights::kKindPlacement, reference,
                         absl::FromUnixMicros(row.Int(6)), parts);
  if (!record.ok()) return record.status();
  *out.add_records() = *std::move(record);
  absl::StatusOr<std::optional<common::v1::ExportedRecord>> history =
      rights::HistoryRecord(tx, service(), reference, context);
  if (!history.ok()) return history.status();
  if (*history) *out.add_records() = **std::move(history);
  rights::OldestFirst(out);
  return out;
}

}  // namespace frontdoor::allocation
