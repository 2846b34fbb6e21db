#pragma once

// Staff in web-svc's console, for service tests over real HTTPS: an account
// made by the operator command's own code on web-svc's database, then
// enrolled as a person would (the one-time code, a password, the
// authenticator secret read from the page and a TOTP computed here), which
// leaves the browser signed in. Link web_console.

#include <gtest/gtest.h>

#include <cstdint>
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

inline constexpr char kConsolePassword[] = "plum orchard lantern";

// The first group of `pattern` in `text`, or "".
inline std::string CaptureFirst(const std::string& text,
                                const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

// RFC 4648 base32 as the enrolment page shows it (groups of four, no
// padding), decoded.
inline std::string FromBase32(const std::string& text) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const char* p = std::strchr(kAlphabet, c);
    if (c == ' ' || p == nullptr || c == '\0') continue;
    buffer = (buffer << 5) | static_cast<uint32_t>(p - kAlphabet);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

struct ConsoleAccount {
  std::string account_id;
  std::string enrolment_code;
};

// `frontdoor-web-accounts create`, as an operator runs it on the database
// and key ring of `web`.
inline ConsoleAccount CreateConsoleAccount(const config::v1::WebConfig& web,
                                           const Clock& clock,
                                           const std::string& username,
                                           const std::string& display_name,
                                           const std::string& role) {
  const std::string location = StoreLocationOf(web.store());
  std::vector<std::string> args = {
      "create",         "--username", username,     "--display-name",
      display_name,     "--role",     role,         "--url",
      "https://console.test",         "--operator", "op-7",
      store::IsPostgresUrl(location) ? "--postgres" : "--sqlite",
      location,         "--keys",     web.key_ring_file()};
  std::ostringstream out, err;
  EXPECT_EQ(web::RunAccountsCommand(args, out, err, clock),
            web::kAccountsExitOk)
      << out.str() << err.str();
  return {CaptureFirst(out.str(), "\"account_id\":\"([^\"]+)\""),
          CaptureFirst(out.str(), "\"enrolment_code\":\"([^\"]+)\"")};
}

// Enrols `username` with its enrolment code in `browser` at `clock`'s now:
// the password, then the authenticator (its secret read from the page, a
// code for now). The browser is then signed in. Returns the raw secret.
inline std::string EnrolInConsole(CookieBrowser& browser, const Clock& clock,
                                  const std::string& username,
                                  const std::string& code) {
  const HttpAnswer form = browser.Get("/console/enrol");
  EXPECT_EQ(form.status, 200);
  const HttpAnswer sent = browser.Post(
      "/console/enrol", {{"csrf-token", InputValue(form.body, "csrf-token")},
                         {"username", username},
                         {"enrolment-code", code},
                         {"new-password", kConsolePassword},
                         {"confirm-password", kConsolePassword}});
  EXPECT_EQ(sent.status, 303) << sent.body;
  const HttpAnswer page = browser.Get("/console/enrol/authenticator");
  EXPECT_EQ(page.status, 200);
  const std::string secret = FromBase32(
      CaptureFirst(page.body, "id=\"totp-secret\">([A-Z2-7 ]+)<"));
  EXPECT_EQ(secret.size(), web::kTotpSecretBytes);
  const HttpAnswer done = browser.Post(
      "/console/enrol/authenticator",
      {{"csrf-token", InputValue(page.body, "csrf-token")},
       {"code", web::TotpCode(secret, clock.Now())}});
  EXPECT_EQ(done.status, 303) << done.body;
  return secret;
}

}  // namespace frontdoor::testing
