#pragma once

// W3C Trace Context (https://www.w3.org/TR/trace-context/), propagated by hand
// in the "traceparent" request metadata:
//
//   traceparent: 00-<trace-id: 32 hex>-<parent-id: 16 hex>-<flags: 2 hex>
//
// A service continues the caller's trace id (or starts a new one when the
// header is missing or invalid), makes the trace id current for its thread
// with ScopedTrace so that every log line carries it, and sends
// FormatTraceparent(ctx, NewSpanId()) on each outbound call.

#include <optional>
#include <string>
#include <string_view>

namespace frontdoor {

// The metadata key that carries the header.
inline constexpr std::string_view kTraceparentHeader = "traceparent";

struct TraceContext {
  std::string trace_id;   // 32 lowercase hex digits, not all zero.
  std::string parent_id;  // 16 lowercase hex digits, not all zero.
  bool sampled = false;   // Bit 0 of the trace flags.
};

// Parses a version-00 header strictly: exactly 55 characters, "00", a trace id
// of 32 and a parent id of 16 lowercase hex digits (neither all zeros) and 2
// hex digits of flags, separated by '-'. Any other input (other versions,
// uppercase, extra characters, surrounding spaces) yields nullopt.
std::optional<TraceContext> ParseTraceparent(std::string_view header);

// A new root context: random trace and parent ids, sampled (logs record every
// call, so there is nothing to sample away).
TraceContext NewTrace();

// A random 16-hex-digit span id, never all zero.
std::string NewSpanId();

// "00-<ctx.trace_id>-<span_id>-<01|00>": the header for a call made from the
// span `span_id` of `ctx`'s trace.
std::string FormatTraceparent(const TraceContext& ctx,
                              std::string_view span_id);

// The trace id made current on this thread by the innermost live ScopedTrace,
// or empty.
std::string_view CurrentTraceId();

// A header continuing this thread's current trace from a new span,
// "00-<CurrentTraceId()>-<NewSpanId()>-01" (sampled: logs record every
// call), or empty when no trace is current. What is stored with work that
// outlives the call, such as an outbox event (common/outbox), so that the
// work continues the call's trace later, on another thread or in another
// service.
std::string CurrentTraceparent();

// Makes `trace_id` this thread's current trace id for the object's lifetime
// and restores the previous one after. Must be destroyed on the thread that
// created it (construct it on the stack).
class ScopedTrace {
 public:
  explicit ScopedTrace(std::string_view trace_id);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  std::string previous_;
};

}  // namespace frontdoor
