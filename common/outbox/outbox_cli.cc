#include "common/outbox/outbox_cli.h"


#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/outbox/outbox.h"
#include "common/store/store.h"
#include "common/store/tool_store.h"

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
  if (!store::ParseToolFlags(args, 1,
                             {{"--topic", &topic},
                              {"--sqlite", &sqlite_path},
                              {"--postgres", &postgres_url}}) ||
      !IsTopicName(topic) ||
      !store::NamesOneDatabase(sqlite_path, postgres_url)) {
    err << kUsage;
    return kExitReplayError;
  }
  absl::StatusOr<std::unique_ptr<store::Store>> opened =
      store::OpenToolStore("frontdoor-outbox", sqlite_path, postgres_url);
  if (!opened.ok()) {
    err << "frontdoor-outbox: "
        << (absl::IsNotFound(opened.status())
                ? std::string(opened.status().message())
                : opened.status().ToString())
        << "\n";
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
