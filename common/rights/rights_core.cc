#include "common/rights/rights_core.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/rights/data_keys.h"
#include "common/rights/rectify.h"

namespace frontdoor::rights {
namespace {

// Runs `work` in one write transaction after the caller's and the
// request's checks, then records `action` (from the result) in the same
// transaction and answers. A PERMISSION_DENIED is audited by the server's
// refusal interceptor, not here.
template <typename T, typename Request, typename Work, typename ActionOf>
void Run(store::Store& store, const crypto::KeyRing& keys, const Caller& caller,
         absl::Time now, const Request& request, Work work, ActionOf action_of,
         Done<T> done) {
  if (absl::Status s = CheckDataProtectionOfficer(caller); !s.ok()) {
    done(s);
    return;
  }
  if (absl::Status s = Validate(request); !s.ok()) {
    done(s);
    return;
  }
  auto result = std::make_shared<T>();
  store.Write(
      [&keys, caller, now, work = std::move(work),
       action_of = std::move(action_of), result](store::Tx& tx) {
        absl::StatusOr<T> answer = work(tx);
        if (!answer.ok()) return answer.status();
        *result = *std::move(answer);
        return audit::Record(tx, keys, caller, now, action_of(*result));
      },
      [result, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        done(std::move(*result));
      });
}

audit::Action ActionOn(std::string action, std::string reference,
                       std::string reason, std::string details = "") {
  return {std::move(action), std::move(reference), std::move(reason),
          kLawfulBasisRights, std::move(details)};
}

}  // namespace

RightsCore::RightsCore(std::string service, store::Store& store,
                       const crypto::KeyRing& keys, const Clock& clock)
    : service_(std::move(service)), store_(store), keys_(keys), clock_(clock) {}

absl::StatusOr<common::v1::RightsState> RightsCore::StateIn(
    store::Tx& tx, const std::string& reference) {
  absl::StatusOr<Rights> rights = LoadRights(tx, reference);
  if (!rights.ok()) return rights.status();
  absl::StatusOr<bool> holds = HoldsReference(tx, reference);
  if (!holds.ok()) return holds.status();
  return StateOf(*rights, service_, reference, *holds);
}

void RightsCore::FindPerson(const Caller& caller,
                            const common::v1::FindPersonRequest& request,
                            Done<common::v1::FindPersonResponse> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::FindPersonResponse>(
      store_, keys_, caller, now, request,
      [this, request, now](store::Tx& tx) { return FindIn(tx, request, now); },
      [request](const common::v1::FindPersonResponse& found) {
        return ActionOn(
            kAuditFind, request.reference(), kReasonSubjectRights,
            absl::StrCat(
                "{\"by\":\"",
                request.has_name_and_birth() ? "name_and_birth" : "reference",
                "\",\"found\":", found.referrals_size(), "}"));
      },
      std::move(done));
}

void RightsCore::ExportSubject(const Caller& caller,
                               const common::v1::ExportSubjectRequest& request,
                               Done<common::v1::ExportSubjectResponse> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::ExportSubjectResponse>(
      store_, keys_, caller, now, request,
      [this, request, now](store::Tx& tx) {
        return ExportFrom(tx, request, now);
      },
      [request](const common::v1::ExportSubjectResponse& exported) {
        return ActionOn(
            kAuditExport, request.person().reference(), kReasonSubjectRights,
            absl::StrCat("{\"party\":\"",
                         common::v1::Party_Name(request.person().party()),
                         "\",\"records\":", exported.records_size(), "}"));
      },
      std::move(done));
}

void RightsCore::Rectify(const Caller& caller,
                         const common::v1::RectifyRequest& request,
                         Done<common::v1::RectifyResponse> done) {
  const absl::Time now = clock_.Now();
  // The value is checked alike in every service (intake's rules), before
  // any transaction, so that the four answers agree.
  if (CheckDataProtectionOfficer(caller).ok() && Validate(request).ok()) {
    if (absl::Status s =
            ValidateValue(request, absl::ToCivilDay(now, absl::UTCTimeZone()));
        !s.ok()) {
      done(s);
      return;
    }
  }
  Run<common::v1::RectifyResponse>(
      store_, keys_, caller, now, request,
      [this, caller, request,
       now](store::Tx& tx) -> absl::StatusOr<common::v1::RectifyResponse> {
        absl::StatusOr<int> copies = RectifyIn(tx, caller, request, now);
        if (!copies.ok()) return copies.status();
        absl::StatusOr<common::v1::RightsState> state =
            StateIn(tx, request.person().reference());
        if (!state.ok()) return state.status();
        common::v1::RectifyResponse response;
        response.set_service(service_);
        response.set_copies_corrected(*copies);
        *response.mutable_state() = *std::move(state);
        return response;
      },
      [request](const common::v1::RectifyResponse& rectified) {
        return ActionOn(
            kAuditRectify, request.person().reference(), request.reason(),
            absl::StrCat("{\"party\":\"",
                         common::v1::Party_Name(request.person().party()),
                         "\",\"field\":\"", request.field(),
                         "\",\"copies\":", rectified.copies_corrected(), "}"));
      },
      std::move(done));
}

void RightsCore::SetRestriction(
    const Caller& caller, const common::v1::SetRestrictionRequest& request,
    Done<common::v1::RightsState> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::RightsState>(
      store_, keys_, caller, now, request,
      [this, caller, request,
       now](store::Tx& tx) -> absl::StatusOr<common::v1::RightsState> {
        if (absl::Status s =
                SaveRestriction(tx, request.reference(), request.restricted(),
                                request.reason(), now);
            !s.ok()) {
          return s;
        }
        if (absl::Status s = RestrictionChanged(tx, caller, request.reference(),
                                                request.restricted(), now);
            !s.ok()) {
          return s;
        }
        return StateIn(tx, request.reference());
      },
      [request](const common::v1::RightsState&) {
        return ActionOn(
            request.restricted() ? kAuditRestrict : kAuditRestrictionLifted,
            request.reference(), request.reason());
      },
      [this, request,
       done = std::move(done)](absl::StatusOr<common::v1::RightsState> state) {
        if (state.ok()) {
          RestrictionCommitted(request.reference(), request.restricted());
        }
        done(std::move(state));
      });
}

void RightsCore::SetLegalHold(const Caller& caller,
                              const common::v1::SetLegalHoldRequest& request,
                              Done<common::v1::RightsState> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::RightsState>(
      store_, keys_, caller, now, request,
      [this, request,
       now](store::Tx& tx) -> absl::StatusOr<common::v1::RightsState> {
        if (absl::Status s = SaveHold(tx, request.reference(), request.held(),
                                      request.reason(), now);
            !s.ok()) {
          return s;
        }
        return StateIn(tx, request.reference());
      },
      [request](const common::v1::RightsState&) {
        return ActionOn(request.held() ? kAuditHold : kAuditHoldLifted,
                        request.reference(), request.reason());
      },
      std::move(done));
}

void RightsCore::Erase(const Caller& caller,
                       const common::v1::EraseRequest& request,
                       Done<common::v1::RightsState> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::RightsState>(
      store_, keys_, caller, now, request,
      [this, request,
       now](store::Tx& tx) -> absl::StatusOr<common::v1::RightsState> {
        absl::StatusOr<Rights> rights = LoadRights(tx, request.reference());
        if (!rights.ok()) return rights.status();
        if (rights->held) {
          return absl::FailedPreconditionError(
              absl::StrCat("referral ", request.reference(),
                           " is on legal hold: lift the hold before erasing"));
        }
        if (!rights->erased_at) {
          if (absl::Status s = EraseIn(tx, request.reference(), now); !s.ok()) {
            return s;
          }
          if (absl::Status s =
                  SaveErased(tx, request.reference(), request.reason(), now);
              !s.ok()) {
            return s;
          }
        }
        return StateIn(tx, request.reference());
      },
      [request](const common::v1::RightsState&) {
        return ActionOn(kAuditErase, request.reference(), request.reason());
      },
      std::move(done));
}

void RightsCore::GetRightsState(
    const Caller& caller, const common::v1::GetRightsStateRequest& request,
    Done<common::v1::RightsState> done) {
  const absl::Time now = clock_.Now();
  Run<common::v1::RightsState>(
      store_, keys_, caller, now, request,
      [this, request](store::Tx& tx) {
        return StateIn(tx, request.reference());
      },
      [request](const common::v1::RightsState&) {
        return ActionOn(kAuditStateRead, request.reference(),
                        kReasonSubjectRights);
      },
      std::move(done));
}

absl::Status RightsCore::RestrictionChanged(store::Tx&, const Caller&,
                                            const std::string&, bool,
                                            absl::Time) {
  return absl::OkStatus();
}

absl::Status RightsCore::EraseOnSchedule(store::Tx& tx,
                                         const std::string& reference,
                                         absl::Time now) {
  absl::StatusOr<Rights> rights = LoadRights(tx, reference);
  if (!rights.ok()) return rights.status();
  if (rights->held) {
    return absl::FailedPreconditionError(
        absl::StrCat("referral ", reference, " is on legal hold"));
  }
  if (rights->erased_at) return absl::OkStatus();
  if (absl::Status s = EraseIn(tx, reference, now); !s.ok()) return s;
  if (absl::Status s = SaveErased(tx, reference, kReasonRetentionSchedule, now);
      !s.ok()) {
    return s;
  }
  Caller schedule;
  schedule.agency_id = service_;
  schedule.actor = kRetentionScheduleActor;
  return audit::Record(
      tx, keys_, schedule, now,
      ActionOn(kAuditErase, reference, kReasonRetentionSchedule));
}

absl::Status RightsCore::Shred(store::Tx& tx, const std::string& reference,
                               const std::vector<rewrap::SealedColumn>& columns,
                               absl::Time now) {
  int64_t moved = 0;
  for (const rewrap::SealedColumn& column : columns) {
    if (column.reference_sql.empty()) continue;
    absl::StatusOr<int64_t> n =
        rewrap::MoveToDataKey(tx, keys_, column, reference, now);
    if (!n.ok()) return n.status();
    moved += *n;
  }
  absl::StatusOr<int64_t> dropped = outbox::DropEventsOf(tx, reference);
  if (!dropped.ok()) return dropped.status();
  absl::StatusOr<bool> destroyed = DestroyDataKey(tx, reference, now);
  if (!destroyed.ok()) return destroyed.status();
  Log(Level::kInfo, "rights.shredded",
      {{"service", service_},
       {"reference", reference},
       {"key_destroyed", *destroyed},
       {"moved_to_data_key", moved},
       {"outbox_events_dropped", *dropped}});
  return absl::OkStatus();
}

}  // namespace frontdoor::rights
