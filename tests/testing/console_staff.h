#pragma once

// Signed-in console staff for web-svc's service tests: an account made by
// the operator command's own code (frontdoor-web-accounts), enrolled over
// HTTPS as a person would (password, then the authenticator key read from
// the page and a TOTP code for the clock's now), which signs them in.

#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock/clock.h"
#include "common/store/store.h"
#include "frontdoor/config/v1/config.pb.h"
#include "tests/testing/cookie_browser.h"
#include "tests/testing/service_dirs.h"
#include "web-svc/accounts_cli.h"
#include "web-svc/credentials.h"

namespace frontdoor::testing {

// A password the console accepts (12 characters or more).
inline constexpr char kConsolePassword[] = "plum orchard lantern";

// RFC 4648 base32 as the authenticator page shows it (groups of four, no
// padding), decoded.
inline std::string FromBase32(const std::string& text) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const char* p = std::strchr(kAlphabet, c);
    if (c == ' ' || c == '\0' || p == nullptr) continue;
    buffer = (buffer << 5) | static_cast<uint32_t>(p - kAlphabet);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

// The first group of `pattern` in `text`, or "".
inline std::string CaptureFirst(const std::string& text,
                                const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

struct SignedInStaff {
  std::string account_id;
  CookieBrowser browser;
};

struct EnrolledStaff {
  std::string account_id;
  // The authenticator key (raw bytes), for later codes.
  std::string secret;
};

// Makes an account with `role` (a role code: "practitioner") on web-svc's
// store as `config` names it, and enrols it in `browser` (a browser of the
// web-svc whose clock is `clock`), which comes back signed in.
inline EnrolledStaff EnrolIn(CookieBrowser& browser,
                             const config::v1::WebConfig& config,
                             const Clock& clock, const std::string& username,
                             const std::string& role) {
  const std::string location = StoreLocationOf(config.store());
  std::vector<std::string> args = {
      "create",     "--username", username,        "--display-name",
      username,     "--role",     role,            "--url",
      "https://console.test",     "--operator",    "op-7",
      store::IsPostgresUrl(location) ? "--postgres" : "--sqlite",
      location,     "--keys",     config.key_ring_file()};
  std::ostringstream o, e;
  EXPECT_EQ(web::RunAccountsCommand(args, o, e, clock), web::kAccountsExitOk)
      << o.str() << e.str();
  EnrolledStaff s{CaptureFirst(o.str(), "\"account_id\":\"([^\"]+)\""), ""};
  const std::string code =
      CaptureFirst(o.str(), "\"enrolment_code\":\"([^\"]+)\"");
  const HttpAnswer form = browser.Get("/console/enrol");
  const HttpAnswer sent = browser.Post(
      "/console/enrol", {{"csrf-token", InputValue(form.body, "csrf-token")},
                         {"username", username},
                         {"enrolment-code", code},
                         {"new-password", kConsolePassword},
                         {"confirm-password", kConsolePassword}});
  EXPECT_EQ(sent.status, 303) << sent.body;
  const HttpAnswer page = browser.Get("/console/enrol/authenticator");
  s.secret = FromBase32(
      CaptureFirst(page.body, "id=\"totp-secret\">([A-Z2-7 ]+)<"));
  EXPECT_EQ(s.secret.size(), web::kTotpSecretBytes);
  const HttpAnswer done = browser.Post(
      "/console/enrol/authenticator",
      {{"csrf-token", InputValue(page.body, "csrf-token")},
       {"code", web::TotpCode(s.secret, clock.Now())}});
  EXPECT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers.count("location") == 1
                ? done.headers.at("location")
                : std::string(),
            "/console");
  return s;
}

// EnrolIn a new browser of the web-svc on `https_port`.
inline SignedInStaff SignedInAs(const config::v1::WebConfig& config,
                                const Clock& clock, int https_port,
                                const std::string& username,
                                const std::string& role) {
  SignedInStaff s{"", CookieBrowser(https_port)};
  s.account_id = EnrolIn(s.browser, config, clock, username, role).account_id;
  return s;
}

}  // namespace frontdoor::testing
