#include "allocation-svc/allocation_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/logging/logging.h"
#include "common/report/report_codes.h"
#include "frontdoor/allocation/v1/allocation.pb.h"

namespace frontdoor::allocation {
namespace {

using report::kCodeUnknown;
using report::kDimensionDistrict;
using report::kDimensionService;
using report::kDimensionSide;
using report::kDimensionSource;
using report::kDimensionTier;

// A stored code, or "unknown" for a row stored before it was recorded.
std::string CodeOr(const std::string& stored) {
  return stored.empty() ? kCodeUnknown : stored;
}

std::string ProgrammeCode(const std::string& programme_id) {
  return programme_id.empty() ? kNone : programme_id;
}

// Tiers 1 to 4 as "1" to "4"; "unknown" when none was recorded.
std::string TierCode(int64_t tier) {
  return tier <= 0 ? std::string(kCodeUnknown) : absl::StrCat(tier);
}

std::string FailureCode(int64_t failure) {
  if (failure == v1::FAILURE_REASON_UNSPECIFIED ||
      !v1::FailureReason_IsValid(static_cast<int>(failure))) {
    return kCodeUnknown;
  }
  return EnumLabel(
      v1::FailureReason_Name(static_cast<v1::FailureReason>(failure)),
      "FAILURE_REASON_");
}

// Places allocated in [start, end): by who and what, how long from
// referral, and who may pay.
absl::Status AddAllocated(store::Tx& tx, int64_t start_us, int64_t end_us,
                          report::ReportBuilder& out) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT district, programme_id, service, side, tier, received_at_us, "
      "allocated_at_us, funders FROM placements "
      "WHERE allocated_at_us >= $1 AND allocated_at_us < $2",
      {start_us, end_us});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    const std::string district = CodeOr(row.Text(0));
    const std::string programme = ProgrammeCode(row.Text(1));
    const std::string side = CodeOr(row.Text(3));
    out.Count(kMeasureAllocated, {{kDimensionDistrict, district},
                                  {kDimensionProgramme, programme},
                                  {kDimensionService, CodeOr(row.Text(2))},
                                  {kDimensionSide, side},
                                  {kDimensionTier, TierCode(row.Int(4))}});
    out.Duration(kMeasureReferralToAllocation,
                 {{kDimensionProgramme, programme}, {kDimensionSide, side}},
                 absl::Microseconds(row.Int(6) - row.Int(5)));
    std::vector<std::string> funders =
        absl::StrSplit(row.Text(7), ',', absl::SkipEmpty());
    if (funders.empty()) funders.push_back(kNone);
    const std::string shared_by = absl::StrCat(funders.size());
    for (const std::string& funder : funders) {
      out.Count(kMeasureFunding, {{kDimensionDistrict, district},
                                  {kDimensionFunder, funder},
                                  {kDimensionSharedBy, shared_by}});
    }
  }
  return absl::OkStatus();
}

// On a waiting list at `end_us`: joined it before, and had not left it by
// then (allocated, failed or released), either still waiting or known to
// have left it at or after `end_us`.
absl::Status AddWaitingAtEnd(store::Tx& tx, int64_t end_us,
                             report::ReportBuilder& out) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT district, programme_id, tier FROM placements "
      "WHERE waiting_since_us <> 0 AND waiting_since_us < $1 "
      "AND NOT (allocated_at_us <> 0 AND allocated_at_us < $1) "
      "AND NOT (failed_at_us <> 0 AND failed_at_us < $1) "
      "AND NOT (released_at_us <> 0 AND released_at_us < $1) "
      "AND (state = $2 OR allocated_at_us >= $1 OR failed_at_us >= $1 "
      "OR released_at_us >= $1)",
      {end_us, int64_t{v1::PLACEMENT_STATE_WAITING}});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    out.Count(kMeasureWaitingAtEnd,
              {{kDimensionDistrict, CodeOr(row.Text(0))},
               {kDimensionProgramme, ProgrammeCode(row.Text(1))},
               {kDimensionTier, TierCode(row.Int(2))}});
  }
  return absl::OkStatus();
}

absl::Status AddFailed(store::Tx& tx, int64_t start_us, int64_t end_us,
                       report::ReportBuilder& out) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT district, programme_id, failure FROM placements "
      "WHERE failed_at_us >= $1 AND failed_at_us < $2",
      {start_us, end_us});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    out.Count(kMeasureFailed, {{kDimensionDistrict, CodeOr(row.Text(0))},
                               {kDimensionProgramme, ProgrammeCode(row.Text(1))},
                               {kDimensionReason, FailureCode(row.Int(2))}});
  }
  return absl::OkStatus();
}

// Placements whose first contact fell due in [start, min(end, now)): made
// by the target, after it before the cut-off, or not made by the cut-off.
absl::Status AddFirstContact(store::Tx& tx, int64_t start_us, int64_t end_us,
                             int64_t now_us, report::ReportBuilder& out) {
  const int64_t cutoff_us = std::min(end_us, now_us);
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT source, tier, first_contact_due_us, first_contact_at_us "
      "FROM placements "
      "WHERE first_contact_due_us >= $1 AND first_contact_due_us < $2",
      {start_us, cutoff_us});
  if (!rows.ok()) return rows.status();
  for (const store::Row& row : *rows) {
    const int64_t due_us = row.Int(2);
    const int64_t made_us = row.Int(3);
    const char* outcome = kOutcomeNotMade;
    if (made_us != 0 && made_us <= due_us) {
      outcome = kOutcomeWithinTarget;
    } else if (made_us != 0 && made_us < cutoff_us) {
      outcome = kOutcomeLate;
    }
    out.Count(kMeasureFirstContact, {{kDimensionOutcome, outcome},
                                     {kDimensionSource, CodeOr(row.Text(0))},
                                     {kDimensionTier, TierCode(row.Int(1))}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AddAllocationFigures(store::Tx& tx, absl::Time start,
                                  absl::Time end, absl::Time now,
                                  report::ReportBuilder& out) {
  const int64_t start_us = absl::ToUnixMicros(start);
  const int64_t end_us = absl::ToUnixMicros(end);
  if (absl::Status s = AddAllocated(tx, start_us, end_us, out); !s.ok()) {
    return s;
  }
  if (absl::Status s = AddWaitingAtEnd(tx, end_us, out); !s.ok()) return s;
  if (absl::Status s = AddFailed(tx, start_us, end_us, out); !s.ok()) return s;
  return AddFirstContact(tx, start_us, end_us, absl::ToUnixMicros(now), out);
}

}  // namespace frontdoor::allocation
