#include "intake-svc/intake_core.h"

#include <tuple>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox.h"
#include "common/status/errors.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "intake-svc/crash_points.h"
#include "intake-svc/person_indexes.h"
#include "intake-svc/routing.h"
#include "intake-svc/validation.h"

namespace frontdoor::intake {
namespace {

using intake::v1::Receipt;

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return ts;
}

// What the caller may see of a stored receipt.
Receipt ShapeFor(const Caller& caller, Receipt receipt) {
  if (!caller.HasRole(config::v1::ROLE_REPEAT_VIEWER)) {
    receipt.set_repeat(intake::v1::REPEAT_STATUS_UNSPECIFIED);
  }
  return receipt;
}

// Everything computed before the transaction, so the store's writer does
// nothing but SQL.
struct Pending {
  // The caller's agency: owns the idempotency key.
  std::string agency_id;
  // The agency the referral is recorded as coming from: agency_id, or the
  // agency staff keyed it on behalf of.
  std::string referring_agency;
  std::string actor;
  std::string idempotency_key;
  std::string request_hash;
  PersonIndexes indexes;
  std::string sealed_referral;
  std::string sealed_event;
  std::string event_id;
  absl::Time now;
  Receipt receipt;  // repeat filled in inside the transaction
  intake::v1::ReferralReceived event;
  common::v1::Channel channel;
  // Set by the transaction.
  bool replay = false;
};

// REPEAT when the same person (exact index) was received since
// `window_start`, else POSSIBLE when someone whose loose index matches was,
// else FIRST.
absl::StatusOr<intake::v1::RepeatStatus> RepeatOf(store::Tx& tx,
                                                  const PersonIndexes& indexes,
                                                  absl::Time window_start) {
  for (const auto& [column, index, status] :
       {std::tuple{"subject_index", &indexes.subject,
                   intake::v1::REPEAT_STATUS_REPEAT},
        std::tuple{"subject_loose_index", &indexes.subject_loose,
                   intake::v1::REPEAT_STATUS_POSSIBLE}}) {
    absl::StatusOr<std::vector<store::Row>> earlier =
        tx.Query(absl::StrCat("SELECT 1 FROM referrals WHERE ", column,
                              " = $1 AND received_at_us >= $2 LIMIT 1"),
                 {*index, absl::ToUnixMicros(window_start)});
    if (!earlier.ok()) return earlier.status();
    if (!earlier->empty()) return status;
  }
  return intake::v1::REPEAT_STATUS_FIRST;
}

}  // namespace

IntakeCore::IntakeCore(store::Store& store, const crypto::KeyRing& keys,
                       const DistrictDirectory& districts,
                       const tls::AgencyRegistry& agencies, const Clock& clock,
                       IntakeMetrics& metrics,
                       std::function<void()> on_committed)
    : store_(store),
      keys_(keys),
      districts_(districts),
      agencies_(agencies),
      clock_(clock),
      metrics_(metrics),
      on_committed_(std::move(on_committed)) {}

void IntakeCore::Submit(const Caller& caller,
                        const intake::v1::SubmitReferralRequest& request,
                        ReceiptDone done) {
  if (!caller.HasRole(config::v1::ROLE_REFERRER) &&
      !caller.HasRole(config::v1::ROLE_WEB_FORM)) {
    metrics_.Rejected("permission_denied");
    done(absl::PermissionDeniedError("this agency may not submit referrals"));
    return;
  }
  const absl::Time now = clock_.Now();
  ValidationContext vctx;
  vctx.now = now;
  vctx.today = absl::ToCivilDay(now, absl::UTCTimeZone());
  vctx.districts = &districts_;
  vctx.caller_is_staff = caller.HasRole(config::v1::ROLE_STAFF);
  vctx.caller_is_web_form = caller.HasRole(config::v1::ROLE_WEB_FORM);
  vctx.agencies = &agencies_;
  absl::StatusOr<ValidatedReferral> valid = ValidateSubmission(request, vctx);
  if (!valid.ok()) {
    metrics_.Rejected("invalid_argument");
    for (const FieldViolation& v : GetFieldViolations(valid.status())) {
      metrics_.FieldViolation(v.field);
    }
    done(valid.status());
    return;
  }
  const common::v1::Referral& referral = request.referral();
  const Routing routing = Route(referral.requested_service(), valid->age);

  auto p = std::make_shared<Pending>();
  p->agency_id = caller.agency_id;
  p->referring_agency = referral.referrer().on_behalf_of_agency().empty()
                            ? caller.agency_id
                            : referral.referrer().on_behalf_of_agency();
  p->actor = caller.actor;
  p->idempotency_key = request.idempotency_key();
  p->now = now;
  p->channel = referral.channel();
  const std::string referral_bytes = DeterministicBytes(referral);
  p->request_hash = crypto::Sha256Hex(referral_bytes);
  p->indexes = IndexPeople(keys_, referral, routing.status, routing.front_door);

  Receipt& receipt = p->receipt;
  receipt.set_reference(NewReference());
  receipt.set_status(routing.status);
  receipt.set_front_door(routing.front_door);
  for (const auto& reason : routing.return_reasons) {
    *receipt.add_return_reasons() = reason;
  }
  *receipt.mutable_received_at() = ToProto(now);
  receipt.set_district(valid->district);

  absl::StatusOr<std::string> sealed =
      keys_.Seal(referral_bytes, receipt.reference());
  if (!sealed.ok()) {
    done(sealed.status());
    return;
  }
  p->sealed_referral = *std::move(sealed);
  p->event_id = absl::StrCat(receipt.reference(), kReceivedEventIdSuffix);
  p->event.set_event_id(p->event_id);
  p->event.set_agency_id(p->referring_agency);
  SetIndexes(p->indexes, p->event);
  *p->event.mutable_referral() = referral;

  const absl::Time window_start = MonthsBefore(now, kRepeatWindowMonths);
  std::string trace_id(CurrentTraceId());
  store_.Write(
      [this, p, window_start](store::Tx& tx) -> absl::Status {
        absl::StatusOr<std::vector<store::Row>> prior = tx.Query(
            "SELECT request_hash, receipt FROM referrals "
            "WHERE agency_id = $1 AND idempotency_key = $2",
            {p->agency_id, p->idempotency_key});
        if (!prior.ok()) return prior.status();
        if (!prior->empty()) {
          if ((*prior)[0].Text(0) != p->request_hash) {
            return absl::AlreadyExistsError(
                "idempotency_key was already used by this agency for a "
                "different referral; use a new key for a new referral");
          }
          if (!p->receipt.ParseFromString((*prior)[0].Text(1))) {
            return absl::InternalError("stored receipt does not parse");
          }
          p->replay = true;
          return absl::OkStatus();
        }
        absl::StatusOr<intake::v1::RepeatStatus> repeat =
            RepeatOf(tx, p->indexes, window_start);
        if (!repeat.ok()) return repeat.status();
        p->receipt.set_repeat(*repeat);
        *p->event.mutable_receipt() = p->receipt;
        absl::StatusOr<int64_t> inserted = tx.Exec(
            "INSERT INTO referrals (reference, agency_id, idempotency_key, "
            "request_hash, status, front_door, channel, district, "
            "received_at_us, subject_index, is_repeat, receipt, "
            "sealed_referral, subject_loose_index, identity_version, "
            "referring_agency) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
            "$14, $15, $16)",
            {p->receipt.reference(), p->agency_id, p->idempotency_key,
             p->request_hash, int64_t{p->receipt.status()},
             int64_t{p->receipt.front_door()}, int64_t{p->channel},
             p->receipt.district(), absl::ToUnixMicros(p->now),
             p->indexes.subject,
             int64_t{p->receipt.repeat() == intake::v1::REPEAT_STATUS_REPEAT},
             store::Blob{p->receipt.SerializeAsString()},
             store::Blob{p->sealed_referral}, p->indexes.subject_loose,
             kIdentityVersion, p->referring_agency});
        if (!inserted.ok()) return inserted.status();
        absl::Status queued =
            outbox::EnqueueSealed(tx, keys_, kReferralReceivedTopic,
                                  p->event_id, p->event, p->now);
        if (!queued.ok()) return queued;
        intake::v1::ReferralReceived for_notify = p->event;
        for_notify.set_event_id(
            absl::StrCat(p->event_id, kForNotifyEventIdSuffix));
        queued = outbox::EnqueueSealed(tx, keys_,
                                       kReferralReceivedForNotifyTopic,
                                       for_notify.event_id(), for_notify,
                                       p->now);
        if (!queued.ok()) return queued;
        FRONTDOOR_CRASH_POINT("mid_transaction");
        const bool accepted =
            p->receipt.status() == intake::v1::REFERRAL_STATUS_ACCEPTED;
        // Codes only: enum labels, a return reason's code and agency ids
        // from the registry (no escaping needed).
        std::string details = absl::StrCat(
            "{\"front_door\":\"",
            EnumLabel(common::v1::FrontDoor_Name(p->receipt.front_door()),
                      "FRONT_DOOR_"),
            "\"");
        if (!accepted && p->receipt.return_reasons_size() > 0) {
          absl::StrAppend(&details, ",\"return_reason\":\"",
                          p->receipt.return_reasons(0).code(), "\"");
        }
        if (p->referring_agency != p->agency_id) {
          absl::StrAppend(&details, ",\"on_behalf_of_agency\":\"",
                          p->referring_agency, "\"");
        }
        details.push_back('}');
        Caller submitter;
        submitter.agency_id = p->agency_id;
        submitter.actor = p->actor;
        return audit::Record(
            tx, keys_, submitter, p->now,
            {"referral.receive", p->receipt.reference(),
             accepted ? kReasonReferralAccepted : kReasonReferralReturned,
             kLawfulBasisReceive, std::move(details)});
      },
      [this, p, caller, trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          if (absl::IsAlreadyExists(status)) {
            metrics_.Rejected("idempotency_conflict");
          }
          done(status);
          return;
        }
        if (!p->replay) {
          FRONTDOOR_CRASH_POINT("after_commit_before_reply");
          metrics_.Received(p->receipt, p->channel);
          if (on_committed_) on_committed_();
          Log(Level::kInfo, "referral.received",
              {{"reference", p->receipt.reference()},
               {"agency", p->agency_id},
               {"referring_agency", p->referring_agency},
               {"status", EnumLabel(intake::v1::ReferralStatus_Name(
                                        p->receipt.status()),
                                    "REFERRAL_STATUS_")},
               {"front_door", EnumLabel(common::v1::FrontDoor_Name(
                                            p->receipt.front_door()),
                                        "FRONT_DOOR_")},
               {"district", p->receipt.district()}});
        }
        done(ShapeFor(caller, p->receipt));
      });
}

void IntakeCore::Get(const Caller& caller, const std::string& reference,
                     ReferralDone done) {
  if (!caller.HasRole(config::v1::ROLE_REFERRER)) {
    done(absl::PermissionDeniedError("this agency may not read referrals"));
    return;
  }
  if (!IsWellFormedReference(reference)) {
    done(InvalidArgumentWithViolations(
        "the request is not valid",
        {{"reference", "must be a referral reference such as FD-7K3M9Q2X4W8P"}}));
    return;
  }
  // What the transaction found; the audit row it wrote says the same.
  struct Found {
    enum class Outcome { kRead, kRefused, kIntegrityFailure };
    Outcome outcome = Outcome::kRefused;
    Receipt receipt;
    intake::v1::GetReferralResponse response;
  };
  auto found = std::make_shared<Found>();
  const absl::Time now = clock_.Now();
  std::string trace_id(CurrentTraceId());
  store_.Write(
      [this, caller, reference, found, now](store::Tx& tx) -> absl::Status {
        // One lookup by reference whoever asks; another agency's receipt and
        // sealed referral are never read out of the database.
        absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
            "SELECT agency_id, "
            "CASE WHEN agency_id = $2 OR referring_agency = $2 "
            "THEN receipt END, "
            "CASE WHEN agency_id = $2 OR referring_agency = $2 "
            "THEN sealed_referral END "
            "FROM referrals WHERE reference = $1",
            {reference, caller.agency_id});
        if (!rows.ok()) return rows.status();
        // An unknown reference and another agency's are refused alike, each
        // with one audit row, so neither answer nor cost tells them apart.
        if (rows->empty() || (*rows)[0].IsNull(2)) {
          found->outcome = Found::Outcome::kRefused;
          return audit::Record(tx, keys_, caller, now,
                               {kAuditReadRefused, reference,
                                rows->empty() ? audit::kReasonUnknownReference
                                              : audit::kReasonNotOwner,
                                kLawfulBasisReceive});
        }
        const store::Row& row = (*rows)[0];
        // Opened before the audit row is written, so that the row records
        // what the caller was given: the referral, or an integrity failure.
        absl::StatusOr<std::string> plain = keys_.Open(row.Text(2), reference);
        if (plain.ok() &&
            found->response.mutable_referral()->ParseFromString(*plain) &&
            found->receipt.ParseFromString(row.Text(1))) {
          found->outcome = Found::Outcome::kRead;
          return audit::Record(tx, keys_, caller, now,
                               {kAuditRead, reference,
                                row.Text(0) == caller.agency_id
                                    ? kReasonSubmittingAgencyView
                                    : kReasonReferringAgencyView,
                                kLawfulBasisReceive});
        }
        found->outcome = Found::Outcome::kIntegrityFailure;
        return audit::Record(tx, keys_, caller, now,
                             {kAuditReadFailed, reference,
                              audit::kReasonIntegrity, kLawfulBasisReceive});
      },
      [this, caller, found, reference, trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          done(status);
          return;
        }
        switch (found->outcome) {
          case Found::Outcome::kRefused:
            Log(Level::kInfo, "referral.read_not_found",
                {{"agency", caller.agency_id}});
            done(absl::NotFoundError("no referral with that reference"));
            return;
          case Found::Outcome::kIntegrityFailure:
            Log(Level::kError, "referral.integrity_failure",
                {{"agency", caller.agency_id}, {"reference", reference}});
            done(absl::DataLossError(
                "sealed referral did not open or does not parse"));
            return;
          case Found::Outcome::kRead:
            break;
        }
        *found->response.mutable_receipt() = ShapeFor(caller, found->receipt);
        done(std::move(found->response));
      });
}

}  // namespace frontdoor::intake
