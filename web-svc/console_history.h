#pragma once

// A referral's history in the console: /console/referrals/REF/history, for
// the roles that may read a referral (Permission::kViewReferral). intake-svc,
// triage-svc and allocation-svc each answer ListHistory from their own audit
// trail (codes and ids, no personal data); the page shows the entries of
// all three in one table, oldest first, and names a service that could not
// answer while still showing the others.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "frontdoor/common/v1/history.pb.h"
#include "web-svc/console.h"
#include "web-svc/console_pages.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

// The reference in `path` when it is a history page's
// (/console/referrals/<well-formed reference>/history).
std::optional<std::string> HistoryReferenceOf(std::string_view path);

// What an audit action code means, in plain words ("Referral received"),
// or nullopt for a code this table does not know (the page shows the code).
std::optional<std::string_view> DescribeHistoryAction(std::string_view action);
// What a reason code adds, in plain words ("practitioner's assessment"):
// empty for a known code that adds nothing to its action's words, nullopt
// for a code this table does not know (the page shows the code).
std::optional<std::string_view> DescribeHistoryReason(std::string_view reason);

// One service's answer.
struct HistoryPart {
  // As the page names the service: "Intake", "Triage", "Allocation".
  std::string service;
  absl::StatusOr<common::v1::ListHistoryResponse> answer;
};

// The history page (pure): the entries of every part that answered,
// ordered by time (then by part, then by position in its trail), with the
// parts that did not answer named above the table. Times are shown in
// `zone`.
std::string RenderHistoryPage(const SignedInBar& bar,
                              const std::string& reference,
                              const std::vector<HistoryPart>& parts,
                              absl::TimeZone zone);

// The time zone the page shows times in: Europe/London, or UTC where the
// zone's rules are not installed.
absl::TimeZone HistoryTimeZone();

class HistorySection final : public ConsoleSection {
 public:
  // `calls` must outlive the section.
  explicit HistorySection(const StaffCalls& calls) : calls_(calls) {}

  bool Owns(std::string_view path) const override;
  ConsoleResponse Handle(const StaffRequest& r) override;

 private:
  const StaffCalls& calls_;
};

}  // namespace frontdoor::web
