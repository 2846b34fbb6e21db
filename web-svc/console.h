#pragma once

// The practitioners' console: sign-in (password, then an authenticator
// code), enrolment with an operator's one-time code, sessions, sign-out
// (here or everywhere) and the signed-in pages' role checks. HTTP-shaped
// but library-free: web_server.cc hands each /console request over as a
// ConsoleRequest and sends the ConsoleResponse.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock/clock.h"
#include "web-svc/accounts.h"
#include "web-svc/console_pages.h"
#include "web-svc/credentials.h"
#include "web-svc/roles.h"
#include "web-svc/sessions.h"
#include "web-svc/web_security.h"

namespace frontdoor::web {

// The session cookie: a random value (kSessionCookieBytes of randomness)
// kept server-side only as its SHA-256. "__Host-": Secure, Path=/, no
// Domain. A session cookie (no expiry): the server ends sessions.
inline constexpr char kSessionCookie[] = "__Host-frontdoor-session";
// The issuer an authenticator app shows beside the account.
inline constexpr char kTotpIssuer[] = "Frontdoor";

struct ConsoleRequest {
  bool post = false;
  // The path without the query, "/console/sign-in".
  std::string path;
  std::string cookie_header;
  // A post's form fields (first value of each).
  std::map<std::string, std::string> form;
  // The client's address, for the per-address limit on sign-in posts.
  std::string client;
};

struct ConsoleResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The metrics label of the page ("console_sign_in", ...).
  std::string route;
};

// Whether `path` is the console's.
bool IsConsolePath(std::string_view path);

// Where each permission's page is ("" while it is still to come).
std::string PermissionPage(Permission p);

// Told the outcome code of each sign-in step that ends: "signed_in", or a
// refusal's code (the audit's sign_in_failed outcomes), and "locked_out"
// when a failure locks an account. For metrics: codes only.
using SignInOutcomeSink = std::function<void(const std::string& outcome)>;

class Console {
 public:
  // `limiter` is shared with the forms: sign-in, code and enrolment posts
  // each take a token for the client's address.
  Console(AccountStore& accounts, const CsrfTokens& csrf,
          ClientRateLimiter& limiter, const Clock& clock, SignInPolicy policy,
          SignInOutcomeSink outcomes = nullptr)
      : accounts_(accounts),
        csrf_(csrf),
        limiter_(limiter),
        clock_(clock),
        policy_(policy),
        outcomes_(std::move(outcomes)) {
    // Made now, not on the first unknown name (whose answer would then
    // take longer than a wrong password's).
    (void)DecoyPasswordHash();
  }

  ConsoleResponse Handle(const ConsoleRequest& req);

 private:
  struct Context;
  ConsoleResponse SignInForm(Context& c);
  ConsoleResponse SignInPost(Context& c);
  ConsoleResponse CodeForm(Context& c);
  ConsoleResponse CodePost(Context& c);
  ConsoleResponse EnrolForm(Context& c);
  ConsoleResponse EnrolPost(Context& c);
  ConsoleResponse AuthenticatorPage(Context& c,
                                    const std::vector<ConsoleError>& errors,
                                    int status);
  ConsoleResponse AuthenticatorPost(Context& c);
  ConsoleResponse Home(Context& c);
  ConsoleResponse Gated(Context& c, Permission p, const std::string& heading);
  ConsoleResponse SignOut(Context& c, bool everywhere);

  AccountStore& accounts_;
  const CsrfTokens& csrf_;
  ClientRateLimiter& limiter_;
  const Clock& clock_;
  // Records a refused step (audited) and tells outcomes_.
  void Refused(const std::string& account_id, const std::string& outcome,
               bool* locked_now);
  void Tell(const std::string& outcome) {
    if (outcomes_) outcomes_(outcome);
  }

  const SignInPolicy policy_;
  const SignInOutcomeSink outcomes_;
};

}  // namespace frontdoor::web
