#pragma once

// The data-protection officer's calls (ADR 0012, as StaffCalls): each
// service's DataRights (frontdoor/common/v1/data_rights.proto) over mTLS
// as web-svc, naming the person and their staff role. Each of intake-svc,
// triage-svc, allocation-svc and notify-svc answers for its own data
// only, so every request goes to all four and each answer is kept, a
// refusal or a service that did not answer included, for the page to show.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/status/grpc_status.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "web-svc/service_answer.h"
#include "web-svc/staff_calls.h"

namespace frontdoor::web {

// The services asked, in the order pages show them.
inline constexpr const char* kRightsServices[] = {
    "intake-svc", "triage-svc", "allocation-svc", "notify-svc"};

class RightsCalls {
 public:
  using Stub = common::v1::DataRights::StubInterface;

  struct Target {
    // As kRightsServices names it.
    std::string service;
    std::unique_ptr<Stub> stub;
    absl::Duration deadline;
  };

  explicit RightsCalls(std::vector<Target> targets)
      : targets_(std::move(targets)) {}

  // The request to every service, one after another; each one's answer in
  // the targets' order, for example
  //   calls.All(&RightsCalls::Stub::GetRightsState, staff, request).
  template <typename Request, typename Response>
  std::vector<ServiceAnswer<Response>> All(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Staff& staff, const Request& request) const {
    std::vector<ServiceAnswer<Response>> out;
    for (const Target& t : targets_) {
      grpc::ClientContext ctx;
      StaffCalls::Prepare(ctx, staff, t.deadline);
      Response response;
      const absl::Status s =
          FromGrpcStatus(((*t.stub).*method)(&ctx, request, &response));
      if (s.ok()) {
        out.push_back({t.service, std::move(response)});
      } else {
        out.push_back({t.service, s});
      }
    }
    return out;
  }

 private:
  std::vector<Target> targets_;
};

}  // namespace frontdoor::web
