#include "common/logging/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <system_error>

#include "absl/time/clock.h"
#include "common/logging/traceparent.h"

namespace frontdoor {
namespace {

// Typical line length; reserving it avoids regrowth for almost every line.
constexpr std::size_t kLineReserveBytes = 256;
constexpr std::string_view kTruncationMarker = "...";
constexpr std::string_view kReservedKeys[] = {"ts", "level", "event",
                                              "trace_id"};
constexpr std::string_view kServiceKey = "service";

class StderrSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    // One write(2) per line; the loop only continues after a partial write
    // (not expected for lines shorter than PIPE_BUF) or EINTR.
    const char* data = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(STDERR_FILENO, data, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // Nowhere left to report a failure to log.
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
};

StderrSink& DefaultSink() {
  static StderrSink* sink = new StderrSink();
  return *sink;
}

std::atomic<LogSink*> g_sink{nullptr};
std::atomic<const Clock*> g_clock{nullptr};
std::atomic<Level> g_min_level{Level::kInfo};
// Set at start-up; a replaced name is leaked, so a line being written on
// another thread never reads a freed one.
std::atomic<const std::string*> g_service{nullptr};

bool IsReservedKey(std::string_view key) {
  for (std::string_view reserved : kReservedKeys) {
    if (key == reserved) return true;
  }
  return false;
}

// Cuts `s` to at most kMaxFieldValueBytes including the marker, never inside
// a UTF-8 sequence.
std::string_view TruncateForLog(std::string_view s, bool* truncated) {
  *truncated = s.size() > kMaxFieldValueBytes;
  if (!*truncated) return s;
  std::size_t end = kMaxFieldValueBytes - kTruncationMarker.size();
  // Back up over continuation bytes (10xxxxxx) to a character start.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

template <typename T>
void AppendNumber(T value, std::string* out) {
  char buf[32];
  auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, result.ptr);
}

void AppendValue(const Field& field, std::string* out) {
  switch (field.kind()) {
    case Field::Kind::kString: {
      bool truncated = false;
      std::string_view v = TruncateForLog(field.string_value(), &truncated);
      if (!truncated) {
        AppendJsonString(v, out);
      } else {
        std::string cut(v);
        cut.append(kTruncationMarker);
        AppendJsonString(cut, out);
      }
      break;
    }
    case Field::Kind::kInt:
      AppendNumber(field.int_value(), out);
      break;
    case Field::Kind::kUint:
      AppendNumber(field.uint_value(), out);
      break;
    case Field::Kind::kBool:
      out->append(field.bool_value() ? "true" : "false");
      break;
    case Field::Kind::kDouble:
      if (std::isfinite(field.double_value())) {
        AppendNumber(field.double_value(), out);  // Shortest round-trip form.
      } else {
        out->append("null");
      }
      break;
  }
}

}  // namespace

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "error";
}

std::optional<Level> ParseLevel(std::string_view name) {
  for (Level level :
       {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (name == LevelName(level)) return level;
  }
  return std::nullopt;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  std::size_t run_start = 0;  // Unescaped bytes are appended in runs.
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) continue;
    out->append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xF]);
    }
  }
  out->append(s.data() + run_start, s.size() - run_start);
  out->push_back('"');
}

std::string FormatLogLine(absl::Time ts, Level level, std::string_view event,
                          std::string_view trace_id,
                          std::initializer_list<Field> fields,
                          std::string_view service) {
  std::string line;
  line.reserve(kLineReserveBytes);
  line.append("{\"ts\":\"");
  line.append(absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", ts,
                               absl::UTCTimeZone()));
  line.append("\",\"level\":\"");
  line.append(LevelName(level));
  line.push_back('"');
  if (!service.empty()) {
    line.append(",\"service\":");
    AppendJsonString(service, &line);
  }
  line.append(",\"event\":");
  AppendJsonString(event, &line);
  if (!trace_id.empty()) {
    line.append(",\"trace_id\":");
    AppendJsonString(trace_id, &line);
  }
  for (const Field& field : fields) {
    if (IsReservedKey(field.key())) continue;
    if (!service.empty() && field.key() == kServiceKey) continue;
    line.push_back(',');
    AppendJsonString(field.key(), &line);
    line.push_back(':');
    AppendValue(field, &line);
  }
  line.append("}\n");
  return line;
}

void Log(Level level, std::string_view event,
         std::initializer_list<Field> fields) {
  if (!IsEnabled(level)) return;
  const Clock* clock = g_clock.load(std::memory_order_acquire);
  absl::Time now = clock != nullptr ? clock->Now() : absl::Now();
  std::string line = FormatLogLine(now, level, event, CurrentTraceId(),
                                   fields, LogService());
  LogSink* sink = g_sink.load(std::memory_order_acquire);
  (sink != nullptr ? *sink : DefaultSink()).Write(line);
}

void SetMinLevel(Level level) {
  g_min_level.store(level, std::memory_order_relaxed);
}

Level MinLevel() { return g_min_level.load(std::memory_order_relaxed); }

bool IsEnabled(Level level) {
  return static_cast<int>(level) >= static_cast<int>(MinLevel());
}

void SetLogService(std::string_view service) {
  g_service.store(service.empty() ? nullptr : new std::string(service),
                  std::memory_order_release);
}

std::string_view LogService() {
  const std::string* service = g_service.load(std::memory_order_acquire);
  return service != nullptr ? std::string_view(*service) : std::string_view();
}

void SetLogSink(LogSink* sink) {
  g_sink.store(sink, std::memory_order_release);
}

void SetLogClock(const Clock* clock) {
  g_clock.store(clock, std::memory_order_release);
}

std::string EnumLabel(std::string_view value_name, std::string_view prefix) {
  if (value_name.substr(0, prefix.size()) == prefix) {
    value_name.remove_prefix(prefix.size());
  }
  std::string out(value_name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace frontdoor
