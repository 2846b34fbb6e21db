#pragma once

// One run of a service's Report method (frontdoor/common/v1/report.proto):
// who may ask, the period asked for, the figures added in one transaction
// with the audit row that records the run, and the answer. Each service
// supplies only how it adds its own figures.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/report/period.h"
#include "common/report/report_builder.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/common/v1/report.pb.h"

namespace frontdoor::report {

// The audit row of a run: action, and its reason code. Its details name
// the period and how many figures were answered; never a figure.
inline constexpr char kActionReportRun[] = "report.run";
inline constexpr char kReasonReportView[] = "report_view";
// Lawful basis recorded for a run: figures for the service's funders and
// scrutiny, with no personal data in them.
inline constexpr char kLawfulBasisReport[] =
    "UK GDPR art. 6(1)(e): monitoring the service's performance for its "
    "commissioners (aggregate figures, no personal data)";
// The suite's days are Europe/London's.
inline constexpr char kReportTimeZoneName[] = "Europe/London";

// Europe/London, or UTC where the time zone database is missing.
absl::TimeZone ReportTimeZone();

// The period `request` asks for, or INVALID_ARGUMENT naming "first_day"
// or "last_day".
absl::StatusOr<Period> PeriodOf(const common::v1::ReportRequest& request);

// The request for `period`: what callers of a Report method send.
common::v1::ReportRequest ReportRequestFor(const Period& period);

// OK for ROLE_REPORT_VIEWER, PERMISSION_DENIED otherwise.
absl::Status CheckReportViewer(const Caller& caller);

using ReportDone =
    std::function<void(absl::StatusOr<common::v1::ReportResponse>)>;
// Adds the service's figures for the instants [start, end) to `out`.
using AddFigures = std::function<absl::Status(
    store::Tx& tx, absl::Time start, absl::Time end, ReportBuilder& out)>;

// Checks the caller and the request, then, in one write transaction, adds
// the figures and records the run (kActionReportRun, as `caller`, at
// `now`, under kLawfulBasisReport); answers them with `service`'s name,
// the period and `now`.
void RunReport(store::Store& store, const crypto::KeyRing& keys,
               const Caller& caller, absl::Time now, std::string service,
               const common::v1::ReportRequest& request, AddFigures add,
               ReportDone done);

}  // namespace frontdoor::report
