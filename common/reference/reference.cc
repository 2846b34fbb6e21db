#include "common/reference/reference.h"

#include <cstdint>

#include "absl/random/random.h"

namespace frontdoor {
namespace {

constexpr char kCrockfordBase32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kBitsPerBase32Char = 5;
constexpr uint64_t kBase32Mask = 31;

}  // namespace

std::string NewReference() {
  thread_local absl::BitGen gen;
  const uint64_t bits = absl::Uniform<uint64_t>(gen);
  std::string ref = kReferencePrefix;
  for (int i = 0; i < kReferenceChars; ++i) {
    ref.push_back(
        kCrockfordBase32[(bits >> (i * kBitsPerBase32Char)) & kBase32Mask]);
  }
  return ref;
}

bool IsWellFormedReference(absl::string_view reference) {
  const absl::string_view prefix(kReferencePrefix);
  if (reference.size() != prefix.size() + kReferenceChars ||
      reference.substr(0, prefix.size()) != prefix) {
    return false;
  }
  for (char c : reference.substr(prefix.size())) {
    if (absl::string_view(kCrockfordBase32).find(c) ==
        absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace frontdoor
