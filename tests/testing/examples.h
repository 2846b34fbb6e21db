#pragma once

// The example referrals in tools/examples/, and the metadata every test call
// carries.

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "frontdoor/common/v1/referral.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"

namespace frontdoor::testing {

// tools/examples/<name> as a Referral; a file that does not parse fails the
// test.
inline common::v1::Referral ExampleReferral(const std::string& name) {
  std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) + "/tools/examples/" +
                   name);
  std::stringstream json;
  json << in.rdbuf();
  common::v1::Referral r;
  auto status = google::protobuf::util::JsonStringToMessage(json.str(), &r);
  EXPECT_TRUE(status.ok()) << name << ": " << status.ToString();
  return r;
}

// A 10-second deadline and the person acting.
inline void PrepareCall(grpc::ClientContext& ctx,
                        const char* actor = "Test Person") {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ctx.AddMetadata("frontdoor-actor", actor);
}

}  // namespace frontdoor::testing
