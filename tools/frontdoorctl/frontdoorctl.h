#pragma once

// frontdoorctl: a command-line client of the frontdoor services.
// Everything but process start-up lives here so it can be tested without a
// real server; main.cc only forwards argv and the environment.

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "frontdoor/allocation/v1/allocation.grpc.pb.h"
#include "frontdoor/common/v1/data_rights.grpc.pb.h"
#include "frontdoor/intake/v1/intake.grpc.pb.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"
#include "frontdoor/triage/v1/triage.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace frontdoor::ctl {

inline constexpr char kDefaultTarget[] = "localhost:7443";
// Default target of the triage commands (queue, decision, assess).
inline constexpr char kDefaultTriageTarget[] = "localhost:7444";
// Default target of the allocation commands.
inline constexpr char kDefaultAllocationTarget[] = "localhost:7445";
// Default target of the notify commands (watch, ack, updates, replay).
inline constexpr char kDefaultNotifyTarget[] = "localhost:7446";
// The report command's label files (report::LoadLabels), used when both
// are present; otherwise the report names districts and programmes by
// their codes.
inline constexpr char kDefaultDistrictsFile[] = "config/districts.json";
inline constexpr char kDefaultCatalogueFile[] = "config/catalogue.json";
// Directory of dev certificates when FRONTDOOR_PKI_DIR is not set.
inline constexpr char kDefaultPkiDir[] = "var/pki";
// Certificate name used when --as is not given.
inline constexpr char kDefaultIdentity[] = "staffs-police";
// Actor when neither --actor nor $USER is set.
inline constexpr char kDefaultActor[] = "frontdoorctl";
inline constexpr absl::Duration kDefaultDeadline = absl::Seconds(10);
// Request metadata naming the person acting (see intake.proto).
inline constexpr char kActorMetadataKey[] = "frontdoor-actor";
// Request metadata naming a console staff role (common/tls/staff_roles.h).
inline constexpr char kStaffRoleMetadataKey[] = "frontdoor-staff-role";

// Exit codes: 0 success; 1 + the gRPC status code (2..17) when the call
// fails, for example 4 for INVALID_ARGUMENT and 15 for UNAVAILABLE; 64
// (sysexits' EX_USAGE) when nothing was sent: kExitUsage for a usage error
// (an unknown command or flag, a missing or bad value) and kExitLocalError
// when an input or certificate file is unreadable or invalid, told apart by
// the error JSON's message. 64 is what scripts have always seen for both;
// 2 would read as a CANCELLED call.
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitLocalError = 64;

enum class Command {
  // --help: Options::help_text is the page asked for.
  kHelp,
  kSubmit,
  kGet,
  kQueue,
  kDecision,
  kAssess,
  kProgrammes,
  kPlacement,
  kWaiting,
  kConsent,
  kRelease,
  kFirstContact,
  kWatch,
  kAck,
  kUpdates,
  kReplay,
  kReport,
  // rights restrict|unrestrict|hold|unhold|rectify|erase|state:
  // Options::rights_action.
  kRights,
  kRightsFind,
  kRightsExport,
  // version [--json], --version: VersionText.
  kVersion,
  // completion bash: BashCompletion.
  kCompletion,
};

// True for the commands that call triage-svc's TriageService.
bool IsTriageCommand(Command command);
// True for the commands that call allocation-svc's AllocationService.
bool IsAllocationCommand(Command command);
// True for the commands that call notify-svc's NotifyService.
bool IsNotifyCommand(Command command);

struct Options {
  Command command = Command::kHelp;
  std::string target = kDefaultTarget;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // TLS name to verify the server certificate against instead of the host in
  // `target`; empty to use the host.
  std::string server_name;
  std::string actor;
  absl::Duration deadline = kDefaultDeadline;
  // Whether --deadline was given: watch holds its stream open without one.
  bool deadline_given = false;
  // submit: the JSON file and the idempotency key (empty: generate one).
  std::string file;
  std::string idempotency_key;
  // get, decision, assess: the referral reference. assess: `file` holds the
  // SubmitAssessmentRequest JSON (its reference may be left out).
  std::string reference;
  // queue: page size (0: the server's default) and page token.
  int page_size = 0;
  std::string page_token;
  // waiting: the programme id.
  std::string programme_id;
  // consent: --who (subject or carer), --consent (given or refused), --how;
  // release: --reason.
  std::string who;
  std::string consent;
  std::string how;
  std::string reason;
  // first-contact: --method (phone, in-person, video or message) and --at
  // (RFC 3339; unset: now).
  std::string method;
  std::optional<absl::Time> at;
  // watch: --after=N (resume after position N instead of the acknowledged
  // one), --ack (acknowledge each notification once printed), --count=N
  // (stop after N). ack: the position. replay: the agency (may be empty).
  std::optional<int64_t> after;
  bool ack = false;
  int count = 0;
  int64_t position = 0;
  std::string agency;
  // report: the period (--from and --to, or --quarter), --service (a
  // report::ServiceFilter code), --format (csv, xlsx or json), --output
  // (a file; empty: stdout), the triage and allocation targets (intake's
  // is `target`) and the label files.
  std::string from;
  std::string to;
  std::string quarter;
  std::string service = "all";
  std::string format = "json";
  std::string output;
  std::string triage_target = kDefaultTriageTarget;
  std::string allocation_target = kDefaultAllocationTarget;
  std::string districts_file = kDefaultDistrictsFile;
  std::string catalogue_file = kDefaultCatalogueFile;
  // rights (tools/frontdoorctl/rights_commands.h for find and export):
  // find by --reference or by --given, --family and --dob; export of
  // --party (and --child) of --reference, to --output as --format, with
  // --show-staff-names. restrict|unrestrict|hold|unhold|rectify|erase|state
  // (rights_action): --reference and --reason; rectify: --party (subject,
  // other_party, child, referrer), --child, --field and --value. Every
  // service is called: intake `target`, triage_target, allocation_target,
  // notify_target.
  std::string rights_action;
  std::string given_names;
  std::string family_name;
  std::string dob;
  std::string party;
  std::optional<int> child_index;
  std::string field;
  std::string value;
  bool show_staff_names = false;
  std::string notify_target = kDefaultNotifyTarget;
  // --staff-role: the console staff role named in every call's metadata
  // (frontdoor-staff-role), for a console certificate; empty: none.
  std::string staff_role;
  // help: the page of the command asked about (HelpText's for none).
  std::string help_text;
  // version: --json.
  bool json = false;
  // completion: the shell (bash).
  std::string shell;
};

// Sets a call's metadata (the actor, a fresh traceparent, the staff role
// when given) and deadline from `options`; `trace_id` gets the trace's id.
void PrepareContext(const Options& options, grpc::ClientContext* context,
                    std::string* trace_id);

// Returns an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const char*)>;

// Parses the arguments after the program name against the command table
// (tools/frontdoorctl/command_line.cc: every command, sub-command and flag,
// declared once with CLI11). Flags are --name=value or --name value; the
// flags of every command (--target, --as, ...) may come before or after the
// command, and a command's own flags given before it are taken as its.
// --help (or -h) after a command gives that command's page in help_text.
// Certificate paths default to $FRONTDOOR_PKI_DIR (else kDefaultPkiDir)/
// {ca.pem, <as>.pem, <as>.key}; the actor defaults to $USER, else
// kDefaultActor. Fails with INVALID_ARGUMENT naming the unknown command or
// flag, or the offending value.
absl::StatusOr<Options> ParseArgs(const std::vector<std::string>& args,
                                  const EnvLookup& env);

// The page of a bare --help: the flags of every command, every command
// with one line, output and exit status.
std::string HelpText();

// A bash completion script made from the command table: commands,
// sub-commands, flags and flags' choices (completion bash).
std::string BashCompletion();

// The project version (CMake's project version) and the protocol versions
// spoken (the proto packages of the services called, such as
// frontdoor.intake.v1), as text or as one line of JSON:
//   {"version":"0.1.0","protocols":["frontdoor.intake.v1",...],
//    "services":["frontdoor.intake.v1.IntakeService",...]}
std::string VersionText(bool json);

// Reads a submit file's JSON (protobuf JSON mapping, either field-name style).
// A top-level "referral" key means a whole SubmitReferralRequest; otherwise
// the JSON is a frontdoor.common.v1.Referral. Unknown fields are errors.
absl::StatusOr<frontdoor::intake::v1::SubmitReferralRequest>
ParseSubmitRequestJson(std::string_view json);

// "frontdoorctl-" followed by 32 random hex digits (128 bits): valid under the
// idempotency key rules of intake.proto.
std::string NewIdempotencyKey();

// The canonical name of a code, for example "INVALID_ARGUMENT".
std::string_view StatusCodeName(grpc::StatusCode code);

// 1 + code for failures, kExitOk for OK.
int ExitCodeFor(grpc::StatusCode code);

// One-line JSON for a failed call, the suite's error shape built by the one
// converter (FromGrpcStatus, then StatusToJson: common/status):
//   {"code":"INVALID_ARGUMENT","message":"...","field_violations":[{"field":
//    "referral.subject.date_of_birth","description":"..."}],"trace_id":"..."}
// field_violations come from the google.rpc.BadRequest details in
// status.error_details() (a serialized google.rpc.Status) and are [] when
// there are none or the details cannot be decoded; trace_id is omitted when
// empty.
std::string RenderErrorJson(const grpc::Status& status,
                            std::string_view trace_id);

// The response in the protobuf JSON mapping (lowerCamelCase names, default
// values omitted), with the idempotency key used added as
// "idempotencyKey" so a caller can retry with it.
std::string RenderSubmitResponseJson(
    const frontdoor::intake::v1::SubmitReferralResponse& response,
    std::string_view idempotency_key);

// Runs one command against `stub`: prints the response JSON on `out` or the
// error JSON on `err`, and returns the exit code. Every call carries the
// actor and a fresh traceparent in its metadata and the options' deadline.
int RunCommand(const Options& options,
               frontdoor::intake::v1::IntakeService::StubInterface& stub,
               std::ostream& out, std::ostream& err);

// Runs one triage command (queue, decision, assess) against `stub`, as
// RunCommand does.
int RunTriageCommand(const Options& options,
                     frontdoor::triage::v1::TriageService::StubInterface& stub,
                     std::ostream& out, std::ostream& err);

// Runs one allocation command against `stub`, as RunCommand does.
int RunAllocationCommand(
    const Options& options,
    frontdoor::allocation::v1::AllocationService::StubInterface& stub,
    std::ostream& out, std::ostream& err);

// Runs one notify command against `stub`, as RunCommand does. watch prints
// one Delivery per line, as JSON, as each arrives.
int RunNotifyCommand(const Options& options,
                     frontdoor::notify::v1::NotifyService::StubInterface& stub,
                     std::ostream& out, std::ostream& err);

// The report: each service's Report for the period, combined and
// suppressed (common/report), written as options.format to `out` or to
// options.output. Needs a report viewer's certificate (--as
// frontdoor-operations).
int RunReportCommand(
    const Options& options,
    frontdoor::intake::v1::IntakeService::StubInterface& intake,
    frontdoor::triage::v1::TriageService::StubInterface& triage,
    frontdoor::allocation::v1::AllocationService::StubInterface& allocation,
    std::ostream& out, std::ostream& err);

// One service's DataRights, by its name ("intake-svc").
struct RightsTarget {
  std::string service;
  frontdoor::common::v1::DataRights::StubInterface* stub = nullptr;
};

// A rights command made to every service in turn: prints one line of JSON
// per service, {"service":"intake-svc","answer":{...}} or
// {"service":...,"error":{...}} (the error JSON), and returns kExitOk when
// every service answered OK, else the exit code of the first that did not
// (the request is idempotent: run it again).
int RunRightsCommand(const Options& options,
                     const std::vector<RightsTarget>& services,
                     std::ostream& out, std::ostream& err);

// An mTLS channel to options.target with the options' CA, certificate and
// key. Fails when a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const Options& options);
// The same to another target.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannelTo(
    const Options& options, const std::string& target);

// The whole program: parse, connect, run. Returns the exit code.
int Main(const std::vector<std::string>& args, const EnvLookup& env,
         std::ostream& out, std::ostream& err);

}  // namespace frontdoor::ctl
