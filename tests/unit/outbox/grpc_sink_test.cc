// The gRPC sink continues the trace of the call that queued an event: the
// traceparent it sends carries the stored trace id (a new root only when
// none is stored), and its log line of the delivery carries the same id.
#include "common/outbox/grpc_sink.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox.h"
#include "common/outbox/relay.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/wrappers.pb.h"
#include "grpcpp/test/client_context_test_peer.h"
#include "gtest/gtest.h"
#include "tests/testing/captured_log.h"
#include "tests/testing/core_fixture.h"

namespace frontdoor::outbox {
namespace {

using ::testing::HasSubstr;
using Message = google::protobuf::StringValue;
using Response = google::protobuf::Empty;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
constexpr char kTopic[] = "triage.referral_received";
constexpr char kReference[] = "FD-7K3M9Q2X4W8P";

class GrpcSinkTest : public testing::CoreStoreTest {
 protected:
  void SetUp() override { OpenStore({}); }

  // Queues `event_id` (under `reference`) through Store::Write from this
  // thread, as a core does.
  void Queue(const std::string& event_id) {
    Message event;
    event.set_value(event_id);
    ASSERT_TRUE(store_
                    ->WriteSync([&](store::Tx& tx) {
                      return EnqueueSealed(tx, *keys_, kReference, kTopic,
                                           event_id, event, clock_.Now());
                    })
                    .ok());
  }

  // A sink whose "call" records the traceparent header it was given.
  UnarySink<Message, Response> MakeSink() {
    return UnarySink<Message, Response>(
        *store_, *keys_, kTopic, absl::Seconds(5), "relay",
        [this](grpc::ClientContext* context, const Message* message,
               Response*, std::function<void(grpc::Status)> done) {
          grpc::testing::ClientContextTestPeer peer(context);
          std::multimap<std::string, std::string> sent =
              peer.GetSendInitialMetadata();
          auto it = sent.find(std::string(kTraceparentHeader));
          {
            absl::MutexLock lock(&mu_);
            headers_[message->value()] = it == sent.end() ? "" : it->second;
          }
          done(grpc::Status::OK);
        });
  }

  std::string HeaderFor(const std::string& event_id) {
    absl::MutexLock lock(&mu_);
    return headers_[event_id];
  }

  FakeClock clock_{kStart};
  absl::Mutex mu_;
  std::map<std::string, std::string> headers_ ABSL_GUARDED_BY(mu_);
};

TEST_F(GrpcSinkTest, SendsTheStoredTraceFromANewSpanAndLogsWithIt) {
  const TraceContext call = NewTrace();
  {
    ScopedTrace scope(call.trace_id);
    Queue(absl::StrCat(kReference, ":received"));
  }
  UnarySink<Message, Response> sink = MakeSink();
  testing::ScopedCapturedLog log;
  Relay relay(*store_, sink, clock_);
  ASSERT_EQ(*relay.RunOnce(), 1);

  std::optional<TraceContext> sent =
      ParseTraceparent(HeaderFor(absl::StrCat(kReference, ":received")));
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->trace_id, call.trace_id);
  EXPECT_NE(sent->parent_id, call.parent_id);
  EXPECT_THAT(log.text(),
              HasSubstr(absl::StrCat("\"event\":\"outbox.delivered\","
                                     "\"trace_id\":\"",
                                     call.trace_id, "\",\"topic\":\"", kTopic,
                                     "\",\"event_id\":\"", kReference,
                                     ":received\"")));
}

TEST_F(GrpcSinkTest, AnEventWithoutATraceGetsANewRootPerDelivery) {
  Queue("FD-1:a");
  Queue("FD-1:b");
  UnarySink<Message, Response> sink = MakeSink();
  testing::ScopedCapturedLog log;
  Relay relay(*store_, sink, clock_);
  ASSERT_EQ(*relay.RunOnce(), 2);

  std::optional<TraceContext> a = ParseTraceparent(HeaderFor("FD-1:a"));
  std::optional<TraceContext> b = ParseTraceparent(HeaderFor("FD-1:b"));
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_NE(a->trace_id, b->trace_id);
  // The relay's log line of each delivery names the root the sink sent.
  EXPECT_THAT(log.text(), HasSubstr(absl::StrCat("\"trace_id\":\"",
                                                 a->trace_id,
                                                 "\",\"topic\":\"", kTopic,
                                                 "\",\"event_id\":\"FD-1:a\"")));
  EXPECT_THAT(log.text(), HasSubstr(absl::StrCat("\"trace_id\":\"",
                                                 b->trace_id,
                                                 "\",\"topic\":\"", kTopic,
                                                 "\",\"event_id\":\"FD-1:b\"")));
}

TEST_F(GrpcSinkTest, DeliveredAloneItContinuesTheStoredTrace) {
  Event event;
  Message message;
  message.set_value("FD-2:x");
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::Tx& tx) -> absl::Status {
                    absl::StatusOr<std::string> sealed = SealEvent(
                        tx, *keys_, "FD-2", message, "FD-2:x", clock_.Now());
                    if (!sealed.ok()) return sealed.status();
                    event.payload = *sealed;
                    return absl::OkStatus();
                  })
                  .ok());
  event.event_id = "FD-2:x";
  event.topic = kTopic;
  event.traceparent = "00-4bf92f3577b34a4e83d7d5d5a4bd4da0-00f067aa0ba902b7-01";
  UnarySink<Message, Response> sink = MakeSink();
  ASSERT_TRUE(sink.Deliver(event, absl::InfiniteFuture()).ok());
  std::optional<TraceContext> sent = ParseTraceparent(HeaderFor("FD-2:x"));
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->trace_id, "4bf92f3577b34a4e83d7d5d5a4bd4da0");
  EXPECT_NE(sent->parent_id, "00f067aa0ba902b7");
  EXPECT_TRUE(sent->sampled);
}

}  // namespace
}  // namespace frontdoor::outbox
