#pragma once

// web-svc's pages, rendered from Mustache templates (kainjow::mustache,
// which HTML-escapes every {{value}}; only whole fragments that the same
// templates rendered are placed unescaped). Pure: no HTTP.

#include <string>
#include <vector>

#include "web-svc/self_referral.h"

namespace frontdoor::web {

// Settings every page needs.
struct PageContext {
  // Where the quick exit leaves to.
  std::string quick_exit_url;
  // The start page links to the professionals' forms (offered when
  // WebConfig.professional_email_domains is not empty).
  bool professional_forms = false;
};

// What the self-referral form shows: the values as posted (empty on first
// view), errors from web-svc or intake, and the hidden tokens.
struct SelfReferralView {
  FormValues values;
  std::vector<FormError> errors;
  std::string csrf_token;
  std::string form_token;
  // Child blocks shown (ChildBlocksToShow), 1 to kMaxFormChildren.
  int child_blocks = 1;
};
// Every form's view has the same shape.
using FormView = SelfReferralView;

std::string RenderStartPage(const PageContext& ctx);
std::string RenderSelfReferralPage(const PageContext& ctx,
                                   const SelfReferralView& view);
// The receipt: the reference and what happens next.
std::string RenderReceiptPage(const PageContext& ctx,
                              const std::string& reference);
// 429: too many forms sent from this address; try again after a while.
std::string RenderTooManyRequestsPage(const PageContext& ctx);
// "Sorry, there is a problem with the service" (5xx, and a form that is
// refused for a reason that is not the person's to fix).
std::string RenderProblemPage(const PageContext& ctx);
// 404.
std::string RenderNotFoundPage(const PageContext& ctx);
// 403 for a form sent without a valid CSRF token (an old or copied page).
std::string RenderFormExpiredPage(const PageContext& ctx);
// The form was already sent (the same form token with other answers).
std::string RenderAlreadySentPage(const PageContext& ctx);

}  // namespace frontdoor::web
