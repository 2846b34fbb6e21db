#pragma once

// intake-svc's figures for reports (IntakeService.Report): what was
// received in a period, from where, by which channel, accepted or returned
// and why, and how many were repeats. Counts only, read from the columns
// of the referrals table: no sealed referral is opened for a report.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/report/report_builder.h"
#include "common/store/store.h"

namespace frontdoor::intake {

// Measures and their dimensions (IntakeService.Report in intake.proto).
// referrals_received: channel, district, service, source.
inline constexpr char kMeasureReceived[] = "referrals_received";
// referrals_accepted: district, service.
inline constexpr char kMeasureAccepted[] = "referrals_accepted";
// referrals_returned: district, reason (the return reason's code, lower
// case; one count per reason, so a referral returned for two reasons
// counts under each).
inline constexpr char kMeasureReturned[] = "referrals_returned";
// repeat_referrals: district, service: people referred again within the
// repeat window (kRepeatWindowMonths).
inline constexpr char kMeasureRepeats[] = "repeat_referrals";

// referrals_rejected: channel, reason, source: submissions refused as not
// valid, by the first field at fault (RejectionReason).
inline constexpr char kMeasureRejected[] = "referrals_rejected";

// The reason a rejected submission is counted under: the first field its
// INVALID_ARGUMENT names, with list positions removed
// ("children[1].date_of_birth" is "children.date_of_birth"), or "request"
// when it names none.
std::string RejectionReason(const absl::Status& invalid);

// Records one rejected submission for reports.
absl::Status RecordRejection(store::Tx& tx, absl::Time at,
                             const std::string& source, int64_t channel,
                             const std::string& reason);

// Adds the figures of referrals received, and submissions rejected, in
// [start, end) to `out`.
absl::Status AddIntakeFigures(store::Tx& tx, absl::Time start, absl::Time end,
                              report::ReportBuilder& out);

}  // namespace frontdoor::intake
