#include "notify-svc/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace frontdoor::notify {
namespace {

// The oldest TLS version a relay may offer.
constexpr long kMinTlsVersion = CURL_SSLVERSION_TLSv1_2;

absl::once_flag curl_init_once;
CURLcode curl_init_result = CURLE_OK;

struct Upload {
  std::string data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpTransport>> SmtpTransport::Create(
    const config::v1::EmailConfig& config) {
  absl::call_once(curl_init_once,
                  [] { curl_init_result = curl_global_init(CURL_GLOBAL_ALL); });
  if (curl_init_result != CURLE_OK) {
    return absl::InternalError(absl::StrCat(
        "initialising libcurl: ", curl_easy_strerror(curl_init_result)));
  }
  std::string password;
  if (!config.password_file().empty()) {
    std::ifstream in(config.password_file());
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return absl::FailedPreconditionError(
          absl::StrCat("email.password_file: cannot read ",
                       config.password_file()));
    }
    password = text.str();
    while (!password.empty() &&
           (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "email.password_file: ", config.password_file(), " is empty"));
    }
  }
  return std::unique_ptr<SmtpTransport>(
      new SmtpTransport(config, std::move(password)));
}

absl::Status SmtpTransport::Send(const Email& email, absl::Duration timeout) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  Upload upload{ToRfc5322(email), 0};
  const std::string from = absl::StrCat("<", email.from, ">");
  const std::string to = absl::StrCat("<", email.to, ">");
  std::unique_ptr<curl_slist, SlistDeleter> recipients(
      curl_slist_append(nullptr, to.c_str()));
  if (recipients == nullptr) return absl::InternalError("curl_slist_append");
  const long timeout_ms =
      std::max<long>(1, static_cast<long>(absl::ToInt64Milliseconds(timeout)));

  curl_easy_setopt(c, CURLOPT_URL, config_.smtp_url().c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
  // STARTTLS or nothing: never a mail command in clear.
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(c, CURLOPT_SSLVERSION, kMinTlsVersion);
  curl_easy_setopt(c, CURLOPT_CAINFO, config_.ca_file().c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!config_.username().empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.username().c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password_.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);

  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return absl::OkStatus();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  // libcurl's own words for the failure and the reply code only: the
  // server's reply text may repeat the recipient's address.
  std::string message =
      absl::StrCat("smtp: ", curl_easy_strerror(rc),
                   reply != 0 ? absl::StrCat(" (last reply ", reply, ")") : "");
  return rc == CURLE_OPERATION_TIMEDOUT ? absl::DeadlineExceededError(message)
                                        : absl::UnavailableError(message);
}

}  // namespace frontdoor::notify
