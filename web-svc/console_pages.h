#pragma once

// The console's pages for staff (sign-in, enrolment, the signed-in home),
// rendered from Mustache templates that escape every {{value}}. Pure: no
// HTTP. Plain GOV.UK patterns that work without JavaScript.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"

namespace frontdoor::web {

// The English name of `month` (1 to 12; "" otherwise), as GOV.UK
// writes dates.
const char* MonthName(int month);
// A day as GOV.UK writes it: "1 October 2026".
std::string DayText(absl::CivilDay day);

// The service name in the header and every title.
inline constexpr char kConsoleName[] = "Frontdoor console";

struct ConsoleError {
  std::string field;  // the input's id, for the summary's link
  std::string message;
};

// Who is signed in, shown on every signed-in page with a sign-out button.
struct SignedInBar {
  std::string display_name;
  std::string role_title;
  std::string csrf_token;
};

struct ConsoleLink {
  std::string text;
  std::string href;  // "" for no link (a page still to come)
};

std::string RenderSignInPage(const std::string& csrf_token,
                             const std::string& username,
                             const std::vector<ConsoleError>& errors,
                             const std::string& notice);
std::string RenderCodePage(const std::string& csrf_token,
                           const std::vector<ConsoleError>& errors);
std::string RenderEnrolPage(const std::string& csrf_token,
                            const std::string& username,
                            const std::vector<ConsoleError>& errors);
// `qr_svg` is an inline SVG made by QrSvg (placed unescaped); `secret` the
// base32 secret for typing in.
std::string RenderAuthenticatorPage(const std::string& csrf_token,
                                    const std::string& qr_svg,
                                    const std::string& secret,
                                    const std::vector<ConsoleError>& errors);
// The signed-in home: the person's role and what they may do.
std::string RenderConsoleHome(const SignedInBar& bar,
                              const std::vector<ConsoleLink>& may);
// 403: signed in, but the role may not see this page.
std::string RenderConsoleForbidden(const SignedInBar& bar);
// After sign-out (`everywhere`: every session ended).
std::string RenderSignedOutPage(bool everywhere);
// A signed-in page of a console section: the layout around `body` (HTML
// the section rendered, escaping every value), titled `heading` ("Error: "
// first when `error`), with the signed-in bar.
std::string RenderConsolePage(const SignedInBar& bar,
                              const std::string& heading,
                              const std::string& body, bool error);
// The GOV.UK error summary of `errors` (empty without errors), each linking
// to its field's id.
std::string RenderConsoleErrorSummary(const std::vector<ConsoleError>& errors);
// Re-authentication: the password and authenticator code again, posted
// to /console/confirm-identity with `return_to` (a SafeReturnPath) in a
// hidden field. Says that what was typed on the page before is not kept.
std::string RenderConfirmIdentityPage(const SignedInBar& bar,
                                      const std::string& return_to,
                                      const std::vector<ConsoleError>& errors);
// A message page: 403 expired form, 429, 404, 5xx; its link goes to the
// console's home (sign-in for a person signed out).
std::string RenderConsoleMessage(const std::string& heading,
                                 const std::vector<std::string>& paragraphs);

}  // namespace frontdoor::web
