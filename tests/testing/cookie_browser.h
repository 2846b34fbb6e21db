#pragma once

// A browser-like HTTPS client for web-svc's service tests (libcurl): keeps
// every cookie the server sets (by name, until cleared with Max-Age=0),
// does not follow redirects, and sends from a loopback address.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/testing/pki.h"

namespace frontdoor::testing {

struct HttpAnswer {
  long status = 0;
  std::string body;
  // Lower-case header names; the last value of each.
  std::map<std::string, std::string> headers;
  std::vector<std::string> set_cookies;
};

class CookieBrowser {
 public:
  static constexpr long kTimeoutSeconds = 20;

  explicit CookieBrowser(int port) : port_(port) {}

  HttpAnswer Get(const std::string& path) { return Call(path, nullptr); }
  HttpAnswer Post(
      const std::string& path,
      const std::vector<std::pair<std::string, std::string>>& form) {
    std::vector<std::string> parts;
    CURL* curl = curl_easy_init();
    for (const auto& [k, v] : form) {
      char* ek = curl_easy_escape(curl, k.data(), static_cast<int>(k.size()));
      char* ev = curl_easy_escape(curl, v.data(), static_cast<int>(v.size()));
      parts.push_back(absl::StrCat(ek, "=", ev));
      curl_free(ek);
      curl_free(ev);
    }
    curl_easy_cleanup(curl);
    const std::string body = absl::StrJoin(parts, "&");
    return Call(path, &body);
  }

  // The cookies held, by name.
  std::map<std::string, std::string> cookies;

 private:
  static size_t Collect(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
  }
  static size_t Header(char* data, size_t size, size_t n, void* out) {
    auto* http = static_cast<HttpAnswer*>(out);
    const std::string line(data, size * n);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const std::string name = absl::AsciiStrToLower(line.substr(0, colon));
      const std::string value(
          absl::StripAsciiWhitespace(line.substr(colon + 1)));
      http->headers[name] = value;
      if (name == "set-cookie") http->set_cookies.push_back(value);
    }
    return size * n;
  }

  HttpAnswer Call(const std::string& path, const std::string* body) {
    HttpAnswer out;
    CURL* curl = curl_easy_init();
    const std::string url = absl::StrCat("https://localhost:", port_, path);
    const std::string ca = PkiFiles("").ca_file();
    std::vector<std::string> jar;
    for (const auto& [k, v] : cookies) jar.push_back(absl::StrCat(k, "=", v));
    const std::string cookie_header = absl::StrJoin(jar, "; ");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl, CURLOPT_INTERFACE, "127.0.0.1");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, kTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out);
    if (!cookie_header.empty()) {
      curl_easy_setopt(curl, CURLOPT_COOKIE, cookie_header.c_str());
    }
    if (body != nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                       static_cast<long>(body->size()));
    }
    const CURLcode rc = curl_easy_perform(curl);
    EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    curl_easy_cleanup(curl);
    for (const std::string& c : out.set_cookies) {
      const std::string pair = c.substr(0, c.find(';'));
      const size_t eq = pair.find('=');
      const std::string name = pair.substr(0, eq);
      if (absl::StrContains(c, "Max-Age=0")) {
        cookies.erase(name);
      } else {
        cookies[name] = pair.substr(eq + 1);
      }
    }
    return out;
  }

  const int port_;
};

// The value of the hidden (or any) input `name` in `html`.
inline std::string InputValue(const std::string& html,
                              const std::string& name) {
  std::smatch m;
  const std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

}  // namespace frontdoor::testing
