#include "web-svc/console_keying.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging/logging.h"
#include "common/reference/reference.h"
#include "web-svc/console_keying_pages.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {
namespace {

constexpr char kService[] = "web-svc";
constexpr char kStartPath[] = "/console/new-referral";
constexpr char kDetailsPath[] = "/console/new-referral/details";
constexpr char kReceivedPrefix[] = "/console/new-referral/received/";
// Metrics' route labels.
constexpr char kStartRoute[] = "console_new_referral";
constexpr char kDetailsRoute[] = "console_new_referral_details";
constexpr char kReceivedRoute[] = "console_new_referral_received";

// The form's values as posted, without the tokens.
FormValues ValuesOf(const ConsoleRequest& req) {
  FormValues values = req.form;
  values.erase(kCsrfField);
  values.erase(kFormTokenField);
  values.erase(kAddChildButton);
  return values;
}

}  // namespace

bool KeyingSection::Owns(std::string_view path) const {
  const absl::string_view p(path.data(), path.size());
  return p == kStartPath || p == kDetailsPath ||
         absl::StartsWith(p, kReceivedPrefix);
}

ConsoleResponse KeyingSection::Handle(const StaffRequest& r) {
  const std::string& path = r.req.path;
  const bool received = absl::StartsWith(path, kReceivedPrefix);
  const char* route = received               ? kReceivedRoute
                      : path == kDetailsPath ? kDetailsRoute
                                             : kStartRoute;
  if (!May(r.role, Permission::kKeyReferral)) {
    return ForbiddenResponse(r, route);
  }
  if (received) {
    if (r.req.post) return MethodNotAllowedResponse("GET", route);
    return Received(r, path.substr(sizeof(kReceivedPrefix) - 1));
  }
  if (path == kDetailsPath) {
    // The form is only ever shown in answer to the first step's post.
    if (!r.req.post) return RedirectResponse(kStartPath, route);
    return Send(r);
  }
  return Start(r);
}

ConsoleResponse KeyingSection::Start(const StaffRequest& r) {
  FormView view;
  view.csrf_token = r.bar.csrf_token;
  if (!r.req.post) {
    return PageResponse(200, RenderKeyingStartPage(r.bar, view), kStartRoute);
  }
  view.values = ValuesOf(r.req);
  std::optional<KeyingChoices> choices =
      ReadKeyingChoices(view.values, view.errors);
  if (!choices.has_value() || !view.errors.empty()) {
    return PageResponse(422, RenderKeyingStartPage(r.bar, view), kStartRoute);
  }
  // The form, with a new token: its idempotency key.
  view.form_token = NewToken();
  return PageResponse(200, RenderKeyingFormPage(r.bar, *choices, view),
                      kStartRoute);
}

ConsoleResponse KeyingSection::Send(const StaffRequest& r) {
  FormView view;
  view.csrf_token = r.bar.csrf_token;
  view.values = ValuesOf(r.req);
  auto token = r.req.form.find(kFormTokenField);
  view.form_token = token == r.req.form.end() ? "" : token->second;
  std::vector<FormError> choice_errors;
  std::optional<KeyingChoices> choices =
      ReadKeyingChoices(view.values, choice_errors);
  if (!choices.has_value()) {
    // Only a page that was altered lands here: ask the first step again.
    view.errors = std::move(choice_errors);
    return PageResponse(422, RenderKeyingStartPage(r.bar, view), kDetailsRoute);
  }
  if (!IsWellFormedToken(view.form_token)) {
    return PageResponse(
        400,
        RenderConsoleMessage("Sorry, there is a problem with the service",
                             {"Start again from the first question."}),
        kDetailsRoute);
  }
  // "Add another child": the same form back with one more block.
  if (r.req.form.count(kAddChildButton) > 0) {
    view.child_blocks = ChildBlocksToShow(view.values, /*add_one=*/true);
    return PageResponse(200, RenderKeyingFormPage(r.bar, *choices, view),
                        kDetailsRoute);
  }
  view.child_blocks = ChildBlocksToShow(view.values, /*add_one=*/false);
  BuiltReferral built = BuildKeyedReferral(*choices, view.values);
  view.errors = std::move(choice_errors);
  view.errors.insert(view.errors.end(), built.errors.begin(),
                     built.errors.end());
  if (!view.errors.empty()) {
    return PageResponse(422, RenderKeyingFormPage(r.bar, *choices, view),
                        kDetailsRoute);
  }

  intake::v1::SubmitReferralRequest request;
  request.set_idempotency_key(
      absl::StrCat(kKeyedIdempotencyPrefix, view.form_token));
  *request.mutable_referral() = built.referral;
  absl::StatusOr<intake::v1::SubmitReferralResponse> sent =
      calls_.Intake(&StaffCalls::IntakeStub::SubmitReferral,
                    Staff{r.account_id, r.role}, request);
  if (sent.ok()) {
    const intake::v1::Receipt& receipt = sent->receipt();
    const bool accepted =
        receipt.status() == intake::v1::REFERRAL_STATUS_ACCEPTED;
    Log(Level::kInfo, "web.referral_keyed",
        {{"service", kService},
         {"account", r.account_id},
         {"reference", receipt.reference()},
         {"channel", common::v1::Channel_Name(choices->channel)},
         {"outcome", accepted ? "accepted" : "returned"}});
    if (accepted) {
      return RedirectResponse(
          absl::StrCat(kReceivedPrefix, receipt.reference()), kDetailsRoute);
    }
    std::vector<std::string> reasons;
    for (const auto& reason : receipt.return_reasons()) {
      reasons.push_back(reason.message());
    }
    return PageResponse(
        200, RenderKeyingReturnedPage(r.bar, receipt.reference(), reasons),
        kDetailsRoute);
  }
  const absl::Status& status = sent.status();
  if (status.code() == absl::StatusCode::kInvalidArgument) {
    std::vector<std::string> unmapped;
    view.errors = MapKeyedViolations(*choices, built,
                                     GetFieldViolations(status), &unmapped);
    if (unmapped.empty() && !view.errors.empty()) {
      return PageResponse(422, RenderKeyingFormPage(r.bar, *choices, view),
                          kDetailsRoute);
    }
    for (const std::string& path : unmapped) {
      // A path, never a value: no personal data.
      Log(Level::kError, "web.unmapped_violation",
          {{"service", kService}, {"route", kDetailsRoute}, {"field", path}});
    }
  }
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return PageResponse(409, RenderKeyingAlreadySentPage(r.bar), kDetailsRoute);
  }
  return ServiceProblemResponse(status, kDetailsRoute);
}

ConsoleResponse KeyingSection::Received(const StaffRequest& r,
                                        const std::string& reference) {
  // The page shows the reference its path names and nothing else: a
  // reference is an id, not personal data, and nothing is looked up.
  if (!IsWellFormedReference(reference))
    return NotFoundResponse(kReceivedRoute);
  return PageResponse(200, RenderKeyingReceivedPage(r.bar, reference),
                      kReceivedRoute);
}

}  // namespace frontdoor::web
