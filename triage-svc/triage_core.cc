#include "triage-svc/triage_core.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "common/clock/age.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox.h"
#include "common/reference/reference.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"
#include "common/tls/staff_roles.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"
#include "triage-svc/assess.h"
#include "triage-svc/decide.h"
#include "triage-svc/serial.h"
#include "triage-svc/triage_report.h"

namespace frontdoor::triage {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int64_t kWaiting = 1;
constexpr int64_t kDecided = 2;
constexpr char kQueueTokenPrefix[] = "q1";

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}
absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(ts));
}
google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  return TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(d));
}

absl::Status BadReference(absl::string_view field) {
  return InvalidArgumentWithViolations(
      "the request is not valid",
      {{std::string(field),
        "must be a referral reference such as FD-7K3M9Q2X4W8P"}});
}

absl::Status StaffOnly(const Caller& caller) {
  if (caller.HasRole(config::v1::ROLE_STAFF)) return absl::OkStatus();
  return absl::PermissionDeniedError("triage is for the service's staff");
}

bool IsValidDate(const google::type::Date& d) {
  if (d.year() < 1 || d.month() < 1 || d.month() > 12 || d.day() < 1) {
    return false;
  }
  const absl::CivilDay day(d.year(), d.month(), d.day());
  return day.year() == d.year() && day.month() == d.month() &&
         day.day() == d.day();
}

// The facts the rules need, from the recorded event and the store.
absl::StatusOr<CaseFacts> FactsFor(store::Tx& tx,
                                   const intake::v1::ReferralReceived& event) {
  CaseFacts facts;
  facts.front_door = event.receipt().front_door();
  facts.received_at = FromProto(event.receipt().received_at());
  facts.age = AgeOn(event.referral().subject().date_of_birth(),
                    absl::ToCivilDay(facts.received_at, absl::UTCTimeZone()));
  absl::StatusOr<std::vector<store::Row>> last = tx.Query(
      "SELECT MAX(referred_at_us) FROM marac_referrals "
      "WHERE subject_index = $1 AND referred_at_us <= $2 AND reference <> $3",
      {event.subject_index(), absl::ToUnixMicros(facts.received_at),
       event.receipt().reference()});
  if (!last.ok()) return last.status();
  if (!last->empty() && !(*last)[0].IsNull(0)) {
    facts.last_marac_referral_at = absl::FromUnixMicros((*last)[0].Int(0));
  }
  // A previous MARAC referral the referrer reports counts as our own do.
  facts.last_marac_referral_at =
      Latest(facts.last_marac_referral_at,
             ReportedMaracReferral(event.referral().risk_assessment(),
                                   facts.received_at));
  facts.children_in_household = event.referral().children_size();
  return facts;
}

// What a decision's transaction needs about the recorded referral.
struct Recorded {
  intake::v1::ReferralReceived event;
  int64_t decisions = 0;
};

// The associated data a decision's assessment is sealed with.
std::string AssessmentAad(const std::string& reference, int64_t number) {
  return absl::StrCat(reference, ":", number, ":assessment");
}

// Save: a decision (DecideWrite's) as the referral's next decision, the
// referral marked decided (and entered in MARAC's history when MARAC is
// told), its events on the outbox and its audit entry, in the caller's
// transaction.
absl::Status SaveDecision(store::Tx& tx, const crypto::KeyRing& keys,
                          const intake::v1::ReferralReceived& recorded,
                          const DecisionWrite& w, absl::Time now) {
  const v1::Decision& decision = w.decision;
  const std::string& reference = decision.reference();
  absl::StatusOr<std::string> sealed = keys.Seal(
      decision.SerializeAsString(), absl::StrCat(reference, ":", w.number));
  if (!sealed.ok()) return sealed.status();
  store::Value sealed_assessment;  // NULL without one
  if (w.assessment.has_value()) {
    absl::StatusOr<std::string> a =
        keys.Seal(w.assessment->SerializeAsString(),
                  AssessmentAad(reference, w.number));
    if (!a.ok()) return a.status();
    sealed_assessment = store::Blob{*std::move(a)};
  }
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO triage_decisions (reference, number, decided_at_us, "
      "decided_by, risk_level, tier, auto_triaged, rules_version, "
      "sealed_decision, sealed_assessment) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {reference, w.number, absl::ToUnixMicros(now), decision.decided_by(),
       int64_t{decision.risk_level()}, int64_t{decision.tier()},
       int64_t{decision.auto_triaged()}, decision.rules_version(),
       store::Blob{*std::move(sealed)}, std::move(sealed_assessment)});
  if (!inserted.ok()) return inserted.status();
  absl::StatusOr<int64_t> updated = tx.Exec(
      "UPDATE triage_referrals SET state = $1, decisions = $2, "
      "waiting_reason = '' WHERE reference = $3",
      {kDecided, w.number, reference});
  if (!updated.ok()) return updated.status();
  if (decision.recipients().marac()) {
    absl::StatusOr<int64_t> marac = tx.Exec(
        "INSERT INTO marac_referrals (subject_index, referred_at_us, "
        "reference) VALUES ($1, $2, $3) ON CONFLICT (reference) DO NOTHING",
        {recorded.subject_index(),
         absl::ToUnixMicros(FromProto(recorded.receipt().received_at())),
         reference});
    if (!marac.ok()) return marac.status();
  }
  for (const OutgoingDecided& e : w.events) {
    if (absl::Status queued = outbox::EnqueueSealed(
            tx, keys, e.topic, e.event.event_id(), e.event, now, reference);
        !queued.ok()) {
      return queued;
    }
  }
  return audit::Record(tx, keys, w.decider, now,
                       {"triage.decide", reference, w.audit_reason,
                        kLawfulBasisTriage, w.audit_details});
}

// The suspect of a referral, as its event names them: the other party of a
// victim referral, the subject of a behaviour change referral.
void SuspectOf(const intake::v1::ReferralReceived& event,
               triage::v1::SerialPerpetratorIdentified& out) {
  const common::v1::Referral& r = event.referral();
  if (event.receipt().front_door() ==
      common::v1::FRONT_DOOR_ADULT_BEHAVIOUR_CHANGE) {
    *out.mutable_suspect_name() = r.subject().name();
    *out.mutable_suspect_date_of_birth() = r.subject().date_of_birth();
  } else {
    *out.mutable_suspect_name() = r.other_party().name();
    if (r.other_party().has_date_of_birth()) {
      *out.mutable_suspect_date_of_birth() = r.other_party().date_of_birth();
    }
  }
}

// Links the referral's suspect and victim (when it names a suspect) and,
// when the serial-perpetrator rule says so, queues MATAC's event and its
// audit entry. Sets `raised` when it did.
absl::Status LinkSuspect(store::Tx& tx, const crypto::KeyRing& keys,
                         const Rules& rules,
                         const intake::v1::ReferralReceived& event,
                         absl::Time now, bool& raised) {
  if (event.suspect_name_index().empty()) return absl::OkStatus();
  SuspectLink current;
  current.reference = event.receipt().reference();
  current.suspect_index = event.suspect_index();
  current.suspect_name_index = event.suspect_name_index();
  current.victim_index = event.victim_index();
  current.victim_name_index = event.victim_name_index();
  current.received_at = FromProto(event.receipt().received_at());
  // Only the window's links: a common name's history is not read whole for
  // every referral (DecideSerial applies the window exactly).
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT reference, suspect_index, suspect_name_index, victim_index, "
      "victim_name_index, received_at_us FROM suspect_links "
      "WHERE suspect_name_index = $1 AND received_at_us >= $2",
      {current.suspect_name_index,
       absl::ToUnixMicros(MonthsBefore(
           current.received_at, rules.serial_perpetrator().window_months()))});
  if (!rows.ok()) return rows.status();
  std::vector<SuspectLink> earlier;
  for (const store::Row& row : *rows) {
    earlier.push_back({row.Text(0), row.Text(1), row.Text(2), row.Text(3),
                       row.Text(4), absl::FromUnixMicros(row.Int(5))});
  }
  const common::v1::Referral& referral = event.referral();
  const SerialOutcome outcome = DecideSerial(
      current, earlier,
      referral.has_suspect_known_victims()
          ? std::optional<int>(referral.suspect_known_victims())
          : std::nullopt,
      rules);
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO suspect_links (reference, suspect_index, "
      "suspect_name_index, victim_index, victim_name_index, received_at_us) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reference) DO NOTHING",
      {current.reference, current.suspect_index, current.suspect_name_index,
       current.victim_index, current.victim_name_index,
       absl::ToUnixMicros(current.received_at)});
  if (!inserted.ok()) return inserted.status();
  if (!outcome.raise) return absl::OkStatus();

  triage::v1::SerialPerpetratorIdentified serial;
  serial.set_event_id(absl::StrCat(current.reference, ":serial-perpetrator"));
  serial.set_reference(current.reference);
  serial.set_agency_id(event.agency_id());
  serial.set_district(event.receipt().district());
  SuspectOf(event, serial);
  serial.set_distinct_victims(outcome.distinct_victims);
  serial.set_window_months(rules.serial_perpetrator().window_months());
  for (const std::string& ref : outcome.related_references) {
    serial.add_related_references(ref);
  }
  *serial.mutable_received_at() = event.receipt().received_at();
  serial.set_rules_version(rules.dash().version());
  if (absl::Status q =
          outbox::EnqueueSealed(tx, keys, kSerialPerpetratorTopic,
                                serial.event_id(), serial, now,
                                current.reference);
      !q.ok()) {
    return q;
  }
  Caller rule;
  rule.agency_id = kAutoTriageActor;
  rule.actor = kAutoTriageActor;
  if (absl::Status a = audit::Record(
          tx, keys, rule, now,
          {kAuditSerialPerpetrator, current.reference,
           kReasonSerialPerpetratorThreshold, kLawfulBasisTriage,
           absl::StrCat(
               "{\"distinct_victims\":", outcome.distinct_victims,
               ",\"threshold\":", rules.serial_perpetrator().distinct_victims(),
               ",\"window_months\":", rules.serial_perpetrator().window_months(),
               ",\"related\":", outcome.related_references.size(), "}")});
      !a.ok()) {
    return a;
  }
  raised = true;
  return absl::OkStatus();
}

absl::StatusOr<Recorded> LoadRecorded(store::Tx& tx,
                                      const crypto::KeyRing& keys,
                                      const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT sealed_event, decisions FROM triage_referrals "
      "WHERE reference = $1",
      {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError("no referral with that reference");
  }
  absl::StatusOr<std::string> plain = keys.Open((*rows)[0].Text(0), reference);
  if (!plain.ok()) {
    return absl::DataLossError(absl::StrCat("sealed referral did not open: ",
                                            plain.status().message()));
  }
  Recorded r;
  if (!r.event.ParseFromString(*plain)) {
    return absl::DataLossError("sealed referral does not parse");
  }
  r.decisions = (*rows)[0].Int(1);
  return r;
}

// Load for an override: the assessment the referral's latest decision was
// made on. FAILED_PRECONDITION when it is not decided yet, or when that
// decision was a practitioner's made before assessments were kept;
// DATA_LOSS when the sealed assessment does not open.
absl::StatusOr<v1::SubmitAssessmentRequest> LoadAssessment(
    store::Tx& tx, const crypto::KeyRing& keys, const Recorded& recorded) {
  const std::string& reference = recorded.event.receipt().reference();
  if (recorded.decisions == 0) {
    return absl::FailedPreconditionError(
        "the referral is not decided yet: submit an assessment");
  }
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT auto_triaged, sealed_assessment FROM triage_decisions "
      "WHERE reference = $1 AND number = $2",
      {reference, recorded.decisions});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::DataLossError("the latest decision is missing");
  }
  const store::Row& row = (*rows)[0];
  if (row.IsNull(1)) {
    if (row.Int(0) != 0) return AttachedAssessment(recorded.event);
    return absl::FailedPreconditionError(
        "the assessment of the latest decision was not kept: submit the "
        "assessment again with the override");
  }
  absl::StatusOr<std::string> plain =
      keys.Open(row.Text(1), AssessmentAad(reference, recorded.decisions));
  v1::SubmitAssessmentRequest assessment;
  if (!plain.ok() || !assessment.ParseFromString(*plain)) {
    return absl::DataLossError("sealed assessment did not open");
  }
  return assessment;
}

std::string QueueToken(int64_t risk, int64_t received_us,
                       const std::string& reference) {
  return absl::WebSafeBase64Escape(absl::StrCat(
      kQueueTokenPrefix, ":", risk, ":", received_us, ":", reference));
}

struct QueuePosition {
  int64_t risk = 0;
  int64_t received_us = 0;
  std::string reference;
};

std::optional<QueuePosition> ParseQueueToken(absl::string_view token) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(raw, ':');
  QueuePosition p;
  if (parts.size() != 4 || parts[0] != kQueueTokenPrefix ||
      !absl::SimpleAtoi(parts[1], &p.risk) ||
      !absl::SimpleAtoi(parts[2], &p.received_us) ||
      !IsWellFormedReference(parts[3])) {
    return std::nullopt;
  }
  p.reference = parts[3];
  return p;
}

// Load for a delivery: nullopt when the referral was recorded before,
// otherwise the facts the rules need.
absl::StatusOr<std::optional<CaseFacts>> LoadDelivery(
    store::Tx& tx, const intake::v1::ReferralReceived& event) {
  absl::StatusOr<std::vector<store::Row>> known = tx.Query(
      "SELECT 1 FROM triage_referrals WHERE reference = $1",
      {event.receipt().reference()});
  if (!known.ok()) return known.status();
  if (!known->empty()) return std::optional<CaseFacts>();
  absl::StatusOr<CaseFacts> facts = FactsFor(tx, event);
  if (!facts.ok()) return facts.status();
  return std::optional<CaseFacts>(*std::move(facts));
}

// Save: the referral as recorded (`sealed`: its event, sealed), waiting,
// with its triage.record audit entry, in the caller's transaction.
absl::Status SaveRecording(store::Tx& tx, const crypto::KeyRing& keys,
                           const intake::v1::ReferralReceived& event,
                           const std::string& sealed, const CaseFacts& facts,
                           const Recording& recording, const Caller& by,
                           absl::Time now) {
  const std::string& reference = event.receipt().reference();
  absl::StatusOr<int64_t> inserted = tx.Exec(
      "INSERT INTO triage_referrals (reference, event_id, agency_id, "
      "subject_index, front_door, received_at_us, recorded_at_us, "
      "state, provisional_risk, waiting_reason, sealed_event, district) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
      {reference, event.event_id(), event.agency_id(), event.subject_index(),
       int64_t{facts.front_door}, absl::ToUnixMicros(facts.received_at),
       absl::ToUnixMicros(now), kWaiting, int64_t{recording.provisional_risk},
       recording.waiting_reason, store::Blob{sealed},
       event.receipt().district()});
  if (!inserted.ok()) return inserted.status();
  return audit::Record(tx, keys, by, now,
                       {"triage.record", reference, recording.reason_code,
                        kLawfulBasisTriage});
}

}  // namespace

TriageCore::TriageCore(store::Store& store, const crypto::KeyRing& keys,
                       const Rules& rules, const Clock& clock,
                       TriageMetrics& metrics,
                       std::function<void()> on_committed)
    : store_(store),
      keys_(keys),
      rules_(rules),
      clock_(clock),
      metrics_(metrics),
      on_committed_(std::move(on_committed)) {}

void TriageCore::Deliver(const Caller& caller,
                         const intake::v1::ReferralReceived& event,
                         DeliverDone done) {
  if (caller.agency_id != kIntakeServiceId ||
      !caller.HasRole(config::v1::ROLE_SERVICE)) {
    done(absl::PermissionDeniedError("only intake-svc hands referrals over"));
    return;
  }
  const intake::v1::Receipt& receipt = event.receipt();
  if (receipt.status() == intake::v1::REFERRAL_STATUS_RETURNED) {
    done(false);  // Returned to the referrer: nothing to triage.
    return;
  }
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(receipt.reference())) {
    problems.push_back({"receipt.reference", "must be a referral reference"});
  }
  if (receipt.status() != intake::v1::REFERRAL_STATUS_ACCEPTED) {
    problems.push_back({"receipt.status", "must be accepted or returned"});
  }
  if (!IsAdultDoor(receipt.front_door()) &&
      receipt.front_door() != common::v1::FRONT_DOOR_CHILDREN) {
    problems.push_back({"receipt.front_door", "required"});
  }
  if (!receipt.has_received_at()) {
    problems.push_back({"receipt.received_at", "required"});
  }
  if (event.subject_index().empty()) {
    problems.push_back({"subject_index", "required"});
  }
  if (event.agency_id().empty()) {
    problems.push_back({"agency_id", "required"});
  }
  if (!IsValidDate(event.referral().subject().date_of_birth())) {
    problems.push_back({"referral.subject.date_of_birth",
                        "must be a real calendar date"});
  }
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the referral event is not valid",
                                       problems));
    return;
  }
  absl::StatusOr<std::string> sealed =
      keys_.Seal(event.SerializeAsString(), receipt.reference());
  if (!sealed.ok()) {
    done(sealed.status());
    return;
  }

  struct Outcome {
    bool recorded = false;
    bool serial_perpetrator = false;
    std::optional<v1::Decision> decision;
  };
  auto outcome = std::make_shared<Outcome>();
  const absl::Time now = clock_.Now();
  std::string trace_id(CurrentTraceId());
  store_.Write(
      [this, event, sealed = *std::move(sealed), outcome, caller,
       now](store::Tx& tx) -> absl::Status {
        absl::StatusOr<std::optional<CaseFacts>> facts =
            LoadDelivery(tx, event);
        if (!facts.ok()) return facts.status();
        if (!facts->has_value()) return absl::OkStatus();  // Delivered before.
        Recording recording =
            DecideRecording(event.referral(), **facts, rules_);
        // Restricted (a data subject's right, set before it arrived):
        // stored and queued, never decided automatically.
        absl::StatusOr<bool> restricted =
            rights::IsRestricted(tx, event.receipt().reference());
        if (!restricted.ok()) return restricted.status();
        if (*restricted && recording.decision.has_value()) {
          recording.decision.reset();
          recording.reason_code = kReasonRestricted;
          recording.waiting_reason = kWaitingRestricted;
        }
        std::optional<DecisionWrite> decided;
        if (recording.decision.has_value()) {
          decided = DecideWrite(
              event, 0, *recording.decision, caller,
              event.referral().risk_assessment().form_version(), now);
          outcome->decision = decided->decision;
        }
        if (absl::Status s = SaveRecording(tx, keys_, event, sealed, **facts,
                                           recording, caller, now);
            !s.ok()) {
          return s;
        }
        outcome->recorded = true;
        if (absl::Status s = LinkSuspect(tx, keys_, rules_, event, now,
                                         outcome->serial_perpetrator);
            !s.ok()) {
          return s;
        }
        if (!decided.has_value()) return absl::OkStatus();
        return SaveDecision(tx, keys_, event, *decided, now);
      },
      [this, outcome, front_door = receipt.front_door(),
       reference = receipt.reference(), trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          done(status);
          return;
        }
        if (outcome->recorded) {
          metrics_.Recorded(front_door, outcome->decision.has_value());
          if (outcome->decision.has_value()) {
            metrics_.Decided(*outcome->decision);
          }
          if (outcome->serial_perpetrator) metrics_.SerialPerpetrator();
          if ((outcome->decision.has_value() || outcome->serial_perpetrator) &&
              on_committed_) {
            on_committed_();
          }
          Log(Level::kInfo, "triage.recorded",
              {{"reference", reference},
               {"outcome",
                outcome->decision.has_value() ? "auto_triaged" : "queued"}});
        }
        done(outcome->recorded);
      });
}

void TriageCore::SubmitAssessment(const Caller& caller,
                                  const v1::SubmitAssessmentRequest& request,
                                  DecisionDone done) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) {
    done(s);
    return;
  }
  if (absl::Status s = tls::CheckStaffMay(caller, tls::StaffAction::kAssess);
      !s.ok()) {
    done(s);
    return;
  }
  if (request.has_tier_override()) {
    if (absl::Status s =
            tls::CheckStaffMay(caller, tls::StaffAction::kOverrideTier);
        !s.ok()) {
      done(s);
      return;
    }
  }
  if (!IsWellFormedReference(request.reference())) {
    done(BadReference("reference"));
    return;
  }
  if (request.assessment_case() ==
      v1::SubmitAssessmentRequest::ASSESSMENT_NOT_SET) {
    done(InvalidArgumentWithViolations(
        "the request is not valid",
        {{"assessment", "a DASH (dash) or a children's assessment (child) "
                        "is required"}}));
    return;
  }
  auto decision = std::make_shared<v1::Decision>();
  const absl::Time now = clock_.Now();
  std::string trace_id(CurrentTraceId());
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {"triage.assess_failed", request.reference(), "", kLawfulBasisTriage},
      [this, request, caller, decision, now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Recorded> recorded =
            LoadRecorded(tx, keys_, request.reference());
        if (!recorded.ok()) return recorded.status();
        absl::StatusOr<CaseFacts> facts = FactsFor(tx, recorded->event);
        if (!facts.ok()) return facts.status();
        absl::StatusOr<Assessed> assessed = DecideAssessment(
            request, recorded->event.referral(), *facts, rules_);
        if (!assessed.ok()) return assessed.status();
        DecisionWrite w =
            DecideWrite(recorded->event, recorded->decisions,
                        std::move(assessed->decision), caller, assessed->form,
                        now);
        w.assessment = request;
        w.assessment->clear_tier_override();
        *decision = w.decision;
        return SaveDecision(tx, keys_, recorded->event, w, now);
      },
      [this, decision, trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          done(status);
          return;
        }
        metrics_.Decided(*decision);
        if (on_committed_) on_committed_();
        Log(Level::kInfo, "triage.decided",
            {{"reference", decision->reference()},
             {"risk_level", EnumLabel(common::v1::RiskLevel_Name(
                                          decision->risk_level()),
                                      "RISK_LEVEL_")},
             {"tier", decision->tier()}});
        done(*decision);
      });
}

void TriageCore::OverrideDecision(const Caller& caller,
                                  const v1::OverrideDecisionRequest& request,
                                  DecisionDone done) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) {
    done(s);
    return;
  }
  if (absl::Status s = tls::CheckStaffMay(caller, tls::StaffAction::kOverrideTier);
      !s.ok()) {
    done(s);
    return;
  }
  if (!IsWellFormedReference(request.reference())) {
    done(BadReference("reference"));
    return;
  }
  if (!request.has_tier_override()) {
    done(InvalidArgumentWithViolations(
        "the request is not valid",
        {{"tier_override", "the tier and the reason are required"}}));
    return;
  }
  auto decision = std::make_shared<v1::Decision>();
  const absl::Time now = clock_.Now();
  std::string trace_id(CurrentTraceId());
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {kAuditOverrideFailed, request.reference(), "", kLawfulBasisTriage},
      [this, request, caller, decision, now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Recorded> recorded =
            LoadRecorded(tx, keys_, request.reference());
        if (!recorded.ok()) return recorded.status();
        absl::StatusOr<v1::SubmitAssessmentRequest> assessed_on =
            LoadAssessment(tx, keys_, *recorded);
        if (!assessed_on.ok()) return assessed_on.status();
        absl::StatusOr<CaseFacts> facts = FactsFor(tx, recorded->event);
        if (!facts.ok()) return facts.status();
        absl::StatusOr<Assessed> assessed =
            DecideOverride(*assessed_on, &request.tier_override(),
                           recorded->event.referral(), *facts, rules_);
        if (!assessed.ok()) return assessed.status();
        DecisionWrite w =
            DecideWrite(recorded->event, recorded->decisions,
                        std::move(assessed->decision), caller, assessed->form,
                        now);
        w.audit_reason = kReasonTierOverride;
        w.assessment = *std::move(assessed_on);
        *decision = w.decision;
        return SaveDecision(tx, keys_, recorded->event, w, now);
      },
      [this, decision, trace_id = std::move(trace_id),
       done = std::move(done)](absl::Status status) {
        ScopedTrace trace(trace_id);
        if (!status.ok()) {
          done(status);
          return;
        }
        metrics_.Decided(*decision);
        if (on_committed_) on_committed_();
        Log(Level::kInfo, "triage.overridden",
            {{"reference", decision->reference()},
             {"tier", decision->tier()},
             {"tier_from_risk", decision->tier_from_risk()}});
        done(*decision);
      });
}

void TriageCore::GetAssessmentForm(const Caller& caller,
                                   const std::string& reference,
                                   FormDone done) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) {
    done(s);
    return;
  }
  if (absl::Status s = tls::CheckStaffMay(caller, tls::StaffAction::kAssess);
      !s.ok()) {
    done(s);
    return;
  }
  if (!IsWellFormedReference(reference)) {
    done(BadReference("reference"));
    return;
  }
  auto form = std::make_shared<v1::AssessmentForm>();
  const absl::Time now = clock_.Now();
  // A write only so that an integrity failure is audited; a form read
  // itself writes nothing.
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {kAuditReadFormFailed, reference, audit::kReasonIntegrity,
       kLawfulBasisTriage},
      [this, reference, form](store::Tx& tx) -> absl::Status {
        if (absl::Status s = rights::CheckNotRestricted(tx, reference);
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Recorded> recorded = LoadRecorded(tx, keys_, reference);
        if (!recorded.ok()) return recorded.status();
        const intake::v1::ReferralReceived& event = recorded->event;
        form->set_reference(reference);
        form->set_front_door(event.receipt().front_door());
        if (event.receipt().front_door() == common::v1::FRONT_DOOR_CHILDREN) {
          const int age = AgeOn(
              event.referral().subject().date_of_birth(),
              absl::ToCivilDay(FromProto(event.receipt().received_at()),
                               absl::UTCTimeZone()));
          *form->mutable_child() = ChildFormFor(age, rules_);
        }
        return absl::OkStatus();
      },
      [form, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        done(*form);
      });
}

void TriageCore::GetDecision(const Caller& caller, const std::string& reference,
                             DecisionDone done) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) {
    done(s);
    return;
  }
  if (!IsWellFormedReference(reference)) {
    done(BadReference("reference"));
    return;
  }
  auto decision = std::make_shared<v1::Decision>();
  auto intact = std::make_shared<bool>(true);
  const absl::Time now = clock_.Now();
  store_.Write(
      [this, caller, reference, decision, intact,
       now](store::Tx& tx) -> absl::Status {
        if (absl::Status s = rights::CheckNotRestricted(tx, reference);
            !s.ok()) {
          return s;
        }
        absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
            "SELECT number, sealed_decision FROM triage_decisions "
            "WHERE reference = $1 ORDER BY number DESC LIMIT 1",
            {reference});
        if (!rows.ok()) return rows.status();
        if (rows->empty()) {
          return absl::NotFoundError("no decision on a referral with that "
                                     "reference");
        }
        absl::StatusOr<std::string> plain =
            keys_.Open((*rows)[0].Text(1),
                       absl::StrCat(reference, ":", (*rows)[0].Int(0)));
        *intact = plain.ok() && decision->ParseFromString(*plain);
        // What the practitioner was given: the decision, or an integrity
        // failure (committed with the answer DATA_LOSS).
        return audit::Record(
            tx, keys_, caller, now,
            {*intact ? kAuditReadDecision : kAuditReadDecisionFailed,
             reference,
             *intact ? kReasonPractitionerView : audit::kReasonIntegrity,
             kLawfulBasisTriage});
      },
      [decision, intact, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        if (!*intact) {
          done(absl::DataLossError("sealed decision did not open"));
          return;
        }
        done(*decision);
      });
}

absl::StatusOr<v1::ListQueueResponse> TriageCore::ListQueue(
    const Caller& caller, const v1::ListQueueRequest& request) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) return s;
  std::vector<FieldViolation> problems;
  if (request.page_size() < 0 || request.page_size() > kMaxQueuePageSize) {
    problems.push_back({"page_size", absl::StrCat("must be from 0 to ",
                                                  kMaxQueuePageSize)});
  }
  std::optional<QueuePosition> after;
  if (!request.page_token().empty()) {
    after = ParseQueueToken(request.page_token());
    if (!after.has_value()) {
      problems.push_back(
          {"page_token", "not a token from a previous ListQueue response"});
    }
  }
  if (!problems.empty()) {
    return InvalidArgumentWithViolations("the request is not valid", problems);
  }
  const int64_t page_size =
      request.page_size() == 0 ? kDefaultQueuePageSize : request.page_size();
  const absl::Time now = clock_.Now();
  v1::ListQueueResponse response;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows;
    constexpr char kColumns[] =
        "SELECT reference, front_door, provisional_risk, received_at_us, "
        "waiting_reason FROM triage_referrals WHERE state = $1 ";
    constexpr char kOrder[] =
        " ORDER BY provisional_risk DESC, received_at_us, reference "
        "LIMIT $2";
    if (after.has_value()) {
      rows = tx.Query(
          absl::StrCat(kColumns,
                       "AND (provisional_risk < $3 OR (provisional_risk = $3 "
                       "AND (received_at_us > $4 OR (received_at_us = $4 "
                       "AND reference > $5))))",
                       kOrder),
          {kWaiting, page_size + 1, after->risk, after->received_us,
           after->reference});
    } else {
      rows = tx.Query(absl::StrCat(kColumns, kOrder),
                      {kWaiting, page_size + 1});
    }
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < rows->size(); ++i) {
      const store::Row& row = (*rows)[i];
      if (static_cast<int64_t>(i) == page_size) {
        const store::Row& last = (*rows)[i - 1];
        response.set_next_page_token(
            QueueToken(last.Int(2), last.Int(3), last.Text(0)));
        break;
      }
      v1::QueueEntry& e = *response.add_entries();
      e.set_reference(row.Text(0));
      e.set_front_door(static_cast<common::v1::FrontDoor>(row.Int(1)));
      const auto risk = static_cast<common::v1::RiskLevel>(row.Int(2));
      e.set_provisional_risk(risk);
      const absl::Time received = absl::FromUnixMicros(row.Int(3));
      *e.mutable_received_at() = ToProto(received);
      const absl::Duration waited = now - received;
      const absl::Duration target = rules_.FirstContactTarget(risk);
      *e.mutable_waited() = ToProtoDuration(waited);
      *e.mutable_first_contact_target() = ToProtoDuration(target);
      e.set_overdue(waited > target);
      e.set_waiting_reason(row.Text(4));
    }
    absl::StatusOr<std::vector<store::Row>> count = tx.Query(
        "SELECT COUNT(*) FROM triage_referrals WHERE state = $1", {kWaiting});
    if (!count.ok()) return count.status();
    response.set_total_waiting(static_cast<int32_t>((*count)[0].Int(0)));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

void TriageCore::Report(const Caller& caller,
                        const common::v1::ReportRequest& request,
                        report::ReportDone done) {
  report::RunReport(
      store_, keys_, caller, clock_.Now(), kServiceName, request,
      [&keys = keys_](store::Tx& tx, absl::Time start, absl::Time end,
                      report::ReportBuilder& out) {
        return AddTriageFigures(tx, keys, start, end, out);
      },
      std::move(done));
}

void TriageCore::ListHistory(const Caller& caller,
                             const common::v1::ListHistoryRequest& request,
                             audit::HistoryDone done) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) {
    done(s);
    return;
  }
  if (absl::Status s =
          tls::CheckStaffMay(caller, tls::StaffAction::kReadReferral);
      !s.ok()) {
    done(s);
    return;
  }
  audit::ListHistory(store_, keys_, caller, clock_.Now(), kServiceName,
                     kLawfulBasisTriage, request, std::move(done));
}

absl::StatusOr<QueueStats> TriageCore::Stats() {
  QueueStats stats;
  const absl::Time now = clock_.Now();
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT COUNT(*), MIN(received_at_us) FROM triage_referrals "
        "WHERE state = $1",
        {kWaiting});
    if (!rows.ok()) return rows.status();
    stats.waiting = (*rows)[0].Int(0);
    if (!(*rows)[0].IsNull(1)) {
      stats.oldest_wait =
          std::max(absl::ZeroDuration(),
                   now - absl::FromUnixMicros((*rows)[0].Int(1)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stats;
}

}  // namespace frontdoor::triage
