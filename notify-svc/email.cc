#include "notify-svc/email.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/reference/reference.h"
#include "common/status/errors.h"

namespace frontdoor::notify {
namespace {

// Characters of an RFC 5322 atom other than letters and digits.
constexpr absl::string_view kAtomSpecials = "!#$%&'*+-/=?^_`{|}~";
// Characters of the Message-ID's left part taken from the hash.
constexpr size_t kMessageIdHashChars = 32;
// Longest reason code copied into an email (intake's codes are shorter).
constexpr size_t kMaxReasonCodeChars = 64;
// Longest subject line after substitution (RFC 5322 allows 998 per line;
// the Subject header and its encoding need room).
constexpr size_t kMaxSubjectChars = 200;

// Fixed sentences, one per status: what happens next. They name nobody.
constexpr char kNextAccepted[] =
    "The service has accepted the referral. A practitioner will assess it "
    "and contact the person referred in the way that is safe for them. You "
    "will hear by email when a place is allocated or the referral waits for "
    "one.";
constexpr char kNextReturned[] =
    "The service cannot take the referral as it was made. Please contact the "
    "service quoting the reference above to hear why and how to refer again.";
constexpr char kNextAllocated[] =
    "A place has been allocated. A practitioner will contact the person "
    "referred in the way that is safe for them.";
constexpr char kNextWaiting[] =
    "The person referred is on a waiting list for a place. The service will "
    "contact them in the way that is safe for them when a place is free.";

bool IsAtomChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         kAtomSpecials.find(c) != absl::string_view::npos;
}

bool IsDotAtom(absl::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!IsAtomChar(c)) {
      return false;
    }
    previous = c;
  }
  return true;
}

bool IsDomain(absl::string_view s) {
  std::vector<absl::string_view> labels = absl::StrSplit(s, '.');
  if (labels.size() < 2) return false;
  for (absl::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
        return false;
      }
    }
  }
  return true;
}

// Every "{...}" of `text` is one of `allowed`.
bool OnlyPlaceholders(absl::string_view text,
                      const std::vector<absl::string_view>& allowed) {
  size_t at = 0;
  while ((at = text.find('{', at)) != absl::string_view::npos) {
    const size_t end = text.find('}', at);
    if (end == absl::string_view::npos) return false;
    absl::string_view p = text.substr(at, end - at + 1);
    if (std::find(allowed.begin(), allowed.end(), p) == allowed.end()) {
      return false;
    }
    at = end + 1;
  }
  return true;
}

bool HasLineBreak(absl::string_view s) {
  return s.find_first_of("\r\n") != absl::string_view::npos;
}

bool IsAscii(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  });
}

// The code part of a referrer update's return reason ("CODE: words"),
// when it is a code: upper-case letters, digits and underscores.
std::string ReasonCode(absl::string_view reason) {
  absl::string_view code = reason.substr(0, reason.find(':'));
  if (code.empty() || code.size() > kMaxReasonCodeChars) return "";
  for (char c : code) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return "";
    }
  }
  return std::string(code);
}

// Lines ending "\n" or "\r\n" -> "\r\n"; a bare "\r" too.
std::string Crlf(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  if (!absl::EndsWith(out, "\r\n")) out += "\r\n";
  return out;
}

}  // namespace

std::string EmailTopic(const std::string& agency_id) {
  return absl::StrCat(kEmailTopicPrefix, agency_id);
}

bool IsDeliverableAddress(absl::string_view address) {
  if (address.empty() || address.size() > kMaxEmailAddressChars ||
      !IsAscii(address)) {
    return false;
  }
  const size_t at = address.find('@');
  if (at == absl::string_view::npos ||
      address.find('@', at + 1) != absl::string_view::npos) {
    return false;
  }
  absl::string_view local = address.substr(0, at);
  return local.size() <= kMaxEmailLocalPartChars && IsDotAtom(local) &&
         IsDomain(address.substr(at + 1));
}

absl::Status CheckEmailConfig(const config::v1::EmailConfig& email) {
  std::vector<FieldViolation> bad;
  const auto add = [&bad](std::string field, std::string what) {
    bad.push_back({std::move(field), std::move(what)});
  };
  const std::string& url = email.smtp_url();
  if (url.empty()) {
    add("email.smtp_url", "required");
  } else {
    constexpr absl::string_view kScheme = "smtp://";
    absl::string_view rest = url;
    if (absl::StartsWith(rest, kScheme)) rest.remove_prefix(kScheme.size());
    const absl::string_view authority = rest.substr(0, rest.find('/'));
    if (!absl::StartsWith(url, kScheme)) {
      add("email.smtp_url",
          "must be smtp://host:port (STARTTLS is required; smtps:// and "
          "other schemes are not used)");
    } else if (authority.empty() || authority.front() == ':') {
      add("email.smtp_url", "needs a host");
    } else if (authority.find('@') != absl::string_view::npos) {
      add("email.smtp_url",
          "must not hold credentials: use username and password_file");
    } else if (HasLineBreak(url) ||
               url.find(' ') != std::string::npos) {
      add("email.smtp_url", "must not hold spaces or line breaks");
    }
  }
  if (email.ca_file().empty()) add("email.ca_file", "required");
  if (!email.username().empty() && email.password_file().empty()) {
    add("email.password_file", "required with username");
  }
  if (email.username().empty() && !email.password_file().empty()) {
    add("email.username", "required with password_file");
  }
  if (HasLineBreak(email.username())) {
    add("email.username", "must be one line");
  }
  if (email.from_address().empty()) {
    add("email.from_address", "required");
  } else if (!IsDeliverableAddress(email.from_address())) {
    add("email.from_address",
        "must be a bare address such as no-reply@example.org");
  }
  const std::vector<absl::string_view> subject_placeholders = {
      kPlaceholderReference, kPlaceholderStatus};
  if (email.subject_template().empty()) {
    add("email.subject_template", "required");
  } else if (HasLineBreak(email.subject_template())) {
    add("email.subject_template", "must be one line");
  } else if (!OnlyPlaceholders(email.subject_template(),
                               subject_placeholders)) {
    add("email.subject_template",
        "placeholders are {reference} and {status} only");
  }
  if (email.body_template().empty()) {
    add("email.body_template", "required");
  } else if (!OnlyPlaceholders(
                 email.body_template(),
                 {kPlaceholderReference, kPlaceholderStatus,
                  kPlaceholderNextSteps})) {
    add("email.body_template",
        "placeholders are {reference}, {status} and {next_steps} only");
  } else if (!absl::StrContains(email.body_template(),
                                kPlaceholderReference) ||
             !absl::StrContains(email.body_template(), kPlaceholderStatus)) {
    add("email.body_template", "must hold {reference} and {status}");
  }
  if (email.timeout_ms() < 0) {
    add("email.timeout_ms", "must not be negative");
  }
  if (bad.empty()) return absl::OkStatus();
  return InvalidArgumentWithViolations("notify-svc configuration is not valid",
                                       bad);
}

std::string ReferrerAddressAad(const std::string& referring_agency,
                               const std::string& reference) {
  return absl::StrCat(referring_agency, ":", reference, ":referrer_email");
}

absl::Status RememberReferrerAddress(store::Tx& tx, const crypto::KeyRing& keys,
                                     const std::string& referring_agency,
                                     const std::string& reference,
                                     const common::v1::Referrer& referrer) {
  // A self-referral's "referrer" is the victim: their address may be read
  // by the abuser, so they are never emailed.
  if (referrer.self_referral()) return absl::OkStatus();
  if (!IsDeliverableAddress(referrer.email())) {
    if (!referrer.email().empty()) {
      Log(Level::kWarning, "email.address_refused",
          {{"reference", reference}, {"recipient", referring_agency}});
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> sealed = keys.Seal(
      referrer.email(), ReferrerAddressAad(referring_agency, reference));
  if (!sealed.ok()) return sealed.status();
  absl::StatusOr<int64_t> row = tx.Exec(
      "INSERT INTO referrer_addresses (referring_agency, reference, "
      "sealed_address) VALUES ($1, $2, $3) "
      "ON CONFLICT (referring_agency, reference) DO NOTHING",
      {referring_agency, reference, store::Blob{*std::move(sealed)}});
  return row.status();
}

absl::Status QueueEmail(store::Tx& tx, const std::string& referring_agency,
                        const std::string& reference,
                        const std::string& notification_id,
                        const std::string& sealed, absl::Time now) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT 1 FROM referrer_addresses WHERE referring_agency = $1 AND "
      "reference = $2",
      {referring_agency, reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::OkStatus();  // Nobody to email.
  return outbox::Enqueue(tx, EmailTopic(referring_agency), notification_id,
                         sealed, now, reference);
}

std::string MessageIdFor(const std::string& notification_id,
                         const std::string& from_address) {
  const size_t at = from_address.find('@');
  const std::string domain = at == std::string::npos
                                 ? std::string("frontdoor.invalid")
                                 : from_address.substr(at + 1);
  return absl::StrCat(
      "<", crypto::Sha256Hex(notification_id).substr(0, kMessageIdHashChars),
      ".notify@", domain, ">");
}

absl::StatusOr<Email> ComposeReferrerEmail(const config::v1::EmailConfig& email,
                                           const v1::Notification& notification,
                                           const std::string& to,
                                           absl::Time now) {
  if (!notification.has_referrer_update()) {
    return absl::InvalidArgumentError("only referrer updates are emailed");
  }
  const v1::ReferrerUpdate& u = notification.referrer_update();
  if (!IsWellFormedReference(u.reference())) {
    return absl::InvalidArgumentError("the update has no valid reference");
  }
  std::string status;
  std::string next_steps;
  switch (u.status()) {
    case v1::ReferrerUpdate::STATUS_ACCEPTED:
      status = "accepted";
      next_steps = kNextAccepted;
      break;
    case v1::ReferrerUpdate::STATUS_RETURNED: {
      status = "returned";
      std::vector<std::string> codes;
      for (const std::string& reason : u.return_reasons()) {
        std::string code = ReasonCode(reason);
        if (!code.empty()) codes.push_back(std::move(code));
      }
      next_steps = codes.empty()
                       ? std::string(kNextReturned)
                       : absl::StrCat(kNextReturned, " Reason codes: ",
                                      absl::StrJoin(codes, ", "), ".");
      break;
    }
    case v1::ReferrerUpdate::STATUS_ALLOCATED:
      status = "allocated";
      next_steps = kNextAllocated;
      break;
    case v1::ReferrerUpdate::STATUS_WAITING:
      status = "waiting for a place";
      next_steps = kNextWaiting;
      break;
    default:
      return absl::InvalidArgumentError("the update has no known status");
  }
  Email out;
  out.from = email.from_address();
  out.to = to;
  out.message_id = MessageIdFor(notification.id(), email.from_address());
  out.date = now;
  out.subject = absl::StrReplaceAll(
      email.subject_template(),
      {{kPlaceholderReference, u.reference()}, {kPlaceholderStatus, status}});
  if (out.subject.size() > kMaxSubjectChars) {
    out.subject.resize(kMaxSubjectChars);
  }
  out.body = absl::StrReplaceAll(email.body_template(),
                                 {{kPlaceholderReference, u.reference()},
                                  {kPlaceholderStatus, status},
                                  {kPlaceholderNextSteps, next_steps}});
  return out;
}

std::string ToRfc5322(const Email& email) {
  const std::string subject =
      IsAscii(email.subject)
          ? email.subject
          : absl::StrCat("=?UTF-8?B?", absl::Base64Escape(email.subject),
                         "?=");
  return absl::StrCat(
      "From: <", email.from, ">\r\n",                                     //
      "To: <", email.to, ">\r\n",                                         //
      "Subject: ", subject, "\r\n",                                       //
      "Date: ",
      absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", email.date,
                       absl::UTCTimeZone()),
      "\r\n",                                                             //
      "Message-ID: ", email.message_id, "\r\n",                           //
      "MIME-Version: 1.0\r\n",                                            //
      "Content-Type: text/plain; charset=utf-8\r\n",                      //
      "Content-Transfer-Encoding: 8bit\r\n",                              //
      "Auto-Submitted: auto-generated\r\n",                               //
      "\r\n", Crlf(email.body));
}

EmailSink::EmailSink(store::Store& store, const crypto::KeyRing& keys,
                     config::v1::EmailConfig config, std::string agency_id,
                     MailTransport& transport, const Clock& clock)
    : store_(store),
      keys_(keys),
      config_(std::move(config)),
      agency_id_(std::move(agency_id)),
      topic_(EmailTopic(agency_id_)),
      transport_(transport),
      clock_(clock) {}

absl::Status EmailSink::Deliver(const outbox::Event& event,
                                absl::Time deadline) {
  if (event.topic != topic_) {
    return absl::FailedPreconditionError(
        absl::StrCat("this sink delivers ", topic_, ", not ", event.topic));
  }
  absl::StatusOr<std::string> plain =
      keys_.Open(event.payload, event.event_id);
  if (!plain.ok()) return plain.status();
  v1::Notification notification;
  if (!notification.ParseFromString(*plain) ||
      !notification.has_referrer_update()) {
    return absl::DataLossError("outbox event is not a referrer update");
  }
  const std::string& reference = notification.referrer_update().reference();
  std::string to;
  absl::Status read = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT sealed_address FROM referrer_addresses WHERE "
        "referring_agency = $1 AND reference = $2",
        {agency_id_, reference});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) {
      return absl::DataLossError("no address is stored for the referral");
    }
    absl::StatusOr<std::string> address = keys_.Open(
        (*rows)[0].Text(0), ReferrerAddressAad(agency_id_, reference));
    if (!address.ok()) {
      return absl::DataLossError("the sealed address did not open");
    }
    to = *std::move(address);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  absl::StatusOr<Email> email =
      ComposeReferrerEmail(config_, notification, to, clock_.Now());
  if (!email.ok()) return email.status();
  const absl::Duration configured =
      config_.timeout_ms() > 0 ? absl::Milliseconds(config_.timeout_ms())
                               : kDefaultEmailTimeout;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError("no time left to send");
  }
  absl::Status sent = transport_.Send(*email, std::min(configured, left));
  if (!sent.ok()) {
    Log(Level::kWarning, "email.failed",
        {{"notification", notification.id()},
         {"recipient", agency_id_},
         {"code", std::string(absl::StatusCodeToString(sent.code()))},
         {"error", std::string(sent.message())}});
    return sent;
  }
  Log(Level::kInfo, "email.sent",
      {{"notification", notification.id()}, {"recipient", agency_id_}});
  return absl::OkStatus();
}

}  // namespace frontdoor::notify
