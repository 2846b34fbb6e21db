#pragma once

// Structured JSON logging: one line per event, for example
//
//   {"ts":"2026-11-23T09:00:00.123456Z","level":"info",
//    "service":"intake-svc","event":"referral.accepted","trace_id":"<32 hex>",
//    "reference":"FD-7K3M9Q2X4W8P","front_door":"ADULT_VICTIM"}
//
// (shown wrapped; each event is exactly one line).
//
// CONTRACT FOR CALLERS — logs never contain personal data. An event is a
// stable dotted code ("referral.accepted", "outbox.delivery_failed"), and its
// fields carry only non-personal values: references, ids, codes, enum names,
// counts, sizes and durations. Never pass names, dates of birth, phone
// numbers, email addresses, postal addresses, free text (concerns, comments,
// reasons in words), assessment answers, or a whole message. There is
// deliberately no free-form "message" argument and no helper that logs a
// protobuf or a struct: each value is chosen field by field. As a backstop,
// string values longer than kMaxFieldValueBytes are truncated, so a mistake
// cannot dump a whole document.
//
// Thread-safe. Each line is handed to the sink as one complete string ending
// in '\n'; the default sink writes it to stderr with a single write(2) call,
// so lines from different threads never interleave.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace frontdoor {

enum class Level { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error".
std::string_view LevelName(Level level);
// Inverse of LevelName; nullopt for anything else (case-sensitive).
std::optional<Level> ParseLevel(std::string_view name);

// Longest string value written; longer values are cut at a UTF-8 character
// boundary and end in "...".
inline constexpr std::size_t kMaxFieldValueBytes = 256;

// One key and a typed value. Keys are code identifiers such as "reference" or
// "duration_ms"; they must not be "ts", "level", "event" or "trace_id"
// (fields with these keys are dropped so a line never has duplicate keys),
// and a "service" field is dropped too once SetLogService has named the
// process's service (the line already says it).
// A Field borrows its key and string value: it is meant to live only for the
// duration of the Log() call it is written in.
class Field {
 public:
  enum class Kind { kString, kInt, kUint, kBool, kDouble };

  Field(std::string_view key, std::string_view value)
      : key_(key), kind_(Kind::kString), string_(value) {}
  Field(std::string_view key, const char* value)
      : Field(key, std::string_view(value)) {}
  Field(std::string_view key, bool value)
      : key_(key), kind_(Kind::kBool), bool_(value) {}
  Field(std::string_view key, double value)
      : key_(key), kind_(Kind::kDouble), double_(value) {}
  // Any integer type other than bool and char.
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> &&
                                 !std::is_same_v<T, bool> &&
                                 !std::is_same_v<T, char>,
                             int> = 0>
  Field(std::string_view key, T value) : key_(key) {
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kInt;
      int_ = static_cast<std::int64_t>(value);
    } else {
      kind_ = Kind::kUint;
      uint_ = static_cast<std::uint64_t>(value);
    }
  }

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  std::string_view string_value() const { return string_; }
  std::int64_t int_value() const { return int_; }
  std::uint64_t uint_value() const { return uint_; }
  bool bool_value() const { return bool_; }
  double double_value() const { return double_; }

 private:
  std::string_view key_;
  Kind kind_ = Kind::kString;
  std::string_view string_;
  std::int64_t int_ = 0;
  std::uint64_t uint_ = 0;
  bool bool_ = false;
  double double_ = 0;
};

// Writes `level`, `event` and `fields` as one JSON line if `level` is at or
// above the minimum level. Adds "service" once SetLogService has named it,
// and "trace_id" when a ScopedTrace is active on this thread. Non-finite
// doubles are written as null.
void Log(Level level, std::string_view event,
         std::initializer_list<Field> fields = {});

// Events below `level` are discarded. Default: kInfo.
void SetMinLevel(Level level);

// Names the service every later line of this process is written by
// ("service":"intake-svc", after "level"), so that the lines of several
// services gathered in one place say whose they are. Set once, at start-up,
// before other threads log (each service's main, through
// server::RunUntilSignal); empty stops writing it. Unset (tests, tools): no
// "service" key unless a line's own fields carry one.
void SetLogService(std::string_view service);
// The name SetLogService gave, or empty.
std::string_view LogService();

// "FRONT_DOOR_ADULT_VICTIM" with prefix "FRONT_DOOR_" -> "adult_victim": an
// enum value name without its type prefix, lower-cased, for metric labels
// and log fields.
std::string EnumLabel(std::string_view value_name, std::string_view prefix);
Level MinLevel();
// True when an event at `level` would be written; lets callers skip
// computing expensive fields.
bool IsEnabled(Level level);

// Where lines go. Write() receives one complete line ending in '\n' and may be
// called from many threads at once.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Replaces the sink (nullptr restores stderr). The sink is not owned and must
// stay alive until it is replaced and no Log() call that may still use it is
// running. Meant for start-up and tests.
void SetLogSink(LogSink* sink);

// Replaces the clock used for "ts" (nullptr restores the real clock). Same
// lifetime rule as SetLogSink.
void SetLogClock(const Clock* clock);

// Appends `s` to `out` as a JSON string literal: quotes, backslash and every
// control character escaped (\n, \t, ... or \u00XX, DEL as \u007f); other
// bytes, including UTF-8 sequences, copied as they are.
void AppendJsonString(std::string_view s, std::string* out);

// The line Log() would write for these arguments, without the level filter.
// `trace_id` and `service` are written when non-empty (a non-empty
// `service` drops a field keyed "service").
std::string FormatLogLine(absl::Time ts, Level level, std::string_view event,
                          std::string_view trace_id,
                          std::initializer_list<Field> fields,
                          std::string_view service = {});

}  // namespace frontdoor
