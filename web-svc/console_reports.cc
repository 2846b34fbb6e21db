#include "web-svc/console_reports.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/report/report_files.h"
#include "common/report/report_run.h"

namespace frontdoor::web {
namespace {

constexpr char kPageRoute[] = "console_reports";
constexpr char kDownloadRoute[] = "console_report_download";
constexpr char kFormatParameter[] = "format";

ConsoleResponse CallFailed(const StaffRequest& r, const absl::Status& status,
                           const char* route) {
  if (absl::IsPermissionDenied(status)) return ForbiddenResponse(r, route);
  return ServiceProblemResponse(status, route);
}

}  // namespace

bool ReportsSection::Owns(std::string_view path) const {
  return path == kReportPagePath || path == kReportDownloadPath;
}

absl::StatusOr<std::vector<common::v1::ReportResponse>> ReportsSection::Figures(
    const Staff& staff, const report::Period& period) const {
  const common::v1::ReportRequest request = report::ReportRequestFor(period);
  std::vector<common::v1::ReportResponse> answers;
  absl::StatusOr<common::v1::ReportResponse> intake =
      calls_.Intake(&StaffCalls::IntakeStub::Report, staff, request);
  if (!intake.ok()) return intake.status();
  answers.push_back(*std::move(intake));
  absl::StatusOr<common::v1::ReportResponse> triage =
      calls_.Triage(&StaffCalls::TriageStub::Report, staff, request);
  if (!triage.ok()) return triage.status();
  answers.push_back(*std::move(triage));
  absl::StatusOr<common::v1::ReportResponse> allocation =
      calls_.Allocation(&StaffCalls::AllocationStub::Report, staff, request);
  if (!allocation.ok()) return allocation.status();
  answers.push_back(*std::move(allocation));
  return answers;
}

ConsoleResponse ReportsSection::Handle(const StaffRequest& r) {
  const bool download = r.req.path == kReportDownloadPath;
  const char* route = download ? kDownloadRoute : kPageRoute;
  if (!May(r.role, Permission::kViewReports)) return ForbiddenResponse(r, route);
  if (r.req.post) return MethodNotAllowedResponse("GET", route);
  const absl::CivilDay today =
      absl::ToCivilDay(clock_.Now(), report::ReportTimeZone());
  const ReportQuery q = ReadReportQuery(r.req.query, today);
  std::string format;
  if (download) {
    auto it = r.req.query.find(kFormatParameter);
    format = it == r.req.query.end() ? "" : it->second;
    if (format != report::kFormatCsv && format != report::kFormatXlsx &&
        format != report::kFormatJson) {
      return PageResponse(
          400,
          RenderConsoleMessage("Sorry, that download does not exist",
                               {"Go back to the report and choose CSV, "
                                "spreadsheet or JSON."}),
          route);
    }
  }
  if (!q.errors.empty()) {
    if (download) {
      return PageResponse(
          400,
          RenderConsoleMessage("Sorry, that report cannot be downloaded",
                               {"Go back to the report and choose its "
                                "period and service again."}),
          route);
    }
    // The form's errors, as every console form answers them.
    return PageResponse(422, RenderReportPage(r.bar, q, today, nullptr), route);
  }
  const Staff staff{r.account_id, r.role};
  absl::StatusOr<std::vector<common::v1::ReportResponse>> answers =
      Figures(staff, q.period);
  if (!answers.ok()) return CallFailed(r, answers.status(), route);
  absl::StatusOr<report::Document> document =
      report::BuildDocument(*answers, q.period, *q.filter, labels_);
  if (!document.ok()) return ServiceProblemResponse(document.status(), route);

  if (download) {
    absl::StatusOr<std::string> file = report::ReportFile(*document, format);
    if (!file.ok()) return ServiceProblemResponse(file.status(), route);
    ConsoleResponse out = PageResponse(200, *std::move(file), route);
    out.content_type = std::string(report::ReportMediaType(format));
    out.headers.push_back(
        {"Content-Disposition",
         absl::StrCat("attachment; filename=\"",
                      report::ReportFileName(*document, format), "\"")});
    return out;
  }
  // The trend: intake's referrals in each of the last four quarters (this
  // period's own answer when it is the last of them).
  std::vector<std::pair<std::string, common::v1::ReportResponse>> quarters;
  for (const report::Period& quarter : report::TrendQuarters(q.period)) {
    if (quarter == q.period) {
      quarters.push_back({report::PeriodName(quarter), (*answers)[0]});
      continue;
    }
    absl::StatusOr<common::v1::ReportResponse> intake = calls_.Intake(
        &StaffCalls::IntakeStub::Report, staff, report::ReportRequestFor(quarter));
    if (!intake.ok()) return CallFailed(r, intake.status(), route);
    quarters.push_back({report::PeriodName(quarter), *std::move(intake)});
  }
  report::AddTrend(*document, quarters);
  return PageResponse(200, RenderReportPage(r.bar, q, today, &*document),
                      route);
}

}  // namespace frontdoor::web
