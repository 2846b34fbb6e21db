#include "common/logging/traceparent.h"

#include <cstdint>
#include <utility>

#include "absl/random/random.h"

namespace frontdoor {
namespace {

constexpr std::size_t kTraceIdHexDigits = 32;
constexpr std::size_t kSpanIdHexDigits = 16;
constexpr std::size_t kFlagsHexDigits = 2;
constexpr std::string_view kVersion = "00";
// "00-" + trace id + "-" + parent id + "-" + flags.
constexpr std::size_t kHeaderLength = kVersion.size() + 1 + kTraceIdHexDigits +
                                      1 + kSpanIdHexDigits + 1 +
                                      kFlagsHexDigits;
constexpr unsigned kSampledFlag = 0x01;

thread_local std::string t_current_trace_id;

int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// True when `s` is all lowercase hex digits and at least one is non-zero.
bool IsNonZeroLowerHex(std::string_view s) {
  bool non_zero = false;
  for (char c : s) {
    int v = LowerHexValue(c);
    if (v < 0) return false;
    if (v != 0) non_zero = true;
  }
  return non_zero;
}

void AppendHex64(std::uint64_t v, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) {
    out->push_back(kHex[(v >> shift) & 0xF]);
  }
}

// A uniformly random 64-bit value that is not zero.
std::uint64_t RandomNonZero64() {
  thread_local absl::BitGen gen;
  std::uint64_t v = 0;
  while (v == 0) v = absl::Uniform<std::uint64_t>(gen);
  return v;
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
  if (header.size() != kHeaderLength) return std::nullopt;
  if (header.substr(0, kVersion.size()) != kVersion) return std::nullopt;
  std::size_t pos = kVersion.size();
  if (header[pos] != '-') return std::nullopt;
  std::string_view trace_id = header.substr(pos + 1, kTraceIdHexDigits);
  pos += 1 + kTraceIdHexDigits;
  if (header[pos] != '-') return std::nullopt;
  std::string_view parent_id = header.substr(pos + 1, kSpanIdHexDigits);
  pos += 1 + kSpanIdHexDigits;
  if (header[pos] != '-') return std::nullopt;
  std::string_view flags = header.substr(pos + 1, kFlagsHexDigits);

  if (!IsNonZeroLowerHex(trace_id) || !IsNonZeroLowerHex(parent_id)) {
    return std::nullopt;
  }
  int high = LowerHexValue(flags[0]);
  int low = LowerHexValue(flags[1]);
  if (high < 0 || low < 0) return std::nullopt;
  unsigned flag_bits = static_cast<unsigned>(high * 16 + low);
  return TraceContext{std::string(trace_id), std::string(parent_id),
                      (flag_bits & kSampledFlag) != 0};
}

std::string NewSpanId() {
  std::string id;
  id.reserve(kSpanIdHexDigits);
  AppendHex64(RandomNonZero64(), &id);
  return id;
}

TraceContext NewTrace() {
  TraceContext ctx;
  ctx.trace_id.reserve(kTraceIdHexDigits);
  // Both halves non-zero: the id is never all zero and keeps 126 random bits.
  AppendHex64(RandomNonZero64(), &ctx.trace_id);
  AppendHex64(RandomNonZero64(), &ctx.trace_id);
  ctx.parent_id = NewSpanId();
  ctx.sampled = true;
  return ctx;
}

std::string FormatTraceparent(const TraceContext& ctx,
                              std::string_view span_id) {
  std::string header;
  header.reserve(kHeaderLength);
  header.append(kVersion);
  header.push_back('-');
  header.append(ctx.trace_id);
  header.push_back('-');
  header.append(span_id);
  header.append(ctx.sampled ? "-01" : "-00");
  return header;
}

std::string_view CurrentTraceId() { return t_current_trace_id; }

std::string CurrentTraceparent() {
  if (t_current_trace_id.empty()) return std::string();
  TraceContext ctx;
  ctx.trace_id = t_current_trace_id;
  ctx.sampled = true;
  return FormatTraceparent(ctx, NewSpanId());
}

ScopedTrace::ScopedTrace(std::string_view trace_id) {
  // Copy first: `trace_id` may view the current id itself.
  std::string next(trace_id);
  previous_ = std::exchange(t_current_trace_id, std::move(next));
}

ScopedTrace::~ScopedTrace() { t_current_trace_id = std::move(previous_); }

}  // namespace frontdoor
