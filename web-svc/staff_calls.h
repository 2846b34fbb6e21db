#pragma once

// How the console calls the services (ADR 0012): over mTLS as web-svc,
// naming the person acting (frontdoor-actor: their staff account's id) and
// their staff role (frontdoor-staff-role), with a deadline and a new trace
// on every call. Answers are the services' own messages; errors their
// statuses, field violations kept (FromGrpcStatus), for the page to show.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/status/grpc_status.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "web-svc/roles.h"

namespace frontdoor::web {

// The person a console call acts for.
struct Staff {
  // Their staff account's id (never their name: the services' audit rows
  // name "<account id> as <role>").
  std::string account_id;
  Role role = Role::kUnspecified;
};

class StaffCalls {
 public:
  using IntakeStub = intake::v1::IntakeService::StubInterface;
  using TriageStub = triage::v1::TriageService::StubInterface;
  using AllocationStub = allocation::v1::AllocationService::StubInterface;

  struct Deadlines {
    absl::Duration intake;
    absl::Duration triage;
    absl::Duration allocation;
  };

  StaffCalls(std::unique_ptr<IntakeStub> intake,
             std::unique_ptr<TriageStub> triage,
             std::unique_ptr<AllocationStub> allocation, Deadlines deadlines)
      : intake_(std::move(intake)),
        triage_(std::move(triage)),
        allocation_(std::move(allocation)),
        deadlines_(deadlines) {}

  // One unary call of each service, for example
  //   calls.Triage(&StaffCalls::TriageStub::ListQueue, staff, request).
  template <typename Request, typename Response>
  absl::StatusOr<Response> Intake(
      grpc::Status (IntakeStub::*method)(grpc::ClientContext*, const Request&,
                                         Response*),
      const Staff& staff, const Request& request) const {
    return Call(*intake_, method, deadlines_.intake, staff, request);
  }
  template <typename Request, typename Response>
  absl::StatusOr<Response> Triage(
      grpc::Status (TriageStub::*method)(grpc::ClientContext*, const Request&,
                                         Response*),
      const Staff& staff, const Request& request) const {
    return Call(*triage_, method, deadlines_.triage, staff, request);
  }
  template <typename Request, typename Response>
  absl::StatusOr<Response> Allocation(
      grpc::Status (AllocationStub::*method)(grpc::ClientContext*,
                                             const Request&, Response*),
      const Staff& staff, const Request& request) const {
    return Call(*allocation_, method, deadlines_.allocation, staff, request);
  }

  // Deadline, frontdoor-actor, frontdoor-staff-role and a new traceparent
  // (also for the data-protection officer's calls, rights_calls.h).
  static void Prepare(grpc::ClientContext& ctx, const Staff& staff,
                      absl::Duration deadline);

 private:

  template <typename Stub, typename Request, typename Response>
  static absl::StatusOr<Response> Call(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      absl::Duration deadline, const Staff& staff, const Request& request) {
    grpc::ClientContext ctx;
    Prepare(ctx, staff, deadline);
    Response response;
    const absl::Status s = FromGrpcStatus((stub.*method)(&ctx, request, &response));
    if (!s.ok()) return s;
    return response;
  }

  std::unique_ptr<IntakeStub> intake_;
  std::unique_ptr<TriageStub> triage_;
  std::unique_ptr<AllocationStub> allocation_;
  const Deadlines deadlines_;
};

}  // namespace frontdoor::web
