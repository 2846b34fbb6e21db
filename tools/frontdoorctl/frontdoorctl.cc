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
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/report/period.h"
#include "common/report/report_document.h"
#include "common/report/report_files.h"
#include "common/report/report_run.h"
#include "common/status/grpc_status.h"
#include "common/status/status_json.h"
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

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return contents.str();
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

// Splits "--name=value" (value may be empty) or "--name".
bool SplitFlag(const std::string& arg, std::string* name, std::string* value,
               bool* has_value) {
  if (!absl::StartsWith(arg, "--") || arg.size() == 2) return false;
  std::size_t eq = arg.find('=');
  *has_value = eq != std::string::npos;
  *name = arg.substr(2, *has_value ? eq - 2 : std::string::npos);
  *value = *has_value ? arg.substr(eq + 1) : "";
  return true;
}

// gRPC metadata values of non-binary keys must be printable ASCII.
bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
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

std::string HelpText() {
  return absl::StrFormat(
      R"(Usage: frontdoorctl [FLAGS] submit FILE.json [--idempotency-key=K]
       frontdoorctl [FLAGS] get REFERENCE
       frontdoorctl [FLAGS] queue [--page-size=N] [--page-token=T]
       frontdoorctl [FLAGS] decision REFERENCE
       frontdoorctl [FLAGS] assess REFERENCE FILE.json
       frontdoorctl [FLAGS] programmes | placement REFERENCE | waiting PROGRAMME
       frontdoorctl [FLAGS] consent REFERENCE --who=subject|carer
                    --consent=given|refused --how=TEXT
       frontdoorctl [FLAGS] release REFERENCE --reason=TEXT
       frontdoorctl [FLAGS] first-contact REFERENCE
                    --method=phone|in-person|video|message [--at=RFC3339]
       frontdoorctl [FLAGS] watch [--after=N] [--ack] [--count=N]
       frontdoorctl [FLAGS] ack POSITION | updates REFERENCE
       frontdoorctl [FLAGS] replay [AGENCY]
       frontdoorctl [FLAGS] report --from=YYYY-MM-DD --to=YYYY-MM-DD
                    | --quarter=YYYY-Qn [--service=S]
                    [--format=csv|xlsx|json] [--output=FILE]
       frontdoorctl [FLAGS] rights find --reference=R
                    | --given=G --family=F --dob=YYYY-MM-DD
       frontdoorctl [FLAGS] rights export --reference=R
                    --party=subject|other_party|child|referrer [--child=N]
                    [--show-staff-names] --output=FILE [--format=json|html]
       frontdoorctl [FLAGS] rights restrict|unrestrict|hold|unhold
                    --reference=R --reason=CODE
       frontdoorctl [FLAGS] rights rectify --reference=R --party=P
                    [--child=N] --field=F --value=V --reason=CODE
       frontdoorctl [FLAGS] rights erase --reference=R --reason=CODE
       frontdoorctl [FLAGS] rights state --reference=R

submit and get call frontdoor.intake.v1.IntakeService; queue, decision and
assess call frontdoor.triage.v1.TriageService (staff certificates only,
default target localhost:7444); programmes, placement, waiting, consent and
release and first-contact call frontdoor.allocation.v1.AllocationService (staff, default target
localhost:7445); watch, ack, updates and replay call
frontdoor.notify.v1.NotifyService (default target localhost:7446). All over
mTLS.

  submit  FILE.json holds a frontdoor.common.v1.Referral, or a whole
          SubmitReferralRequest when it has a top-level "referral", in the
          protobuf JSON mapping. Without --idempotency-key (or a key in the
          file) a random key is generated. Prints the response with the key
          used as {"idempotencyKey":...,"receipt":{...}}; retry with that key.
          Staff keying an agency's secure email name the agency in the
          referral's "referrer":{"onBehalfOfAgency":"<agency id>"}.
  get     Prints the GetReferralResponse for REFERENCE.
  queue   Prints the triage queue (ListQueueResponse), highest risk first.
  decision  Prints the latest triage Decision on REFERENCE.
  assess  Submits FILE.json, a SubmitAssessmentRequest ({"dash":{...}} or
          {"child":{...}}, optionally "tierOverride"), for REFERENCE and
          prints the Decision.
  watch   Holds a subscription as the --as agency and prints each
          notification as one line of JSON ({"position":...,
          "notification":{...}}), from after the last acknowledged position
          or --after=N. --ack acknowledges each once printed; --count=N
          stops after N. No deadline unless --deadline is given.
  ack     Acknowledges everything up to POSITION.
  updates Prints the referrer updates on one of the agency's referrals.
  replay  Operators: makes dead-lettered push notifications and referrer
          emails (of AGENCY, or all) due again.
  report  Commissioners' figures for the days --from to --to (both
          included) or a financial quarter (--quarter=2026-Q3 is October
          to December), from intake-svc (--target), triage-svc
          (--triage-target, default localhost:7444) and allocation-svc
          (--allocation-target, default localhost:7445), with counts of 1
          to 4 shown as <5 and [c] where a total would reveal one.
          --service narrows to adult_victim, adult_behaviour_change,
          children, children_victim or children_behaviour_change (default
          all). --format is json (default), csv or xlsx; --output writes
          a file instead of stdout. Names come from --districts and
          --catalogue (default config/districts.json and
          config/catalogue.json, when present). Needs a report viewer's
          certificate, such as --as=frontdoor-operations.
  rights  The data-protection officer's commands, asking intake-svc
          (--target), triage-svc (--triage-target), allocation-svc
          (--allocation-target) and notify-svc (--notify-target, default
          localhost:7446) each over its own data (DataRights). find prints
          the referrals each holds for a reference, or for a name and date
          of birth (matched through the blind index, as identity
          canonicalises them). export writes one subject access bundle of
          everything the four hold about one person of one referral,
          redacted for that person (common/rights/README.md), as JSON or
          as a readable HTML page, to --output (readable by its owner only)
          and prints a summary; --show-staff-names shows the names of staff
          who acted instead of their roles. A service that does not answer
          is listed as unanswered and sets the exit status. Needs
          ROLE_DATA_PROTECTION: an agency's certificate given the role, or
          the console's with --staff-role=data_protection_officer.
          restrict and unrestrict set and lift a restriction of
          processing (--reason accuracy_contested, objection,
          unlawful_processing or legal_claims; "lifted" to lift); hold and
          unhold a legal hold (litigation, inquiry, police_request,
          safeguarding_review; "lifted"). rectify corrects --field
          (name.givenNames, name.familyName, dateOfBirth as YYYY-MM-DD,
          contact.phone, contact.email, contact.safeTimes, address.lines,
          address.town, address.postcode) of --party (subject,
          other_party, child with --child=N, referrer) to --value
          (--reason requested_by_subject, found_in_review or court_order).
          erase erases the referral's personal data in each service (its
          data keys destroyed: crypto-shredding; ids, dates and codes
          kept; --reason erasure_request, retention_schedule or
          court_order); a referral on legal hold is refused
          (FAILED_PRECONDITION). state shows each service's restriction,
          hold and erasure of --reference. These print each service's
          answer as a line {"service":...,"answer":{...}} or
          {"service":...,"error":{...}}.

Flags (--name=value):
  --target=HOST:PORT   server (default %s)
  --as=NAME            certificate name under $FRONTDOOR_PKI_DIR (default
                       %s): uses NAME.pem, NAME.key and ca.pem there;
                       FRONTDOOR_PKI_DIR defaults to %s
  --ca=FILE --cert=FILE --key=FILE   override the PEM files
  --server-name=NAME   TLS name expected in the server certificate
                       (default: the host of --target)
  --actor=NAME         person acting, sent as frontdoor-actor metadata;
                       printable ASCII (default $USER, else %s)
  --deadline=DURATION  per call, e.g. 10s, 500ms (default %s)
  --staff-role=ROLE    a console staff role, sent as frontdoor-staff-role
                       metadata (with the console's certificate)
  --help

Output: responses as JSON on stdout (lowerCamelCase field names). Errors as
JSON on stderr: {"code":"INVALID_ARGUMENT","message":"...",
"field_violations":[{"field":"referral.subject.date_of_birth",
"description":"..."}],"trace_id":"..."}.

Exit status: 0 success; 1 + the gRPC status code when the call fails (4
INVALID_ARGUMENT, 5 DEADLINE_EXCEEDED, 6 NOT_FOUND, 7 ALREADY_EXISTS, 8
PERMISSION_DENIED, 15 UNAVAILABLE, 17 UNAUTHENTICATED, ...); %d when nothing
was sent (bad arguments, unreadable or invalid files).
)",
      kDefaultTarget, kDefaultIdentity, kDefaultPkiDir, kDefaultActor,
      absl::FormatDuration(kDefaultDeadline), kExitLocalError);
}

absl::StatusOr<Options> ParseArgs(const std::vector<std::string>& args,
                                  const EnvLookup& env) {
  Options options;
  std::string identity = kDefaultIdentity;
  std::optional<std::string> ca, cert, key, actor;
  std::vector<std::string> positional;
  bool help = false;
  bool target_given = false;
  for (const std::string& arg : args) {
    std::string name, value;
    bool has_value = false;
    if (arg == "-h") {
      help = true;
      continue;
    }
    if (!SplitFlag(arg, &name, &value, &has_value)) {
      positional.push_back(arg);
      continue;
    }
    if (name == "help" && !has_value) {
      help = true;
      continue;
    }
    if (name == "ack" && !has_value) {
      options.ack = true;
      continue;
    }
    if (name == "show-staff-names" && !has_value) {
      options.show_staff_names = true;
      continue;
    }
    if (!has_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " needs a value: --", name, "=..."));
    }
    if (name == "target") {
      options.target = value;
      target_given = true;
    } else if (name == "as") {
      identity = value;
    } else if (name == "ca") {
      ca = value;
    } else if (name == "cert") {
      cert = value;
    } else if (name == "key") {
      key = value;
    } else if (name == "server-name") {
      options.server_name = value;
    } else if (name == "actor") {
      actor = value;
    } else if (name == "after") {
      int64_t after = 0;
      if (!absl::SimpleAtoi(value, &after) || after < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--after=", value, " is not a non-negative number"));
      }
      options.after = after;
    } else if (name == "count") {
      if (!absl::SimpleAtoi(value, &options.count) || options.count < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat("--count=", value, " is not a positive number"));
      }
    } else if (name == "deadline") {
      options.deadline_given = true;
      if (!absl::ParseDuration(value, &options.deadline) ||
          options.deadline <= absl::ZeroDuration()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--deadline=", value, " is not a positive duration like 10s"));
      }
    } else if (name == "idempotency-key") {
      options.idempotency_key = value;
    } else if (name == "page-size") {
      if (!absl::SimpleAtoi(value, &options.page_size) ||
          options.page_size < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--page-size=", value, " is not a non-negative number"));
      }
    } else if (name == "page-token") {
      options.page_token = value;
    } else if (name == "who") {
      options.who = value;
    } else if (name == "consent") {
      options.consent = value;
    } else if (name == "how") {
      options.how = value;
    } else if (name == "reason") {
      options.reason = value;
    } else if (name == "method") {
      options.method = value;
    } else if (name == "at") {
      absl::Time at;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, value, &at, &error)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--at=", value, " is not an RFC 3339 time such as "
            "2026-12-02T09:30:00Z"));
      }
      options.at = at;
    } else if (name == "from") {
      options.from = value;
    } else if (name == "to") {
      options.to = value;
    } else if (name == "quarter") {
      options.quarter = value;
    } else if (name == "service") {
      options.service = value;
    } else if (name == "format") {
      options.format = value;
    } else if (name == "output") {
      options.output = value;
    } else if (name == "triage-target") {
      options.triage_target = value;
    } else if (name == "notify-target") {
      options.notify_target = value;
    } else if (name == "staff-role") {
      options.staff_role = value;
    } else if (name == "reference") {
      options.reference = value;
    } else if (name == "allocation-target") {
      options.allocation_target = value;
    } else if (name == "districts") {
      options.districts_file = value;
    } else if (name == "catalogue") {
      options.catalogue_file = value;
    } else if (name == "reference") {
      options.reference = value;
    } else if (name == "given") {
      options.given_names = value;
    } else if (name == "family") {
      options.family_name = value;
    } else if (name == "dob") {
      options.dob = value;
    } else if (name == "party") {
      options.party = value;
    } else if (name == "child") {
      int child = 0;
      if (!absl::SimpleAtoi(value, &child) || child < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--child=", value, " is not a number from 0"));
      }
      options.child_index = child;
    } else if (name == "notify-target") {
      options.notify_target = value;
    } else if (name == "staff-role") {
      options.staff_role = value;
    } else if (name == "field") {
      options.field = value;
    } else if (name == "value") {
      options.value = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
  }
  if (help) {
    options.command = Command::kHelp;
    return options;
  }
  if (positional.empty()) {
    return absl::InvalidArgumentError(
        "no command: expected submit, get, queue, decision or assess");
  }
  const std::string& command = positional[0];
  if (command == "submit") {
    if (positional.size() != 2) {
      return absl::InvalidArgumentError("usage: submit FILE.json");
    }
    options.command = Command::kSubmit;
    options.file = positional[1];
  } else if (command == "get") {
    if (positional.size() != 2) {
      return absl::InvalidArgumentError("usage: get REFERENCE");
    }
    options.command = Command::kGet;
    options.reference = positional[1];
  } else if (command == "queue") {
    if (positional.size() != 1) {
      return absl::InvalidArgumentError("usage: queue [--page-size=N]");
    }
    options.command = Command::kQueue;
  } else if (command == "decision") {
    if (positional.size() != 2) {
      return absl::InvalidArgumentError("usage: decision REFERENCE");
    }
    options.command = Command::kDecision;
    options.reference = positional[1];
  } else if (command == "assess") {
    if (positional.size() != 3) {
      return absl::InvalidArgumentError("usage: assess REFERENCE FILE.json");
    }
    options.command = Command::kAssess;
    options.reference = positional[1];
    options.file = positional[2];
  } else if (command == "programmes" && positional.size() == 1) {
    options.command = Command::kProgrammes;
  } else if (command == "placement" && positional.size() == 2) {
    options.command = Command::kPlacement;
    options.reference = positional[1];
  } else if (command == "waiting" && positional.size() == 2) {
    options.command = Command::kWaiting;
    options.programme_id = positional[1];
  } else if (command == "consent" && positional.size() == 2) {
    if ((options.who != "subject" && options.who != "carer") ||
        (options.consent != "given" && options.consent != "refused") ||
        options.how.empty()) {
      return absl::InvalidArgumentError(
          "usage: consent REFERENCE --who=subject|carer "
          "--consent=given|refused --how=TEXT");
    }
    options.command = Command::kConsent;
    options.reference = positional[1];
  } else if (command == "release" && positional.size() == 2) {
    if (options.reason.empty()) {
      return absl::InvalidArgumentError(
          "usage: release REFERENCE --reason=TEXT");
    }
    options.command = Command::kRelease;
    options.reference = positional[1];
  } else if (command == "first-contact" && positional.size() == 2) {
    if (options.method != "phone" && options.method != "in-person" &&
        options.method != "video" && options.method != "message") {
      return absl::InvalidArgumentError(
          "usage: first-contact REFERENCE "
          "--method=phone|in-person|video|message [--at=RFC3339]");
    }
    options.command = Command::kFirstContact;
    options.reference = positional[1];
  } else if (command == "watch" && positional.size() == 1) {
    options.command = Command::kWatch;
  } else if (command == "ack" && positional.size() == 2) {
    if (!absl::SimpleAtoi(positional[1], &options.position) ||
        options.position < 1) {
      return absl::InvalidArgumentError(
          "usage: ack POSITION (a position of 1 or more)");
    }
    options.command = Command::kAck;
  } else if (command == "updates" && positional.size() == 2) {
    options.command = Command::kUpdates;
    options.reference = positional[1];
  } else if (command == "replay" && positional.size() <= 2) {
    options.command = Command::kReplay;
    if (positional.size() == 2) options.agency = positional[1];
  } else if (command == "report" && positional.size() == 1) {
    options.command = Command::kReport;
    const bool by_quarter = !options.quarter.empty() && options.from.empty() &&
                            options.to.empty();
    const bool by_days = options.quarter.empty() && !options.from.empty() &&
                         !options.to.empty();
    if (!by_quarter && !by_days) {
      return absl::InvalidArgumentError(
          "usage: report --from=YYYY-MM-DD --to=YYYY-MM-DD | "
          "--quarter=YYYY-Qn [--service=S] [--format=csv|xlsx|json] "
          "[--output=FILE]");
    }
    if (report::FindServiceFilter(options.service) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--service=", options.service,
          " is not one of all, adult_victim, adult_behaviour_change, "
          "children, children_victim, children_behaviour_change"));
    }
    if (options.format != report::kFormatCsv &&
        options.format != report::kFormatXlsx &&
        options.format != report::kFormatJson) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--format=", options.format, " is not csv, xlsx or json"));
    }
  } else if (command == "rights" && positional.size() == 2 &&
             positional[1] != "find" && positional[1] != "export") {
    static constexpr std::string_view kActions[] = {
        "restrict", "unrestrict", "hold", "unhold", "rectify", "erase",
        "state"};
    const std::string& action = positional[1];
    if (std::find(std::begin(kActions), std::end(kActions), action) ==
        std::end(kActions)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rights ", action,
          ": expected find, export, restrict, unrestrict, hold, unhold, "
          "rectify, erase or state"));
    }
    if (options.reference.empty() ||
        (action != "state" && options.reason.empty())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "usage: rights ", action, " --reference=R",
          action == "state" ? "" : " --reason=CODE",
          action == "rectify" ? " --party=P --field=F --value=V" : ""));
    }
    if (action == "rectify" &&
        (options.party.empty() || options.field.empty())) {
      return absl::InvalidArgumentError(
          "usage: rights rectify --reference=R --party=P [--child=N] "
          "--field=F --value=V --reason=CODE");
    }
    options.command = Command::kRights;
    options.rights_action = action;
  } else if (command == "rights") {
    if (absl::Status s = ParseRightsCommand(positional, options); !s.ok()) {
      return s;
    }
  } else if (command == "programmes" || command == "placement" ||
             command == "waiting" || command == "consent" ||
             command == "release" || command == "first-contact" ||
             command == "watch" || command == "ack" ||
             command == "updates" || command == "replay" ||
             command == "report" || command == "rights") {
    return absl::InvalidArgumentError(
        absl::StrCat("wrong arguments for ", command, ": see --help"));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown command \"", command,
        "\": expected submit, get, queue, decision, assess, programmes, "
        "placement, waiting, consent, release, first-contact, watch, ack, "
        "updates, replay, report or rights"));
  }
  if (IsAllocationCommand(options.command) && !target_given) {
    options.target = kDefaultAllocationTarget;
  }
  if (IsTriageCommand(options.command) && !target_given) {
    options.target = kDefaultTriageTarget;
  }
  if (IsNotifyCommand(options.command) && !target_given) {
    options.target = kDefaultNotifyTarget;
  }
  if ((options.ack || options.after.has_value() || options.count > 0) &&
      options.command != Command::kWatch) {
    return absl::InvalidArgumentError(
        "--ack, --after and --count apply to watch only");
  }
  if ((!options.from.empty() || !options.to.empty() ||
       !options.quarter.empty() ||
       (!options.output.empty() &&
        options.command != Command::kRightsExport)) &&
      options.command != Command::kReport) {
    return absl::InvalidArgumentError(
        "--from, --to, --quarter and --output apply to report only");
  }
  if (!options.idempotency_key.empty() && options.command != Command::kSubmit) {
    return absl::InvalidArgumentError("--idempotency-key applies to submit only");
  }

  std::string pki_dir = env("FRONTDOOR_PKI_DIR").value_or(kDefaultPkiDir);
  if (pki_dir.empty()) pki_dir = kDefaultPkiDir;
  options.ca_file = ca.value_or(absl::StrCat(pki_dir, "/ca.pem"));
  options.cert_file = cert.value_or(absl::StrCat(pki_dir, "/", identity, ".pem"));
  options.key_file = key.value_or(absl::StrCat(pki_dir, "/", identity, ".key"));

  if (actor.has_value()) {
    options.actor = *actor;
  } else {
    options.actor = env("USER").value_or("");
    if (options.actor.empty()) options.actor = kDefaultActor;
  }
  if (options.actor.empty() || !IsPrintableAscii(options.actor)) {
    return absl::InvalidArgumentError(
        "--actor must be non-empty printable ASCII (gRPC metadata)");
  }
  return options;
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
  grpc::SslCredentialsOptions tls;
  absl::StatusOr<std::string> ca = ReadFile(options.ca_file);
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadFile(options.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options.key_file);
  if (!key.ok()) return key.status();
  tls.pem_root_certs = *std::move(ca);
  tls.pem_cert_chain = *std::move(cert);
  tls.pem_private_key = *std::move(key);
  grpc::ChannelArguments args;
  if (!options.server_name.empty()) {
    args.SetSslTargetNameOverride(options.server_name);
  }
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), args);
}

int Main(const std::vector<std::string>& args, const EnvLookup& env,
         std::ostream& out, std::ostream& err) {
  absl::StatusOr<Options> options = ParseArgs(args, env);
  if (!options.ok()) {
    err << RenderLocalErrorJson(options.status()) << "\n"
        << "Run frontdoorctl --help for usage.\n";
    return kExitLocalError;
  }
  if (options->command == Command::kHelp) {
    out << HelpText();
    return kExitOk;
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
