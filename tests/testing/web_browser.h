#pragma once

// A browser-like HTTPS client for web-svc's tests (libcurl): keeps the
// cookie web-svc sets, sends from a chosen loopback address, reads forms'
// hidden tokens and the receipt's reference. Link CURL::libcurl.

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/testing/pki.h"

namespace frontdoor::testing {

inline constexpr long kCurlTimeoutSeconds = 20;

struct Http {
  long status = 0;
  std::string body;
  // Lower-case header names; the last value of each.
  std::map<std::string, std::string> headers;
  std::vector<std::string> set_cookies;
};

inline size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

inline size_t Header(char* data, size_t size, size_t n, void* out) {
  auto* http = static_cast<Http*>(out);
  const std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    const std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    const std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    http->headers[name] = value;
    if (name == "set-cookie") http->set_cookies.push_back(value);
  }
  return size * n;
}

// A browser-like session: keeps the cookie web-svc sets, sends from
// `source` (a loopback address) to https://localhost:`port`.
class Browser {
 public:
  Browser(int port, std::string source = "127.0.0.1")
      : port_(port), source_(std::move(source)) {}

  Http Get(const std::string& path) { return Call(path, nullptr); }
  Http Post(const std::string& path,
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
  std::string cookie;
  // Sent as X-Forwarded-For when set (a proxy forwarding a client).
  std::string forwarded_for;

 private:
  Http Call(const std::string& path, const std::string* body) {
    Http out;
    CURL* curl = curl_easy_init();
    const std::string url = absl::StrCat("https://localhost:", port_, path);
    const std::string ca = PkiFiles("").ca_file();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl, CURLOPT_INTERFACE, source_.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, kCurlTimeoutSeconds);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out);
    if (!cookie.empty()) curl_easy_setopt(curl, CURLOPT_COOKIE, cookie.c_str());
    struct curl_slist* headers = nullptr;
    if (!forwarded_for.empty()) {
      headers = curl_slist_append(
          headers, absl::StrCat("X-Forwarded-For: ", forwarded_for).c_str());
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    }
    if (body != nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    const CURLcode rc = curl_easy_perform(curl);
    EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    for (const std::string& c : out.set_cookies) {
      cookie = c.substr(0, c.find(';'));
    }
    return out;
  }

  const int port_;
  const std::string source_;
};

inline std::string Hidden(const std::string& html, const std::string& name) {
  std::smatch m;
  const std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

using Form = std::vector<std::pair<std::string, std::string>>;

// The form's tokens from `page`, then `answers`.
inline Form WithTokens(const std::string& page, Form answers) {
  answers.push_back({"csrf-token", Hidden(page, "csrf-token")});
  answers.push_back({"form-token", Hidden(page, "form-token")});
  return answers;
}

inline std::string Reference(const std::string& html) {
  std::smatch m;
  const std::regex re("<strong id=\"reference\">(FD-[A-Z0-9]+)</strong>");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

}  // namespace frontdoor::testing
