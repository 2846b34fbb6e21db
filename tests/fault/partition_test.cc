// FAULT-MATRIX row 7, network partition intake-svc <-> triage-svc. Run by
// in_netns.sh in a network namespace of its own: triage-svc in a nested
// namespace, reached over a veth pair (10.77.0.1 <-> 10.77.0.2); the test,
// its client and intake-svc on loopback beside it. Bringing triage's end of
// the pair down cuts the link silently (packets dropped: no FIN, no RST),
// as a partition does. Intake keeps answering OK; its keepalive closes the
// dead connection (no ESTABLISHED socket to triage is left); once healed,
// the outbox drains, every referral recorded once.
// SQLite only: the throwaway PostgreSQL server is outside the namespace.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/tls/credentials.h"
#include "intake-svc/intake_core.h"
#include "tests/fault/fault_fixture.h"

namespace frontdoor::fault {
namespace {

constexpr char kIntakeSide[] = "10.77.0.1";
constexpr char kTriageSide[] = "10.77.0.2";
constexpr char kTriageSideHex[] = "02004D0A";  // /proc/net/tcp's byte order
constexpr int kPrefix = 24;
constexpr int kRelayDeadlineMs = 500;
constexpr int kSubmissionsDuringPartition = 5;
// Keepalive notices the dead peer within its time and timeout (plus slack).
constexpr int kKeepaliveSlackMs = 15000;
constexpr absl::Duration kKeepaliveBound =
    absl::Milliseconds(tls::kDownstreamKeepaliveTimeMs +
                       tls::kDownstreamKeepaliveTimeoutMs + kKeepaliveSlackMs);

int Shell(const std::string& command) {
  return std::system(absl::StrCat(command, " >&2").c_str());
}

// Established TCP connections from this namespace to kTriageSide:`port`
// (gRPC's sockets are IPv6 ones with IPv4-mapped addresses: tcp6).
int EstablishedTo(int port) {
  const std::string remote = absl::StrFormat("%s:%04X", kTriageSideHex, port);
  int n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f =
          absl::StrSplit(line, ' ', absl::SkipWhitespace());
      if (f.size() > 3 && absl::EndsWith(f[2], remote) && f[3] == "01") ++n;
    }
  }
  return n;
}

class PartitionTest : public FaultTest {
 protected:
  void SetUp() override {
    if (std::getenv("FRONTDOOR_FAULT_NETNS") == nullptr) {
      GTEST_SKIP() << "changes the network: run through tests/fault/in_netns.sh";
    }
    if (testing::OnPostgres()) {
      GTEST_SKIP() << "the PostgreSQL server is outside the test's namespace";
    }
    FaultTest::SetUp();
  }

  void InTriageNamespace(const std::string& command) {
    ASSERT_EQ(Shell(absl::StrCat("nsenter -t ", triage_->pid(), " -n ", command)), 0)
        << command;
  }
};

TEST_F(PartitionTest, IntakeServesThroughACutLinkAndDrainsOnceHealed) {
  ASSERT_EQ(Shell("ip link add fd-intake type veth peer name fd-triage"), 0);
  ASSERT_EQ(Shell(absl::StrCat("ip addr add ", kIntakeSide, "/", kPrefix,
                             " dev fd-intake")),
            0);
  ASSERT_EQ(Shell("ip link set fd-intake up"), 0);

  triage_config_.mutable_server()->set_api_address("0.0.0.0:0");
  ASSERT_TRUE(WriteConfig(triage_config_, dir_ / "triage.json").ok());
  triage_ = std::make_unique<ServiceProcess>(
      BuiltExecutable("triage-svc/triage-svc"), dir_ / "triage.json",
      dir_ / "triage.log");
  triage_->set_launcher({"unshare", "-n"});
  ASSERT_TRUE(triage_->Start().ok()) << triage_->LogTail();
  ASSERT_EQ(Shell(absl::StrCat("ip link set fd-triage netns ", triage_->pid())), 0);
  InTriageNamespace(absl::StrCat("sh -c 'ip link set lo up && ip addr add ",
                                 kTriageSide, "/", kPrefix,
                                 " dev fd-triage && ip link set fd-triage up'"));

  const int triage_port = triage_->api_port();
  intake_config_.mutable_triage()->set_target(
      absl::StrCat(kTriageSide, ":", triage_port));
  // Its certificate names localhost, not the veth address.
  intake_config_.mutable_triage()->set_tls_server_name("localhost");
  intake_config_.mutable_triage()->set_deadline_ms(kRelayDeadlineMs);
  ASSERT_TRUE(WriteConfig(intake_config_, dir_ / "intake.json").ok());
  intake_ = std::make_unique<ServiceProcess>(
      BuiltExecutable("intake-svc/intake-svc"), dir_ / "intake.json",
      dir_ / "intake.log");
  StartIntake();

  auto client = IntakeAs();
  const common::v1::Referral referral = Example("adult-victim.json");
  intake::v1::Receipt first;
  ASSERT_TRUE(client->Submit("before-cut", referral, &first).ok());
  ASSERT_TRUE(TriageRecords(first.reference())) << intake_->LogTail();
  ASSERT_EQ(EstablishedTo(triage_port), 1);

  // The cut: triage's end down; intake's end stays up, so its packets are
  // dropped without an error.
  InTriageNamespace("ip link set fd-triage down");
  const absl::Time cut = absl::Now();
  for (int i = 0; i < kSubmissionsDuringPartition; ++i) {
    const absl::Time start = absl::Now();
    grpc::Status status = client->Submit(absl::StrCat("cut-", i), referral);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  }
  EXPECT_TRUE(PollUntil([&] { return EstablishedTo(triage_port) == 0; },
                        kKeepaliveBound))
      << "the dead connection to triage is still ESTABLISHED "
      << absl::Now() - cut << " after the cut";
  RecordProperty("closed_after_seconds",
                 absl::StrCat(absl::ToDoubleSeconds(absl::Now() - cut)));
  EXPECT_EQ(Count(triage_store_, "SELECT COUNT(*) FROM triage_referrals"), 1);

  InTriageNamespace("ip link set fd-triage up");
  ASSERT_TRUE(PollUntil(
      [&] {
        absl::StatusOr<int64_t> n = CountInStore(
            triage_store_, "SELECT COUNT(*) FROM triage_referrals");
        return n.ok() && *n == kSubmissionsDuringPartition + 1;
      },
      absl::Seconds(90)))
      << "not drained after healing\n" << intake_->LogTail();
  EXPECT_TRUE(IntakeOutboxDrained());
}

}  // namespace
}  // namespace frontdoor::fault
