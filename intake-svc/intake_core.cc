#include "intake-svc/intake_core.h"

#include <tuple>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox.h"
#include "common/report/report_codes.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"
#include "common/tls/staff_roles.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "intake-svc/crash_points.h"
#include "intake-svc/intake_report.h"
#include "intake-svc/person_indexes.h"
#include "intake-svc/routing.h"
#include "intake-svc/submission.h"
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
  // Who owns the key, who referred, the request hash, the receipt and the
  // event as far as they are known before the transaction.
  Submission submission;
  // The person acting and, through the console, their staff role: the
  // audit row names them as audit::ActorOf does ("<id> as call_handler").
  std::string actor;
  std::string staff_role;
  std::string idempotency_key;
  PersonIndexes indexes;
  std::string sealed_referral;
  absl::Time now;
  common::v1::Channel channel;
  // Set by the transaction.
  SubmissionDecision decision;
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

// Load: the agency's earlier submission under the same idempotency key, or
// else the repeat status since `window_start`.
absl::StatusOr<SubmissionLoaded> LoadSubmission(store::Tx& tx,
                                                const Pending& p,
                                                absl::Time window_start) {
  SubmissionLoaded loaded;
  absl::StatusOr<std::vector<store::Row>> prior = tx.Query(
      "SELECT request_hash, receipt FROM referrals "
      "WHERE agency_id = $1 AND idempotency_key = $2",
      {p.submission.agency_id, p.idempotency_key});
  if (!prior.ok()) return prior.status();
  if (!prior->empty()) {
    loaded.prior = SubmissionLoaded::Prior{(*prior)[0].Text(0),
                                           (*prior)[0].Text(1)};
    return loaded;
  }
  absl::StatusOr<intake::v1::RepeatStatus> repeat =
      RepeatOf(tx, p.indexes, window_start);
  if (!repeat.ok()) return repeat.status();
  loaded.repeat = *repeat;
  return loaded;
}

// Save: the referral (sealed) with its receipt, its events on the outbox
// and its audit entry, in the caller's transaction.
absl::Status SaveSubmission(store::Tx& tx, const crypto::KeyRing& keys,
                            const Pending& p, const SubmissionDecision& d) {
  const Submission& s = p.submission;
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO referrals (reference, agency_id, idempotency_key, "
      "request_hash, status, front_door, channel, district, "
      "received_at_us, subject_index, is_repeat, receipt, "
      "sealed_referral, subject_loose_index, identity_version, "
      "referring_agency, source) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
      "$14, $15, $16, $17)",
      {d.receipt.reference(), s.agency_id, p.idempotency_key, s.request_hash,
       int64_t{d.receipt.status()}, int64_t{d.receipt.front_door()},
       int64_t{p.channel}, d.receipt.district(), absl::ToUnixMicros(p.now),
       p.indexes.subject,
       int64_t{d.receipt.repeat() == intake::v1::REPEAT_STATUS_REPEAT},
       store::Blob{d.receipt.SerializeAsString()},
       store::Blob{p.sealed_referral}, p.indexes.subject_loose,
       kIdentityVersion, s.referring_agency, s.source});
  if (!inserted.ok()) return inserted.status();
  for (const OutgoingEvent& e : d.events) {
    absl::Status queued = outbox::EnqueueSealed(
        tx, keys, e.topic, e.event.event_id(), e.event, p.now,
        d.receipt.reference());
    if (!queued.ok()) return queued;
  }
  FRONTDOOR_CRASH_POINT("mid_transaction");
  Caller submitter;
  submitter.agency_id = s.agency_id;
  submitter.actor = p.actor;
  submitter.staff_role = p.staff_role;
  return audit::Record(tx, keys, submitter, p.now,
                       {"referral.receive", d.receipt.reference(),
                        d.audit_reason, kLawfulBasisReceive,
                        d.audit_details});
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
  // Console staff key referrals only when their staff role may (the
  // services' own bound, common/tls/staff_roles.h).
  if (absl::Status may =
          tls::CheckStaffMay(caller, tls::StaffAction::kKeyReferral);
      !may.ok()) {
    metrics_.Rejected("permission_denied");
    done(std::move(may));
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
  const common::v1::Referral& referral = request.referral();
  const std::string referring_agency =
      referral.referrer().on_behalf_of_agency().empty()
          ? caller.agency_id
          : referral.referrer().on_behalf_of_agency();
  const config::v1::Agency* referrer = agencies_.FindById(referring_agency);
  if (referrer == nullptr) referrer = agencies_.FindById(caller.agency_id);
  std::string source = report::ReferralSource(referral, referrer);
  if (!valid.ok()) {
    metrics_.Rejected("invalid_argument");
    for (const FieldViolation& v : GetFieldViolations(valid.status())) {
      metrics_.FieldViolation(v.field);
    }
    // Counted for reports (nothing of the submission kept); the answer
    // is the refusal whether or not the count could be written.
    store_.Write(
        [now, source, channel = int64_t{referral.channel()},
         reason = RejectionReason(valid.status())](store::Tx& tx) {
          return RecordRejection(tx, now, source, channel, reason);
        },
        [invalid = valid.status(), done = std::move(done)](absl::Status s) {
          if (!s.ok()) {
            Log(Level::kError, "referral.rejection_not_counted",
                {{"code", absl::StatusCodeToString(s.code())}});
          }
          done(invalid);
        });
    return;
  }
  const Routing routing = Route(referral.requested_service(), valid->age);

  auto p = std::make_shared<Pending>();
  Submission& submission = p->submission;
  submission.agency_id = caller.agency_id;
  submission.referring_agency = referring_agency;
  submission.source = std::move(source);
  p->actor = caller.actor;
  p->staff_role = caller.staff_role;
  p->idempotency_key = request.idempotency_key();
  p->now = now;
  p->channel = referral.channel();
  const std::string referral_bytes = DeterministicBytes(referral);
  submission.request_hash = crypto::Sha256Hex(referral_bytes);
  p->indexes = IndexPeople(keys_, referral, routing.status, routing.front_door);

  Receipt& receipt = submission.receipt;
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
  submission.event.set_event_id(
      absl::StrCat(receipt.reference(), kReceivedEventIdSuffix));
  submission.event.set_agency_id(submission.referring_agency);
  SetIndexes(p->indexes, submission.event);
  *submission.event.mutable_referral() = referral;

  const absl::Time window_start = MonthsBefore(now, kRepeatWindowMonths);
  std::string trace_id(CurrentTraceId());
  store_.Write(
      [this, p, window_start](store::Tx& tx) -> absl::Status {
        absl::StatusOr<SubmissionLoaded> loaded =
            LoadSubmission(tx, *p, window_start);
        if (!loaded.ok()) return loaded.status();
        absl::StatusOr<SubmissionDecision> decision =
            DecideSubmission(p->submission, *loaded);
        if (!decision.ok()) return decision.status();
        p->decision = *std::move(decision);
        if (p->decision.replay) return absl::OkStatus();
        return SaveSubmission(tx, keys_, *p, p->decision);
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
        const Receipt& receipt = p->decision.receipt;
        if (!p->decision.replay) {
          FRONTDOOR_CRASH_POINT("after_commit_before_reply");
          metrics_.Received(receipt, p->channel);
          if (on_committed_) on_committed_();
          Log(Level::kInfo, "referral.received",
              {{"reference", receipt.reference()},
               {"agency", p->submission.agency_id},
               {"referring_agency", p->submission.referring_agency},
               {"status", EnumLabel(intake::v1::ReferralStatus_Name(
                                        receipt.status()),
                                    "REFERRAL_STATUS_")},
               {"front_door", EnumLabel(common::v1::FrontDoor_Name(
                                            receipt.front_door()),
                                        "FRONT_DOOR_")},
               {"district", receipt.district()}});
        }
        // Shape: what the caller may see of the stored receipt.
        done(ShapeFor(caller, receipt));
      });
}

void IntakeCore::Get(const Caller& caller, const std::string& reference,
                     ReferralDone done) {
  if (!caller.HasRole(config::v1::ROLE_REFERRER)) {
    done(absl::PermissionDeniedError("this agency may not read referrals"));
    return;
  }
  // Every referral keyed through the console, and every web form's, is
  // owned by the console's agency: a partner's read of its own referrals
  // would show any of them to anyone signed in. Console staff read a
  // referral through the staff read, with a purpose, as their role allows.
  if (!caller.staff_role.empty()) {
    done(absl::PermissionDeniedError(
        "console staff do not read referrals with GetReferral"));
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

void IntakeCore::Report(const Caller& caller,
                        const common::v1::ReportRequest& request,
                        report::ReportDone done) {
  report::RunReport(store_, keys_, caller, clock_.Now(), kServiceName, request,
                    AddIntakeFigures, std::move(done));
}

void IntakeCore::ListHistory(const Caller& caller,
                             const common::v1::ListHistoryRequest& request,
                             audit::HistoryDone done) {
  if (!caller.HasRole(config::v1::ROLE_STAFF)) {
    done(absl::PermissionDeniedError(
        "a referral's history is for the service's staff"));
    return;
  }
  if (absl::Status s =
          tls::CheckStaffMay(caller, tls::StaffAction::kReadReferral);
      !s.ok()) {
    done(s);
    return;
  }
  audit::ListHistory(store_, keys_, caller, clock_.Now(), kServiceName,
                     kLawfulBasisReceive, request, std::move(done));
}

std::string PurposeReasonCode(intake::v1::ReadPurpose purpose) {
  constexpr absl::string_view kPrefix = "READ_PURPOSE_";
  if (purpose == intake::v1::READ_PURPOSE_UNSPECIFIED ||
      !intake::v1::ReadPurpose_IsValid(purpose)) {
    return "";
  }
  absl::string_view name = intake::v1::ReadPurpose_Name(purpose);
  if (!absl::ConsumePrefix(&name, kPrefix)) return "";
  return absl::AsciiStrToLower(name);
}

void IntakeCore::Read(const Caller& caller,
                      const intake::v1::ReadReferralRequest& request,
                      StaffReadDone done) {
  if (!caller.HasRole(config::v1::ROLE_STAFF)) {
    done(absl::PermissionDeniedError(
        "only the service's staff may read any referral"));
    return;
  }
  if (absl::Status may =
          tls::CheckStaffMay(caller, tls::StaffAction::kReadReferral);
      !may.ok()) {
    done(may);
    return;
  }
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(request.reference())) {
    problems.push_back(
        {"reference", "must be a referral reference such as FD-7K3M9Q2X4W8P"});
  }
  const std::string purpose = PurposeReasonCode(request.purpose());
  if (purpose.empty()) {
    problems.push_back(
        {"purpose", "required: why the referral is being opened (a "
                    "ReadPurpose other than UNSPECIFIED)"});
  }
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the request is not valid", problems));
    return;
  }
  // What the transaction found; the audit row it wrote says the same.
  enum class Outcome { kRead, kUnknown, kIntegrityFailure };
  struct Found {
    Outcome outcome = Outcome::kUnknown;
    Receipt receipt;
    intake::v1::ReadReferralResponse response;
  };
  auto found = std::make_shared<Found>();
  const absl::Time now = clock_.Now();
  const std::string reference = request.reference();
  std::string trace_id(CurrentTraceId());
  store_.Write(
      [this, caller, reference, purpose, found,
       now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): staff do not open it.
        if (absl::Status s = rights::CheckNotRestricted(tx, reference);
            !s.ok()) {
          return s;
        }
        absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
            "SELECT agency_id, referring_agency, channel, receipt, "
            "sealed_referral FROM referrals WHERE reference = $1",
            {reference});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) {
          found->outcome = Outcome::kUnknown;
          return audit::Record(tx, keys_, caller, now,
                               {kAuditReadRefused, reference,
                                audit::kReasonUnknownReference,
                                kLawfulBasisReceive});
        }
        const store::Row& row = (*rows)[0];
        // Opened before the audit row is written, so that the row records
        // what the caller was given: the referral, or an integrity failure.
        absl::StatusOr<std::string> plain = keys_.Open(row.Text(4), reference);
        intake::v1::ReadReferralResponse& r = found->response;
        if (plain.ok() && r.mutable_referral()->ParseFromString(*plain) &&
            found->receipt.ParseFromString(row.Text(3))) {
          found->outcome = Outcome::kRead;
          r.set_submitting_agency(row.Text(0));
          r.set_referring_agency(row.IsNull(1) || row.Text(1).empty()
                                     ? row.Text(0)
                                     : row.Text(1));
          r.set_channel(static_cast<common::v1::Channel>(row.Int(2)));
          return audit::Record(
              tx, keys_, caller, now,
              {kAuditRead, reference, purpose, kLawfulBasisReceive});
        }
        found->outcome = Outcome::kIntegrityFailure;
        return audit::Record(tx, keys_, caller, now,
                             {kAuditReadFailed, reference,
                              audit::kReasonIntegrity, kLawfulBasisReceive});
      },
      [caller, found, reference, trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          done(status);
          return;
        }
        switch (found->outcome) {
          case Outcome::kUnknown:
            Log(Level::kInfo, "referral.read_not_found",
                {{"agency", caller.agency_id}});
            done(absl::NotFoundError("no referral with that reference"));
            return;
          case Outcome::kIntegrityFailure:
            Log(Level::kError, "referral.integrity_failure",
                {{"agency", caller.agency_id}, {"reference", reference}});
            done(absl::DataLossError(
                "sealed referral did not open or does not parse"));
            return;
          case Outcome::kRead:
            break;
        }
        *found->response.mutable_receipt() = ShapeFor(caller, found->receipt);
        done(std::move(found->response));
      });
}

}  // namespace frontdoor::intake
