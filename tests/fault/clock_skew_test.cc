// FAULT-MATRIX row 31, clock skew: intake-svc run with Debian's libfaketime
// preloaded (in place, not under the faketime command, which forks and
// would leave the service behind when the test kills its pid),
// its clock hours ahead of the rest of the suite, then restarted at the real
// time (its clock going back hours between two referrals). Deadlines are
// relative (gRPC sends a timeout, not a time), so its relay to triage-svc,
// on the real clock, still delivers; references are random, so still
// unique; the audit chain is ordered by sequence, not by time, so it still
// verifies with its rows' times out of order. A clock behind the
// certificates' notBefore (or past their notAfter) fails every handshake:
// TLS checks validity against the local clock (docs/fault-matrix.md).
// Skipped with the reason without libfaketime.

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/fault/fault_fixture.h"

namespace frontdoor::fault {
namespace {

constexpr char kAhead[] = "+5h";
// Debian's faketime package, multi-threaded flavour, under its
// multiarch directory.
constexpr char kLibDirs[] = "/usr/lib";
constexpr char kLibFaketime[] = "faketime/libfaketimeMT.so.1";

// The preloadable library, or "" when it is not installed.
std::string LibFaketime() {
  std::error_code ec;
  for (const auto& dir :
       std::filesystem::directory_iterator(kLibDirs, ec)) {
    const std::filesystem::path lib = dir.path() / kLibFaketime;
    if (std::filesystem::exists(lib, ec)) return lib.string();
  }
  return "";
}
// Further back than the dev PKI's certificates, made at build time.
constexpr char kBehindTheCertificates[] = "-400d";
constexpr int kReferralsPerClock = 3;

class ClockSkewTest : public FaultTest {
 protected:
  void SetUp() override {
    lib_faketime_ = LibFaketime();
    if (lib_faketime_.empty()) {
      GTEST_SKIP() << "libfaketime not found (Debian faketime, tools/deps)";
    }
    FaultTest::SetUp();
  }

  // (Re)starts intake-svc with its clock `offset` from the real one
  // (libfaketime's form; empty: the real clock). Only the wall clock is
  // moved: timers and deadlines run on the monotonic one.
  void StartIntakeAt(const std::string& offset) {
    if (intake_ != nullptr) intake_->Kill();
    PrepareIntake();
    if (offset.empty()) {
      StartIntake();
    } else {
      StartIntake({{"LD_PRELOAD", lib_faketime_},
                   {"FAKETIME", offset},
                   {"FAKETIME_DONT_FAKE_MONOTONIC", "1"}});
    }
  }

  std::string lib_faketime_;

  std::vector<std::string> SubmitSome(const std::string& prefix) {
    auto client = IntakeAs();
    std::vector<std::string> references;
    for (int i = 0; i < kReferralsPerClock; ++i) {
      intake::v1::Receipt receipt;
      grpc::Status status = client->Submit(absl::StrCat(prefix, i),
                                           Example("adult-victim.json"), &receipt);
      EXPECT_TRUE(status.ok()) << prefix << i << ": " << status.error_message();
      references.push_back(receipt.reference());
    }
    return references;
  }
};

TEST_F(ClockSkewTest, HoursAheadThenBackDeliversVerifiesAndStaysUnique) {
  StartTriage();
  StartIntakeAt(kAhead);
  std::vector<std::string> references = SubmitSome("ahead-");
  StartIntakeAt("");
  for (const std::string& r : SubmitSome("real-")) references.push_back(r);

  // Relayed to triage on the real clock: each once.
  for (const std::string& reference : references) {
    ASSERT_TRUE(TriageRecords(reference)) << reference << "\n" << intake_->LogTail();
  }
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(DISTINCT reference) FROM referrals"),
            static_cast<int64_t>(references.size()));
  // The skew is really there: the later rows were received hours "before".
  EXPECT_GE(Count(intake_store_,
                  "SELECT COUNT(*) FROM audit_log a JOIN audit_log b "
                  "ON b.seq > a.seq AND b.at_us < a.at_us - 3600000000"),
            kReferralsPerClock * kReferralsPerClock)
      << "the clocks were not hours apart";
  // The chain is in sequence order and verifies.
  intake_->Kill();
  const std::string backend =
      testing::OnPostgres() ? "--postgres" : "--sqlite";
  const int verified = std::system(
      absl::StrCat(BuiltExecutable("common/audit/frontdoor-audit"), " verify ",
                   backend, " '", intake_store_, "' --keys '",
                   (dir_ / "keys.json").string(), "' >&2")
          .c_str());
  EXPECT_TRUE(WIFEXITED(verified) && WEXITSTATUS(verified) == 0)
      << "frontdoor-audit verify: " << verified;
}

TEST_F(ClockSkewTest, AClockBehindTheCertificatesFailsEveryHandshake) {
  StartIntakeAt(kBehindTheCertificates);
  grpc::Status status = IntakeAs()->Submit("behind", Example("adult-victim.json"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_EQ(Count(intake_store_, "SELECT COUNT(*) FROM referrals"), 0);
}

}  // namespace
}  // namespace frontdoor::fault
