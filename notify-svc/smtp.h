#pragma once

// The SMTP client of notify-svc's email delivery, on libcurl: smtp:// with
// STARTTLS required (CURLUSESSL_ALL: a server that does not offer it is
// refused before any mail command), the relay's certificate verified
// against the configured CA and its name, optional AUTH, a timeout per
// send. Errors name what failed, never the recipient's address.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "frontdoor/config/v1/config.pb.h"
#include "notify-svc/email.h"

namespace frontdoor::notify {

class SmtpTransport final : public MailTransport {
 public:
  // After CheckEmailConfig: initialises libcurl once per process and reads
  // the password file. FAILED_PRECONDITION naming email.password_file when
  // it cannot be read or is empty.
  static absl::StatusOr<std::unique_ptr<SmtpTransport>> Create(
      const config::v1::EmailConfig& config);

  // One SMTP session per email: connect, EHLO, STARTTLS, EHLO, AUTH (when
  // configured), MAIL FROM, RCPT TO, DATA, QUIT. UNAVAILABLE (or
  // DEADLINE_EXCEEDED) with libcurl's reason and the server's last reply
  // code when the server does not accept the message.
  absl::Status Send(const Email& email, absl::Duration timeout) override;

 private:
  SmtpTransport(config::v1::EmailConfig config, std::string password)
      : config_(std::move(config)), password_(std::move(password)) {}
  const config::v1::EmailConfig config_;
  const std::string password_;
};

}  // namespace frontdoor::notify
