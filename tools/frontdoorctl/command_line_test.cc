// frontdoorctl's command table: each command's help page, both flag forms,
// usage errors, version, and the bash completion made from the table.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tools/frontdoorctl/frontdoorctl.h"

namespace frontdoor::ctl {
namespace {

using ::testing::ContainerEq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::IsSubsetOf;
using ::testing::IsSupersetOf;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using Flags = std::set<std::string>;

EnvLookup NoEnv() {
  return [](const char*) -> std::optional<std::string> { return std::nullopt; };
}

struct Ran {
  int code;
  std::string out;
  std::string err;
};

Ran RunMain(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = Main(args, NoEnv(), out, err);
  return {code, out.str(), err.str()};
}

// The flags of every command, which may come before or after it.
const Flags& GlobalFlags() {
  static const Flags* flags =
      new Flags{"--help",     "--target",     "--as",          "--ca",
                "--cert",     "--key",        "--server-name", "--actor",
                "--deadline", "--staff-role", "--version"};
  return *flags;
}

const Flags kRightsTargets = {"--triage-target", "--allocation-target",
                              "--notify-target"};

Flags Plus(Flags a, const Flags& b) {
  a.insert(b.begin(), b.end());
  return a;
}

// Every command and rights action, with its own flags: the spec of the
// command table.
const std::map<std::string, Flags>& CommandFlags() {
  static const auto* table = new std::map<std::string, Flags>{
      {"submit", {"--idempotency-key"}},
      {"get", {}},
      {"queue", {"--page-size", "--page-token"}},
      {"decision", {}},
      {"assess", {}},
      {"programmes", {}},
      {"placement", {}},
      {"waiting", {}},
      {"consent", {"--who", "--consent", "--how"}},
      {"release", {"--reason"}},
      {"first-contact", {"--method", "--at"}},
      {"watch", {"--after", "--ack", "--count"}},
      {"ack", {}},
      {"updates", {}},
      {"replay", {}},
      {"report",
       {"--from", "--to", "--quarter", "--service", "--format", "--output",
        "--triage-target", "--allocation-target", "--districts",
        "--catalogue"}},
      {"rights", {}},
      {"rights find",
       Plus({"--reference", "--given", "--family", "--dob"}, kRightsTargets)},
      {"rights export", Plus({"--reference", "--party", "--child",
                              "--show-staff-names", "--output", "--format"},
                             kRightsTargets)},
      {"rights restrict", Plus({"--reference", "--reason"}, kRightsTargets)},
      {"rights unrestrict", Plus({"--reference", "--reason"}, kRightsTargets)},
      {"rights hold", Plus({"--reference", "--reason"}, kRightsTargets)},
      {"rights unhold", Plus({"--reference", "--reason"}, kRightsTargets)},
      {"rights rectify", Plus({"--reference", "--reason", "--party", "--child",
                               "--field", "--value"},
                              kRightsTargets)},
      {"rights erase", Plus({"--reference", "--reason"}, kRightsTargets)},
      {"rights state", Plus({"--reference"}, kRightsTargets)},
      {"version", {"--json"}},
      {"completion", {}},
  };
  return *table;
}

std::vector<std::string> Words(const std::string& path) {
  return absl::StrSplit(path, ' ');
}

// Every --flag named in `text`.
Flags FlagsIn(const std::string& text) {
  Flags flags;
  static const std::regex kFlag("--[a-z][a-z-]*[a-z]");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kFlag);
       it != std::sregex_iterator(); ++it) {
    flags.insert(it->str());
  }
  return flags;
}

// Whether `page` has a line for `name` (a flag or a command) with words
// describing it, on that line or, after a long name, on the next.
bool DescribedOnItsLine(const std::string& page, const std::string& name) {
  const std::vector<std::string> lines = absl::StrSplit(page, '\n');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string start = "  " + name;
    if (line.rfind(start, 0) != 0) continue;
    if (line.size() > start.size() && line[start.size()] != ' ') continue;
    // Past the name and its value's type name, if any.
    std::string rest = line.substr(start.size());
    const std::size_t gap = rest.find("  ");
    rest = gap == std::string::npos ? "" : rest.substr(gap);
    if (rest.find_first_not_of(' ') != std::string::npos) return true;
    return i + 1 < lines.size() && lines[i + 1].rfind("          ", 0) == 0 &&
           lines[i + 1].find_first_not_of(' ') != std::string::npos;
  }
  return false;
}

// ---- Help pages.

TEST(HelpTest, EveryCommandHasAPageNamingItsOwnFlagsAndNoOtherCommands) {
  for (const auto& [path, own] : CommandFlags()) {
    std::vector<std::string> args = Words(path);
    args.push_back("--help");
    const Ran run = RunMain(args);
    EXPECT_EQ(run.code, kExitOk) << path;
    EXPECT_THAT(run.out, HasSubstr("Usage: frontdoorctl " + path)) << path;
    // A command with actions (rights) describes its actions' flags too.
    Flags allowed = Plus(own, GlobalFlags());
    for (const auto& [other, flags] : CommandFlags()) {
      if (other.rfind(path + " ", 0) == 0) allowed = Plus(allowed, flags);
    }
    const Flags named = FlagsIn(run.out);
    EXPECT_THAT(named, IsSupersetOf(own)) << run.out;
    EXPECT_THAT(named, IsSubsetOf(allowed)) << run.out;
    // Each own flag has a line of its own, with words after its name.
    for (const std::string& flag : own) {
      EXPECT_TRUE(DescribedOnItsLine(run.out, flag))
          << flag << " in " << run.out;
    }
  }
}

TEST(HelpTest, AfterTheCommandOrWithDashHTheCommandsPageIsShown) {
  const Ran dash_h = RunMain({"rights", "erase", "-h"});
  const Ran flag_first = RunMain({"--as=web-svc", "rights", "erase", "--help"});
  EXPECT_EQ(dash_h.code, kExitOk);
  EXPECT_THAT(dash_h.out, HasSubstr("Usage: frontdoorctl rights erase"));
  EXPECT_EQ(dash_h.out, RunMain({"rights", "erase", "--help"}).out);
  EXPECT_EQ(flag_first.out, dash_h.out);
  EXPECT_THAT(dash_h.out, Not(HasSubstr("--idempotency-key")));
}

TEST(HelpTest, ABareCallAndHelpListEveryCommandWithALine) {
  const Ran bare = RunMain({});
  EXPECT_EQ(bare.code, kExitUsage);
  EXPECT_THAT(bare.out, IsEmpty());
  EXPECT_THAT(bare.err, HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
  const Ran help = RunMain({"--help"});
  EXPECT_EQ(help.code, kExitOk);
  EXPECT_EQ(help.out, HelpText());
  EXPECT_THAT(help.out, HasSubstr("1 + the gRPC status code"));
  for (const std::string& page : {bare.err, help.out}) {
    EXPECT_THAT(page, HasSubstr("Usage: frontdoorctl [FLAGS] [COMMAND]"));
    for (const auto& [path, own] : CommandFlags()) {
      if (path.find(' ') != std::string::npos) continue;  // A rights action.
      EXPECT_TRUE(DescribedOnItsLine(page, path)) << path << " in " << page;
    }
    for (const std::string& flag : GlobalFlags()) {
      EXPECT_TRUE(
          DescribedOnItsLine(page, flag == "--help" ? "-h,--help" : flag))
          << flag;
    }
  }
}

// ---- Both flag forms, each kind of flag.

// Parses `args` as they are and with every "--flag=value" split into
// "--flag value"; both must give the same options.
std::pair<Options, Options> ParseBothForms(
    const std::vector<std::string>& args) {
  std::vector<std::string> split;
  for (const std::string& arg : args) {
    const std::size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      split.push_back(arg.substr(0, eq));
      split.push_back(arg.substr(eq + 1));
    } else {
      split.push_back(arg);
    }
  }
  absl::StatusOr<Options> joined = ParseArgs(args, NoEnv());
  absl::StatusOr<Options> apart = ParseArgs(split, NoEnv());
  EXPECT_TRUE(joined.ok()) << joined.status() << " "
                           << absl::StrJoin(args, " ");
  EXPECT_TRUE(apart.ok()) << apart.status() << " " << absl::StrJoin(split, " ");
  return {joined.value_or(Options()), apart.value_or(Options())};
}

TEST(FlagFormsTest, StringFlagsOfEveryCommandAndOfOneCommand) {
  auto [joined, apart] = ParseBothForms(
      {"--as=uhnm-health", "--target=h:1", "--actor=Jo Bloggs", "submit",
       "r.json", "--idempotency-key=k-1", "--server-name=localhost"});
  for (const Options& o : {joined, apart}) {
    EXPECT_EQ(o.command, Command::kSubmit);
    EXPECT_EQ(o.cert_file, "var/pki/uhnm-health.pem");
    EXPECT_EQ(o.target, "h:1");
    EXPECT_EQ(o.actor, "Jo Bloggs");
    EXPECT_EQ(o.idempotency_key, "k-1");
    EXPECT_EQ(o.server_name, "localhost");
  }
  auto [rights, rights_apart] = ParseBothForms(
      {"rights", "rectify", "--reference=FD-1", "--party=subject",
       "--field=name.familyName", "--value=Price-Jones", "--reason=court_order",
       "--notify-target=n:4"});
  for (const Options& o : {rights, rights_apart}) {
    EXPECT_EQ(o.command, Command::kRights);
    EXPECT_EQ(o.rights_action, "rectify");
    EXPECT_EQ(o.value, "Price-Jones");
    EXPECT_EQ(o.notify_target, "n:4");
  }
}

TEST(FlagFormsTest, NumberAndDurationFlags) {
  auto [queue, queue_apart] =
      ParseBothForms({"queue", "--page-size=20", "--deadline=1500ms"});
  for (const Options& o : {queue, queue_apart}) {
    EXPECT_EQ(o.page_size, 20);
    EXPECT_EQ(o.deadline, absl::Milliseconds(1500));
    EXPECT_TRUE(o.deadline_given);
  }
  auto [watch, watch_apart] =
      ParseBothForms({"watch", "--after=12", "--count=3"});
  for (const Options& o : {watch, watch_apart}) {
    EXPECT_EQ(o.after, 12);
    EXPECT_EQ(o.count, 3);
  }
  auto [child, child_apart] =
      ParseBothForms({"rights", "export", "--reference=R", "--party=child",
                      "--child=2", "--output=b.json"});
  for (const Options& o : {child, child_apart}) EXPECT_EQ(o.child_index, 2);
  // A negative number is still the flag's value, and refused by name.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"watch", "--after", "-1"},
        {"watch", "--after=-1"}}) {
    auto options = ParseArgs(args, NoEnv());
    EXPECT_THAT(options.status().message(), HasSubstr("--after=-1"));
  }
}

TEST(FlagFormsTest, BooleanFlagsAloneOrWithAValue) {
  EXPECT_TRUE(ParseArgs({"watch", "--ack"}, NoEnv())->ack);
  EXPECT_TRUE(ParseArgs({"watch", "--ack=true"}, NoEnv())->ack);
  EXPECT_FALSE(ParseArgs({"watch", "--ack=false"}, NoEnv())->ack);
  EXPECT_FALSE(ParseArgs({"watch"}, NoEnv())->ack);
  auto shown =
      ParseArgs({"rights", "export", "--reference", "R", "--party", "subject",
                 "--show-staff-names", "--output", "b.json"},
                NoEnv());
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_TRUE(shown->show_staff_names);
  EXPECT_EQ(shown->output, "b.json");
  EXPECT_TRUE(ParseArgs({"version", "--json"}, NoEnv())->json);
  // A boolean flag does not take the next word as its value.
  auto watch = ParseArgs({"watch", "--ack", "--count", "2"}, NoEnv());
  ASSERT_TRUE(watch.ok()) << watch.status();
  EXPECT_EQ(watch->count, 2);
}

TEST(FlagFormsTest, AFlagGivenAgainCountsOnceTheLastTime) {
  auto [joined, apart] = ParseBothForms(
      {"--target=a:1", "get", "FD-1", "--target=b:2", "--as=x", "--as=y"});
  for (const Options& o : {joined, apart}) {
    EXPECT_EQ(o.target, "b:2");
    EXPECT_EQ(o.cert_file, "var/pki/y.pem");
  }
}

TEST(FlagFormsTest, ACommandsFlagBeforeTheCommandIsTheCommands) {
  auto [joined, apart] = ParseBothForms(
      {"--idempotency-key=k-2", "--as=frontdoor-helpline", "submit", "r.json"});
  for (const Options& o : {joined, apart}) {
    EXPECT_EQ(o.command, Command::kSubmit);
    EXPECT_EQ(o.file, "r.json");
    EXPECT_EQ(o.idempotency_key, "k-2");
    EXPECT_EQ(o.cert_file, "var/pki/frontdoor-helpline.pem");
  }
}

// ---- Usage errors.

TEST(UsageErrorTest, AnUnknownCommandIsNamedWithTheCommandsExpected) {
  const Ran run = RunMain({"frobnicate", "FD-1"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.out, IsEmpty());
  EXPECT_THAT(run.err, HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
  EXPECT_THAT(run.err, HasSubstr("unknown command \\\"frobnicate\\\""));
  for (const auto& [path, own] : CommandFlags()) {
    if (path.find(' ') == std::string::npos) {
      EXPECT_THAT(run.err, HasSubstr(path));
    }
  }
  const Ran action = RunMain({"rights", "shred", "--reference=R"});
  EXPECT_EQ(action.code, kExitUsage);
  EXPECT_THAT(action.err, HasSubstr("rights shred: expected find, export"));
}

TEST(UsageErrorTest, AnUnknownFlagIsNamedWithItsCommand) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> kCases = {
      {{"get", "FD-1", "--frob=1"}, "unknown flag --frob for get"},
      {{"get", "FD-1", "--frob", "1"}, "unknown flag --frob for get"},
      // Another command's flag.
      {{"get", "FD-1", "--ack"}, "unknown flag --ack for get"},
      {{"rights", "erase", "--reference=R", "--reason=court_order",
        "--party=subject"},
       "unknown flag --party for rights erase"},
      {{"--frob", "version"}, "unknown flag --frob"},
      {{"queue", "--page-size"}, "flag --page-size needs a value"},
      {{"get", "FD-1", "FD-2"}, "get: unexpected argument \\\"FD-2\\\""},
      {{"get"}, "get: REFERENCE is required"},
  };
  for (const auto& [args, named] : kCases) {
    const Ran run = RunMain(args);
    EXPECT_EQ(run.code, kExitUsage) << absl::StrJoin(args, " ");
    EXPECT_THAT(run.out, IsEmpty());
    EXPECT_THAT(run.err, HasSubstr(named)) << absl::StrJoin(args, " ");
  }
}

// ---- Version.

TEST(VersionTest, TextNamesTheVersionAndEveryProtocolSpoken) {
  const Ran run = RunMain({"version"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_THAT(
      run.out,
      MatchesRegex("frontdoorctl [0-9]+\\.[0-9]+\\.[0-9]+\n"
                   "protocols: frontdoor\\.intake\\.v1 "
                   "frontdoor\\.triage\\.v1 frontdoor\\.allocation\\.v1 "
                   "frontdoor\\.notify\\.v1 frontdoor\\.common\\.v1\n"));
  EXPECT_EQ(RunMain({"--version"}).out, run.out);
}

TEST(VersionTest, JsonHasTheVersionProtocolsAndServices) {
  const Ran run = RunMain({"version", "--json"});
  EXPECT_EQ(run.code, kExitOk);
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(run.out, &json).ok())
      << run.out;
  const auto& fields = json.fields();
  EXPECT_THAT(fields.at("version").string_value(),
              MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
  EXPECT_THAT(RunMain({"version"}).out,
              HasSubstr(fields.at("version").string_value()));
  std::vector<std::string> protocols, services;
  for (const auto& v : fields.at("protocols").list_value().values()) {
    protocols.push_back(v.string_value());
  }
  for (const auto& v : fields.at("services").list_value().values()) {
    services.push_back(v.string_value());
  }
  EXPECT_THAT(protocols, UnorderedElementsAre(
                             "frontdoor.intake.v1", "frontdoor.triage.v1",
                             "frontdoor.allocation.v1", "frontdoor.notify.v1",
                             "frontdoor.common.v1"));
  EXPECT_THAT(services,
              UnorderedElementsAre("frontdoor.intake.v1.IntakeService",
                                   "frontdoor.triage.v1.TriageService",
                                   "frontdoor.allocation.v1.AllocationService",
                                   "frontdoor.notify.v1.NotifyService",
                                   "frontdoor.common.v1.DataRights"));
}

// ---- Completion.

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Ran run = RunMain({"completion", "bash"});
    ASSERT_EQ(run.code, kExitOk) << run.err;
    dir_ = ::testing::TempDir() + "frontdoorctl_completion_" +
           std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p '" + dir_ + "'").c_str()), 0);
    script_ = dir_ + "/frontdoorctl.bash";
    std::ofstream(script_) << run.out;
    std::ofstream(dir_ + "/referral.json") << "{}";
  }
  void TearDown() override {
    (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  // What bash completes for the words typed (the last is the one being
  // completed), as the completion function leaves COMPREPLY.
  std::vector<std::string> Complete(const std::vector<std::string>& words) {
    std::string call = absl::StrCat("cd '", dir_, "' && source '", script_,
                                    "' && COMP_WORDS=(");
    for (const std::string& word : words)
      absl::StrAppend(&call, "'", word, "' ");
    absl::StrAppend(&call, ") && COMP_CWORD=", words.size() - 1,
                    " && _frontdoorctl && printf '%s\\n' \"${COMPREPLY[@]}\"");
    const std::string file = dir_ + "/call.bash";
    std::ofstream(file) << call << "\n";
    FILE* pipe = ::popen(("bash '" + file + "' 2>&1").c_str(), "r");
    std::string out;
    char buffer[4096];
    while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe)) {
      out += buffer;
    }
    if (pipe != nullptr) EXPECT_EQ(::pclose(pipe), 0) << out;
    return absl::StrSplit(out, '\n', absl::SkipEmpty());
  }

  std::string dir_;
  std::string script_;
};

TEST_F(CompletionTest, CommandsAndActions) {
  std::vector<std::string> commands;
  for (const auto& [path, own] : CommandFlags()) {
    if (path.find(' ') == std::string::npos) commands.push_back(path);
  }
  EXPECT_THAT(Complete({"frontdoorctl", ""}),
              UnorderedElementsAreArray(commands));
  EXPECT_EQ(commands.size(), 19u);
  EXPECT_THAT(Complete({"frontdoorctl", "rights", "e"}),
              UnorderedElementsAre("erase", "export"));
  // A flag's value is skipped in either form.
  EXPECT_THAT(Complete({"frontdoorctl", "--target", "h:1", "wat"}),
              UnorderedElementsAre("watch"));
  EXPECT_THAT(Complete({"frontdoorctl", "--target", "=", "h:1", "rights", "s"}),
              UnorderedElementsAre("state"));
  EXPECT_THAT(Complete({"frontdoorctl", "completion", ""}),
              UnorderedElementsAre("bash"));
  EXPECT_THAT(Complete({"frontdoorctl", "submit", "ref"}),
              UnorderedElementsAre("referral.json"));
}

TEST_F(CompletionTest, EveryCommandsFlagsAndTheFlagsOfEveryCommand) {
  for (const auto& [path, own] : CommandFlags()) {
    std::vector<std::string> words = {"frontdoorctl"};
    for (const std::string& word : Words(path)) words.push_back(word);
    words.push_back("--");
    const std::vector<std::string> got = Complete(words);
    EXPECT_THAT(Flags(got.begin(), got.end()),
                ContainerEq(Plus(own, GlobalFlags())))
        << path;
  }
}

TEST_F(CompletionTest, FlagsValuesFromTheirChoices) {
  EXPECT_THAT(Complete({"frontdoorctl", "report", "--format", ""}),
              UnorderedElementsAre("csv", "xlsx", "json"));
  EXPECT_THAT(Complete({"frontdoorctl", "report", "--format=x"}),
              UnorderedElementsAre("--format=xlsx"));
  EXPECT_THAT(
      Complete({"frontdoorctl", "rights", "export", "--format", "=", "h"}),
      UnorderedElementsAre("html"));
  EXPECT_THAT(Complete({"frontdoorctl", "rights", "erase", "--reason", ""}),
              UnorderedElementsAre("erasure_request", "retention_schedule",
                                   "court_order"));
  EXPECT_THAT(Complete({"frontdoorctl", "report", "--output", "ref"}),
              UnorderedElementsAre("referral.json"));
  EXPECT_THAT(Complete({"frontdoorctl", "--target", ""}), IsEmpty());
}

}  // namespace
}  // namespace frontdoor::ctl
