#include "tools/frontdoorctl/frontdoorctl.h"

#include <algorithm>
#include <fstream>
#include <ostream>
#include <sstream>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/config.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/report/period.h"
#include "common/report/report_document.h"
#include "common/report/report_files.h"
#include "common/report/report_run.h"
#include "common/status/grpc_status.h"
#include "common/status/status_json.h"
#include "common/tls/credentials.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "tools/frontdoorctl/rights_commands.h"

namespace frontdoor::ctl {
namespace {

using ::frontdoor::intake::v1::GetReferralRequest;
using ::frontdoor::intake::v1::GetReferralResponse;
using ::frontdoor::intake::v1::SubmitReferralRequest;
using ::frontdoor::intake::v1::SubmitReferralResponse;

constexpr char kIdempotencyKeyPrefix[] = "frontdoorctl-";

absl::Status ToAbsl(const google::protobuf::util::Status& status,
                    std::string_view context) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(context), ": ", std::string(status.message())));
}

// Input files are read as the services read theirs (common/config): errors
// name the path and the OS error.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  return config::ReadFileToString(path);
}

std::string MessageToJson(const google::protobuf::Message& message) {
  std::string json;
  // Default options: lowerCamelCase names, default values omitted, one line.
  auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) return "{}";  // Only fails for invalid Any contents.
  return json;
}

// Same shape as RenderErrorJson, for failures before any call is made.
std::string RenderLocalErrorJson(const absl::Status& status) {
  return StatusToJson(status);
}

// One unary call with the options' metadata and deadline: prints the
// response JSON on `out` or the error JSON on `err`; returns the exit code.
template <typename Stub, typename Request, typename Response>
int CallAndPrint(const Options& options, Stub& stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
                 const Request& request, std::ostream& out,
                 std::ostream& err) {
  grpc::ClientContext context;
  std::string trace_id;
  PrepareContext(options, &context, &trace_id);
  Response response;
  const grpc::Status status = (stub.*method)(&context, request, &response);
  if (status.ok()) {
    out << MessageToJson(response) << "\n";
    return kExitOk;
  }
  err << RenderErrorJson(status, trace_id) << "\n";
  return ExitCodeFor(status.error_code());
}

}  // namespace

void PrepareContext(const Options& options, grpc::ClientContext* context,
                    std::string* trace_id) {
  TraceContext trace = NewTrace();
  *trace_id = trace.trace_id;
  context->AddMetadata(kActorMetadataKey, options.actor);
  context->AddMetadata(std::string(kTraceparentHeader),
                       FormatTraceparent(trace, NewSpanId()));
  if (!options.staff_role.empty()) {
    context->AddMetadata(kStaffRoleMetadataKey, options.staff_role);
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
}

bool IsAllocationCommand(Command command) {
  return command == Command::kProgrammes || command == Command::kPlacement ||
         command == Command::kWaiting || command == Command::kConsent ||
         command == Command::kRelease || command == Command::kFirstContact;
}

bool IsNotifyCommand(Command command) {
  return command == Command::kWatch || command == Command::kAck ||
         command == Command::kUpdates || command == Command::kReplay;
}

bool IsTriageCommand(Command command) {
  return command == Command::kQueue || command == Command::kDecision ||
         command == Command::kAssess;
}

absl::StatusOr<SubmitReferralRequest> ParseSubmitRequestJson(
    std::string_view json) {
  const google::protobuf::StringPiece piece(json.data(), json.size());
  google::protobuf::Struct top;
  auto status = google::protobuf::util::JsonStringToMessage(piece, &top);
  if (!status.ok()) return ToAbsl(status, "not a JSON object");

  SubmitReferralRequest request;
  if (top.fields().contains("referral")) {
    status = google::protobuf::util::JsonStringToMessage(piece, &request);
    if (!status.ok()) {
      return ToAbsl(status, "not a frontdoor.intake.v1.SubmitReferralRequest");
    }
  } else {
    status = google::protobuf::util::JsonStringToMessage(
        piece, request.mutable_referral());
    if (!status.ok()) {
      return ToAbsl(status, "not a frontdoor.common.v1.Referral");
    }
  }
  return request;
}

std::string NewIdempotencyKey() {
  absl::BitGen gen;
  return absl::StrFormat("%s%016x%016x", kIdempotencyKeyPrefix,
                         absl::Uniform<std::uint64_t>(gen),
                         absl::Uniform<std::uint64_t>(gen));
}

std::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

int ExitCodeFor(grpc::StatusCode code) {
  return code == grpc::StatusCode::OK ? kExitOk : 1 + static_cast<int>(code);
}

std::string RenderErrorJson(const grpc::Status& status,
                            std::string_view trace_id) {
  return StatusToJson(FromGrpcStatus(status), trace_id);
}

std::string RenderSubmitResponseJson(const SubmitReferralResponse& response,
                                     std::string_view idempotency_key) {
  std::string json = "{\"idempotencyKey\":";
  AppendJsonString(idempotency_key, &json);
  const std::string body = MessageToJson(response);  // "{}" or "{...}".
  if (body.size() > 2) {
    json.push_back(',');
    json.append(body, 1, std::string::npos);
  } else {
    json.push_back('}');
  }
  return json;
}

int RunCommand(const Options& options,
               frontdoor::intake::v1::IntakeService::StubInterface& stub,
               std::ostream& out, std::ostream& err) {
  grpc::ClientContext context;
  std::string trace_id;
  grpc::Status status;
  switch (options.command) {
    case Command::kHelp:
      out << HelpText();
      return kExitOk;
    default:
      err << RenderLocalErrorJson(absl::InvalidArgumentError(
                 "not an intake command"))
          << "\n";
      return kExitLocalError;
    case Command::kSubmit: {
      absl::StatusOr<std::string> contents = ReadFile(options.file);
      if (!contents.ok()) {
        err << RenderLocalErrorJson(contents.status()) << "\n";
        return kExitLocalError;
      }
      absl::StatusOr<SubmitReferralRequest> request =
          ParseSubmitRequestJson(*contents);
      if (!request.ok()) {
        err << RenderLocalErrorJson(absl::InvalidArgumentError(
                   absl::StrCat(options.file, ": ", std::string(request.status().message()))))
            << "\n";
        return kExitLocalError;
      }
      if (!options.idempotency_key.empty()) {
        request->set_idempotency_key(options.idempotency_key);
      } else if (request->idempotency_key().empty()) {
        request->set_idempotency_key(NewIdempotencyKey());
      }
      SubmitReferralResponse response;
      PrepareContext(options, &context, &trace_id);
      status = stub.SubmitReferral(&context, *request, &response);
      if (status.ok()) {
        out << RenderSubmitResponseJson(response, request->idempotency_key())
            << "\n";
        return kExitOk;
      }
      break;
    }
    case Command::kGet: {
      GetReferralRequest request;
      request.set_reference(options.reference);
      GetReferralResponse response;
      PrepareContext(options, &context, &trace_id);
      status = stub.GetReferral(&context, request, &response);
      if (status.ok()) {
        out << MessageToJson(response) << "\n";
        return kExitOk;
      }
      break;
    }
  }
  err << RenderErrorJson(status, trace_id) << "\n";
  return ExitCodeFor(status.error_code());
}

int RunTriageCommand(const Options& options,
                     frontdoor::triage::v1::TriageService::StubInterface& stub,
                     std::ostream& out, std::ostream& err) {
  namespace tv1 = frontdoor::triage::v1;
  using Stub = tv1::TriageService::StubInterface;
  switch (options.command) {
    case Command::kQueue: {
      tv1::ListQueueRequest request;
      request.set_page_size(options.page_size);
      request.set_page_token(options.page_token);
      return CallAndPrint(options, stub, &Stub::ListQueue, request, out, err);
    }
    case Command::kDecision: {
      tv1::GetDecisionRequest request;
      request.set_reference(options.reference);
      return CallAndPrint(options, stub, &Stub::GetDecision, request, out,
                          err);
    }
    case Command::kAssess: {
      absl::StatusOr<std::string> contents = ReadFile(options.file);
      if (!contents.ok()) {
        err << RenderLocalErrorJson(contents.status()) << "\n";
        return kExitLocalError;
      }
      tv1::SubmitAssessmentRequest request;
      auto parsed = google::protobuf::util::JsonStringToMessage(
          google::protobuf::StringPiece(contents->data(), contents->size()),
          &request);
      if (!parsed.ok()) {
        err << RenderLocalErrorJson(absl::InvalidArgumentError(absl::StrCat(
                   options.file,
                   ": not a frontdoor.triage.v1.SubmitAssessmentRequest: ",
                   std::string(parsed.message()))))
            << "\n";
        return kExitLocalError;
      }
      request.set_reference(options.reference);
      return CallAndPrint(options, stub, &Stub::SubmitAssessment, request, out,
                          err);
    }
    default:
      err << RenderLocalErrorJson(
                 absl::InvalidArgumentError("not a triage command"))
          << "\n";
      return kExitLocalError;
  }
}

int RunAllocationCommand(
    const Options& options,
    frontdoor::allocation::v1::AllocationService::StubInterface& stub,
    std::ostream& out, std::ostream& err) {
  namespace av1 = frontdoor::allocation::v1;
  using Stub = av1::AllocationService::StubInterface;
  switch (options.command) {
    case Command::kProgrammes:
      return CallAndPrint(options, stub, &Stub::ListProgrammes,
                          av1::ListProgrammesRequest(), out, err);
    case Command::kPlacement: {
      av1::GetPlacementRequest request;
      request.set_reference(options.reference);
      return CallAndPrint(options, stub, &Stub::GetPlacement, request, out,
                          err);
    }
    case Command::kWaiting: {
      av1::ListWaitingRequest request;
      request.set_programme_id(options.programme_id);
      return CallAndPrint(options, stub, &Stub::ListWaiting, request, out, err);
    }
    case Command::kConsent: {
      av1::RecordConsentRequest request;
      request.set_reference(options.reference);
      request.set_who(options.who == "subject"
                          ? av1::RecordConsentRequest::WHO_SUBJECT
                          : av1::RecordConsentRequest::WHO_PARENT_OR_CARER);
      request.set_consent(options.consent == "given"
                              ? frontdoor::common::v1::CONSENT_GIVEN
                              : frontdoor::common::v1::CONSENT_REFUSED);
      request.set_how(options.how);
      *request.mutable_given_at() =
          google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
              absl::ToUnixMicros(absl::Now()));
      return CallAndPrint(options, stub, &Stub::RecordConsent, request, out,
                          err);
    }
    case Command::kRelease: {
      av1::ReleasePlaceRequest request;
      request.set_reference(options.reference);
      request.set_reason(options.reason);
      return CallAndPrint(options, stub, &Stub::ReleasePlace, request, out,
                          err);
    }
    case Command::kFirstContact: {
      av1::RecordFirstContactRequest request;
      request.set_reference(options.reference);
      request.set_method(options.method == "phone" ? av1::CONTACT_METHOD_PHONE
                         : options.method == "in-person"
                             ? av1::CONTACT_METHOD_IN_PERSON
                         : options.method == "video"
                             ? av1::CONTACT_METHOD_VIDEO
                             : av1::CONTACT_METHOD_MESSAGE);
      *request.mutable_made_at() =
          google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
              absl::ToUnixMicros(options.at.value_or(absl::Now())));
      return CallAndPrint(options, stub, &Stub::RecordFirstContact, request,
                          out, err);
    }
    default:
      err << RenderLocalErrorJson(
                 absl::InvalidArgumentError("not an allocation command"))
          << "\n";
      return kExitLocalError;
  }
}

int RunNotifyCommand(const Options& options,
                     frontdoor::notify::v1::NotifyService::StubInterface& stub,
                     std::ostream& out, std::ostream& err) {
  namespace nv1 = frontdoor::notify::v1;
  using Stub = nv1::NotifyService::StubInterface;
  switch (options.command) {
    case Command::kAck: {
      nv1::AckRequest request;
      request.set_position(options.position);
      return CallAndPrint(options, stub, &Stub::Ack, request, out, err);
    }
    case Command::kUpdates: {
      nv1::ListUpdatesRequest request;
      request.set_reference(options.reference);
      return CallAndPrint(options, stub, &Stub::ListUpdates, request, out,
                          err);
    }
    case Command::kReplay: {
      nv1::ReplayDeadLettersRequest request;
      request.set_recipient_agency(options.agency);
      return CallAndPrint(options, stub, &Stub::ReplayDeadLetters, request,
                          out, err);
    }
    case Command::kWatch: {
      grpc::ClientContext context;
      std::string trace_id;
      PrepareContext(options, &context, &trace_id);
      if (!options.deadline_given) {
        context.set_deadline(std::chrono::system_clock::time_point::max());
      }
      nv1::SubscribeRequest request;
      if (options.after.has_value()) request.set_after_position(*options.after);
      std::unique_ptr<grpc::ClientReaderInterface<nv1::Delivery>> reader =
          stub.Subscribe(&context, request);
      nv1::Delivery delivery;
      int seen = 0;
      while (reader->Read(&delivery)) {
        out << MessageToJson(delivery) << "\n" << std::flush;
        if (options.ack) {
          nv1::AckRequest ack;
          ack.set_position(delivery.position());
          std::ostringstream ignored;
          const int code =
              CallAndPrint(options, stub, &Stub::Ack, ack, ignored, err);
          if (code != kExitOk) {
            context.TryCancel();
            (void)reader->Finish();
            return code;
          }
        }
        if (options.count > 0 && ++seen >= options.count) {
          context.TryCancel();
          (void)reader->Finish();
          return kExitOk;
        }
      }
      const grpc::Status status = reader->Finish();
      if (status.ok()) return kExitOk;
      err << RenderErrorJson(status, trace_id) << "\n";
      return ExitCodeFor(status.error_code());
    }
    default:
      err << RenderLocalErrorJson(
                 absl::InvalidArgumentError("not a notify command"))
          << "\n";
      return kExitLocalError;
  }
}

namespace {

// A day written YYYY-MM-DD, or INVALID_ARGUMENT naming `flag`.
absl::StatusOr<absl::CivilDay> ParseDayFlag(const std::string& flag,
                                            const std::string& value) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(value, &day) ||
      absl::FormatCivilTime(day) != value) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "=", value, " is not a date such as 2026-10-01"));
  }
  return day;
}

// One service's Report, appended to `out`; its status as the service gave
// it (with its details, for the error JSON).
template <typename Stub>
grpc::Status ReportOf(const Options& options, Stub& stub,
                      const frontdoor::common::v1::ReportRequest& request,
                      std::vector<frontdoor::common::v1::ReportResponse>& out,
                      std::string* trace_id) {
  grpc::ClientContext context;
  PrepareContext(options, &context, trace_id);
  frontdoor::common::v1::ReportResponse response;
  const grpc::Status status = stub.Report(&context, request, &response);
  if (status.ok()) out.push_back(std::move(response));
  return status;
}

}  // namespace

int RunReportCommand(
    const Options& options,
    frontdoor::intake::v1::IntakeService::StubInterface& intake,
    frontdoor::triage::v1::TriageService::StubInterface& triage,
    frontdoor::allocation::v1::AllocationService::StubInterface& allocation,
    std::ostream& out, std::ostream& err) {
  absl::StatusOr<report::Period> period;
  if (!options.quarter.empty()) {
    period = report::ParseQuarter(options.quarter);
    if (!period.ok()) {
      period = absl::InvalidArgumentError(absl::StrCat(
          "--quarter=", options.quarter, ": ", period.status().message()));
    }
  } else {
    absl::StatusOr<absl::CivilDay> from = ParseDayFlag("from", options.from);
    absl::StatusOr<absl::CivilDay> to = ParseDayFlag("to", options.to);
    if (!from.ok()) {
      period = from.status();
    } else if (!to.ok()) {
      period = to.status();
    } else {
      period = report::MakePeriod(*from, *to);
      if (!period.ok()) {
        period = absl::InvalidArgumentError(
            absl::StrCat("--to: ", period.status().message()));
      }
    }
  }
  if (!period.ok()) {
    err << RenderLocalErrorJson(period.status()) << "\n";
    return kExitLocalError;
  }
  report::Labels labels;
  if (std::ifstream(options.districts_file).good() &&
      std::ifstream(options.catalogue_file).good()) {
    absl::StatusOr<report::Labels> loaded =
        report::LoadLabels(options.districts_file, options.catalogue_file);
    if (!loaded.ok()) {
      err << RenderLocalErrorJson(loaded.status()) << "\n";
      return kExitLocalError;
    }
    labels = *std::move(loaded);
  }
  const frontdoor::common::v1::ReportRequest request =
      report::ReportRequestFor(*period);
  std::vector<frontdoor::common::v1::ReportResponse> answers;
  std::string trace_id;
  grpc::Status called = ReportOf(options, intake, request, answers, &trace_id);
  if (called.ok()) called = ReportOf(options, triage, request, answers, &trace_id);
  if (called.ok()) {
    called = ReportOf(options, allocation, request, answers, &trace_id);
  }
  if (!called.ok()) {
    err << RenderErrorJson(called, trace_id) << "\n";
    return ExitCodeFor(called.error_code());
  }
  absl::StatusOr<report::Document> document = report::BuildDocument(
      answers, *period, *report::FindServiceFilter(options.service), labels);
  absl::StatusOr<std::string> file =
      document.ok() ? report::ReportFile(*document, options.format)
                    : absl::StatusOr<std::string>(document.status());
  if (!file.ok()) {
    err << RenderLocalErrorJson(file.status()) << "\n";
    return kExitLocalError;
  }
  if (options.output.empty()) {
    out << *file;
    if (options.format == report::kFormatJson) out << "\n";
    return kExitOk;
  }
  std::ofstream written(options.output, std::ios::binary | std::ios::trunc);
  written << *file;
  written.close();
  if (!written) {
    err << RenderLocalErrorJson(absl::UnavailableError(
               absl::StrCat("cannot write ", options.output)))
        << "\n";
    return kExitLocalError;
  }
  return kExitOk;
}

namespace {

// The party named by --party, or UNSPECIFIED (the services then refuse
// the request naming person.party).
frontdoor::common::v1::Party PartyOf(const std::string& party) {
  if (party == "subject") return frontdoor::common::v1::PARTY_SUBJECT;
  if (party == "other_party") return frontdoor::common::v1::PARTY_OTHER_PARTY;
  if (party == "child") return frontdoor::common::v1::PARTY_CHILD;
  if (party == "referrer") return frontdoor::common::v1::PARTY_REFERRER;
  return frontdoor::common::v1::PARTY_UNSPECIFIED;
}

// One service's answer to the rights action, as one line on `out` (or
// `err` for a failure); the call's status.
grpc::Status RightsCall(const Options& options, const RightsTarget& target,
                        std::ostream& out, std::ostream& err) {
  namespace v1 = frontdoor::common::v1;
  grpc::ClientContext context;
  std::string trace_id;
  PrepareContext(options, &context, &trace_id);
  if (!options.staff_role.empty()) {
    context.AddMetadata("frontdoor-staff-role", options.staff_role);
  }
  grpc::Status status;
  std::string answer;
  const std::string& action = options.rights_action;
  if (action == "restrict" || action == "unrestrict") {
    v1::SetRestrictionRequest request;
    request.set_reference(options.reference);
    request.set_restricted(action == "restrict");
    request.set_reason(options.reason);
    v1::RightsState state;
    status = target.stub->SetRestriction(&context, request, &state);
    answer = MessageToJson(state);
  } else if (action == "hold" || action == "unhold") {
    v1::SetLegalHoldRequest request;
    request.set_reference(options.reference);
    request.set_held(action == "hold");
    request.set_reason(options.reason);
    v1::RightsState state;
    status = target.stub->SetLegalHold(&context, request, &state);
    answer = MessageToJson(state);
  } else if (action == "erase") {
    v1::EraseRequest request;
    request.set_reference(options.reference);
    request.set_reason(options.reason);
    v1::RightsState state;
    status = target.stub->Erase(&context, request, &state);
    answer = MessageToJson(state);
  } else if (action == "state") {
    v1::GetRightsStateRequest request;
    request.set_reference(options.reference);
    v1::RightsState state;
    status = target.stub->GetRightsState(&context, request, &state);
    answer = MessageToJson(state);
  } else {
    v1::RectifyRequest request;
    request.mutable_person()->set_reference(options.reference);
    request.mutable_person()->set_party(PartyOf(options.party));
    request.mutable_person()->set_child_index(options.child_index.value_or(0));
    request.set_field(options.field);
    request.set_value(options.value);
    request.set_reason(options.reason);
    v1::RectifyResponse response;
    status = target.stub->Rectify(&context, request, &response);
    answer = MessageToJson(response);
  }
  std::string line = "{\"service\":";
  AppendJsonString(target.service, &line);
  if (status.ok()) {
    out << line << ",\"answer\":" << answer << "}\n";
  } else {
    err << line << ",\"error\":" << RenderErrorJson(status, trace_id)
        << "}\n";
  }
  return status;
}

}  // namespace

int RunRightsCommand(const Options& options,
                     const std::vector<RightsTarget>& services,
                     std::ostream& out, std::ostream& err) {
  if (IsRightsCommand(options.command)) {
    return RunFindOrExport(options, services, out, err);
  }
  int exit_code = kExitOk;
  for (const RightsTarget& target : services) {
    const grpc::Status status = RightsCall(options, target, out, err);
    if (!status.ok() && exit_code == kExitOk) {
      exit_code = ExitCodeFor(status.error_code());
    }
  }
  return exit_code;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const Options& options) {
  return MakeChannelTo(options, options.target);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannelTo(
    const Options& options, const std::string& target) {
  // The certificate files read once, as every short-lived client of the
  // suite reads them (common/tls).
  config::v1::TlsFiles files;
  files.set_ca_file(options.ca_file);
  files.set_cert_file(options.cert_file);
  files.set_key_file(options.key_file);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      tls::MakeChannelCredentials(files);
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments args;
  if (!options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(target, *credentials, args);
}

int Main(const std::vector<std::string>& args, const EnvLookup& env,
         std::ostream& out, std::ostream& err) {
  absl::StatusOr<Options> options = ParseArgs(args, env);
  if (!options.ok()) {
    err << RenderLocalErrorJson(options.status()) << "\n";
    // A bare call gets the list of commands.
    if (args.empty()) err << "\n" << HelpText();
    return kExitUsage;
  }
  switch (options->command) {
    case Command::kHelp:
      out << (options->help_text.empty() ? HelpText() : options->help_text);
      return kExitOk;
    case Command::kVersion:
      out << VersionText(options->json);
      return kExitOk;
    case Command::kCompletion:
      out << BashCompletion();
      return kExitOk;
    default:
      break;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakeChannel(*options);
  if (!channel.ok()) {
    err << RenderLocalErrorJson(channel.status()) << "\n";
    return kExitLocalError;
  }
  if (options->command == Command::kReport) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> triage =
        MakeChannelTo(*options, options->triage_target);
    absl::StatusOr<std::shared_ptr<grpc::Channel>> allocation =
        MakeChannelTo(*options, options->allocation_target);
    if (!triage.ok() || !allocation.ok()) {
      err << RenderLocalErrorJson(!triage.ok() ? triage.status()
                                               : allocation.status())
          << "\n";
      return kExitLocalError;
    }
    auto intake_stub = frontdoor::intake::v1::IntakeService::NewStub(*channel);
    auto triage_stub = frontdoor::triage::v1::TriageService::NewStub(*triage);
    auto allocation_stub =
        frontdoor::allocation::v1::AllocationService::NewStub(*allocation);
    return RunReportCommand(*options, *intake_stub, *triage_stub,
                            *allocation_stub, out, err);
  }
  if (options->command == Command::kRights ||
      IsRightsCommand(options->command)) {
    std::vector<std::unique_ptr<frontdoor::common::v1::DataRights::Stub>>
        stubs;
    std::vector<RightsTarget> services;
    for (const auto& [service, target] :
         {std::pair<const char*, const std::string*>{"intake-svc",
                                                     &options->target},
          {"triage-svc", &options->triage_target},
          {"allocation-svc", &options->allocation_target},
          {"notify-svc", &options->notify_target}}) {
      absl::StatusOr<std::shared_ptr<grpc::Channel>> to =
          MakeChannelTo(*options, *target);
      if (!to.ok()) {
        err << RenderLocalErrorJson(to.status()) << "\n";
        return kExitLocalError;
      }
      stubs.push_back(frontdoor::common::v1::DataRights::NewStub(*to));
      services.push_back({service, stubs.back().get()});
    }
    return RunRightsCommand(*options, services, out, err);
  }
  if (IsNotifyCommand(options->command)) {
    auto stub = frontdoor::notify::v1::NotifyService::NewStub(*channel);
    return RunNotifyCommand(*options, *stub, out, err);
  }
  if (IsAllocationCommand(options->command)) {
    auto stub = frontdoor::allocation::v1::AllocationService::NewStub(*channel);
    return RunAllocationCommand(*options, *stub, out, err);
  }
  if (IsTriageCommand(options->command)) {
    auto stub = frontdoor::triage::v1::TriageService::NewStub(*channel);
    return RunTriageCommand(*options, *stub, out, err);
  }
  auto stub = frontdoor::intake::v1::IntakeService::NewStub(*channel);
  return RunCommand(*options, *stub, out, err);
}

}  // namespace frontdoor::ctl
