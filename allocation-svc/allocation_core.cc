#include "allocation-svc/allocation_core.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audit/audit.h"
#include "common/clock/age.h"
#include "common/logging/logging.h"
#include "common/rights/data_keys.h"
#include "common/outbox/outbox.h"
#include "common/reference/reference.h"
#include "common/rights/rights.h"
#include "common/report/report_codes.h"
#include "common/status/errors.h"
#include "common/text/text_rules.h"
#include "common/tls/staff_roles.h"
#include "allocation-svc/allocation_report.h"
#include "allocation-svc/seal_reasons.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "google/protobuf/util/time_util.h"

namespace frontdoor::allocation {
namespace {

using google::protobuf::util::TimeUtil;
using v1::Placement;
using v1::PlacementState;

constexpr size_t kMaxHowChars = 500;
constexpr size_t kMaxReleaseReasonChars = 500;
// Waiting placements examined when a place frees (those needing a
// specialist the freed place cannot serve are passed over).
constexpr int64_t kMaxWaitingScanned = 500;
// People give the time of first contact to the minute: a contact made in
// the minute the referral arrived is recorded at its arrival.
constexpr int64_t kTypedTimeUs = 60 * 1000 * 1000;

constexpr char kColumns[] =
    "reference, agency_id, decision_number, state, programme_id, "
    "practitioner_id, risk_level, tier, specialist_need, received_at_us, "
    "waiting_since_us, allocated_at_us, first_contact_due_us, failure, "
    "reason, funders, catalogue_version, changes, consent_subject, "
    "consent_carer, sealed_decision, sealed_reason, first_contact_at_us, "
    "first_contact_method, district, source, service, side, failed_at_us, "
    "released_at_us";

google::protobuf::Timestamp ToProto(int64_t us) {
  return TimeUtil::MicrosecondsToTimestamp(us);
}

absl::Status StaffOnly(const Caller& caller) {
  if (caller.HasRole(config::v1::ROLE_STAFF)) return absl::OkStatus();
  return absl::PermissionDeniedError("allocation is for the service's staff");
}

// Staff only, and for console staff a staff role that may take `action`.
absl::Status StaffOnly(const Caller& caller, tls::StaffAction action) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) return s;
  return tls::CheckStaffMay(caller, action);
}

absl::Status BadReference() {
  return InvalidArgumentWithViolations(
      "the request is not valid",
      {{"reference", "must be a referral reference such as FD-7K3M9Q2X4W8P"}});
}

// A required single-line text field: present and keeping the text rules.
void RequireText(const char* field, const std::string& value, size_t max_chars,
                 std::vector<FieldViolation>& problems) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    problems.push_back({field, "required"});
  } else {
    CheckText(field, value, max_chars, Lines::kSingle, problems);
  }
}

// A required time that has passed by `now`: its microseconds, or 0 with a
// violation of `field` (missing, not a valid Timestamp, in the future).
int64_t RequirePastTime(const char* field,
                        const google::protobuf::Timestamp* at, absl::Time now,
                        std::vector<FieldViolation>& problems) {
  if (at == nullptr) {
    problems.push_back({field, "required"});
    return 0;
  }
  if (at->seconds() < TimeUtil::kTimestampMinSeconds ||
      at->seconds() > TimeUtil::kTimestampMaxSeconds || at->nanos() < 0 ||
      at->nanos() > 999'999'999) {
    problems.push_back({field, "not a valid time"});
    return 0;
  }
  const int64_t us = TimeUtil::TimestampToMicroseconds(*at);
  if (us > absl::ToUnixMicros(now)) {
    problems.push_back({field, "must not be in the future"});
    return 0;
  }
  return us;
}

bool IsOpen(PlacementState s) {
  return s == v1::PLACEMENT_STATE_AWAITING_CONSENT ||
         s == v1::PLACEMENT_STATE_WAITING ||
         s == v1::PLACEMENT_STATE_ALLOCATED;
}

std::string StateLabel(PlacementState s) {
  return EnumLabel(v1::PlacementState_Name(s), "PLACEMENT_STATE_");
}

}  // namespace

v1::FirstContact FirstContactOf(PlacementState state, int64_t due_us,
                                int64_t made_us, int64_t now_us) {
  if (due_us == 0) return v1::FIRST_CONTACT_UNSPECIFIED;
  if (made_us != 0) {
    return made_us <= due_us ? v1::FIRST_CONTACT_MET
                             : v1::FIRST_CONTACT_MISSED;
  }
  if (!IsOpen(state)) return v1::FIRST_CONTACT_NOT_MADE;
  return now_us > due_us ? v1::FIRST_CONTACT_OVERDUE : v1::FIRST_CONTACT_DUE;
}

// A placement as stored, with the decision it was planned from.
struct AllocationCore::Record {
  Placement p;
  std::string agency_id;
  int64_t decision_number = 0;
  int64_t changes = 0;
  common::v1::Consent consent_subject = common::v1::CONSENT_UNSPECIFIED;
  common::v1::Consent consent_carer = common::v1::CONSENT_UNSPECIFIED;
  int64_t received_at_us = 0;
  int64_t waiting_since_us = 0;
  int64_t allocated_at_us = 0;
  int64_t first_contact_due_us = 0;
  int64_t first_contact_at_us = 0;  // 0: not made yet
  int64_t failed_at_us = 0;         // 0: not failed
  int64_t released_at_us = 0;       // 0: not released
  triage::v1::TriageDecided event;  // sealed at rest

  int Age() const {
    return AgeOn(event.referral().subject().date_of_birth(),
                 absl::ToCivilDay(absl::FromUnixMicros(received_at_us),
                                  absl::UTCTimeZone()));
  }
};

AllocationCore::AllocationCore(store::Store& store,
                               const crypto::KeyRing& keys,
                               const Catalogue& catalogue,
                               const Settings& settings,
                               const tls::AgencyRegistry& agencies,
                               FundingAreaOf funding_area, const Clock& clock,
                               std::function<void()> on_committed)
    : store_(store),
      keys_(keys),
      catalogue_(catalogue),
      settings_(settings),
      agencies_(agencies),
      funding_area_(std::move(funding_area)),
      clock_(clock),
      on_committed_(std::move(on_committed)) {}

Placement AllocationCore::Shape(const Record& r, absl::Time now) const {
  Placement p = r.p;
  p.clear_waiting_since();
  p.clear_allocated_at();
  p.clear_first_contact_due();
  if (r.waiting_since_us != 0) {
    *p.mutable_waiting_since() = ToProto(r.waiting_since_us);
  }
  if (r.allocated_at_us != 0) {
    *p.mutable_allocated_at() = ToProto(r.allocated_at_us);
  }
  p.clear_first_contact_at();
  if (r.first_contact_at_us != 0) {
    *p.mutable_first_contact_at() = ToProto(r.first_contact_at_us);
  }
  p.set_first_contact(FirstContactOf(p.state(), r.first_contact_due_us,
                                     r.first_contact_at_us,
                                     absl::ToUnixMicros(now)));
  p.set_first_contact_overdue(p.first_contact() ==
                              v1::FIRST_CONTACT_OVERDUE);
  if (r.first_contact_due_us != 0) {
    *p.mutable_first_contact_due() = ToProto(r.first_contact_due_us);
  }
  p.mutable_consent()->set_subject(r.consent_subject);
  p.mutable_consent()->set_parent_or_carer(r.consent_carer);
  return p;
}

absl::StatusOr<AllocationCore::Record> AllocationCore::Load(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      absl::StrCat("SELECT ", kColumns, " FROM placements WHERE reference = $1"),
      {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError("no placement for a referral with that "
                               "reference");
  }
  const store::Row& row = (*rows)[0];
  Record r;
  r.p.set_reference(row.Text(0));
  r.agency_id = row.Text(1);
  r.decision_number = row.Int(2);
  r.p.set_state(static_cast<PlacementState>(row.Int(3)));
  r.p.set_programme_id(row.Text(4));
  r.p.set_practitioner_id(row.Text(5));
  r.p.set_risk_level(static_cast<common::v1::RiskLevel>(row.Int(6)));
  r.p.set_tier(static_cast<int32_t>(row.Int(7)));
  r.p.set_specialist_need(static_cast<common::v1::SpecialistNeed>(row.Int(8)));
  r.received_at_us = row.Int(9);
  r.waiting_since_us = row.Int(10);
  r.allocated_at_us = row.Int(11);
  r.first_contact_due_us = row.Int(12);
  r.p.set_failure(static_cast<v1::FailureReason>(row.Int(13)));
  if (row.IsNull(21)) {
    // Stored before reasons were sealed, and not sealed yet
    // (SealPlainReasons runs before the service serves).
    r.p.set_reason(row.Text(14));
  } else {
    absl::StatusOr<std::string> reason =
        rights::OpenSealed(tx, keys_, row.Text(21), ReasonAad(reference));
    if (rights::IsErased(reason.status())) return reason.status();
    if (!reason.ok()) return absl::DataLossError("sealed reason did not open");
    r.p.set_reason(*std::move(reason));
  }
  for (absl::string_view f : absl::StrSplit(row.Text(15), ',', absl::SkipEmpty())) {
    r.p.add_funders(std::string(f));
  }
  r.p.set_catalogue_version(row.Text(16));
  r.changes = row.Int(17);
  r.consent_subject = static_cast<common::v1::Consent>(row.Int(18));
  r.consent_carer = static_cast<common::v1::Consent>(row.Int(19));
  r.first_contact_at_us = row.Int(22);
  r.p.set_first_contact_method(static_cast<v1::ContactMethod>(row.Int(23)));
  r.failed_at_us = row.Int(28);
  r.released_at_us = row.Int(29);
  absl::StatusOr<std::string> plain =
      rights::OpenSealed(tx, keys_, row.Text(20), reference);
  if (rights::IsErased(plain.status())) return plain.status();
  if (!plain.ok() || !r.event.ParseFromString(*plain)) {
    return absl::DataLossError("sealed decision did not open");
  }
  return r;
}

absl::Status AllocationCore::Save(store::Tx& tx, Record& r, bool insert,
                                  const Caller& by, const std::string& action,
                                  const std::string& reason_code,
                                  absl::Time now,
                                  const std::string& more_details) {
  r.changes += 1;
  // When it failed or its place was released, for reports: the first time
  // it reached that state (a failure a later decision undoes is forgotten).
  const int64_t now_us = absl::ToUnixMicros(now);
  if (r.p.state() != v1::PLACEMENT_STATE_FAILED) {
    r.failed_at_us = 0;
  } else if (r.failed_at_us == 0) {
    r.failed_at_us = now_us;
  }
  if (r.p.state() == v1::PLACEMENT_STATE_RELEASED && r.released_at_us == 0) {
    r.released_at_us = now_us;
  }
  // What reports break it down by, from the decision it was planned from.
  const triage::v1::TriageDecided& e = r.event;
  const std::string& on_behalf_of =
      e.referral().referrer().on_behalf_of_agency();
  const std::string source = report::ReferralSource(
      e.referral(),
      agencies_.FindById(on_behalf_of.empty() ? e.agency_id() : on_behalf_of));
  absl::StatusOr<std::string> sealed =
      rights::SealFor(tx, keys_, r.p.reference(), r.event.SerializeAsString(),
                      r.p.reference(), now);
  if (!sealed.ok()) return sealed.status();
  // The reason may be what staff typed: sealed, bound to its row and column.
  absl::StatusOr<std::string> sealed_reason =
      rights::SealFor(tx, keys_, r.p.reference(), r.p.reason(),
                      ReasonAad(r.p.reference()), now);
  if (!sealed_reason.ok()) return sealed_reason.status();
  const store::Params params = {
      r.p.reference(),
      r.agency_id,
      r.decision_number,
      int64_t{r.p.state()},
      r.p.programme_id(),
      r.p.practitioner_id(),
      int64_t{r.p.risk_level()},
      int64_t{r.p.tier()},
      int64_t{r.p.specialist_need()},
      r.received_at_us,
      r.waiting_since_us,
      r.allocated_at_us,
      r.first_contact_due_us,
      int64_t{r.p.failure()},
      std::string(),
      absl::StrJoin(r.p.funders(), ","),
      r.p.catalogue_version(),
      r.changes,
      int64_t{r.consent_subject},
      int64_t{r.consent_carer},
      store::Blob{*std::move(sealed)},
      store::Blob{*std::move(sealed_reason)},
      r.first_contact_at_us,
      int64_t{r.p.first_contact_method()},
      e.district(),
      source,
      report::ServiceCode(e.decision().front_door()),
      report::SideCode(e.decision().side()),
      r.failed_at_us,
      r.released_at_us};
  absl::StatusOr<int64_t> written = tx.Exec(
      insert
          ? absl::StrCat("INSERT INTO placements (", kColumns,
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                         "$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
                         "$21, $22, $23, $24, $25, $26, $27, $28, $29, $30)")
          : std::string(
                "UPDATE placements SET agency_id = $2, decision_number = $3, "
                "state = $4, programme_id = $5, practitioner_id = $6, "
                "risk_level = $7, tier = $8, specialist_need = $9, "
                "received_at_us = $10, waiting_since_us = $11, "
                "allocated_at_us = $12, first_contact_due_us = $13, "
                "failure = $14, reason = $15, funders = $16, "
                "catalogue_version = $17, changes = $18, "
                "consent_subject = $19, consent_carer = $20, "
                "sealed_decision = $21, sealed_reason = $22, "
                "first_contact_at_us = $23, first_contact_method = $24, "
                "district = $25, source = $26, service = $27, side = $28, "
                "failed_at_us = $29, released_at_us = $30 "
                "WHERE reference = $1"),
      params);
  if (!written.ok()) return written.status();

  v1::PlacementChanged changed;
  changed.set_event_id(
      absl::StrCat(r.p.reference(), ":placement:", r.changes));
  *changed.mutable_placement() = Shape(r, now);
  changed.set_agency_id(r.agency_id);
  *changed.mutable_referrer() = r.event.referral().referrer();
  if (absl::Status queued =
          outbox::EnqueueSealed(tx, keys_, r.p.reference(),
                                kPlacementChangedTopic,
                                changed.event_id(), changed, now);
      !queued.ok()) {
    return queued;
  }

  // Codes and ids only: the placement's reason stays sealed above.
  return audit::Record(
      tx, keys_, by, now,
      {action, r.p.reference(), reason_code, kLawfulBasisAllocate,
       absl::StrCat(
           "{\"state\":\"", StateLabel(r.p.state()), "\",\"programme\":\"",
           r.p.programme_id(), "\",\"practitioner\":\"",
           r.p.practitioner_id(), "\",\"tier\":", r.p.tier(),
           ",\"failure\":\"",
           EnumLabel(v1::FailureReason_Name(r.p.failure()), "FAILURE_REASON_"),
           "\",\"catalogue\":\"", r.p.catalogue_version(), "\"",
           more_details, "}")});
}

absl::Status AllocationCore::TryAllocate(store::Tx& tx, Record& r,
                                         const config::v1::Programme& programme,
                                         absl::Time now) {
  // Restricted (a data subject's right): kept on the waiting list, in its
  // place, and passed over when a place is offered until it is lifted.
  absl::StatusOr<bool> restricted = rights::IsRestricted(tx, r.p.reference());
  if (!restricted.ok()) return restricted.status();
  if (*restricted) {
    r.p.set_state(v1::PLACEMENT_STATE_WAITING);
    r.p.set_practitioner_id("");
    r.p.set_failure(v1::FAILURE_REASON_UNSPECIFIED);
    r.p.set_reason(kReasonRestrictedWaiting);
    if (r.waiting_since_us == 0) r.waiting_since_us = absl::ToUnixMicros(now);
    return absl::OkStatus();
  }
  const int64_t allocated = int64_t{v1::PLACEMENT_STATE_ALLOCATED};
  const auto allocate = [&](const std::string& practitioner) {
    r.p.set_state(v1::PLACEMENT_STATE_ALLOCATED);
    r.p.set_practitioner_id(practitioner);
    r.p.set_failure(v1::FAILURE_REASON_UNSPECIFIED);
    r.p.set_reason(practitioner.empty()
                       ? absl::StrCat("a seat in the ", programme.name(),
                                      " cohort")
                       : absl::StrCat("on ", practitioner, "'s caseload"));
    r.allocated_at_us = absl::ToUnixMicros(now);
    if (r.waiting_since_us == 0) r.waiting_since_us = r.allocated_at_us;
  };
  // A stated need is honoured by the programme's specialists for it; a
  // programme with none for that need takes any of its practitioners.
  const common::v1::SpecialistNeed need = r.p.specialist_need();
  const auto is_specialist = [need](const config::v1::Practitioner* pr) {
    return std::find(pr->specialisms().begin(), pr->specialisms().end(),
                     need) != pr->specialisms().end();
  };
  const std::vector<const config::v1::Practitioner*> practitioners =
      settings_.PractitionersFor(programme.id());
  const bool specialists_exist =
      need != common::v1::SPECIALIST_NEED_UNSPECIFIED &&
      std::any_of(practitioners.begin(), practitioners.end(), is_specialist);
  const int seats = settings_.SeatsFor(programme.id());
  if (seats > 0) {
    absl::StatusOr<std::vector<store::Row>> used = tx.Query(
        "SELECT COUNT(*) FROM placements WHERE programme_id = $1 AND "
        "state = $2",
        {programme.id(), allocated});
    if (!used.ok()) return used.status();
    if ((*used)[0].Int(0) < seats) {
      allocate("");
      return absl::OkStatus();
    }
  } else {
    for (const config::v1::Practitioner* pr : practitioners) {
      if (specialists_exist && !is_specialist(pr)) continue;
      absl::StatusOr<std::vector<store::Row>> used = tx.Query(
          "SELECT COUNT(*) FROM placements WHERE practitioner_id = $1 AND "
          "state = $2",
          {pr->id(), allocated});
      if (!used.ok()) return used.status();
      if ((*used)[0].Int(0) < pr->caseload()) {
        allocate(pr->id());
        return absl::OkStatus();
      }
    }
  }
  const bool needs_specialist = seats == 0 && specialists_exist;
  r.p.set_state(v1::PLACEMENT_STATE_WAITING);
  r.p.set_practitioner_id("");
  r.p.set_failure(v1::FAILURE_REASON_NO_CAPACITY);
  r.p.set_reason(absl::StrCat("no capacity", needs_specialist
                                                 ? " with a specialist for the "
                                                   "stated need"
                                                 : "",
                              ": on the ", programme.name(), " waiting list"));
  if (r.waiting_since_us == 0) r.waiting_since_us = absl::ToUnixMicros(now);
  return absl::OkStatus();
}

absl::Status AllocationCore::Plan(store::Tx& tx, Record& r, absl::Time now) {
  const triage::v1::Decision& d = r.event.decision();
  const common::v1::Referral& referral = r.event.referral();
  const int age = r.Age();
  r.p.set_risk_level(d.risk_level());
  r.p.set_tier(d.tier());
  r.p.set_specialist_need(referral.subject().specialist_needs().empty()
                              ? common::v1::SPECIALIST_NEED_UNSPECIFIED
                              : referral.subject().specialist_needs(0));
  r.p.set_catalogue_version(catalogue_.version());
  r.p.clear_funders();
  for (std::string& f :
       FundersFor(catalogue_, funding_area_(r.event.district()))) {
    r.p.add_funders(std::move(f));
  }
  const Need need = NeedFor(d.front_door(), d.side(), d.tier(), age, referral);
  absl::StatusOr<const config::v1::Programme*> programme =
      ChooseProgramme(catalogue_, need);
  if (!programme.ok()) {
    r.p.set_state(v1::PLACEMENT_STATE_FAILED);
    r.p.set_programme_id("");
    r.p.set_practitioner_id("");
    r.p.set_failure(v1::FAILURE_REASON_NOT_ELIGIBLE);
    r.p.set_reason(std::string(programme.status().message()));
    return absl::OkStatus();
  }
  const bool holds_place = r.p.state() == v1::PLACEMENT_STATE_ALLOCATED &&
                           r.p.programme_id() == (*programme)->id();
  r.p.set_programme_id((*programme)->id());
  r.first_contact_due_us = absl::ToUnixMicros(settings_.FirstContactDue(
      absl::FromUnixMicros(r.received_at_us), **programme,
      referral.referrer().self_referral()));
  common::v1::ConsentRecord consent;
  consent.set_subject(r.consent_subject);
  consent.set_parent_or_carer(r.consent_carer);
  const std::string missing = ConsentMissing(consent, need.side, age);
  if (!missing.empty()) {
    const bool refused =
        r.consent_subject == common::v1::CONSENT_REFUSED ||
        r.consent_carer == common::v1::CONSENT_REFUSED;
    r.p.set_state(refused ? v1::PLACEMENT_STATE_FAILED
                          : v1::PLACEMENT_STATE_AWAITING_CONSENT);
    r.p.set_failure(refused ? v1::FAILURE_REASON_DECLINED
                            : v1::FAILURE_REASON_UNSPECIFIED);
    r.p.set_practitioner_id("");
    r.p.set_reason(refused ? absl::StrCat("consent refused or withdrawn: ",
                                          missing)
                           : missing);
    return absl::OkStatus();
  }
  if (holds_place) return absl::OkStatus();  // Keeps the place it holds.
  return TryAllocate(tx, r, **programme, now);
}

absl::StatusOr<std::optional<AllocationCore::Record>>
AllocationCore::AllocateNext(store::Tx& tx, const std::string& programme_id,
                             absl::Time now) {
  const config::v1::Programme* programme = catalogue_.Find(programme_id);
  if (programme == nullptr) return std::optional<Record>();
  absl::StatusOr<std::vector<store::Row>> waiting = tx.Query(
      "SELECT reference FROM placements WHERE programme_id = $1 AND "
      "state = $2 ORDER BY risk_level DESC, waiting_since_us, reference "
      "LIMIT $3",
      {programme_id, int64_t{v1::PLACEMENT_STATE_WAITING}, kMaxWaitingScanned});
  if (!waiting.ok()) return waiting.status();
  for (const store::Row& row : *waiting) {
    absl::StatusOr<Record> r = Load(tx, row.Text(0));
    if (!r.ok()) return r.status();
    if (absl::Status s = TryAllocate(tx, *r, *programme, now); !s.ok()) {
      return s;
    }
    if (r->p.state() != v1::PLACEMENT_STATE_ALLOCATED) continue;
    return std::optional<Record>(*std::move(r));
  }
  return std::optional<Record>();
}

absl::StatusOr<std::optional<Placement>> AllocationCore::RefillFrom(
    store::Tx& tx, const std::string& programme_id, const Caller& by,
    absl::Time now) {
  absl::StatusOr<std::optional<Record>> next =
      AllocateNext(tx, programme_id, now);
  if (!next.ok()) return next.status();
  if (!next->has_value()) return std::optional<Placement>();
  absl::Status saved =
      Save(tx, **next, false, by, "allocation.allocate_next",
           kReasonPlaceFreed, now);
  if (!saved.ok()) return saved;
  return std::optional<Placement>(Shape(**next, now));
}

void AllocationCore::Deliver(const Caller& caller,
                             const triage::v1::TriageDecided& event,
                             Done<bool> done) {
  if (caller.agency_id != kTriageServiceId ||
      !caller.HasRole(config::v1::ROLE_SERVICE)) {
    done(absl::PermissionDeniedError("only triage-svc hands decisions over"));
    return;
  }
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(event.decision().reference())) {
    problems.push_back({"decision.reference", "must be a referral reference"});
  }
  if (event.decision_number() < 1) {
    problems.push_back({"decision_number", "must be 1 or more"});
  }
  if (!event.has_received_at()) {
    problems.push_back({"received_at", "required"});
  }
  if (event.decision().side() == common::v1::SIDE_UNSPECIFIED) {
    problems.push_back({"decision.side", "required"});
  }
  if (event.decision().risk_level() == common::v1::RISK_LEVEL_UNSPECIFIED) {
    problems.push_back({"decision.risk_level", "required"});
  }
  if (event.referral().subject().date_of_birth().year() == 0) {
    problems.push_back({"referral.subject.date_of_birth", "required"});
  }
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the decision event is not valid",
                                       problems));
    return;
  }
  auto recorded = std::make_shared<bool>(false);
  // The placement's state once planned, for the log line.
  auto state = std::make_shared<std::string>();
  const absl::Time now = clock_.Now();
  store_.Write(
      [this, caller, event, recorded, state,
       now](store::Tx& tx) -> absl::Status {
        const std::string& reference = event.decision().reference();
        // Erased here before this decision arrived: acknowledged and
        // dropped, nothing of it kept.
        absl::StatusOr<bool> erased = rights::IsDataKeyDestroyed(tx, reference);
        if (!erased.ok()) return erased.status();
        if (*erased) {
          Log(Level::kInfo, "allocation.event_of_erased_referral_dropped",
              {{"reference", reference}});
          return absl::OkStatus();
        }
        absl::StatusOr<Record> existing = Load(tx, reference);
        if (!existing.ok() && !absl::IsNotFound(existing.status())) {
          return existing.status();
        }
        const bool insert = !existing.ok();
        Record r;
        if (insert) {
          r.p.set_reference(reference);
          r.agency_id = event.agency_id();
          r.received_at_us =
              TimeUtil::TimestampToMicroseconds(event.received_at());
          r.consent_subject = event.referral().consent().subject();
          r.consent_carer = event.referral().consent().parent_or_carer();
        } else {
          if (existing->decision_number >= event.decision_number()) {
            return absl::OkStatus();  // Delivered before.
          }
          r = *std::move(existing);
        }
        r.event = event;
        r.decision_number = event.decision_number();
        *recorded = true;
        if (r.p.state() == v1::PLACEMENT_STATE_RELEASED) {
          return Save(tx, r, insert, caller, "allocation.decision_recorded",
                      kReasonTriageDecision, now);
        }
        if (absl::Status s = Plan(tx, r, now); !s.ok()) return s;
        *state = EnumLabel(v1::PlacementState_Name(r.p.state()),
                           "PLACEMENT_STATE_");
        return Save(tx, r, insert, caller, "allocation.plan",
                    kReasonTriageDecision, now);
      },
      [this, recorded, state, reference = event.decision().reference(),
       done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        if (*recorded) {
          Log(Level::kInfo, "allocation.decision_received",
              {{"reference", reference}, {"state", *state}});
        }
        if (*recorded && on_committed_) on_committed_();
        done(*recorded);
      });
}

void AllocationCore::RecordConsent(const Caller& caller,
                                   const v1::RecordConsentRequest& request,
                                   Done<Placement> done) {
  if (absl::Status s = StaffOnly(caller, tls::StaffAction::kRecordPlacement);
      !s.ok()) {
    done(s);
    return;
  }
  const absl::Time now = clock_.Now();
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(request.reference())) {
    problems.push_back({"reference", "must be a referral reference"});
  }
  if (request.who() == v1::RecordConsentRequest::WHO_UNSPECIFIED) {
    problems.push_back({"who", "WHO_SUBJECT or WHO_PARENT_OR_CARER"});
  }
  if (request.consent() != common::v1::CONSENT_GIVEN &&
      request.consent() != common::v1::CONSENT_REFUSED) {
    problems.push_back({"consent", "CONSENT_GIVEN or CONSENT_REFUSED"});
  }
  RequireText("how", request.how(), kMaxHowChars, problems);
  RequirePastTime("given_at",
                  request.has_given_at() ? &request.given_at() : nullptr, now,
                  problems);
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the request is not valid", problems));
    return;
  }
  auto result = std::make_shared<Placement>();
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {"allocation.consent_failed", request.reference(), "", kLawfulBasisAllocate},
      [this, caller, request, result, now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Record> r = Load(tx, request.reference());
        if (!r.ok()) return r.status();
        (request.who() == v1::RecordConsentRequest::WHO_SUBJECT
             ? r->consent_subject
             : r->consent_carer) = request.consent();
        const PlacementState before = r->p.state();
        const std::string freed_programme = r->p.programme_id();
        if (before != v1::PLACEMENT_STATE_RELEASED) {
          if (absl::Status s = Plan(tx, *r, now); !s.ok()) return s;
        }
        // How consent was given is typed by staff: it is not audited (the
        // codes and the time are).
        const std::string consent_details = absl::StrCat(
            ",\"who\":\"",
            request.who() == v1::RecordConsentRequest::WHO_SUBJECT
                ? "subject"
                : "parent_or_carer",
            "\",\"consent\":\"",
            request.consent() == common::v1::CONSENT_GIVEN ? "given"
                                                           : "refused",
            "\",\"given_at\":\"",
            absl::FormatTime(absl::RFC3339_sec,
                             absl::FromUnixMicros(
                                 TimeUtil::TimestampToMicroseconds(
                                     request.given_at())),
                             absl::UTCTimeZone()),
            "\"");
        if (absl::Status s =
                Save(tx, *r, false, caller, "allocation.consent",
                     kReasonConsentRecorded, now, consent_details);
            !s.ok()) {
          return s;
        }
        if (before == v1::PLACEMENT_STATE_ALLOCATED &&
            r->p.state() != v1::PLACEMENT_STATE_ALLOCATED) {
          // Withdrawal freed a place: the head of the list takes it.
          absl::StatusOr<std::optional<Placement>> next =
              RefillFrom(tx, freed_programme, caller, now);
          if (!next.ok()) return next.status();
        }
        *result = Shape(*r, now);
        return absl::OkStatus();
      },
      Committed(result, std::move(done)));
}

void AllocationCore::ReleasePlace(const Caller& caller,
                                  const v1::ReleasePlaceRequest& request,
                                  Done<v1::ReleasePlaceResponse> done) {
  if (absl::Status s = StaffOnly(caller, tls::StaffAction::kReleasePlace);
      !s.ok()) {
    done(s);
    return;
  }
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(request.reference())) {
    problems.push_back({"reference", "must be a referral reference"});
  }
  RequireText("reason", request.reason(), kMaxReleaseReasonChars, problems);
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the request is not valid", problems));
    return;
  }
  const absl::Time now = clock_.Now();
  auto response = std::make_shared<v1::ReleasePlaceResponse>();
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {"allocation.release_failed", request.reference(), "", kLawfulBasisAllocate},
      [this, caller, request, response, now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Record> r = Load(tx, request.reference());
        if (!r.ok()) return r.status();
        if (r->p.state() != v1::PLACEMENT_STATE_ALLOCATED) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the referral holds no place (it is ",
              StateLabel(r->p.state()), ")"));
        }
        r->p.set_state(v1::PLACEMENT_STATE_RELEASED);
        r->p.set_reason(request.reason());
        if (absl::Status s =
                Save(tx, *r, false, caller, "allocation.release",
                     kReasonPlaceReleased, now);
            !s.ok()) {
          return s;
        }
        *response->mutable_released() = Shape(*r, now);
        absl::StatusOr<std::optional<Placement>> next =
            RefillFrom(tx, r->p.programme_id(), caller, now);
        if (!next.ok()) return next.status();
        if (next->has_value()) *response->mutable_allocated() = **next;
        return absl::OkStatus();
      },
      Committed(response, std::move(done)));
}

void AllocationCore::RecordFailure(const Caller& caller,
                                   const v1::RecordFailureRequest& request,
                                   Done<v1::RecordFailureResponse> done) {
  if (absl::Status s = StaffOnly(caller, tls::StaffAction::kRecordPlacement);
      !s.ok()) {
    done(s);
    return;
  }
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(request.reference())) {
    problems.push_back({"reference", "must be a referral reference"});
  }
  if (request.failure() != v1::FAILURE_REASON_NO_CONTACT &&
      request.failure() != v1::FAILURE_REASON_DECLINED) {
    problems.push_back({"failure", "FAILURE_REASON_NO_CONTACT or "
                                   "FAILURE_REASON_DECLINED"});
  }
  RequireText("note", request.note(), kMaxReleaseReasonChars, problems);
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the request is not valid", problems));
    return;
  }
  const absl::Time now = clock_.Now();
  auto response = std::make_shared<v1::RecordFailureResponse>();
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {"allocation.failure_failed", request.reference(), "", kLawfulBasisAllocate},
      [this, caller, request, response, now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Record> r = Load(tx, request.reference());
        if (!r.ok()) return r.status();
        const PlacementState before = r->p.state();
        if (before == v1::PLACEMENT_STATE_RELEASED ||
            before == v1::PLACEMENT_STATE_FAILED) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the placement is already ", StateLabel(before)));
        }
        r->p.set_state(v1::PLACEMENT_STATE_FAILED);
        r->p.set_failure(request.failure());
        r->p.set_reason(request.note());
        if (absl::Status s =
                Save(tx, *r, false, caller, "allocation.failure",
                     kReasonFailureRecorded, now);
            !s.ok()) {
          return s;
        }
        *response->mutable_failed() = Shape(*r, now);
        if (before != v1::PLACEMENT_STATE_ALLOCATED) return absl::OkStatus();
        absl::StatusOr<std::optional<Placement>> next =
            RefillFrom(tx, r->p.programme_id(), caller, now);
        if (!next.ok()) return next.status();
        if (next->has_value()) *response->mutable_allocated() = **next;
        return absl::OkStatus();
      },
      Committed(response, std::move(done)));
}

void AllocationCore::RecordFirstContact(
    const Caller& caller, const v1::RecordFirstContactRequest& request,
    Done<Placement> done) {
  if (absl::Status s = StaffOnly(caller, tls::StaffAction::kRecordPlacement);
      !s.ok()) {
    done(s);
    return;
  }
  const absl::Time now = clock_.Now();
  std::vector<FieldViolation> problems;
  if (!IsWellFormedReference(request.reference())) {
    problems.push_back({"reference", "must be a referral reference"});
  }
  if (request.method() == v1::CONTACT_METHOD_UNSPECIFIED ||
      !v1::ContactMethod_IsValid(request.method())) {
    problems.push_back({"method", "required: how contact was made"});
  }
  const int64_t made_at_us = RequirePastTime(
      "made_at", request.has_made_at() ? &request.made_at() : nullptr, now,
      problems);
  if (!problems.empty()) {
    done(InvalidArgumentWithViolations("the request is not valid", problems));
    return;
  }
  auto result = std::make_shared<Placement>();
  audit::WriteRecordingIntegrityFailure(
      store_, keys_, caller, now,
      {"allocation.first_contact_failed", request.reference(), "",
       kLawfulBasisAllocate},
      [this, caller, request, result, made_at_us,
       now](store::Tx& tx) -> absl::Status {
        // Restricted (a data subject's right): not processed further.
        if (absl::Status s =
                rights::CheckNotRestricted(tx, request.reference());
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Record> r = Load(tx, request.reference());
        if (!r.ok()) return r.status();
        if (!IsOpen(r->p.state())) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the placement is ", StateLabel(r->p.state()),
              ": first contact is recorded while it is open"));
        }
        if (r->first_contact_at_us != 0) {
          return absl::FailedPreconditionError(
              "first contact was recorded before");
        }
        const int64_t received_minute_us =
            r->received_at_us - r->received_at_us % kTypedTimeUs;
        if (made_at_us < received_minute_us) {
          return InvalidArgumentWithViolations(
              "the request is not valid",
              {{"made_at", "must not be before the referral was received"}});
        }
        r->first_contact_at_us = std::max(made_at_us, r->received_at_us);
        r->p.set_first_contact_method(request.method());
        const v1::FirstContact outcome = FirstContactOf(
            r->p.state(), r->first_contact_due_us, made_at_us,
            absl::ToUnixMicros(now));
        if (absl::Status s = Save(
                tx, *r, false, caller, "allocation.first_contact",
                kReasonFirstContactRecorded, now,
                absl::StrCat(",\"first_contact\":\"",
                             EnumLabel(v1::FirstContact_Name(outcome),
                                       "FIRST_CONTACT_"),
                             "\",\"method\":\"",
                             EnumLabel(v1::ContactMethod_Name(request.method()),
                                       "CONTACT_METHOD_"),
                             "\""));
            !s.ok()) {
          return s;
        }
        *result = Shape(*r, now);
        return absl::OkStatus();
      },
      Committed(result, std::move(done)));
}

absl::StatusOr<v1::ListWaitingResponse> AllocationCore::ListWaiting(
    const Caller& caller, const v1::ListWaitingRequest& request) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) return s;
  if (catalogue_.Find(request.programme_id()) == nullptr) {
    return InvalidArgumentWithViolations(
        "the request is not valid",
        {{"programme_id", request.programme_id().empty()
                              ? "required"
                              : "not in the catalogue"}});
  }
  const absl::Time now = clock_.Now();
  v1::ListWaitingResponse response;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT reference FROM placements WHERE programme_id = $1 AND "
        "state = $2 ORDER BY risk_level DESC, waiting_since_us, reference",
        {request.programme_id(), int64_t{v1::PLACEMENT_STATE_WAITING}});
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      absl::StatusOr<Record> r = Load(tx, row.Text(0));
      if (!r.ok()) return r.status();
      Placement p = Shape(*r, now);
      if (p.first_contact_overdue()) {
        response.set_overdue(response.overdue() + 1);
      } else if (p.first_contact() == v1::FIRST_CONTACT_MET) {
        response.set_first_contact_met(response.first_contact_met() + 1);
      } else if (p.first_contact() == v1::FIRST_CONTACT_MISSED) {
        response.set_first_contact_missed(response.first_contact_missed() + 1);
      }
      *response.add_waiting() = std::move(p);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<Placement> AllocationCore::GetPlacement(
    const Caller& caller, const std::string& reference) {
  if (absl::Status s = StaffOnly(caller); !s.ok()) return s;
  if (!IsWellFormedReference(reference)) return BadReference();
  const absl::Time now = clock_.Now();
  Placement p;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    if (absl::Status s = rights::CheckNotRestricted(tx, reference); !s.ok()) {
      return s;
    }
    absl::StatusOr<Record> r = Load(tx, reference);
    if (!r.ok()) return r.status();
    p = Shape(*r, now);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return p;
}

void AllocationCore::ListHistory(const Caller& caller,
                                 const common::v1::ListHistoryRequest& request,
                                 audit::HistoryDone done) {
  if (absl::Status s = StaffOnly(caller, tls::StaffAction::kReadReferral);
      !s.ok()) {
    done(s);
    return;
  }
  audit::ListHistory(store_, keys_, caller, clock_.Now(), kServiceName,
                     kLawfulBasisAllocate, request, std::move(done));
}

void AllocationCore::Report(const Caller& caller,
                            const common::v1::ReportRequest& request,
                            report::ReportDone done) {
  const absl::Time now = clock_.Now();
  report::RunReport(
      store_, keys_, caller, now, kServiceName, request,
      [now](store::Tx& tx, absl::Time start, absl::Time end,
            report::ReportBuilder& out) {
        return AddAllocationFigures(tx, start, end, now, out);
      },
      std::move(done));
}

absl::StatusOr<std::map<std::string, ProgrammeStats>> AllocationCore::Stats() {
  const int64_t now_us = absl::ToUnixMicros(clock_.Now());
  std::map<std::string, ProgrammeStats> out;
  for (const auto& p : catalogue_.proto().programmes()) out[p.id()];
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT programme_id, state, tier, COUNT(*), MIN(waiting_since_us), "
        "SUM(CASE WHEN first_contact_at_us = 0 AND first_contact_due_us <> 0 "
        "AND first_contact_due_us < $1 THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN first_contact_at_us <> 0 AND first_contact_due_us <> 0 "
        "AND first_contact_at_us <= first_contact_due_us THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN first_contact_at_us <> 0 AND first_contact_due_us <> 0 "
        "AND first_contact_at_us > first_contact_due_us THEN 1 ELSE 0 END) "
        "FROM placements WHERE programme_id <> '' "
        "GROUP BY programme_id, state, tier",
        {now_us});
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      ProgrammeStats& s = out[row.Text(0)];
      const auto state = static_cast<PlacementState>(row.Int(1));
      const int64_t count = row.Int(3);
      s.by_tier_and_state[{static_cast<int>(row.Int(2)), StateLabel(state)}] +=
          count;
      s.first_contact_met += row.Int(6);
      s.first_contact_missed += row.Int(7);
      if (IsOpen(state)) s.overdue += row.Int(5);
      if (state == v1::PLACEMENT_STATE_ALLOCATED) {
        s.allocated += count;
      } else if (state == v1::PLACEMENT_STATE_WAITING) {
        s.waiting += count;
        s.oldest_wait = std::max(s.oldest_wait,
                                 absl::Microseconds(now_us - row.Int(4)));
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace frontdoor::allocation
