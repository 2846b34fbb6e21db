// frontdoorctl's command table: every command, sub-command and flag,
// declared once with CLI11 (Debian's libcli11-dev). Parsing, each command's
// help page and the shell completion script all come from this one table.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/report/report_document.h"
#include "common/report/report_files.h"
#include "tools/frontdoorctl/frontdoorctl.h"
#include "tools/frontdoorctl/rights_commands.h"

namespace frontdoor::ctl {
namespace {

constexpr char kProgram[] = "frontdoorctl";
// Help pages are wrapped to this width; flag names take the first column.
constexpr std::size_t kHelpWidth = 80;
constexpr std::size_t kHelpColumn = 30;
// The completion script's value marker for a flag whose value is a file.
constexpr char kFileValue[] = "FILE";

// Wraps `text` to `width` columns at spaces; a line's leading spaces are
// kept on its continuation lines, and "\n" breaks a line where it stands.
std::string Wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    std::string wrapped;
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == absl::string_view::npos) {
      lines.push_back("");
      continue;
    }
    const std::string lead(indent, ' ');
    std::size_t column = 0;
    for (absl::string_view word :
         absl::StrSplit(line.substr(indent), ' ', absl::SkipEmpty())) {
      if (column > 0 && column + 1 + word.size() > width) {
        wrapped.push_back('\n');
        column = 0;
      }
      if (column == 0) {
        wrapped.append(lead);
        column = lead.size();
      } else {
        wrapped.push_back(' ');
        ++column;
      }
      wrapped.append(word.data(), word.size());
      column += word.size();
    }
    lines.push_back(std::move(wrapped));
  }
  return absl::StrJoin(lines, "\n");
}

// CLI11's layout with this tool's words, descriptions wrapped.
class HelpFormatter final : public CLI::Formatter {
 public:
  HelpFormatter() {
    column_width(kHelpColumn);
    label("OPTIONS", "FLAGS");
    label("Options", "Flags");
    label("Positionals", "Arguments");
    label("Subcommands", "Commands");
    label("SUBCOMMAND", "COMMAND");
    label("REQUIRED", "(required)");
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    return Wrap(option->get_description(), kHelpWidth - kHelpColumn);
  }
};

// Flag values as typed, checked once the command is known (ParseArgs).
struct RawFlags {
  std::string identity = kDefaultIdentity;
  std::string deadline, after, count, page_size, at, child, position;
  bool version = false;
};

// The table: the CLI11 app, bound to `options` and `raw`, and the command
// each of its (sub)commands stands for.
class CommandTable {
 public:
  CommandTable(Options& options, RawFlags& raw);
  CLI::App& app() { return app_; }
  const CLI::App& app() const { return app_; }
  // The command of a declared (sub)command; kHelp for the app and rights.
  Command CommandOf(const CLI::App* app) const {
    auto it = commands_.find(app);
    return it == commands_.end() ? Command::kHelp : it->second;
  }

 private:
  CLI::App* Declare(CLI::App& parent, const char* name, const char* line,
                    Command command, const char* group = nullptr,
                    const char* footer = nullptr);

  CLI::App app_{"", kProgram};
  std::map<const CLI::App*, Command> commands_;
};

CLI::App* CommandTable::Declare(CLI::App& parent, const char* name,
                                const char* line, Command command,
                                const char* group, const char* footer) {
  CLI::App* sub = parent.add_subcommand(name, line);
  sub->get_help_ptr()->group("Flags");
  if (group != nullptr) sub->group(group);
  // Its own footer or none (CLI11 would copy the parent's).
  sub->footer(footer == nullptr ? "" : Wrap(footer, kHelpWidth));
  commands_[sub] = command;
  return sub;
}

// The commands grouped by the service they call (its default --target).
constexpr char kIntakeGroup[] = "Intake (intake-svc, localhost:7443)";
constexpr char kTriageGroup[] = "Triage (triage-svc, staff, localhost:7444)";
constexpr char kAllocationGroup[] =
    "Allocation (allocation-svc, staff, localhost:7445)";
constexpr char kNotifyGroup[] = "Notifications (notify-svc, localhost:7446)";
constexpr char kAcrossGroup[] = "Across the services";
constexpr char kRightsGroup[] = "Actions";
constexpr char kToolGroup[] = "This tool";

constexpr char kGlobalFooter[] =
    "Run frontdoorctl COMMAND --help for a command's own flags (frontdoorctl "
    "rights erase --help for a rights action's). Flags take their value as "
    "--flag=value or --flag value; the flags above apply to every command "
    "and may come before or after it.\n"
    "\n"
    "Output: responses as JSON on stdout (lowerCamelCase field names). "
    "Errors as JSON on stderr: {\"code\":\"INVALID_ARGUMENT\",\"message\":"
    "\"...\",\"field_violations\":[{\"field\":"
    "\"referral.subject.date_of_birth\",\"description\":\"...\"}],"
    "\"trace_id\":\"...\"}.\n"
    "\n"
    "Exit status: 0 success; 1 + the gRPC status code when the call fails "
    "(4 INVALID_ARGUMENT, 5 DEADLINE_EXCEEDED, 6 NOT_FOUND, 7 ALREADY_EXISTS, "
    "8 PERMISSION_DENIED, 15 UNAVAILABLE, 17 UNAUTHENTICATED, ...); 64 "
    "(EX_USAGE) when nothing was sent: a usage error (an unknown command or "
    "flag, a missing or bad value: the error JSON's code is then "
    "INVALID_ARGUMENT) or a file that could not be read or is invalid (the "
    "referral, the assessment, a certificate).";

constexpr char kSubmitFooter[] =
    "FILE holds a frontdoor.common.v1.Referral, or a whole "
    "SubmitReferralRequest when it has a top-level \"referral\", in the "
    "protobuf JSON mapping. Without --idempotency-key (or a key in the file) "
    "a random key is generated. Prints the response with the key used as "
    "{\"idempotencyKey\":...,\"receipt\":{...}}; retry with that key. Staff "
    "keying an agency's secure email name the agency in the referral's "
    "\"referrer\":{\"onBehalfOfAgency\":\"<agency id>\"}.";
constexpr char kAssessFooter[] =
    "FILE holds a SubmitAssessmentRequest ({\"dash\":{...}} or "
    "{\"child\":{...}}, optionally \"tierOverride\"); its reference may be "
    "left out. Prints the Decision.";
constexpr char kWatchFooter[] =
    "Holds a subscription as the --as agency and prints each notification as "
    "one line of JSON ({\"position\":...,\"notification\":{...}}), from after "
    "the last acknowledged position or --after. No deadline unless "
    "--deadline is given.";
constexpr char kReportFooter[] =
    "Commissioners' figures for the days --from to --to (both included) or a "
    "financial quarter (--quarter=2026-Q3 is October to December), from "
    "intake-svc (--target), triage-svc (--triage-target) and allocation-svc "
    "(--allocation-target), with counts of 1 to 4 shown as <5 and [c] where "
    "a total would reveal one. Names come from --districts and --catalogue "
    "when both files are present. Needs a report viewer's certificate, such "
    "as --as=frontdoor-operations.";
constexpr char kRightsFooter[] =
    "The data-protection officer's commands, asking intake-svc (--target), "
    "triage-svc (--triage-target), allocation-svc (--allocation-target) and "
    "notify-svc (--notify-target) each over its own data (DataRights). Every "
    "action prints each service's answer as a line {\"service\":...,"
    "\"answer\":{...}} or {\"service\":...,\"error\":{...}}; a service that "
    "does not answer sets the exit status. Needs ROLE_DATA_PROTECTION: an "
    "agency's certificate given the role, or the console's with "
    "--staff-role=data_protection_officer.";
constexpr char kFindFooter[] =
    "Prints the referrals each service holds for a reference, or for a name "
    "and date of birth (matched through the blind index, as identity "
    "canonicalises them).";
constexpr char kExportFooter[] =
    "Writes one subject access bundle of everything the four services hold "
    "about one person of one referral, redacted for that person "
    "(common/rights/README.md), as JSON or as a readable HTML page, to "
    "--output (readable by its owner only), and prints a summary.";
constexpr char kRectifyFooter[] =
    "--field is one of name.givenNames, name.familyName, dateOfBirth (as "
    "YYYY-MM-DD), contact.phone, contact.email, contact.safeTimes, "
    "address.lines, address.town, address.postcode.";
constexpr char kEraseFooter[] =
    "Erases the referral's personal data in each service: its data keys are "
    "destroyed (crypto-shredding); ids, dates and codes are kept. A referral "
    "on legal hold is refused (FAILED_PRECONDITION).";

CommandTable::CommandTable(Options& o, RawFlags& raw) {
  app_.description(
      "frontdoorctl: a command-line client of the frontdoor services, over "
      "mTLS.");
  app_.formatter(std::make_shared<HelpFormatter>());
  // Flags of the app may follow a command; a flag given twice: the last.
  app_.fallthrough();
  app_.option_defaults()->group("Flags")->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);
  app_.set_help_flag("-h,--help", "Print this page and exit.");
  app_.footer(Wrap(kGlobalFooter, kHelpWidth));

  // ---- Flags of every command.
  app_.add_option("--target", o.target,
                  "The service to call (default localhost:7443; the triage, "
                  "allocation and notify commands default to 7444, 7445 and "
                  "7446).")
      ->type_name("HOST:PORT");
  app_.add_option(
          "--as", raw.identity,
          absl::StrCat("The certificate to present: NAME.pem, "
                       "NAME.key and ca.pem under $FRONTDOOR_PKI_DIR "
                       "(default ",
                       kDefaultPkiDir, "); default ", kDefaultIdentity, "."))
      ->type_name("NAME");
  app_.add_option("--ca", o.ca_file,
                  "The CA certificate (PEM) instead of --as's.")
      ->type_name(kFileValue);
  app_.add_option("--cert", o.cert_file,
                  "The client certificate (PEM) instead of --as's.")
      ->type_name(kFileValue);
  app_.add_option("--key", o.key_file,
                  "The client certificate's key (PEM) instead of --as's.")
      ->type_name(kFileValue);
  app_.add_option("--server-name", o.server_name,
                  "The TLS name expected in the server certificate (default: "
                  "the host of --target).")
      ->type_name("NAME");
  app_.add_option("--actor", o.actor,
                  absl::StrCat("The person acting, sent as frontdoor-actor "
                               "metadata; printable ASCII (default $USER, "
                               "else ",
                               kDefaultActor, ")."))
      ->type_name("NAME");
  app_.add_option("--deadline", raw.deadline,
                  absl::StrCat("Each call's deadline, such as 10s or 500ms "
                               "(default ",
                               absl::FormatDuration(kDefaultDeadline), ")."))
      ->type_name("DURATION");
  app_.add_option("--staff-role", o.staff_role,
                  "A console staff role, sent as frontdoor-staff-role "
                  "metadata (with the console's certificate).")
      ->type_name("ROLE");
  app_.add_flag("--version", raw.version,
                "Print the version and the protocols spoken, and exit.");

  // ---- Intake.
  CLI::App* submit =
      Declare(app_, "submit", "Submit a referral from a JSON file.",
              Command::kSubmit, kIntakeGroup, kSubmitFooter);
  submit->add_option("FILE", o.file, "The referral, as JSON.")
      ->required()
      ->type_name("");
  submit
      ->add_option("--idempotency-key", o.idempotency_key,
                   "The key that makes a retry safe (default: the file's, "
                   "else a new random one).")
      ->type_name("KEY");
  CLI::App* get = Declare(app_, "get", "Print a referral's receipt and state.",
                          Command::kGet, kIntakeGroup);
  get->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");

  // ---- Triage.
  CLI::App* queue =
      Declare(app_, "queue", "Print the triage queue, highest risk first.",
              Command::kQueue, kTriageGroup);
  queue
      ->add_option("--page-size", raw.page_size,
                   "How many referrals a page holds (default: the "
                   "server's).")
      ->type_name("N");
  queue
      ->add_option("--page-token", o.page_token,
                   "The next page, as the last page's nextPageToken gave it.")
      ->type_name("TOKEN");
  CLI::App* decision = Declare(
      app_, "decision", "Print the latest triage decision on a referral.",
      Command::kDecision, kTriageGroup);
  decision->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  CLI::App* assess =
      Declare(app_, "assess", "Submit a risk assessment; print the decision.",
              Command::kAssess, kTriageGroup, kAssessFooter);
  assess->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  assess->add_option("FILE", o.file, "The assessment, as JSON.")
      ->required()
      ->type_name("");

  // ---- Allocation.
  Declare(app_, "programmes", "List the programmes and their places.",
          Command::kProgrammes, kAllocationGroup);
  CLI::App* placement =
      Declare(app_, "placement", "Print a referral's placement.",
              Command::kPlacement, kAllocationGroup);
  placement->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  CLI::App* waiting =
      Declare(app_, "waiting", "Print a programme's waiting list.",
              Command::kWaiting, kAllocationGroup);
  waiting->add_option("PROGRAMME", o.programme_id, "The programme's id.")
      ->required()
      ->type_name("");
  CLI::App* consent =
      Declare(app_, "consent", "Record consent to a referral's support.",
              Command::kConsent, kAllocationGroup);
  consent->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  consent->add_option("--who", o.who, "Who consented: the subject or a carer.")
      ->type_name("subject|carer");
  consent->add_option("--consent", o.consent, "Whether consent was given.")
      ->type_name("given|refused");
  consent->add_option("--how", o.how, "How consent was obtained, in words.")
      ->type_name("TEXT");
  CLI::App* release = Declare(app_, "release", "Release a referral's place.",
                              Command::kRelease, kAllocationGroup);
  release->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  release->add_option("--reason", o.reason, "Why the place is released.")
      ->type_name("TEXT");
  CLI::App* first_contact = Declare(
      app_, "first-contact", "Record first contact with the person referred.",
      Command::kFirstContact, kAllocationGroup);
  first_contact
      ->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  first_contact->add_option("--method", o.method, "How contact was made.")
      ->type_name("phone|in-person|video|message");
  first_contact
      ->add_option("--at", raw.at,
                   "When, in RFC 3339 such as 2026-12-02T09:30:00Z (default: "
                   "now).")
      ->type_name("TIME");

  // ---- Notifications.
  CLI::App* watch =
      Declare(app_, "watch", "Print the agency's notifications as they come.",
              Command::kWatch, kNotifyGroup, kWatchFooter);
  watch
      ->add_option("--after", raw.after,
                   "Resume after this position instead of the last "
                   "acknowledged one.")
      ->type_name("N");
  watch->add_flag("--ack", o.ack,
                  "Acknowledge each notification once printed.");
  watch->add_option("--count", raw.count, "Stop after N notifications.")
      ->type_name("N");
  CLI::App* ack =
      Declare(app_, "ack", "Acknowledge notifications up to a position.",
              Command::kAck, kNotifyGroup);
  ack->add_option("POSITION", raw.position, "The position, 1 or more.")
      ->required()
      ->type_name("");
  CLI::App* updates =
      Declare(app_, "updates", "Print the referrer updates on a referral.",
              Command::kUpdates, kNotifyGroup);
  updates->add_option("REFERENCE", o.reference, "The referral's reference.")
      ->required()
      ->type_name("");
  CLI::App* replay =
      Declare(app_, "replay", "Operators: make dead letters due again.",
              Command::kReplay, kNotifyGroup);
  replay
      ->add_option("AGENCY", o.agency,
                   "Only this recipient agency's (default: every agency's).")
      ->type_name("");

  // ---- Across the services.
  CLI::App* report =
      Declare(app_, "report", "Commissioners' figures for a period.",
              Command::kReport, kAcrossGroup, kReportFooter);
  report->add_option("--from", o.from, "The period's first day.")
      ->type_name("YYYY-MM-DD");
  report->add_option("--to", o.to, "The period's last day.")
      ->type_name("YYYY-MM-DD");
  report
      ->add_option("--quarter", o.quarter,
                   "A financial quarter instead of --from and --to.")
      ->type_name("YYYY-Qn");
  report
      ->add_option("--service", o.service,
                   "Narrow the figures to one front door or side (default "
                   "all).")
      ->type_name(
          "all|adult_victim|adult_behaviour_change|children|children_victim|"
          "children_behaviour_change");
  report->add_option("--format", o.format, "The file format (default json).")
      ->type_name("csv|xlsx|json");
  report
      ->add_option("--output", o.output,
                   "Write the report to this file instead of stdout.")
      ->type_name(kFileValue);
  report
      ->add_option("--triage-target", o.triage_target,
                   "triage-svc (default localhost:7444).")
      ->type_name("HOST:PORT");
  report
      ->add_option("--allocation-target", o.allocation_target,
                   "allocation-svc (default localhost:7445).")
      ->type_name("HOST:PORT");
  report
      ->add_option("--districts", o.districts_file,
                   absl::StrCat("The districts' names (default ",
                                kDefaultDistrictsFile, ")."))
      ->type_name(kFileValue);
  report
      ->add_option("--catalogue", o.catalogue_file,
                   absl::StrCat("The programmes' names (default ",
                                kDefaultCatalogueFile, ")."))
      ->type_name(kFileValue);

  CLI::App* rights = app_.add_subcommand(
      "rights", "Data protection: one person's data, everywhere.");
  rights->group(kAcrossGroup);
  rights->footer(Wrap(kRightsFooter, kHelpWidth));
  rights->require_subcommand(1);
  // Every rights action asks the four services.
  auto with_targets = [&o](CLI::App* action) {
    action
        ->add_option("--triage-target", o.triage_target,
                     "triage-svc (default localhost:7444).")
        ->type_name("HOST:PORT");
    action
        ->add_option("--allocation-target", o.allocation_target,
                     "allocation-svc (default localhost:7445).")
        ->type_name("HOST:PORT");
    action
        ->add_option("--notify-target", o.notify_target,
                     "notify-svc (default localhost:7446).")
        ->type_name("HOST:PORT");
    return action;
  };
  auto reference = [&o](CLI::App* action) {
    action->add_option("--reference", o.reference, "The referral's reference.")
        ->type_name("R");
  };
  CLI::App* find =
      Declare(*rights, "find", "Find referrals by reference or name and birth.",
              Command::kRightsFind, kRightsGroup, kFindFooter);
  reference(find);
  find->add_option("--given", o.given_names,
                   "Given names, with --family and --dob.")
      ->type_name("NAMES");
  find->add_option("--family", o.family_name, "Family name.")
      ->type_name("NAME");
  find->add_option("--dob", o.dob, "Date of birth.")->type_name("YYYY-MM-DD");
  with_targets(find);
  CLI::App* export_ = Declare(
      *rights, "export", "Write one person's subject access bundle to a file.",
      Command::kRightsExport, kRightsGroup, kExportFooter);
  reference(export_);
  // Whose data: export and rectify.
  auto party = [&o, &raw](CLI::App* action) {
    action->add_option("--party", o.party, "Whose data, on that referral.")
        ->type_name("subject|other_party|child|referrer");
    action
        ->add_option("--child", raw.child,
                     "Which child, from 0, with --party=child.")
        ->type_name("N");
  };
  party(export_);
  export_->add_flag("--show-staff-names", o.show_staff_names,
                    "Name the staff who acted instead of giving their roles.");
  export_
      ->add_option("--output", o.output,
                   "The bundle's file (required; readable by its owner "
                   "only).")
      ->type_name(kFileValue);
  export_
      ->add_option("--format", o.format, "The bundle's format (default json).")
      ->type_name("json|html");
  with_targets(export_);
  struct ActionSpec {
    const char* name;
    const char* line;
    const char* reasons;  // nullptr: no --reason (state)
    const char* footer;
  };
  constexpr ActionSpec kActions[] = {
      {"restrict", "Restrict processing of a referral's data.",
       "accuracy_contested|objection|unlawful_processing|legal_claims",
       nullptr},
      {"unrestrict", "Lift a restriction of processing.", "lifted", nullptr},
      {"hold", "Put a referral's data on legal hold.",
       "litigation|inquiry|police_request|safeguarding_review", nullptr},
      {"unhold", "Lift a legal hold.", "lifted", nullptr},
      {"rectify", "Correct one field of one person's data.",
       "requested_by_subject|found_in_review|court_order", kRectifyFooter},
      {"erase", "Erase a referral's personal data in every service.",
       "erasure_request|retention_schedule|court_order", kEraseFooter},
      {"state", "Show each service's restriction, hold and erasure.", nullptr,
       nullptr},
  };
  for (const ActionSpec& spec : kActions) {
    CLI::App* action = Declare(*rights, spec.name, spec.line, Command::kRights,
                               kRightsGroup, spec.footer);
    reference(action);
    if (spec.reasons != nullptr) {
      action->add_option("--reason", o.reason, "Why, as a code.")
          ->type_name(spec.reasons);
    }
    if (std::string_view(spec.name) == "rectify") {
      party(action);
      action->add_option("--field", o.field, "The field to correct.")
          ->type_name("FIELD");
      action->add_option("--value", o.value, "Its correct value.")
          ->type_name("VALUE");
    }
    with_targets(action);
  }

  // ---- This tool.
  CLI::App* version =
      Declare(app_, "version", "Print the version and the protocols spoken.",
              Command::kVersion, kToolGroup);
  version->add_flag("--json", o.json, "Print them as one line of JSON.");
  CLI::App* completion =
      Declare(app_, "completion", "Print a bash completion script.",
              Command::kCompletion, kToolGroup,
              "Load it with: source <(frontdoorctl completion bash)");
  completion->add_option("SHELL", o.shell, "The shell.")
      ->required()
      ->type_name("bash");
}

// The (sub)commands chosen by the parse, outermost first.
std::vector<const CLI::App*> ChosenPath(const CLI::App& app) {
  std::vector<const CLI::App*> path;
  for (const CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path.push_back(at);
  }
  return path;
}

std::string PathName(const std::vector<const CLI::App*>& path) {
  std::vector<std::string> names;
  for (const CLI::App* app : path) names.push_back(app->get_name());
  return absl::StrJoin(names, " ");
}

std::vector<const CLI::App*> Declared(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

// "a, b or c" of the (sub)commands declared under `app`.
std::string CommandList(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : Declared(app)) names.push_back(sub->get_name());
  if (names.size() < 2) return absl::StrJoin(names, "");
  const std::string last = names.back();
  names.pop_back();
  return absl::StrCat(absl::StrJoin(names, ", "), " or ", last);
}

// The flag `name` ("--ack") of `app` or of a (sub)command under it.
const CLI::Option* FindFlag(const CLI::App& app, const std::string& name) {
  if (const CLI::Option* option = app.get_option_no_throw(name)) {
    return option->nonpositional() ? option : nullptr;
  }
  for (const CLI::App* sub : Declared(app)) {
    if (const CLI::Option* option = FindFlag(*sub, name)) return option;
  }
  return nullptr;
}

bool TakesValue(const CLI::Option& option) {
  return option.get_type_size() != 0;
}

// A command's flags given before the command (frontdoorctl
// --idempotency-key=K submit FILE), moved after it, where the command's
// parser looks for them: flags may come anywhere.
std::vector<std::string> CommandFlagsLast(
    const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> first, moved;
  std::size_t i = 0;
  while (i < args.size() && args[i].size() > 2 &&
         args[i].compare(0, 2, "--") == 0) {
    const std::string& arg = args[i];
    const std::size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const CLI::Option* own = app.get_option_no_throw(name);
    const CLI::Option* flag = own != nullptr ? own : FindFlag(app, name);
    std::vector<std::string>& to =
        (own == nullptr && flag != nullptr) ? moved : first;
    to.push_back(arg);
    ++i;
    if (flag != nullptr && eq == std::string::npos && TakesValue(*flag) &&
        i < args.size()) {
      to.push_back(args[i++]);
    }
  }
  first.insert(first.end(), args.begin() + static_cast<std::ptrdiff_t>(i),
               args.end());
  first.insert(first.end(), moved.begin(), moved.end());
  return first;
}

// A parse error in words naming what is at fault.
absl::Status UsageError(const CLI::App& app, const CLI::ParseError& error) {
  const std::vector<const CLI::App*> path = ChosenPath(app);
  const CLI::App& at = path.empty() ? app : *path.back();
  const std::string where = PathName(path);
  const std::string see = absl::StrCat(
      " (frontdoorctl ", where.empty() ? "" : where + " ", "--help)");
  const std::vector<std::string> rest = app.remaining(true);
  const bool has_commands = !Declared(at).empty();
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ||
      (has_commands && dynamic_cast<const CLI::RequiredError*>(&error))) {
    if (!rest.empty() && rest.front().compare(0, 1, "-") == 0) {
      const std::string flag = rest.front().substr(0, rest.front().find('='));
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag ", flag, where.empty() ? "" : " for " + where, see));
    }
    if (has_commands && where.empty()) {
      return absl::InvalidArgumentError(
          rest.empty()
              ? absl::StrCat("no command: expected ", CommandList(app), see)
              : absl::StrCat("unknown command \"", rest.front(),
                             "\": expected ", CommandList(app), see));
    }
    if (has_commands) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, rest.empty() ? "" : " " + rest.front(),
                       ": expected ", CommandList(at), see));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unexpected argument \"",
                     rest.empty() ? "" : rest.front(), "\"", see));
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    // The only mismatch here: a flag given without its value.
    const std::string what = error.what();
    const std::string flag = what.substr(0, what.find(':'));
    return absl::InvalidArgumentError(absl::StrCat(
        "flag ", flag, " needs a value: ", flag, "=VALUE or ", flag, " VALUE"));
  }
  std::string usage = HelpFormatter().make_usage(
      &at, absl::StrCat(kProgram, where.empty() ? "" : " " + where));
  while (!usage.empty() && usage.back() == '\n') usage.pop_back();
  if (!usage.empty()) usage[0] = static_cast<char>(std::tolower(usage[0]));
  return absl::InvalidArgumentError(absl::StrCat(
      where.empty() ? "" : where + ": ", error.what(), "; ", usage));
}

absl::Status NotANumber(const char* flag, const std::string& value,
                        const char* what) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", value, " is not ", what));
}

// The checks of one command's flags, once the command is known.
absl::Status CheckCommand(const RawFlags& raw, Options& options) {
  switch (options.command) {
    case Command::kQueue:
      if (!raw.page_size.empty() &&
          (!absl::SimpleAtoi(raw.page_size, &options.page_size) ||
           options.page_size < 0)) {
        return NotANumber("page-size", raw.page_size, "a non-negative number");
      }
      return absl::OkStatus();
    case Command::kConsent:
      if ((options.who != "subject" && options.who != "carer") ||
          (options.consent != "given" && options.consent != "refused") ||
          options.how.empty()) {
        return absl::InvalidArgumentError(
            "usage: consent REFERENCE --who=subject|carer "
            "--consent=given|refused --how=TEXT");
      }
      return absl::OkStatus();
    case Command::kRelease:
      if (options.reason.empty()) {
        return absl::InvalidArgumentError(
            "usage: release REFERENCE --reason=TEXT");
      }
      return absl::OkStatus();
    case Command::kFirstContact: {
      if (options.method != "phone" && options.method != "in-person" &&
          options.method != "video" && options.method != "message") {
        return absl::InvalidArgumentError(
            "usage: first-contact REFERENCE "
            "--method=phone|in-person|video|message [--at=RFC3339]");
      }
      if (raw.at.empty()) return absl::OkStatus();
      absl::Time at;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, raw.at, &at, &error)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--at=", raw.at,
            " is not an RFC 3339 time such as 2026-12-02T09:30:00Z"));
      }
      options.at = at;
      return absl::OkStatus();
    }
    case Command::kWatch: {
      if (!raw.after.empty()) {
        int64_t after = 0;
        if (!absl::SimpleAtoi(raw.after, &after) || after < 0) {
          return NotANumber("after", raw.after, "a non-negative number");
        }
        options.after = after;
      }
      if (!raw.count.empty() &&
          (!absl::SimpleAtoi(raw.count, &options.count) || options.count < 1)) {
        return NotANumber("count", raw.count, "a positive number");
      }
      return absl::OkStatus();
    }
    case Command::kAck:
      if (!absl::SimpleAtoi(raw.position, &options.position) ||
          options.position < 1) {
        return absl::InvalidArgumentError(
            "usage: ack POSITION (a position of 1 or more)");
      }
      return absl::OkStatus();
    case Command::kReport: {
      const bool by_quarter = !options.quarter.empty() &&
                              options.from.empty() && options.to.empty();
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
      return absl::OkStatus();
    }
    case Command::kRights: {
      const std::string& action = options.rights_action;
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
      return absl::OkStatus();
    }
    case Command::kRightsFind:
    case Command::kRightsExport:
      return CheckFindOrExport(options);
    case Command::kCompletion:
      if (options.shell != "bash") {
        return absl::InvalidArgumentError(absl::StrCat(
            "completion ", options.shell, ": only bash is supported"));
      }
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

// ---- The completion script.

// Appends `[key]="value"` lines of a bash associative array.
void AppendEntry(const std::string& key, const std::string& value,
                 std::string* out) {
  absl::StrAppend(out, "  [\"", key, "\"]=\"", value, "\"\n");
}

// The words a flag's value completes to: its choices (a type name such as
// csv|xlsx|json), FILE for a file name, or nothing.
std::string ValueWords(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  if (type == kFileValue) return kFileValue;
  if (type.empty() || type.find_first_not_of("abcdefghijklmnopqrstuvwxyz_-|") !=
                          std::string::npos) {
    return "";  // Any text: N, HOST:PORT, YYYY-MM-DD.
  }
  return absl::StrJoin(absl::StrSplit(type, '|'), " ");
}

struct CompletionTables {
  std::string commands, flags, values, arguments;
};

void CollectCompletion(const CLI::App& app, const std::string& path,
                       CompletionTables& tables) {
  std::vector<std::string> subs, flags;
  bool has_argument = false;
  for (const CLI::App* sub : Declared(app)) subs.push_back(sub->get_name());
  if (!subs.empty())
    AppendEntry(path, absl::StrJoin(subs, " "), &tables.commands);
  for (const CLI::Option* option :
       app.get_options([](const CLI::Option*) { return true; })) {
    if (option->get_positional()) {
      // The first argument's completions: a file, or its choices.
      const std::string words = option->get_name(true, false) == kFileValue
                                    ? std::string(kFileValue)
                                    : ValueWords(*option);
      if (!words.empty() && !has_argument) {
        AppendEntry(path, words, &tables.arguments);
      }
      has_argument = true;
      continue;
    }
    // --help once, the app's: every command takes it.
    if (option == app.get_help_ptr() && app.get_parent() != nullptr) continue;
    for (const std::string& name : option->get_lnames()) {
      const std::string flag = absl::StrCat("--", name);
      flags.push_back(flag);
      if (TakesValue(*option)) {
        AppendEntry(absl::StrCat(path, " ", flag), ValueWords(*option),
                    &tables.values);
      }
    }
  }
  AppendEntry(path, absl::StrJoin(flags, " "), &tables.flags);
  for (const CLI::App* sub : Declared(app)) {
    CollectCompletion(*sub, absl::StrCat(path, " ", sub->get_name()), tables);
  }
}

constexpr char kCompletionFunctions[] = R"BASH(
# _frontdoorctl_value_of PATH FLAG: whether FLAG takes a value in the
# command PATH or a command enclosing it; its completions in
# _frontdoorctl_value.
_frontdoorctl_value_of() {
  local path=$1
  while :; do
    if [[ -n ${_frontdoorctl_values["$path $2"]+set} ]]; then
      _frontdoorctl_value=${_frontdoorctl_values["$path $2"]}
      return 0
    fi
    [[ $path != *" "* ]] && return 1
    path=${path% *}
  done
}

_frontdoorctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} path=frontdoorctl word i flag="" value
  local p words=""
  COMPREPLY=()
  # The command path: the words naming commands, skipping flags' values
  # (--flag VALUE, and --flag = VALUE where '=' breaks words).
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      if [[ ${COMP_WORDS[i+1]} == "=" ]]; then
        ((i += 2))
      elif [[ $word != *=* ]] && _frontdoorctl_value_of "$path" "$word"; then
        ((i++))
      fi
      continue
    fi
    if [[ " ${_frontdoorctl_commands["$path"]} " == *" $word "* ]]; then
      path="$path $word"
    fi
  done
  # A flag's value: --flag=VALUE as one word, --flag = VALUE, --flag VALUE.
  value=$cur
  if [[ $cur == --*=* ]]; then
    flag=${cur%%=*}
    value=${cur#*=}
  elif [[ $cur == "=" ]]; then
    flag=${COMP_WORDS[COMP_CWORD-1]}
    value=""
  elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == "=" ]]; then
    flag=${COMP_WORDS[COMP_CWORD-2]}
  elif ((COMP_CWORD >= 2)) && [[ ${COMP_WORDS[COMP_CWORD-1]} == --* ]]; then
    flag=${COMP_WORDS[COMP_CWORD-1]}
  fi
  if [[ -n $flag ]] && _frontdoorctl_value_of "$path" "$flag"; then
    if [[ $_frontdoorctl_value == FILE ]]; then
      COMPREPLY=($(compgen -f -- "$value"))
    elif [[ -n $_frontdoorctl_value ]]; then
      COMPREPLY=($(compgen -W "$_frontdoorctl_value" -- "$value"))
    fi
    if [[ $cur == --*=* ]]; then COMPREPLY=("${COMPREPLY[@]/#/$flag=}"); fi
    return 0
  fi
  if [[ $cur == -* ]]; then
    # The command's flags and those of the commands enclosing it.
    p=$path
    while :; do
      words="$words ${_frontdoorctl_flags["$p"]}"
      [[ $p != *" "* ]] && break
      p=${p% *}
    done
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return 0
  fi
  if [[ -n ${_frontdoorctl_commands["$path"]} ]]; then
    COMPREPLY=($(compgen -W "${_frontdoorctl_commands["$path"]}" -- "$cur"))
  elif [[ ${_frontdoorctl_arguments["$path"]} == FILE ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ -n ${_frontdoorctl_arguments["$path"]} ]]; then
    COMPREPLY=($(compgen -W "${_frontdoorctl_arguments["$path"]}" -- "$cur"))
  fi
  return 0
}
complete -F _frontdoorctl frontdoorctl
)BASH";

}  // namespace

absl::StatusOr<Options> ParseArgs(const std::vector<std::string>& args,
                                  const EnvLookup& env) {
  Options options;
  RawFlags raw;
  CommandTable table(options, raw);
  CLI::App& app = table.app();
  const std::vector<std::string> ordered = CommandFlagsLast(app, args);
  std::vector<std::string> reversed(ordered.rbegin(), ordered.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    options.command = Command::kHelp;
    options.help_text = app.help();
    return options;
  } catch (const CLI::ParseError& error) {
    return UsageError(app, error);
  }
  const std::vector<const CLI::App*> path = ChosenPath(app);
  if (raw.version) {
    options.command = Command::kVersion;
    return options;
  }
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no command: expected ", CommandList(app), " (frontdoorctl --help)"));
  }
  options.command = table.CommandOf(path.back());
  if (options.command == Command::kRights) {
    options.rights_action = path.back()->get_name();
  }
  if (!raw.child.empty()) {
    int child = 0;
    if (!absl::SimpleAtoi(raw.child, &child) || child < 0) {
      return NotANumber("child", raw.child, "a number from 0");
    }
    options.child_index = child;
  }
  if (app.get_option("--deadline")->count() > 0) {
    options.deadline_given = true;
    if (!absl::ParseDuration(raw.deadline, &options.deadline) ||
        options.deadline <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--deadline=", raw.deadline, " is not a positive duration like 10s"));
    }
  }
  if (absl::Status checked = CheckCommand(raw, options); !checked.ok()) {
    return checked;
  }
  if (app.get_option("--target")->count() == 0) {
    if (IsAllocationCommand(options.command)) {
      options.target = kDefaultAllocationTarget;
    } else if (IsTriageCommand(options.command)) {
      options.target = kDefaultTriageTarget;
    } else if (IsNotifyCommand(options.command)) {
      options.target = kDefaultNotifyTarget;
    }
  }
  std::string pki_dir = env("FRONTDOOR_PKI_DIR").value_or(kDefaultPkiDir);
  if (pki_dir.empty()) pki_dir = kDefaultPkiDir;
  if (app.get_option("--ca")->count() == 0) {
    options.ca_file = absl::StrCat(pki_dir, "/ca.pem");
  }
  if (app.get_option("--cert")->count() == 0) {
    options.cert_file = absl::StrCat(pki_dir, "/", raw.identity, ".pem");
  }
  if (app.get_option("--key")->count() == 0) {
    options.key_file = absl::StrCat(pki_dir, "/", raw.identity, ".key");
  }
  if (app.get_option("--actor")->count() == 0) {
    options.actor = env("USER").value_or("");
    if (options.actor.empty()) options.actor = kDefaultActor;
  }
  const bool printable =
      std::all_of(options.actor.begin(), options.actor.end(),
                  [](char c) { return c >= 0x20 && c <= 0x7E; });
  if (options.actor.empty() || !printable) {
    return absl::InvalidArgumentError(
        "--actor must be non-empty printable ASCII (gRPC metadata)");
  }
  return options;
}

std::string HelpText() {
  Options options;
  RawFlags raw;
  CommandTable table(options, raw);
  return table.app().help();
}

std::string BashCompletion() {
  Options options;
  RawFlags raw;
  CommandTable table(options, raw);
  CompletionTables tables;
  CollectCompletion(table.app(), kProgram, tables);
  return absl::StrCat(
      "# bash completion for frontdoorctl, made from its command table by\n"
      "# `frontdoorctl completion bash`. Load it with\n"
      "#   source <(frontdoorctl completion bash)\n"
      "# Keyed by command path (\"frontdoorctl rights erase\"): each path's\n"
      "# sub-commands, flags (a command also takes the\n"
      "# flags of the commands enclosing it), the flags that take a value\n"
      "# (\"PATH --flag\": its choices, FILE, or any text) and the first\n"
      "# argument's choices or FILE.\n"
      "declare -gA _frontdoorctl_commands=(\n",
      tables.commands, ")\n", "declare -gA _frontdoorctl_flags=(\n",
      tables.flags, ")\n", "declare -gA _frontdoorctl_values=(\n",
      tables.values, ")\n", "declare -gA _frontdoorctl_arguments=(\n",
      tables.arguments, ")\n", kCompletionFunctions);
}

}  // namespace frontdoor::ctl
