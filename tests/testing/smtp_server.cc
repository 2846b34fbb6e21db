#include "tests/testing/smtp_server.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/pki.h"

extern char** environ;

namespace frontdoor::testing {
namespace {

// Debian's interpreter: python3-aiosmtpd is installed for it.
constexpr char kPython[] = "/usr/bin/python3";
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kStopTimeout = absl::Seconds(10);
constexpr absl::Duration kPoll = absl::Milliseconds(20);

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<SmtpTestServer>> SmtpTestServer::Start(
    const std::filesystem::path& dir, Options options) {
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "ready");
  std::vector<std::string> args = {
      kPython, std::string(FRONTDOOR_SOURCE_DIR) + "/tests/testing/smtp-server",
      "--dir", dir.string(), "--port", absl::StrCat(options.port)};
  if (options.starttls) {
    const absl::Time now = absl::Now();
    absl::StatusOr<config::v1::TlsFiles> files =
        IssueCertificate(dir, "smtp-relay", "spiffe://frontdoor/test/smtp-relay",
                         now - absl::Hours(1), now + absl::Hours(24));
    if (!files.ok()) return files.status();
    args.insert(args.end(),
                {"--cert", files->cert_file(), "--key", files->key_file()});
  } else {
    args.push_back("--no-starttls");
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir / "server.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  pid_t pid = 0;
  const int rc =
      posix_spawn(&pid, kPython, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("posix_spawn ", kPython, ": ",
                                            std::strerror(rc)));
  }
  auto server = std::unique_ptr<SmtpTestServer>(new SmtpTestServer(dir, pid, 0));
  const absl::Time give_up = absl::Now() + kStartTimeout;
  while (absl::Now() < give_up) {
    int port = 0;
    if (absl::SimpleAtoi(ReadFile(dir / "ready"), &port) && port > 0) {
      server->port_ = port;
      return server;
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      server->pid_ = 0;
      return absl::InternalError(
          absl::StrCat("smtp-server exited at start-up:\n", ReadFile(log)));
    }
    absl::SleepFor(kPoll);
  }
  return absl::DeadlineExceededError(
      absl::StrCat("smtp-server did not start:\n", ReadFile(log)));
}

SmtpTestServer::~SmtpTestServer() { Stop(); }

void SmtpTestServer::Stop() {
  if (pid_ == 0) return;
  kill(pid_, SIGTERM);
  const absl::Time give_up = absl::Now() + kStopTimeout;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > give_up) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(kPoll);
  }
  pid_ = 0;
}

std::vector<ReceivedMail> SmtpTestServer::Received() const {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir_ / "mail", ec)) {
    if (entry.path().extension() == ".eml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<ReceivedMail> out;
  for (const auto& path : files) {
    const std::string text = ReadFile(path);
    const size_t blank = text.find("\n\n");
    if (blank == std::string::npos) continue;
    ReceivedMail mail;
    for (absl::string_view line :
         absl::StrSplit(absl::string_view(text).substr(0, blank), '\n')) {
      if (absl::ConsumePrefix(&line, "from ")) {
        mail.mail_from = std::string(line);
      } else if (absl::ConsumePrefix(&line, "to ")) {
        mail.rcpt_to.emplace_back(line);
      } else if (line == "tls 1") {
        mail.tls = true;
      }
    }
    mail.message = text.substr(blank + 2);
    out.push_back(std::move(mail));
  }
  return out;
}

std::vector<std::string> SmtpTestServer::Commands() const {
  return absl::StrSplit(ReadFile(dir_ / "commands.log"), '\n',
                        absl::SkipEmpty());
}

}  // namespace frontdoor::testing
