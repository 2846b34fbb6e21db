#include "common/logging/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "common/clock/clock.h"
#include "common/logging/traceparent.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace frontdoor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

class CapturingSink final : public LogSink {
 public:
  void Write(std::string_view line) override {
    absl::MutexLock lock(&mu_);
    lines_.emplace_back(line);
  }
  std::vector<std::string> lines() const {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

absl::Time TestTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 0, 0),
                         absl::UTCTimeZone()) +
         absl::Microseconds(123456);
}

// Parses one log line (without its '\n') as JSON; fails the test if invalid.
google::protobuf::Struct ParseJson(std::string_view line) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << line;
  return parsed;
}

// Installs a capturing sink, a fake clock and level info for one test and
// restores the defaults after.
class LogTest : public ::testing::Test {
 protected:
  LogTest() : clock_(TestTime()) {
    SetLogSink(&sink_);
    SetLogClock(&clock_);
    SetMinLevel(Level::kInfo);
  }
  ~LogTest() override {
    SetLogSink(nullptr);
    SetLogClock(nullptr);
    SetMinLevel(Level::kInfo);
  }
  CapturingSink sink_;
  FakeClock clock_;
};

TEST_F(LogTest, WritesOneJsonLineWithTimestampLevelEventAndFields) {
  Log(Level::kInfo, "referral.accepted",
      {{"reference", "FD-7K3M9Q2X4W8P"}, {"front_door", "ADULT_VICTIM"}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  EXPECT_EQ(sink_.lines()[0],
            "{\"ts\":\"2026-11-23T09:00:00.123456Z\",\"level\":\"info\","
            "\"event\":\"referral.accepted\",\"reference\":\"FD-7K3M9Q2X4W8P\","
            "\"front_door\":\"ADULT_VICTIM\"}\n");
}

TEST_F(LogTest, WritesTypedValues) {
  std::string owned = "from-a-std-string";
  Log(Level::kWarning, "e",
      {{"i", -42},
       {"i64", std::numeric_limits<std::int64_t>::min()},
       {"u64", std::numeric_limits<std::uint64_t>::max()},
       {"yes", true},
       {"no", false},
       {"ms", 12.5},
       {"nan", std::nan("")},
       {"inf", std::numeric_limits<double>::infinity()},
       {"s", owned}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  EXPECT_THAT(sink_.lines()[0],
              HasSubstr("\"level\":\"warning\",\"event\":\"e\",\"i\":-42,"
                        "\"i64\":-9223372036854775808,"
                        "\"u64\":18446744073709551615,\"yes\":true,"
                        "\"no\":false,\"ms\":12.5,\"nan\":null,\"inf\":null,"
                        "\"s\":\"from-a-std-string\"}\n"));
}

TEST_F(LogTest, EscapesQuotesBackslashAndControlCharactersKeepsUtf8) {
  const std::string nasty =
      std::string("q\"b\\n\nr\rt\tb\bf\fnul") + '\0' + "\x01\x1f\x7f" +
      "caf\xC3\xA9 \xE2\x82\xAC";
  Log(Level::kInfo, "escape\"event", {{"k\"ey", nasty}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  const std::string line = sink_.lines()[0];
  EXPECT_THAT(line,
              HasSubstr("\"event\":\"escape\\\"event\",\"k\\\"ey\":"
                        "\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\fnul\\u0000\\u0001"
                        "\\u001f\\u007fcaf\xC3\xA9 \xE2\x82\xAC\"}\n"));
  // Exactly one line: the only raw newline is the terminator.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  google::protobuf::Struct parsed =
      ParseJson(std::string_view(line).substr(0, line.size() - 1));
  EXPECT_EQ(parsed.fields().at("k\"ey").string_value(), nasty);
  EXPECT_EQ(parsed.fields().at("event").string_value(), "escape\"event");
}

TEST_F(LogTest, DropsFieldsWithReservedKeys) {
  Log(Level::kInfo, "real.event",
      {{"event", "fake"}, {"ts", 1}, {"level", "error"}, {"trace_id", "x"},
       {"count", 3}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  const std::string line = sink_.lines()[0];
  EXPECT_THAT(line, Not(HasSubstr("fake")));
  EXPECT_THAT(line, Not(HasSubstr("trace_id")));
  EXPECT_THAT(line, HasSubstr("\"level\":\"info\",\"event\":\"real.event\","
                              "\"count\":3}"));
}

TEST_F(LogTest, TruncatesLongStringsAtACharacterBoundary) {
  // 300 two-byte characters: any cut at an odd byte would split one.
  std::string long_value;
  for (int i = 0; i < 300; ++i) long_value += "\xC3\xA9";
  Log(Level::kInfo, "e", {{"v", long_value}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  const std::string line = sink_.lines()[0];
  google::protobuf::Struct parsed =
      ParseJson(std::string_view(line).substr(0, line.size() - 1));
  const std::string& written = parsed.fields().at("v").string_value();
  EXPECT_LE(written.size(), kMaxFieldValueBytes);
  EXPECT_GE(written.size(), kMaxFieldValueBytes - 4);
  ASSERT_GE(written.size(), 3u);
  EXPECT_EQ(written.substr(written.size() - 3), "...");
  const std::string kept = written.substr(0, written.size() - 3);
  EXPECT_EQ(kept.size() % 2, 0u);
  EXPECT_EQ(kept, long_value.substr(0, kept.size()));
}

TEST_F(LogTest, KeepsStringsAtTheLimit) {
  const std::string at_limit(kMaxFieldValueBytes, 'x');
  Log(Level::kInfo, "e", {{"v", at_limit}});
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  EXPECT_THAT(sink_.lines()[0], HasSubstr("\"v\":\"" + at_limit + "\"}"));
}

TEST_F(LogTest, FiltersBelowMinimumLevel) {
  SetMinLevel(Level::kWarning);
  EXPECT_FALSE(IsEnabled(Level::kInfo));
  EXPECT_TRUE(IsEnabled(Level::kError));
  Log(Level::kDebug, "debug.event");
  Log(Level::kInfo, "info.event");
  Log(Level::kWarning, "warning.event");
  Log(Level::kError, "error.event");
  std::vector<std::string> lines = sink_.lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"warning\""));
  EXPECT_THAT(lines[1], HasSubstr("\"level\":\"error\""));
}

TEST_F(LogTest, AddsCurrentTraceIdAndRestoresItAfterScope) {
  const std::string outer = "4bf92f3577b34a4e83d7d5d5a4bd4da0";
  const std::string inner = "0af7651916cd43dd8448eb211c80319c";
  {
    ScopedTrace outer_scope(outer);
    Log(Level::kInfo, "one");
    {
      ScopedTrace inner_scope(inner);
      Log(Level::kInfo, "two");
    }
    Log(Level::kInfo, "three");
  }
  Log(Level::kInfo, "four");
  std::vector<std::string> lines = sink_.lines();
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_THAT(lines[0], HasSubstr("\"event\":\"one\",\"trace_id\":\"" + outer));
  EXPECT_THAT(lines[1], HasSubstr("\"event\":\"two\",\"trace_id\":\"" + inner));
  EXPECT_THAT(lines[2],
              HasSubstr("\"event\":\"three\",\"trace_id\":\"" + outer));
  EXPECT_THAT(lines[3], Not(HasSubstr("trace_id")));
}

TEST_F(LogTest, NamesTheServiceOnceSetAndDropsAServiceField) {
  Log(Level::kInfo, "before", {{"service", "own-field"}});
  SetLogService("triage-svc");
  {
    ScopedTrace scope("4bf92f3577b34a4e83d7d5d5a4bd4da0");
    Log(Level::kInfo, "after", {{"service", "own-field"}, {"count", 1}});
  }
  std::thread other([] { Log(Level::kWarning, "other.thread"); });
  other.join();
  SetLogService("");
  Log(Level::kInfo, "unset");
  std::vector<std::string> lines = sink_.lines();
  ASSERT_THAT(lines, SizeIs(4));
  // Unset: a line's own "service" field is kept.
  EXPECT_THAT(lines[0], HasSubstr("\"event\":\"before\",\"service\":"
                                  "\"own-field\"}"));
  EXPECT_THAT(lines[1],
              HasSubstr("\"level\":\"info\",\"service\":\"triage-svc\","
                        "\"event\":\"after\",\"trace_id\":"
                        "\"4bf92f3577b34a4e83d7d5d5a4bd4da0\",\"count\":1}"));
  EXPECT_THAT(lines[1], Not(HasSubstr("own-field")));
  EXPECT_THAT(lines[2], HasSubstr("\"level\":\"warning\",\"service\":"
                                  "\"triage-svc\",\"event\":\"other.thread\""));
  EXPECT_THAT(lines[3], Not(HasSubstr("service")));
  for (const std::string& line : lines) {
    ParseJson(std::string_view(line).substr(0, line.size() - 1));
  }
}

TEST_F(LogTest, TraceIdIsPerThread) {
  ScopedTrace scope("4bf92f3577b34a4e83d7d5d5a4bd4da0");
  std::thread other([] { Log(Level::kInfo, "other.thread"); });
  other.join();
  ASSERT_THAT(sink_.lines(), SizeIs(1));
  EXPECT_THAT(sink_.lines()[0], Not(HasSubstr("trace_id")));
}

TEST(LevelTest, NamesRoundTrip) {
  for (Level level :
       {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    EXPECT_EQ(ParseLevel(LevelName(level)), level);
  }
  EXPECT_EQ(ParseLevel("INFO"), std::nullopt);
  EXPECT_EQ(ParseLevel("warn"), std::nullopt);
}

// The default sink: many threads logging to stderr at once must produce whole
// lines only. stderr is pointed at a file for the test.
TEST(StderrSinkTest, LinesFromManyThreadsNeverInterleave) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 2000;
  char path[] = "/tmp/logging_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  fflush(stderr);
  int saved_stderr = dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_GE(dup2(fd, STDERR_FILENO), 0);

  SetLogSink(nullptr);
  SetMinLevel(Level::kInfo);
  // A value long enough that a torn write would be visible.
  const std::string padding(200, 'p');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &padding] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        Log(Level::kInfo, "concurrent", {{"thread", t}, {"i", i},
                                         {"padding", padding}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  ASSERT_GE(dup2(saved_stderr, STDERR_FILENO), 0);
  close(saved_stderr);
  close(fd);

  std::ifstream in(path);
  std::string line;
  std::vector<int> next_i(kThreads, 0);
  int count = 0;
  while (std::getline(in, line)) {
    google::protobuf::Struct parsed = ParseJson(line);
    ASSERT_EQ(parsed.fields().at("padding").string_value(), padding);
    int t = static_cast<int>(parsed.fields().at("thread").number_value());
    int i = static_cast<int>(parsed.fields().at("i").number_value());
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(i, next_i[t]) << "lines of one thread out of order";
    next_i[t] = i + 1;
    ++count;
  }
  std::remove(path);
  EXPECT_EQ(count, kThreads * kLinesPerThread);
}

}  // namespace
}  // namespace frontdoor
