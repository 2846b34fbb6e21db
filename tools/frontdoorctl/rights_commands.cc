#include "tools/frontdoorctl/rights_commands.h"

#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/config/config.h"
#include "common/rights/bundle.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace frontdoor::ctl {
namespace {

using frontdoor::common::v1::Party;

constexpr char kFindUsage[] =
    "usage: rights find --reference=R | --given=G --family=F "
    "--dob=YYYY-MM-DD";
// The bundle holds personal data: its file is its owner's only.
constexpr unsigned kBundleFileMode = 0600;

struct PartyName {
  std::string_view name;
  Party party;
};
constexpr PartyName kParties[] = {
    {"subject", frontdoor::common::v1::PARTY_SUBJECT},
    {"other_party", frontdoor::common::v1::PARTY_OTHER_PARTY},
    {"child", frontdoor::common::v1::PARTY_CHILD},
    {"referrer", frontdoor::common::v1::PARTY_REFERRER},
};

absl::Status Refused(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

// A flag given to the subcommand that does not take it.
absl::Status NotFor(const char* flag, const char* subcommand) {
  return Refused(
      absl::StrCat("--", flag, " does not apply to rights ", subcommand));
}

absl::Status CheckFind(const Options& o) {
  const bool by_name =
      !o.given_names.empty() || !o.family_name.empty() || !o.dob.empty();
  if (!o.party.empty()) return NotFor("party", "find");
  if (o.child_index.has_value()) return NotFor("child", "find");
  if (o.show_staff_names) return NotFor("show-staff-names", "find");
  if (!o.output.empty()) return NotFor("output", "find");
  if (o.format != kBundleJson) return NotFor("format", "find");
  if (!o.reference.empty() && by_name) {
    return Refused(
        "--reference and --given/--family/--dob: give one or the other");
  }
  if (!o.reference.empty()) return absl::OkStatus();
  if (!by_name) return Refused(kFindUsage);
  if (o.given_names.empty()) return Refused("--given is required by name");
  if (o.family_name.empty()) return Refused("--family is required by name");
  if (o.dob.empty()) return Refused("--dob is required by name");
  absl::CivilDay day;
  if (!absl::ParseCivilTime(o.dob, &day) ||
      absl::FormatCivilTime(day) != o.dob) {
    return Refused(
        absl::StrCat("--dob=", o.dob, " is not a date such as 1990-03-14"));
  }
  return absl::OkStatus();
}

absl::Status CheckExport(const Options& o) {
  if (!o.given_names.empty()) return NotFor("given", "export");
  if (!o.family_name.empty()) return NotFor("family", "export");
  if (!o.dob.empty()) return NotFor("dob", "export");
  if (o.reference.empty()) return Refused("--reference is required");
  bool known = false;
  for (const PartyName& p : kParties) known = known || p.name == o.party;
  if (o.party.empty()) return Refused("--party is required");
  if (!known) {
    return Refused(absl::StrCat("--party=", o.party,
                                " is not subject, other_party, child or "
                                "referrer"));
  }
  if (o.child_index.has_value() && o.party != "child") {
    return Refused("--child applies to --party=child only");
  }
  if (o.output.empty()) {
    return Refused("--output is required: the bundle is written to a file");
  }
  if (o.format != kBundleJson && o.format != kBundleHtml) {
    return Refused(absl::StrCat("--format=", o.format, " is not json or html"));
  }
  return absl::OkStatus();
}

Party PartyOf(const std::string& name) {
  for (const PartyName& p : kParties) {
    if (p.name == name) return p.party;
  }
  return frontdoor::common::v1::PARTY_UNSPECIFIED;
}

frontdoor::common::v1::FindPersonRequest FindRequestOf(const Options& o) {
  frontdoor::common::v1::FindPersonRequest request;
  if (!o.reference.empty()) {
    request.set_reference(o.reference);
    return request;
  }
  frontdoor::common::v1::NameAndBirth& who = *request.mutable_name_and_birth();
  who.mutable_name()->set_given_names(o.given_names);
  who.mutable_name()->set_family_name(o.family_name);
  absl::CivilDay day;
  absl::ParseCivilTime(o.dob, &day);  // checked by CheckFind
  who.mutable_date_of_birth()->set_year(static_cast<int32_t>(day.year()));
  who.mutable_date_of_birth()->set_month(day.month());
  who.mutable_date_of_birth()->set_day(day.day());
  return request;
}

// Calls `method` on every service; answers in order, failures as
// unanswered (and on `err`). Returns the first failure's exit code.
template <typename Request, typename Response>
int FanOut(
    const Options& options, const RightsTargets& services,
    grpc::Status (frontdoor::common::v1::DataRights::StubInterface::*method)(
        grpc::ClientContext*, const Request&, Response*),
    const Request& request, std::vector<Response>& answers,
    std::vector<rights::Unanswered>& unanswered, std::ostream& err) {
  int exit_code = kExitOk;
  for (const auto& [name, stub] : services) {
    grpc::ClientContext context;
    std::string trace_id;
    PrepareContext(options, &context, &trace_id);
    Response response;
    const grpc::Status status = (stub->*method)(&context, request, &response);
    if (status.ok()) {
      answers.push_back(std::move(response));
      continue;
    }
    err << name << ": " << RenderErrorJson(status, trace_id) << "\n";
    unanswered.push_back({name,
                          std::string(StatusCodeName(status.error_code())),
                          status.error_message()});
    if (exit_code == kExitOk) exit_code = ExitCodeFor(status.error_code());
  }
  return exit_code;
}

}  // namespace

bool IsRightsCommand(Command command) {
  return command == Command::kRightsFind || command == Command::kRightsExport;
}

absl::Status CheckFindOrExport(const Options& options) {
  return options.command == Command::kRightsFind ? CheckFind(options)
                                                 : CheckExport(options);
}

int RunFindOrExport(const Options& options, const RightsTargets& services,
                    std::ostream& out, std::ostream& err) {
  std::vector<rights::Unanswered> unanswered;
  if (options.command == Command::kRightsFind) {
    std::vector<frontdoor::common::v1::FindPersonResponse> found;
    const int code =
        FanOut(options, services,
               &frontdoor::common::v1::DataRights::StubInterface::FindPerson,
               FindRequestOf(options), found, unanswered, err);
    out << rights::FoundJson(found, unanswered);
    return code;
  }
  rights::Bundle bundle;
  bundle.person.set_reference(options.reference);
  bundle.person.set_party(PartyOf(options.party));
  bundle.person.set_child_index(options.child_index.value_or(0));
  bundle.made_at = absl::Now();
  frontdoor::common::v1::ExportSubjectRequest request;
  *request.mutable_person() = bundle.person;
  request.set_show_staff_names(options.show_staff_names);
  const int code =
      FanOut(options, services,
             &frontdoor::common::v1::DataRights::StubInterface::ExportSubject,
             request, bundle.answers, bundle.unanswered, err);
  if (bundle.answers.empty()) return code;
  const std::string contents = options.format == kBundleHtml
                                   ? rights::BundleHtml(bundle)
                                   : rights::BundleJson(bundle);
  // Written whole or not at all, readable by its owner only.
  if (absl::Status s =
          config::WriteFileDurably(options.output, contents, kBundleFileMode);
      !s.ok()) {
    err << s.message() << "\n";
    return kExitLocalError;
  }
  int records = 0, review = 0;
  for (const auto& answer : bundle.answers) {
    for (const auto& r : answer.records()) {
      ++records;
      if (r.needs_review()) ++review;
    }
  }
  google::protobuf::Struct summary;
  auto& fields = *summary.mutable_fields();
  fields["output"].set_string_value(options.output);
  fields["answered"].set_number_value(bundle.answers.size());
  fields["unanswered"].set_number_value(bundle.unanswered.size());
  fields["records"].set_number_value(records);
  fields["needsReview"].set_number_value(review);
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(summary, &line);
  out << line << "\n";
  return code;
}

}  // namespace frontdoor::ctl
