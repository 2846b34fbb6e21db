#pragma once

// The commissioners' reports in the console (ConsoleSection):
// /console/reports shows a period's figures for a service, with charts, and
// /console/reports/download gives the same figures as CSV, XLSX or JSON.
// Permission kViewReports (commissioners and operators, web-svc/roles.h);
// each service bounds it again (ROLE_REPORT_VIEWER) and audits each run.
// The figures come from each service's Report method; web-svc combines
// them and suppresses small numbers (common/report) before anything is
// shown.

#include <string_view>
#include <vector>

#include "common/clock/clock.h"
#include "common/report/report_document.h"
#include "web-svc/console.h"
#include "web-svc/console_report_pages.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

class ReportsSection final : public ConsoleSection {
 public:
  // `calls` and `clock` must outlive the section; `labels` name the
  // districts, programmes and funders (empty: codes are shown).
  ReportsSection(const StaffCalls& calls, const Clock& clock,
                 report::Labels labels)
      : calls_(calls), clock_(clock), labels_(std::move(labels)) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  // The three services' answers for `period`.
  absl::StatusOr<std::vector<common::v1::ReportResponse>> Figures(
      const Staff& staff, const report::Period& period) const;

  const StaffCalls& calls_;
  const Clock& clock_;
  const report::Labels labels_;
};

}  // namespace frontdoor::web
