#pragma once

// Start-up configuration files: protobuf messages read from JSON (the
// protobuf JSON mapping). Unknown fields are errors, so a misspelt setting
// stops start-up with a message naming the file and the field instead of
// being silently ignored.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace frontdoor::config {

// Largest configuration file read; anything bigger is rejected rather than
// loaded into memory.
inline constexpr size_t kMaxConfigFileBytes = 16 * 1024 * 1024;

// Reads the whole of `path`: the suite's one file reader (services' files,
// tools' input files). NOT_FOUND / PERMISSION_DENIED / ... name the path and
// the OS error ("<path>: cannot open: No such file or directory"); a file
// over kMaxConfigFileBytes is RESOURCE_EXHAUSTED.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Replaces `path` with `contents` durably and whole: written to
// "<path>.tmp" created with `mode` (before the umask), fsynced, renamed over
// `path`, and the directory fsynced; a reader sees the old file or the new,
// never a part. The file is new, so an existing file's mode is not kept.
// Errors name the file and the OS error; the temporary file is removed.
absl::Status WriteFileDurably(const std::string& path,
                              std::string_view contents, unsigned mode);

// Parses `json` into `message` (cleared first) with unknown fields rejected.
// `what` names the source in errors, for example "config /etc/intake.json".
// On error returns INVALID_ARGUMENT of the form
//   <what>: unknown field "server.tls.ca_fil"
//   <what>: invalid JSON: <parser's description>
// The parser's excerpt of the input is not repeated, so values from the
// file (which may be secrets) are not echoed.
absl::Status ParseJsonInto(std::string_view json, std::string_view what,
                           google::protobuf::Message* message);

// Typed form of ParseJsonInto.
template <typename Msg>
absl::StatusOr<Msg> ParseJson(std::string_view json, std::string_view what) {
  Msg message;
  absl::Status status = ParseJsonInto(json, what, &message);
  if (!status.ok()) return status;
  return message;
}

// Reads and parses the JSON file at `path`; errors name it as
// "config <path>".
template <typename Msg>
absl::StatusOr<Msg> LoadJsonFile(const std::string& path) {
  absl::StatusOr<std::string> json = ReadFileToString(path);
  if (!json.ok()) {
    return absl::Status(json.status().code(),
                        "config " + std::string(json.status().message()));
  }
  return ParseJson<Msg>(*json, "config " + path);
}

// Collects every missing required setting so that start-up reports all of
// them at once:
//   RequiredSettings required;
//   required.Require(!c.server().api_address().empty(), "server.api_address");
//   required.Require(c.has_store(), "store");
//   RETURN_IF_ERROR(required.Check("config /etc/intake.json"));
class RequiredSettings {
 public:
  // Records `name` as missing unless `present`.
  void Require(bool present, std::string_view name);

  // OK when nothing is missing; otherwise INVALID_ARGUMENT
  //   <what>: missing required settings: a, b.c
  // listing the names in the order they were required.
  absl::Status Check(std::string_view what) const;

  const std::vector<std::string>& missing() const { return missing_; }

 private:
  std::vector<std::string> missing_;
};

}  // namespace frontdoor::config
