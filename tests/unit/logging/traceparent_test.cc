#include "common/logging/traceparent.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor {
namespace {

using ::testing::MatchesRegex;

constexpr char kValid[] =
    "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01";

TEST(ParseTraceparentTest, AcceptsTheSpecificationExample) {
  std::optional<TraceContext> ctx = ParseTraceparent(kValid);
  ASSERT_TRUE(ctx.has_value());
  EXPECT_EQ(ctx->trace_id, "4bf92f3577b34a4e83d7d5d5a4bd4da0");
  EXPECT_EQ(ctx->parent_id, "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled);
}

TEST(ParseTraceparentTest, ReadsTheSampledBitOnly) {
  auto not_sampled = ParseTraceparent(
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-00");
  ASSERT_TRUE(not_sampled.has_value());
  EXPECT_FALSE(not_sampled->sampled);
  auto other_bits = ParseTraceparent(
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-fe");
  ASSERT_TRUE(other_bits.has_value());
  EXPECT_FALSE(other_bits->sampled);
  auto odd = ParseTraceparent(
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-03");
  ASSERT_TRUE(odd.has_value());
  EXPECT_TRUE(odd->sampled);
}

TEST(ParseTraceparentTest, RejectsEverythingElse) {
  const char* kInvalid[] = {
      "",
      // Other versions, including the forbidden ff.
      "01-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01",
      "ff-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01",
      // Uppercase hex anywhere.
      "00-4BF92F3577B34A4E83D7D5D5A4BD4DA0-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00F067AA0BA902B7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-0A",
      // All-zero ids.
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-0000000000000000-01",
      // Wrong lengths.
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da00-0f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-1",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01-",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01-extra",
      // Separators and surrounding space.
      "00_4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0_00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7_01",
      " 00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01 ",
      // Non-hex characters.
      "00-4bf92f3577b34a4e83d7d5d5a4bd4dag-00f067aa0ba902b7-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902bz-01",
      "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-0x",
  };
  for (const char* header : kInvalid) {
    EXPECT_FALSE(ParseTraceparent(header).has_value()) << header;
  }
}

TEST(NewTraceTest, ProducesValidDistinctIds) {
  std::set<std::string> trace_ids;
  std::set<std::string> span_ids;
  for (int i = 0; i < 1000; ++i) {
    TraceContext ctx = NewTrace();
    EXPECT_THAT(ctx.trace_id, MatchesRegex("[0-9a-f]{32}"));
    EXPECT_THAT(ctx.parent_id, MatchesRegex("[0-9a-f]{16}"));
    EXPECT_TRUE(ctx.sampled);
    trace_ids.insert(ctx.trace_id);
    std::string span = NewSpanId();
    EXPECT_THAT(span, MatchesRegex("[0-9a-f]{16}"));
    span_ids.insert(span);
  }
  EXPECT_EQ(trace_ids.size(), 1000u);
  EXPECT_EQ(span_ids.size(), 1000u);
}

TEST(FormatTraceparentTest, RoundTripsThroughParse) {
  TraceContext ctx = NewTrace();
  std::string span = NewSpanId();
  std::string header = FormatTraceparent(ctx, span);
  EXPECT_EQ(header, "00-" + ctx.trace_id + "-" + span + "-01");
  std::optional<TraceContext> parsed = ParseTraceparent(header);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, ctx.trace_id);
  EXPECT_EQ(parsed->parent_id, span);
  EXPECT_TRUE(parsed->sampled);

  ctx.sampled = false;
  EXPECT_EQ(FormatTraceparent(ctx, span),
            "00-" + ctx.trace_id + "-" + span + "-00");
}

TEST(ScopedTraceTest, SetsAndRestoresCurrentTraceId) {
  EXPECT_EQ(CurrentTraceId(), "");
  {
    ScopedTrace outer("aaaa");
    EXPECT_EQ(CurrentTraceId(), "aaaa");
    {
      ScopedTrace inner("bbbb");
      EXPECT_EQ(CurrentTraceId(), "bbbb");
    }
    EXPECT_EQ(CurrentTraceId(), "aaaa");
  }
  EXPECT_EQ(CurrentTraceId(), "");
}

TEST(ScopedTraceTest, AcceptsTheCurrentIdItself) {
  const std::string id = NewTrace().trace_id;
  ScopedTrace outer(id);
  {
    ScopedTrace same(CurrentTraceId());
    EXPECT_EQ(CurrentTraceId(), id);
  }
  EXPECT_EQ(CurrentTraceId(), id);
}

TEST(CurrentTraceparentTest, ContinuesTheCurrentTraceFromANewSpan) {
  EXPECT_EQ(CurrentTraceparent(), "");
  const TraceContext root = NewTrace();
  ScopedTrace scope(root.trace_id);
  const std::string first = CurrentTraceparent();
  std::optional<TraceContext> parsed = ParseTraceparent(first);
  ASSERT_TRUE(parsed.has_value()) << first;
  EXPECT_EQ(parsed->trace_id, root.trace_id);
  EXPECT_TRUE(parsed->sampled);
  std::optional<TraceContext> second = ParseTraceparent(CurrentTraceparent());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->trace_id, root.trace_id);
  EXPECT_NE(second->parent_id, parsed->parent_id);
}

}  // namespace
}  // namespace frontdoor
