#include "tests/testing/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace frontdoor::testing {
namespace {

constexpr int kIoTimeoutSeconds = 10;

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

absl::Status Errno(const char* what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<HttpResponse> HttpGet(int port, std::string_view path) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  FdCloser closer(fd);
  timeval timeout{kIoTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Errno("connect");
  }
  const std::string request =
      absl::StrCat("GET ", absl::string_view(path.data(), path.size()),
                   " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent,
                     MSG_NOSIGNAL);
    if (n < 0) return Errno("send");
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[4096];
  for (;;) {
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) return Errno("recv");
    if (n == 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  // "HTTP/1.x NNN reason\r\n...headers...\r\n\r\nbody"
  const size_t header_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || header_end == std::string::npos) {
    return absl::DataLossError("malformed HTTP response");
  }
  HttpResponse response;
  if (!absl::SimpleAtoi(raw.substr(9, 3), &response.status_code)) {
    return absl::DataLossError("malformed HTTP status line");
  }
  response.body = raw.substr(header_end + 4);
  return response;
}

std::optional<double> FindSample(std::string_view exposition,
                                 std::string_view series) {
  const bool exact = series.find('{') != std::string_view::npos;
  for (absl::string_view split_line : absl::StrSplit(
           absl::string_view(exposition.data(), exposition.size()), '\n')) {
    std::string_view line(split_line.data(), split_line.size());
    if (line.empty() || line.front() == '#') continue;
    // The value follows the last space (no timestamps are exposed).
    const size_t space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    std::string_view key = line.substr(0, space);
    if (!exact) key = key.substr(0, key.find('{'));
    if (key != series) continue;
    double value = 0;
    const std::string_view text = line.substr(space + 1);
    if (!absl::SimpleAtod(absl::string_view(text.data(), text.size()),
                          &value)) {
      return std::nullopt;
    }
    return value;
  }
  return std::nullopt;
}

}  // namespace frontdoor::testing
