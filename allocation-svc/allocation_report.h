#pragma once

// allocation-svc's figures for reports (AllocationService.Report): places
// allocated in a period, who was still waiting at its end, failures by
// reason, the time from referral to allocation, first contact against its
// target, and the funders who may pay for each place. Counts and durations
// only, read from the columns of the placements table: no sealed decision
// or reason is opened for a report.
//
// The figures come from each placement's latest times: a placement
// allocated twice (a place withdrawn and given again) counts once, at its
// latest allocation.

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/report/report_builder.h"
#include "common/store/store.h"

namespace frontdoor::allocation {

// Measures and their dimensions (AllocationService.Report in
// allocation.proto).
// placements_allocated: district, programme, service, side, tier.
inline constexpr char kMeasureAllocated[] = "placements_allocated";
// waiting_at_end: district, programme, tier: on a waiting list at the end
// of the period.
inline constexpr char kMeasureWaitingAtEnd[] = "waiting_at_end";
// placements_failed: district, programme, reason (the failure reason:
// no_contact, declined, not_eligible, no_capacity).
inline constexpr char kMeasureFailed[] = "placements_failed";
// A duration: referral_to_allocation: programme, side; from intake's
// receipt to allocation, for places allocated in the period.
inline constexpr char kMeasureReferralToAllocation[] =
    "referral_to_allocation";
// first_contact: outcome, source, tier; placements whose first-contact
// target fell due in the period.
inline constexpr char kMeasureFirstContact[] = "first_contact";
// funding: district, funder, shared_by; each place allocated in the period
// once for every funder whose money may pay for it.
inline constexpr char kMeasureFunding[] = "funding";

// Dimension names of allocation's own (report_codes.h has the shared ones).
inline constexpr char kDimensionProgramme[] = "programme";
inline constexpr char kDimensionReason[] = "reason";
inline constexpr char kDimensionOutcome[] = "outcome";
inline constexpr char kDimensionFunder[] = "funder";
inline constexpr char kDimensionSharedBy[] = "shared_by";

// first_contact outcomes: made by the target time; made after it (before
// the end of the period); not made by the end of the period (or by now,
// when that is earlier).
inline constexpr char kOutcomeWithinTarget[] = "within_target";
inline constexpr char kOutcomeLate[] = "late";
inline constexpr char kOutcomeNotMade[] = "not_made";
// The programme of a placement no programme was eligible for, and the
// funder of a place no configured funder may pay for.
inline constexpr char kNone[] = "none";

// Adds the figures of the instants [start, end) to `out`, as known at
// `now` (first contacts due after `now` have not fallen due yet).
absl::Status AddAllocationFigures(store::Tx& tx, absl::Time start,
                                  absl::Time end, absl::Time now,
                                  report::ReportBuilder& out);

}  // namespace frontdoor::allocation
