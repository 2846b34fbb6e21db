#include "web-svc/console_leader.h"

#include <optional>
#include <string>
#include <vector>

#include "common/logging/logging.h"
#include "common/reference/reference.h"

namespace frontdoor::web {
namespace {

constexpr char kService[] = "web-svc";
constexpr char kOverrideRoute[] = "console_override";
constexpr char kReleaseRoute[] = "console_release";
constexpr char kReleasedRoute[] = "console_released";

// The answer to a call that failed for a reason the form cannot show.
ConsoleResponse CallFailed(const StaffRequest& r, const absl::Status& status,
                           const char* route) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return NotFoundResponse(route);
    case absl::StatusCode::kPermissionDenied:
      return ForbiddenResponse(r, route);
    default:
      return ServiceProblemResponse(status, route);
  }
}

// Field violations that name none of the form's fields are logged by path
// (never value) and answered as a problem with the service.
std::optional<std::vector<ConsoleError>> FormErrors(const absl::Status& status,
                                                    const char* route) {
  std::vector<std::string> unmapped;
  std::vector<ConsoleError> errors =
      MapLeaderViolations(GetFieldViolations(status), &unmapped);
  for (const std::string& field : unmapped) {
    Log(Level::kError, "web.unmapped_violation",
        {{"service", kService}, {"route", route}, {"field", field}});
  }
  if (!unmapped.empty() || errors.empty()) return std::nullopt;
  return errors;
}

}  // namespace

bool LeaderSection::Owns(std::string_view path) const {
  return ParseLeaderPath(path).has_value();
}

ConsoleResponse LeaderSection::Handle(const StaffRequest& r) {
  const std::optional<LeaderPath> at = ParseLeaderPath(r.req.path);
  if (!at.has_value()) return NotFoundResponse("console_not_found");
  switch (at->page) {
    case LeaderPage::kOverride:
      return Override(r, at->reference);
    case LeaderPage::kRelease:
      return Release(r, at->reference);
    case LeaderPage::kReleased:
      return Released(r, at->reference);
  }
  return NotFoundResponse("console_not_found");
}

ConsoleResponse LeaderSection::Override(const StaffRequest& r,
                                        const std::string& reference) {
  if (!May(r.role, Permission::kOverrideDecision)) {
    return ForbiddenResponse(r, kOverrideRoute);
  }
  // Before anything is shown or sent: the password and code again when
  // they were given too long ago (what a post carried is not kept).
  if (r.reauthentication_due) return ConfirmIdentityResponse(r, kOverrideRoute);
  const Staff staff{r.account_id, r.role};
  // The decision as it stands, with the form.
  auto form_page = [&](int status,
                       const std::map<std::string, std::string>& values,
                       const std::vector<ConsoleError>& errors) {
    triage::v1::GetDecisionRequest get;
    get.set_reference(reference);
    absl::StatusOr<triage::v1::Decision> current =
        calls_.Triage(&StaffCalls::TriageStub::GetDecision, staff, get);
    if (!current.ok()) return CallFailed(r, current.status(), kOverrideRoute);
    return PageResponse(
        status, RenderOverridePage(r.bar, reference, *current, values, errors),
        kOverrideRoute);
  };
  if (!r.req.post) return form_page(200, {}, {});

  const OverrideInput in = ReadOverrideForm(r.req.form);
  if (!in.errors.empty()) return form_page(422, in.values, in.errors);
  triage::v1::OverrideDecisionRequest request;
  request.set_reference(reference);
  *request.mutable_tier_override() = in.tier_override;
  absl::StatusOr<triage::v1::Decision> decided =
      calls_.Triage(&StaffCalls::TriageStub::OverrideDecision, staff, request);
  if (decided.ok()) {
    Log(Level::kInfo, "web.decision_overridden",
        {{"service", kService},
         {"account", r.account_id},
         {"reference", reference},
         {"tier", decided->tier()}});
    return RedirectResponse(DecisionAfterOverridePath(reference),
                            kOverrideRoute);
  }
  const absl::Status& status = decided.status();
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    if (auto errors = FormErrors(status, kOverrideRoute)) {
      return form_page(422, in.values, *errors);
    }
  }
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    return form_page(
        422, in.values,
        {{"tier",
          "The tier cannot be changed here, because the assessment this "
          "decision was made on was not kept. Complete the assessment "
          "again and choose the tier there"}});
  }
  return CallFailed(r, status, kOverrideRoute);
}

ConsoleResponse LeaderSection::Release(const StaffRequest& r,
                                       const std::string& reference) {
  if (!May(r.role, Permission::kReleasePlace)) {
    return ForbiddenResponse(r, kReleaseRoute);
  }
  if (r.reauthentication_due) return ConfirmIdentityResponse(r, kReleaseRoute);
  const Staff staff{r.account_id, r.role};
  auto form_page = [&](int status,
                       const std::map<std::string, std::string>& values,
                       const std::vector<ConsoleError>& errors) {
    allocation::v1::GetPlacementRequest get;
    get.set_reference(reference);
    absl::StatusOr<allocation::v1::Placement> placement =
        calls_.Allocation(&StaffCalls::AllocationStub::GetPlacement, staff,
                          get);
    if (!placement.ok()) {
      return CallFailed(r, placement.status(), kReleaseRoute);
    }
    return PageResponse(status,
                        RenderReleasePage(r.bar, reference, *placement, values,
                                          errors),
                        kReleaseRoute);
  };
  if (!r.req.post) return form_page(200, {}, {});

  const ReleaseInput in = ReadReleaseForm(r.req.form);
  if (!in.errors.empty()) return form_page(422, in.values, in.errors);
  allocation::v1::ReleasePlaceRequest request;
  request.set_reference(reference);
  request.set_reason(in.reason);
  absl::StatusOr<allocation::v1::ReleasePlaceResponse> released =
      calls_.Allocation(&StaffCalls::AllocationStub::ReleasePlace, staff,
                        request);
  if (released.ok()) {
    const std::string& next = released->allocated().reference();
    Log(Level::kInfo, "web.place_released",
        {{"service", kService},
         {"account", r.account_id},
         {"reference", reference},
         {"allocated", next}});
    return RedirectResponse(ReleasedPath(reference, next), kReleaseRoute);
  }
  const absl::Status& status = released.status();
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    if (auto errors = FormErrors(status, kReleaseRoute)) {
      return form_page(422, in.values, *errors);
    }
  }
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    // Released or failed since the page was shown: it says so now.
    return form_page(422, in.values,
                     {{"not-allocated", "This referral no longer holds a place"}});
  }
  return CallFailed(r, status, kReleaseRoute);
}

ConsoleResponse LeaderSection::Released(const StaffRequest& r,
                                        const std::string& reference) {
  if (!May(r.role, Permission::kReleasePlace)) {
    return ForbiddenResponse(r, kReleasedRoute);
  }
  if (r.req.post) return MethodNotAllowedResponse("GET", kReleasedRoute);
  auto it = r.req.query.find("allocated");
  const std::string allocated =
      it != r.req.query.end() && IsWellFormedReference(it->second) ? it->second
                                                                   : "";
  return PageResponse(200, RenderReleasedPage(r.bar, reference, allocated),
                      kReleasedRoute);
}

}  // namespace frontdoor::web
