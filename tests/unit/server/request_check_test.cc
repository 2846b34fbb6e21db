// The wire check that runs before protobuf parses a request
// (common/server/request_check.h), on real frontdoor request types.
#include "common/server/request_check.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status/errors.h"
#include "frontdoor/intake/v1/intake.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace frontdoor::server {
namespace {

using intake::v1::SubmitReferralRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using WFL = google::protobuf::internal::WireFormatLite;

SubmitReferralRequest Request() {
  SubmitReferralRequest request;
  request.set_idempotency_key("key-1");
  auto& referral = *request.mutable_referral();
  referral.mutable_subject()->mutable_name()->set_given_names("Alex");
  referral.mutable_subject()->mutable_name()->set_family_name("Quxley");
  referral.add_children()->mutable_name()->set_given_names("Sam");
  referral.add_children()->mutable_name()->set_given_names("Jo");
  referral.set_concerns("worried");
  return request;
}

std::string Replace(std::string bytes, const std::string& from,
                    const std::string& to) {
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos);
  bytes.replace(at, from.size(), to);
  return bytes;
}

std::vector<FieldViolation> Violations(const std::string& bytes) {
  absl::Status status =
      CheckRequestWire(bytes, *SubmitReferralRequest::descriptor());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return GetFieldViolations(status);
}

// `message` with an extra field appended: number, length-delimited, `size`
// bytes of 'x'.
std::string WithUnknownField(std::string message, int number, size_t size) {
  std::string extra;
  {
    google::protobuf::io::StringOutputStream out(&extra);
    google::protobuf::io::CodedOutputStream coded(&out);
    WFL::WriteString(number, std::string(size, 'x'), &coded);
  }
  return message + extra;
}

TEST(RequestCheckTest, AcceptsWhatAGeneratedClientSends) {
  EXPECT_TRUE(CheckRequestWire(Request().SerializeAsString(),
                               *SubmitReferralRequest::descriptor())
                  .ok());
  EXPECT_TRUE(
      CheckRequestWire("", *SubmitReferralRequest::descriptor()).ok());
}

TEST(RequestCheckTest, NamesANestedStringThatIsNotUtf8) {
  const std::string bytes =
      Replace(Request().SerializeAsString(), "Quxley", "Qu\xc3\x28" "ey");
  ASSERT_FALSE(SubmitReferralRequest().ParseFromString(bytes));
  EXPECT_THAT(Violations(bytes),
              ElementsAre(FieldViolation{"referral.subject.name.family_name",
                                         "must be valid UTF-8"}));
}

TEST(RequestCheckTest, NamesTheElementOfARepeatedField) {
  const std::string bytes =
      Replace(Request().SerializeAsString(), "Jo", "J\xff");
  EXPECT_THAT(Violations(bytes),
              ElementsAre(FieldViolation{"referral.children[1].name.given_names",
                                         "must be valid UTF-8"}));
}

TEST(RequestCheckTest, RefusesUnknownFieldsWhereverTheyAre) {
  // Protobuf itself accepts these and keeps them.
  const std::string top =
      WithUnknownField(Request().SerializeAsString(), 4242, 1000);
  ASSERT_TRUE(SubmitReferralRequest().ParseFromString(top));
  std::vector<FieldViolation> violations = Violations(top);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "4242");
  EXPECT_THAT(violations[0].description, HasSubstr("unknown field"));

  // Inside referral.subject.name: protobuf keeps an unknown field it parsed
  // and serialises it again in place.
  SubmitReferralRequest request = Request();
  common::v1::PersonName name = request.referral().subject().name();
  common::v1::PersonName padded;
  ASSERT_TRUE(padded.ParseFromString(
      WithUnknownField(name.SerializeAsString(), 99, 10)));
  *request.mutable_referral()->mutable_subject()->mutable_name() = padded;
  violations = Violations(request.SerializeAsString());
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "referral.subject.name.99");
}

TEST(RequestCheckTest, RefusesAKnownFieldWithTheWrongWireType) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream out(&bytes);
    google::protobuf::io::CodedOutputStream coded(&out);
    WFL::WriteInt32(1, 7, &coded);  // idempotency_key is a string
  }
  EXPECT_THAT(Violations(bytes),
              ElementsAre(FieldViolation{
                  "idempotency_key",
                  "was sent with the wrong wire type for its field type"}));
}

TEST(RequestCheckTest, RefusesMalformedAndTruncatedBytes) {
  const std::string bytes = Request().SerializeAsString();
  for (size_t cut : {size_t{1}, bytes.size() / 2, bytes.size() - 1}) {
    absl::Status status = CheckRequestWire(
        bytes.substr(0, cut), *SubmitReferralRequest::descriptor());
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << cut;
  }
  EXPECT_EQ(CheckRequestWire(std::string("\x00\x01", 2),
                             *SubmitReferralRequest::descriptor())
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequestCheckTest, NeverEchoesTheBytes) {
  const std::string bytes =
      Replace(Request().SerializeAsString(), "Quxley", "Qu\xc3\x28" "ey");
  absl::Status status =
      CheckRequestWire(bytes, *SubmitReferralRequest::descriptor());
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("Qu")));
}

}  // namespace
}  // namespace frontdoor::server
