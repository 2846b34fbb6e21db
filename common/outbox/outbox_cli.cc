#include "common/outbox/outbox_cli.h"

#include <sys/stat.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/outbox/outbox.h"
#include "common/store/store.h"

namespace frontdoor::outbox {
namespace {

constexpr std::string_view kUsage =
    "usage: frontdoor-outbox replay --topic TOPIC --sqlite PATH\n"
    "       frontdoor-outbox replay --topic TOPIC --postgres URL\n";

// Topics are the services' own constants ([a-z_.]); anything else is refused
// rather than escaped.
bool IsTopicName(std::string_view topic) {
  if (topic.empty()) return false;
  for (char c : topic) {
    if (!((c >= 'a' && c <= 'z') || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

int RunOutboxCommand(const std::vector<std::string>& args, const Clock& clock,
                     std::ostream& out, std::ostream& err) {
  std::string topic;
  std::string sqlite_path;
  std::string postgres_url;
  if (args.empty() || args[0] != "replay") {
    err << kUsage;
    return kExitReplayError;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool matched = false;
    for (auto [flag, value] :
         {std::pair<std::string_view, std::string*>{"--topic", &topic},
          {"--sqlite", &sqlite_path},
          {"--postgres", &postgres_url}}) {
      const std::string with_equals = std::string(flag) + "=";
      if (arg == flag && i + 1 < args.size()) {
        *value = args[++i];
        matched = true;
      } else if (arg.rfind(with_equals, 0) == 0) {
        *value = arg.substr(with_equals.size());
        matched = true;
      }
    }
    if (!matched) {
      err << kUsage;
      return kExitReplayError;
    }
  }
  if (!IsTopicName(topic) || sqlite_path.empty() == postgres_url.empty() ||
      (!postgres_url.empty() && !store::IsPostgresUrl(postgres_url))) {
    err << kUsage;
    return kExitReplayError;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> opened;
  if (!sqlite_path.empty()) {
    // Opening would create a missing database: a mistyped path must be an
    // error, not "0 replayed".
    struct stat st;
    if (::stat(sqlite_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      err << "frontdoor-outbox: no database file at " << sqlite_path << "\n";
      return kExitReplayError;
    }
    store::SqliteOptions options;
    options.path = sqlite_path;
    options.read_connections = 1;
    opened = store::OpenSqliteStore(options, {});
  } else {
    store::PostgresOptions options;
    options.url = postgres_url;
    options.application_name = "frontdoor-outbox";
    options.read_connections = 1;
    opened = store::OpenPostgresStore(options, {});
  }
  if (!opened.ok()) {
    err << "frontdoor-outbox: " << opened.status() << "\n";
    return kExitReplayError;
  }
  std::unique_ptr<store::Store> store = *std::move(opened);
  int64_t replayed = 0;
  absl::Status written = store->WriteSync([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<int64_t> n = ReplayDeadLetters(tx, topic, clock.Now());
    if (!n.ok()) return n.status();
    replayed = *n;
    return absl::OkStatus();
  });
  store->Close();
  if (!written.ok()) {
    err << "frontdoor-outbox: " << written << "\n";
    return kExitReplayError;
  }
  out << absl::StrCat("{\"topic\":\"", topic, "\",\"replayed\":", replayed,
                      "}\n");
  out.flush();
  return kExitReplayed;
}

}  // namespace frontdoor::outbox
