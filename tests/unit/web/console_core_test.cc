// The console's pure core: the role table, Argon2id passwords, TOTP codes
// (RFC 6238 vectors, the window, no reuse) with injected times, lockout,
// session timeouts on a FakeClock, and the enrolment QR code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/clock/clock.h"
#include "web-svc/console_pages.h"
#include "web-svc/credentials.h"
#include "web-svc/roles.h"
#include "web-svc/sessions.h"

namespace frontdoor::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// --- roles

TEST(RolesTest, EachRoleMayDoExactlyWhatTheTableSays) {
  // A call handler keys referrals; never overrides or releases.
  EXPECT_TRUE(May(Role::kCallHandler, Permission::kKeyReferral));
  EXPECT_FALSE(May(Role::kCallHandler, Permission::kOverrideDecision));
  EXPECT_FALSE(May(Role::kCallHandler, Permission::kReleasePlace));
  EXPECT_FALSE(May(Role::kCallHandler, Permission::kViewReferral));
  // A practitioner assesses and records placements; no override, no release.
  EXPECT_TRUE(May(Role::kPractitioner, Permission::kAssess));
  EXPECT_TRUE(May(Role::kPractitioner, Permission::kRecordPlacement));
  EXPECT_FALSE(May(Role::kPractitioner, Permission::kOverrideDecision));
  EXPECT_FALSE(May(Role::kPractitioner, Permission::kReleasePlace));
  // A team leader overrides and releases.
  EXPECT_TRUE(May(Role::kTeamLeader, Permission::kOverrideDecision));
  EXPECT_TRUE(May(Role::kTeamLeader, Permission::kReleasePlace));
  // A commissioner and an operator see reports and no personal data.
  for (Role r : {Role::kCommissioner, Role::kOperator}) {
    for (const PermissionInfo& p : kPermissions) {
      EXPECT_EQ(May(r, p.permission), p.permission == Permission::kViewReports)
          << p.code;
    }
  }
  // The data-protection officer answers data subjects' rights and nothing
  // else; nobody else may.
  for (const RoleInfo& r : kRoles) {
    for (const PermissionInfo& p : kPermissions) {
      if (r.role == Role::kDataProtectionOfficer ||
          p.permission == Permission::kDataRights) {
        EXPECT_EQ(May(r.role, p.permission),
                  r.role == Role::kDataProtectionOfficer &&
                      p.permission == Permission::kDataRights)
            << r.code << " " << p.code;
      }
    }
  }
  EXPECT_EQ(static_cast<int>(Role::kDataProtectionOfficer), 6);
  EXPECT_EQ(RoleFromCode("data_protection_officer"),
            Role::kDataProtectionOfficer);
  // Outside the table: nothing.
  EXPECT_FALSE(May(Role::kUnspecified, Permission::kViewReports));
  EXPECT_FALSE(May(static_cast<Role>(99), Permission::kViewReports));
}

TEST(RolesTest, CodesAndStoredValuesRoundTrip) {
  for (const RoleInfo& r : kRoles) {
    EXPECT_EQ(RoleFromCode(r.code), r.role);
    EXPECT_EQ(RoleFromInt(static_cast<int64_t>(r.role)), r.role);
  }
  EXPECT_EQ(RoleFromCode("admin"), std::nullopt);
  EXPECT_EQ(RoleFromInt(0), std::nullopt);
  // Every permission is in the list once, in bit order.
  for (int i = 0; i < kPermissionCount; ++i) {
    EXPECT_EQ(static_cast<int>(kPermissions[i].permission), i);
  }
}

TEST(RolesTest, TheReadmeShowsTheTableInTheCode) {
  std::ifstream in(std::string(FRONTDOOR_SOURCE_DIR) + "/web-svc/README.md");
  std::stringstream readme;
  readme << in.rdbuf();
  EXPECT_THAT(readme.str(), HasSubstr(RoleTableMarkdown()))
      << "web-svc/README.md should hold:\n"
      << RoleTableMarkdown();
}

// --- passwords

TEST(PasswordTest, Argon2idHashesVerifyTheRightPasswordOnly) {
  absl::StatusOr<std::string> h = HashPassword("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_THAT(*h, StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*h, ""));
  EXPECT_FALSE(VerifyPassword("not a hash", "correct horse battery"));
  // A fresh salt each time.
  absl::StatusOr<std::string> again = HashPassword("correct horse battery");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*h, *again);
  EXPECT_TRUE(VerifyPassword(*again, "correct horse battery"));
  // The decoy verifies nothing anyone could type.
  EXPECT_THAT(DecoyPasswordHash(), StartsWith("$argon2id$"));
  EXPECT_FALSE(VerifyPassword(DecoyPasswordHash(), "correct horse battery"));
}

TEST(PasswordTest, NewPasswordsAreLongEnough) {
  EXPECT_EQ(PasswordProblem(""), "Enter a password");
  EXPECT_EQ(PasswordProblem("elevenchars"),
            "Password must be 12 characters or more");
  EXPECT_EQ(PasswordProblem("twelve chars"), "");
  // Characters, not bytes: 11 accented letters are still too short.
  EXPECT_NE(PasswordProblem("ééééééééééé"), "");
  EXPECT_NE(PasswordProblem(std::string(kMaxPasswordBytes + 1, 'a')), "");
  EXPECT_FALSE(HashPassword(std::string(kMaxPasswordBytes + 1, 'a')).ok());
}

// --- TOTP

// RFC 6238 appendix B's SHA-1 secret and times (the last 6 of its 8 digits).
constexpr char kRfcSecret[] = "12345678901234567890";

TEST(TotpTest, CodesMatchRfc6238) {
  EXPECT_EQ(TotpCode(kRfcSecret, absl::FromUnixSeconds(59)), "287082");
  EXPECT_EQ(TotpCode(kRfcSecret, absl::FromUnixSeconds(1111111109)), "081804");
  EXPECT_EQ(TotpCode(kRfcSecret, absl::FromUnixSeconds(1234567890)), "005924");
  EXPECT_EQ(Base32("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(TotpTest, OneStepEitherSideIsAcceptedAndNoFurther) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'010));
  const absl::Time now = clock.Now();
  const int64_t step = TotpStep(now);
  const absl::Duration s = absl::Seconds(kTotpStepSeconds);
  for (int offset : {-1, 0, 1}) {
    absl::StatusOr<int64_t> got =
        CheckTotp(kRfcSecret, TotpCode(kRfcSecret, now + offset * s), now, 0);
    ASSERT_TRUE(got.ok()) << offset;
    EXPECT_EQ(*got, step + offset);
  }
  for (int offset : {-2, 2}) {
    EXPECT_EQ(
        CheckTotp(kRfcSecret, TotpCode(kRfcSecret, now + offset * s), now, 0)
            .status()
            .code(),
        absl::StatusCode::kPermissionDenied)
        << offset;
  }
  // As people type it.
  const std::string code = TotpCode(kRfcSecret, now);
  EXPECT_TRUE(
      CheckTotp(kRfcSecret, code.substr(0, 3) + " " + code.substr(3), now, 0)
          .ok());
  for (const char* bad : {"", "12345", "1234567", "abcdef"}) {
    EXPECT_FALSE(CheckTotp(kRfcSecret, bad, now, 0).ok()) << bad;
  }
  EXPECT_FALSE(CheckTotp("another secret......", code, now, 0).ok());
}

TEST(TotpTest, ACodeWorksOnceAndNoEarlierCodeAfterIt) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'010));
  const std::string code = TotpCode(kRfcSecret, clock.Now());
  absl::StatusOr<int64_t> used = CheckTotp(kRfcSecret, code, clock.Now(), 0);
  ASSERT_TRUE(used.ok());
  // The same code again, within its step and the next: refused.
  EXPECT_FALSE(CheckTotp(kRfcSecret, code, clock.Now(), *used).ok());
  clock.Advance(absl::Seconds(kTotpStepSeconds));
  EXPECT_FALSE(CheckTotp(kRfcSecret, code, clock.Now(), *used).ok());
  // Back at the time of use, the step before's code (inside the window) is
  // older than the one used: refused.
  const absl::Time used_at = clock.Now() - absl::Seconds(kTotpStepSeconds);
  EXPECT_FALSE(
      CheckTotp(kRfcSecret,
                TotpCode(kRfcSecret, used_at - absl::Seconds(kTotpStepSeconds)),
                used_at, *used)
          .ok());
  // The next step's code: accepted.
  EXPECT_TRUE(CheckTotp(kRfcSecret, TotpCode(kRfcSecret, clock.Now()),
                        clock.Now(), *used)
                  .ok());
}

TEST(TotpTest, SecretsAreFreshAndTheUriIsWhatAppsScan) {
  const std::string a = NewTotpSecret();
  EXPECT_EQ(a.size(), kTotpSecretBytes);
  EXPECT_NE(a, NewTotpSecret());
  EXPECT_EQ(TotpUri("Frontdoor", "sam@example.org", kRfcSecret),
            "otpauth://totp/Frontdoor:sam%40example.org?secret="
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Frontdoor"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(GroupedBase32(kRfcSecret),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
}

TEST(QrTest, TheQrCodeIsOneInlineSvgWithAName) {
  absl::StatusOr<std::string> svg =
      QrSvg(TotpUri("Frontdoor", "sam", kRfcSecret), "QR code <for> you");
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_THAT(*svg, StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(*svg, HasSubstr("role=\"img\""));
  EXPECT_THAT(*svg, HasSubstr("aria-label=\"QR code &lt;for&gt; you\""));
  EXPECT_THAT(*svg, HasSubstr("<path fill=\"#000\" d=\"M"));
  EXPECT_THAT(*svg, Not(HasSubstr("style")));
  EXPECT_THAT(*svg, Not(HasSubstr("script")));
}

// --- lockout

TEST(LockoutTest, TheFifthFailureInARowLocksForThePeriod) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  const SignInPolicy policy;  // 5 failures, 15 minutes
  Attempts a;
  bool locked_now = false;
  for (int i = 1; i < policy.max_failures; ++i) {
    a = AfterFailure(a, clock.Now(), policy, &locked_now);
    EXPECT_FALSE(locked_now) << i;
    EXPECT_FALSE(IsLocked(a, clock.Now())) << i;
  }
  a = AfterFailure(a, clock.Now(), policy, &locked_now);
  EXPECT_TRUE(locked_now);
  EXPECT_TRUE(IsLocked(a, clock.Now()));
  // Failures while locked change nothing.
  const Attempts during = AfterFailure(a, clock.Now(), policy, &locked_now);
  EXPECT_FALSE(locked_now);
  EXPECT_EQ(during.locked_until, a.locked_until);
  clock.Advance(policy.lockout - absl::Seconds(1));
  EXPECT_TRUE(IsLocked(a, clock.Now()));
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(IsLocked(a, clock.Now()));
  // After the lock, a fresh count: one failure does not lock again.
  a = AfterFailure(a, clock.Now(), policy, &locked_now);
  EXPECT_FALSE(locked_now);
  EXPECT_EQ(a.failed, 1);
}

TEST(LockoutTest, TheLimitAndPeriodComeFromThePolicy) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  SignInPolicy policy;
  policy.max_failures = 2;
  policy.lockout = absl::Minutes(1);
  Attempts a;
  bool locked_now = false;
  a = AfterFailure(a, clock.Now(), policy, &locked_now);
  EXPECT_FALSE(locked_now);
  a = AfterFailure(a, clock.Now(), policy, &locked_now);
  EXPECT_TRUE(locked_now);
  EXPECT_EQ(a.locked_until, clock.Now() + absl::Minutes(1));
}

// --- session timeouts

TEST(SessionTest, IdleAndAbsoluteTimeouts) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  const SignInPolicy policy;  // 30 minutes idle, 12 hours in all
  const absl::Time created = clock.Now();
  absl::Time last_seen = created;
  auto verdict = [&] {
    return CheckSession(SessionStage::kSignedIn, created, last_seen,
                        clock.Now(), policy);
  };
  clock.Advance(absl::Minutes(29));
  EXPECT_EQ(verdict(), SessionVerdict::kLive);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(verdict(), SessionVerdict::kIdleExpired);
  // Used every 20 minutes, it still ends 12 hours after sign-in.
  last_seen = created;
  clock.Set(created);
  while (clock.Now() + absl::Minutes(20) < created + absl::Hours(12)) {
    clock.Advance(absl::Minutes(20));
    ASSERT_EQ(verdict(), SessionVerdict::kLive) << clock.Now();
    last_seen = clock.Now();
  }
  clock.Set(created + absl::Hours(12));
  EXPECT_EQ(verdict(), SessionVerdict::kAbsoluteExpired);
}

TEST(SessionTest, HalfFinishedSignInsLastMinutesOnly) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  const SignInPolicy policy;
  const absl::Time created = clock.Now();
  for (SessionStage stage :
       {SessionStage::kAwaitingCode, SessionStage::kEnrollingAuthenticator}) {
    clock.Set(created + kPendingSessionTimeout - absl::Seconds(1));
    EXPECT_EQ(CheckSession(stage, created, created, clock.Now(), policy),
              SessionVerdict::kLive);
    clock.Set(created + kPendingSessionTimeout);
    EXPECT_EQ(CheckSession(stage, created, clock.Now(), clock.Now(), policy),
              SessionVerdict::kIdleExpired);
  }
}

// A message page (a service not answering, an expired form, too many
// attempts) is shown signed in or out: its way on is the console's home,
// which sends a signed-out person to sign in, never "sign in" to a person
// who is signed in.
TEST(ConsoleMessageTest, TheWayOnIsTheConsoleHomeForEveryone) {
  const std::string page = RenderConsoleMessage(
      "Sorry, there is a problem with the service", {"Try again later."});
  EXPECT_THAT(page, ::testing::HasSubstr("href=\"/console\""));
  EXPECT_THAT(page, ::testing::Not(::testing::HasSubstr("Go to sign in")));
}

}  // namespace
}  // namespace frontdoor::web
