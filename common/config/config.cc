#include "common/config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::config {
namespace {

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

// protobuf 3.21 reports an unknown field as
//   "foo: Cannot find field."                 (top level)
//   "(server.tls) ca_fil: Cannot find field." (nested; path in parentheses)
constexpr std::string_view kCannotFindField = ": Cannot find field.";

// Turns protobuf's description of an unknown field into its dotted path, or
// returns false when `message` is not about an unknown field.
bool UnknownFieldPath(std::string_view message, std::string* path) {
  if (message.size() <= kCannotFindField.size() ||
      message.substr(message.size() - kCannotFindField.size()) !=
          kCannotFindField) {
    return false;
  }
  std::string_view location =
      message.substr(0, message.size() - kCannotFindField.size());
  if (!location.empty() && location.front() == '(') {
    size_t close = location.find(") ");
    if (close == std::string_view::npos) return false;
    std::string_view parent = location.substr(1, close - 1);
    std::string_view name = location.substr(close + 2);
    *path = parent.empty() ? std::string(name)
                           : absl::StrCat(Absl(parent), ".", Absl(name));
  } else {
    *path = std::string(location);
  }
  return !path->empty();
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat(path, ": cannot open"));
  }
  std::string contents;
  char buffer[64 * 1024];
  absl::Status status;
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      status = absl::ErrnoToStatus(
          errno, absl::StrCat(path, ": cannot read"));
      break;
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > kMaxConfigFileBytes) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          path, ": larger than ", kMaxConfigFileBytes, " bytes"));
      break;
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return contents;
}

namespace {

// fsyncs the directory holding `path`, so a rename into it is durable.
absl::Status SyncDirectoryOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("opening ", dir.string(), ": ", std::strerror(errno)));
  }
  const int synced = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (synced != 0) {
    return absl::InternalError(
        absl::StrCat("fsync of ", dir.string(), ": ", std::strerror(saved)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileDurably(const std::string& path,
                              std::string_view contents, unsigned mode) {
  const std::string temp = absl::StrCat(path, ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        static_cast<mode_t>(mode));
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("creating ", temp, ": ", std::strerror(errno)));
  }
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n =
        ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool ok = written == contents.size() && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return absl::InternalError(
        absl::StrCat("writing ", temp, ": ", std::strerror(saved)));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temp.c_str());
    return absl::InternalError(absl::StrCat("renaming ", temp, " to ", path,
                                            ": ", std::strerror(rename_errno)));
  }
  return SyncDirectoryOf(path);
}

absl::Status ParseJsonInto(std::string_view json, std::string_view what,
                           google::protobuf::Message* message) {
  message->Clear();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (status.ok()) return absl::OkStatus();
  message->Clear();

  // Only the first line: later lines quote the input around the error.
  std::string_view description(status.message().data(),
                               status.message().size());
  description = description.substr(0, description.find('\n'));
  std::string path;
  if (UnknownFieldPath(description, &path)) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(what), ": unknown field \"", path, "\""));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(Absl(what), ": invalid JSON: ", Absl(description)));
}

void RequiredSettings::Require(bool present, std::string_view name) {
  if (!present) missing_.emplace_back(name);
}

absl::Status RequiredSettings::Check(std::string_view what) const {
  if (missing_.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Absl(what),
                   missing_.size() == 1 ? ": missing required setting: "
                                        : ": missing required settings: ",
                   absl::StrJoin(missing_, ", ")));
}

}  // namespace frontdoor::config
