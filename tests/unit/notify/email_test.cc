// notify-svc's email message and settings, pure: what an email to a
// referrer holds (and never holds), and what start-up refuses.
#include "notify-svc/email.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "notify-svc/shaping.h"
#include "tests/testing/examples.h"

namespace frontdoor::notify {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kRef[] = "FD-7K3M9Q2X4W8P";
constexpr char kTo[] = "pat.referrerwick@staffordshire.police.uk";
const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 11, 23, 9, 5, 7),
                                        absl::UTCTimeZone());

// Personal data a referral holds, none of which may be emailed.
constexpr const char* kPersonal[] = {
    "Zebedee", "Quixotic-Marchbanks", "07700 900461", "zebedee@example.org",
    "17 Larkspur Crescent", "ST16 9ZZ", "Mordecai", "Vexley",
    "took the phone at the flat", "Pat Referrerwick", "01785 777123",
    "CASE-QX-4471", "Kiddo Marchbanks"};

config::v1::EmailConfig Settings() {
  config::v1::EmailConfig e;
  e.set_smtp_url("smtp://smtp.example.org:587");
  e.set_ca_file("/etc/ssl/certs/ca-certificates.crt");
  e.set_from_address("no-reply@frontdoor.example.org");
  e.set_subject_template("Referral {reference}: {status}");
  e.set_body_template(
      "Your referral {reference} has been {status}.\n\n{next_steps}\n");
  return e;
}

// A referral full of distinctive personal data, and intake's receipt of it.
common::v1::Referral Distinctive() {
  common::v1::Referral r = testing::ExampleReferral("high-risk-dash.json");
  auto& s = *r.mutable_subject();
  s.mutable_name()->set_given_names("Zebedee");
  s.mutable_name()->set_family_name("Quixotic-Marchbanks");
  s.mutable_contact()->set_phone("07700 900461");
  s.mutable_contact()->set_email("zebedee@example.org");
  s.mutable_address()->clear_lines();
  s.mutable_address()->add_lines("17 Larkspur Crescent");
  s.mutable_address()->set_postcode("ST16 9ZZ");
  r.mutable_other_party()->mutable_name()->set_given_names("Mordecai");
  r.mutable_other_party()->mutable_name()->set_family_name("Vexley");
  r.set_concerns("Mordecai took the phone at the flat");
  auto* child = r.add_children();
  child->mutable_name()->set_given_names("Kiddo");
  child->mutable_name()->set_family_name("Marchbanks");
  auto& ref = *r.mutable_referrer();
  ref.set_name("Pat Referrerwick");
  ref.set_phone("01785 777123");
  ref.set_email(kTo);
  ref.set_agency_case_reference("CASE-QX-4471");
  return r;
}

v1::Notification Update(intake::v1::ReferralStatus status) {
  intake::v1::Receipt receipt;
  receipt.set_reference(kRef);
  receipt.set_status(status);
  if (status == intake::v1::REFERRAL_STATUS_RETURNED) {
    auto* reason = receipt.add_return_reasons();
    reason->set_code("CHILD_REFERRED_TO_BEHAVIOUR_CHANGE");
    // Words a person typed could name someone: never copied.
    reason->set_message("Zebedee Quixotic-Marchbanks is 15");
  }
  v1::Notification n;
  n.set_id(absl::StrCat(kRef, ":received:frontdoor-web:RECIPIENT_KIND_REFERRER"));
  *n.mutable_referrer_update() = ForReferrer(receipt, Distinctive());
  return n;
}

TEST(EmailTest, HoldsTheReferenceAndStatusAndNoPersonalData) {
  for (auto status : {intake::v1::REFERRAL_STATUS_ACCEPTED,
                      intake::v1::REFERRAL_STATUS_RETURNED}) {
    const v1::Notification n = Update(status);
    // The update itself carries the case reference and the reason's words.
    ASSERT_EQ(n.referrer_update().agency_case_reference(), "CASE-QX-4471");
    absl::StatusOr<Email> email = ComposeReferrerEmail(Settings(), n, kTo, kNow);
    ASSERT_TRUE(email.ok()) << email.status();
    const std::string wire = ToRfc5322(*email);
    const std::string word =
        status == intake::v1::REFERRAL_STATUS_RETURNED ? "returned" : "accepted";
    EXPECT_EQ(email->subject, absl::StrCat("Referral ", kRef, ": ", word));
    EXPECT_THAT(wire, HasSubstr(absl::StrCat("Your referral ", kRef,
                                             " has been ", word, ".\r\n")));
    for (const char* personal : kPersonal) {
      EXPECT_THAT(wire, Not(HasSubstr(personal))) << wire;
    }
    // The address only where it is addressed.
    EXPECT_THAT(wire, HasSubstr(absl::StrCat("To: <", kTo, ">\r\n")));
    EXPECT_EQ(wire.find(kTo), wire.rfind(kTo)) << wire;
  }
}

TEST(EmailTest, AReturnedReferralGivesItsReasonCodesOnly) {
  absl::StatusOr<Email> email = ComposeReferrerEmail(
      Settings(), Update(intake::v1::REFERRAL_STATUS_RETURNED), kTo, kNow);
  ASSERT_TRUE(email.ok()) << email.status();
  EXPECT_THAT(email->body,
              HasSubstr("Reason codes: CHILD_REFERRED_TO_BEHAVIOUR_CHANGE."));
  EXPECT_THAT(email->body, Not(HasSubstr("is 15")));
}

TEST(EmailTest, EachStatusItsWordsAndNextSteps) {
  v1::Notification n = Update(intake::v1::REFERRAL_STATUS_ACCEPTED);
  n.mutable_referrer_update()->set_programme("imatter");
  for (const auto& [status, word] :
       std::vector<std::pair<v1::ReferrerUpdate::Status, std::string>>{
           {v1::ReferrerUpdate::STATUS_ALLOCATED, "allocated"},
           {v1::ReferrerUpdate::STATUS_WAITING, "waiting for a place"}}) {
    n.mutable_referrer_update()->set_status(status);
    absl::StatusOr<Email> email = ComposeReferrerEmail(Settings(), n, kTo, kNow);
    ASSERT_TRUE(email.ok()) << email.status();
    EXPECT_EQ(email->subject, absl::StrCat("Referral ", kRef, ": ", word));
    EXPECT_THAT(email->body, HasSubstr("in the way that is safe for them"));
  }
  n.mutable_referrer_update()->set_status(
      v1::ReferrerUpdate::STATUS_UNSPECIFIED);
  EXPECT_FALSE(ComposeReferrerEmail(Settings(), n, kTo, kNow).ok());
  v1::Notification other;
  other.mutable_marac_alert()->set_reference(kRef);
  EXPECT_FALSE(ComposeReferrerEmail(Settings(), other, kTo, kNow).ok());
}

TEST(EmailTest, HeadersAndAStableMessageId) {
  const v1::Notification n = Update(intake::v1::REFERRAL_STATUS_ACCEPTED);
  absl::StatusOr<Email> first = ComposeReferrerEmail(Settings(), n, kTo, kNow);
  absl::StatusOr<Email> retry =
      ComposeReferrerEmail(Settings(), n, kTo, kNow + absl::Minutes(5));
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_EQ(first->message_id, retry->message_id);
  EXPECT_EQ(first->message_id,
            MessageIdFor(n.id(), "no-reply@frontdoor.example.org"));
  EXPECT_TRUE(absl::StartsWith(first->message_id, "<"));
  EXPECT_TRUE(absl::EndsWith(first->message_id,
                             ".notify@frontdoor.example.org>"));
  EXPECT_NE(first->message_id,
            MessageIdFor(absl::StrCat(n.id(), "x"),
                         "no-reply@frontdoor.example.org"));
  const std::string wire = ToRfc5322(*first);
  EXPECT_TRUE(absl::StartsWith(
      wire, "From: <no-reply@frontdoor.example.org>\r\nTo: <"));
  EXPECT_THAT(wire, HasSubstr("\r\nDate: Mon, 23 Nov 2026 09:05:07 +0000\r\n"));
  EXPECT_THAT(wire, HasSubstr(absl::StrCat("\r\nMessage-ID: ",
                                           first->message_id, "\r\n")));
  EXPECT_THAT(wire, HasSubstr("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_THAT(wire, HasSubstr("\r\nAuto-Submitted: auto-generated\r\n\r\n"));
  // Every line ends CRLF.
  for (size_t at = wire.find('\n'); at != std::string::npos;
       at = wire.find('\n', at + 1)) {
    ASSERT_EQ(wire[at - 1], '\r') << at;
  }
  // A subject that is not ASCII is encoded.
  Email e = *first;
  e.subject = "Atgyfeiriad – FD";
  EXPECT_THAT(ToRfc5322(e), HasSubstr("\r\nSubject: =?UTF-8?B?"));
}

TEST(EmailTest, OnlyAddressesThatCannotBreakOutOfSmtp) {
  for (const char* good :
       {"a@b.org", "pat.referrerwick@staffordshire.police.uk",
        "first+tag@nhs.net", "o'brien@council.gov.uk"}) {
    EXPECT_TRUE(IsDeliverableAddress(good)) << good;
  }
  for (const char* bad :
       {"", "nobody", "a@b", "a@@b.org", "a b@c.org", "a@b.org\r\nRCPT TO:<x@y.org>",
        "<a@b.org>", "a@b.org>", "\"a\"@b.org", ".a@b.org", "a..b@c.org",
        "a@-b.org", "a@b..org", "zoë@example.org", "a@b.org\n"}) {
    EXPECT_FALSE(IsDeliverableAddress(bad)) << bad;
  }
  EXPECT_FALSE(IsDeliverableAddress(
      absl::StrCat(std::string(kMaxEmailLocalPartChars + 1, 'a'), "@b.org")));
  EXPECT_FALSE(IsDeliverableAddress(absl::StrCat(
      "a@", std::string(kMaxEmailAddressChars, 'b'), ".org")));
}

TEST(EmailTest, TheShippedShapeOfSettingsIsAccepted) {
  EXPECT_TRUE(CheckEmailConfig(Settings()).ok())
      << CheckEmailConfig(Settings());
  config::v1::EmailConfig with_auth = Settings();
  with_auth.set_username("frontdoor");
  with_auth.set_password_file("/run/secrets/smtp-password");
  EXPECT_TRUE(CheckEmailConfig(with_auth).ok());
}

struct BadSetting {
  const char* name;
  std::function<void(config::v1::EmailConfig&)> breakit;
  const char* field;
};
void PrintTo(const BadSetting& b, std::ostream* os) { *os << b.name; }

class EmailSettingsTest : public ::testing::TestWithParam<BadSetting> {};

TEST_P(EmailSettingsTest, StartUpNamesTheSetting) {
  config::v1::EmailConfig e = Settings();
  GetParam().breakit(e);
  const absl::Status s = CheckEmailConfig(e);
  ASSERT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(GetFieldViolations(s),
              Contains(Field(&FieldViolation::field, GetParam().field)))
      << s;
}

INSTANTIATE_TEST_SUITE_P(
    Settings, EmailSettingsTest,
    ::testing::Values(
        BadSetting{"no url", [](auto& e) { e.clear_smtp_url(); },
                   "email.smtp_url"},
        BadSetting{"implicit TLS",
                   [](auto& e) { e.set_smtp_url("smtps://smtp.example.org"); },
                   "email.smtp_url"},
        BadSetting{"another scheme",
                   [](auto& e) { e.set_smtp_url("http://smtp.example.org"); },
                   "email.smtp_url"},
        BadSetting{"no host", [](auto& e) { e.set_smtp_url("smtp://:587"); },
                   "email.smtp_url"},
        BadSetting{"credentials in the url",
                   [](auto& e) {
                     e.set_smtp_url("smtp://user:secret@smtp.example.org");
                   },
                   "email.smtp_url"},
        BadSetting{"no CA", [](auto& e) { e.clear_ca_file(); },
                   "email.ca_file"},
        BadSetting{"a user without a password",
                   [](auto& e) { e.set_username("frontdoor"); },
                   "email.password_file"},
        BadSetting{"a password without a user",
                   [](auto& e) { e.set_password_file("/run/secrets/p"); },
                   "email.username"},
        BadSetting{"no sender", [](auto& e) { e.clear_from_address(); },
                   "email.from_address"},
        BadSetting{"a sender with a display name",
                   [](auto& e) {
                     e.set_from_address("Front Door <no-reply@example.org>");
                   },
                   "email.from_address"},
        BadSetting{"no subject", [](auto& e) { e.clear_subject_template(); },
                   "email.subject_template"},
        BadSetting{"a header injected through the subject",
                   [](auto& e) {
                     e.set_subject_template("Referral\r\nBcc: x@example.org");
                   },
                   "email.subject_template"},
        BadSetting{"an unknown placeholder in the subject",
                   [](auto& e) {
                     e.set_subject_template("Referral for {subject_name}");
                   },
                   "email.subject_template"},
        BadSetting{"no body", [](auto& e) { e.clear_body_template(); },
                   "email.body_template"},
        BadSetting{"an unknown placeholder in the body",
                   [](auto& e) {
                     e.set_body_template("{reference} {status} {concerns}");
                   },
                   "email.body_template"},
        BadSetting{"a body without the reference",
                   [](auto& e) { e.set_body_template("It was {status}."); },
                   "email.body_template"},
        BadSetting{"a negative timeout",
                   [](auto& e) { e.set_timeout_ms(-1); },
                   "email.timeout_ms"}));

}  // namespace
}  // namespace frontdoor::notify
