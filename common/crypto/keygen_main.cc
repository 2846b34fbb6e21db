// frontdoor-keygen: prints a new key ring file (JSON) on stdout.
//   frontdoor-keygen [--key-id ID]    (default id "k1")
// Used by the development set-up script; redirect into a file that only the
// service can read (umask 077).

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "common/crypto/key_ring.h"

namespace {

constexpr std::string_view kDefaultKeyId = "k1";
constexpr int kExitUsage = 2;

int Usage() {
  std::cerr << "usage: frontdoor-keygen [--key-id ID]\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::string key_id(kDefaultKeyId);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    constexpr std::string_view kFlag = "--key-id";
    if (arg == kFlag && i + 1 < argc) {
      key_id = argv[++i];
    } else if (arg.substr(0, kFlag.size() + 1) == "--key-id=") {
      key_id = std::string(arg.substr(kFlag.size() + 1));
    } else {
      return Usage();
    }
  }
  absl::StatusOr<std::string> json =
      frontdoor::crypto::GenerateKeyRingJson(key_id);
  if (!json.ok()) {
    std::cerr << "frontdoor-keygen: " << json.status() << "\n";
    return 1;
  }
  std::cout << *json;
  if (json->empty() || json->back() != '\n') std::cout << '\n';
  std::cout.flush();
  return std::cout ? 0 : 1;
}
