#pragma once

// A real SMTP server for tests: tests/testing/smtp-server (Debian's
// python3-aiosmtpd) in a child process on a free loopback port, offering
// and requiring STARTTLS with a certificate from the suite's test CA, or
// offering no TLS at all (a relay that must be refused). It keeps every
// message it accepts and every mail command it sees.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace frontdoor::testing {

// One message as the server accepted it.
struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  bool tls = false;      // sent after STARTTLS
  std::string message;   // headers and body as received
};

class SmtpTestServer {
 public:
  struct Options {
    // Offer and require STARTTLS (a certificate for localhost and
    // 127.0.0.1 from the test CA is issued into `dir`); false: no TLS.
    bool starttls = true;
    // 0: a free port.
    int port = 0;
  };

  // Starts the server keeping its files in `dir` (created; kept across a
  // restart on the same directory, so messages accumulate), and waits
  // (bounded) until it listens.
  static absl::StatusOr<std::unique_ptr<SmtpTestServer>> Start(
      const std::filesystem::path& dir, Options options);
  ~SmtpTestServer();
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  // SIGTERM, then waits for the process (SIGKILL after a bound).
  void Stop();
  int port() const { return port_; }
  // Messages accepted so far, oldest first.
  std::vector<ReceivedMail> Received() const;
  // Commands seen, one "EHLO tls=0" line each (EHLO, MAIL, RCPT, DATA).
  std::vector<std::string> Commands() const;

 private:
  SmtpTestServer(std::filesystem::path dir, pid_t pid, int port)
      : dir_(std::move(dir)), pid_(pid), port_(port) {}
  std::filesystem::path dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace frontdoor::testing
