#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/status/status_json.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/testing/captured_log.h"

namespace frontdoor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;


TEST(StatusTest, ViolationsSurviveTheEdgeAsBadRequest) {
  absl::Status status = InvalidArgumentWithViolations(
      "referral is incomplete",
      {{"referral.subject.name.family_name", "required"},
       {"referral.concerns", "too long: at most 10000 characters"}});
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(),
            "referral is incomplete (2 field violations)");

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(),
            "referral.subject.name.family_name");
  EXPECT_EQ(bad_request.field_violations(1).description(),
            "too long: at most 10000 characters");

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(GetFieldViolations(back),
              ElementsAre(FieldViolation{"referral.subject.name.family_name",
                                         "required"},
                          FieldViolation{"referral.concerns",
                                         "too long: at most 10000 characters"}));
}

// A refusal for rate carries how long to wait as google.rpc.RetryInfo in
// grpc-status-details-bin, rounded up to whole milliseconds.
TEST(StatusTest, RetryDelaySurvivesTheEdgeAsRetryInfo) {
  const absl::Status status = ResourceExhaustedRetryAfter(
      "too many calls", absl::Milliseconds(1500) + absl::Microseconds(1));
  EXPECT_EQ(GetRetryDelay(status), absl::Milliseconds(1501));
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(wire.error_message(), "too many calls");

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::RetryInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.retry_delay().seconds(), 1);
  EXPECT_EQ(info.retry_delay().nanos(), 501000000);

  EXPECT_EQ(GetRetryDelay(FromGrpcStatus(wire)), absl::Milliseconds(1501));
  // Never a zero delay, which a client could take as "retry at once".
  EXPECT_EQ(GetRetryDelay(ResourceExhaustedRetryAfter("x", absl::ZeroDuration())),
            absl::Milliseconds(1));
}

TEST(StatusTest, InternalTextNeverReachesTheCaller) {
  for (absl::Status status :
       {absl::InternalError("sqlite: disk I/O error at /var/lib/x.db"),
        absl::UnknownError("secret detail"),
        absl::DataLossError("blob for FD-1 failed authentication")}) {
    grpc::Status wire = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(wire.error_code()),
              static_cast<int>(status.code()));
    EXPECT_EQ(wire.error_message().find(std::string(status.message())),
              std::string::npos);
    EXPECT_TRUE(wire.error_details().empty());
  }
}

// The store's errors keep their code (UNAVAILABLE: retry) but never show
// the caller the database's text; the text is logged.
TEST(StatusTest, InternalDetailKeepsTheCodeNotTheText) {
  testing::ScopedCapturedLog log;
  const absl::Status down = WithInternalDetail(absl::UnavailableError(
      "postgres: cannot connect: connection to server at \"db.internal\""));
  ASSERT_TRUE(HasInternalDetail(down));
  grpc::Status wire = ToGrpcStatus(down);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(wire.error_message(), HasSubstr("retry later"));
  EXPECT_THAT(wire.error_message(), Not(HasSubstr("db.internal")));
  EXPECT_THAT(log.text(), HasSubstr("rpc.error_detail"));
  EXPECT_THAT(log.text(), HasSubstr("db.internal"));

  wire = ToGrpcStatus(WithInternalDetail(absl::AlreadyExistsError(
      "sqlite: UNIQUE constraint failed: referrals.idempotency_key")));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(wire.error_message(), Not(HasSubstr("UNIQUE")));

  EXPECT_FALSE(HasInternalDetail(absl::UnavailableError("x")));
  EXPECT_TRUE(WithInternalDetail(absl::OkStatus()).ok());
}

TEST(StatusTest, CodesAndMessagesPassThrough) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  grpc::Status wire = ToGrpcStatus(absl::NotFoundError("no referral FD-X"));
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(wire.error_message(), "no referral FD-X");
  EXPECT_TRUE(wire.error_details().empty());
  EXPECT_TRUE(GetFieldViolations(absl::NotFoundError("x")).empty());
}

TEST(StatusJsonTest, CodeMessageViolationsAndTraceId) {
  const absl::Status status = InvalidArgumentWithViolations(
      "referral is incomplete",
      {{"referral.subject.date_of_birth", "in the \"future\""}});
  EXPECT_EQ(StatusToJson(status, "4bf92f3577b34da6a3ce929d0e0e4736"),
            "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"referral is "
            "incomplete (1 field violation)\",\"field_violations\":[{"
            "\"field\":\"referral.subject.date_of_birth\",\"description\":"
            "\"in the \\\"future\\\"\"}],\"trace_id\":"
            "\"4bf92f3577b34da6a3ce929d0e0e4736\"}");
  EXPECT_EQ(StatusToJson(absl::NotFoundError("cannot read ca.pem")),
            "{\"code\":\"NOT_FOUND\",\"message\":\"cannot read ca.pem\","
            "\"field_violations\":[]}");
}

TEST(StatusJsonTest, AWireStatusPrintsTheSameAfterTheConverter) {
  const absl::Status status = InvalidArgumentWithViolations(
      "bad", {{"a", "x"}, {"b", "y"}});
  EXPECT_EQ(StatusToJson(FromGrpcStatus(ToGrpcStatus(status))),
            StatusToJson(status));
}

}  // namespace
}  // namespace frontdoor
