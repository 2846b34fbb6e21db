#pragma once

// notify-svc's email delivery mode (DELIVERY_MODE_EMAIL): referrers without
// an API feed (professionals referring through the web front door) hear of
// their referral's progress by email, at least once, through the same
// outbox relay, back-off, dead letters, replay and metrics as push
// partners (one outbox topic per email agency, "email.<agency>").
//
// What is stored: the referrer's address, sealed, once per referral
// (referrer_addresses; never for a self-referral, whose "referrer" email is
// the victim's own). What is sent: the reference, the status, the reason
// codes of a returned referral and a fixed sentence of what happens next;
// never a name, a contact detail or free text. The address is never
// logged or put in a metric label.

#include <memory>
#include <string>


#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/outbox/relay.h"
#include "common/store/store.h"
#include "frontdoor/common/v1/referral.pb.h"
#include "frontdoor/config/v1/config.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"

namespace frontdoor::notify {

// Outbox topics of email deliveries: "email." + the referring agency's id.
inline constexpr char kEmailTopicPrefix[] = "email.";
std::string EmailTopic(const std::string& agency_id);

// EmailConfig.timeout_ms when 0.
inline constexpr absl::Duration kDefaultEmailTimeout = absl::Seconds(10);
// The longest address SMTP carries (RFC 5321's path limit less the
// brackets), and the longest local part.
inline constexpr size_t kMaxEmailAddressChars = 254;
inline constexpr size_t kMaxEmailLocalPartChars = 64;
// Template placeholders.
inline constexpr char kPlaceholderReference[] = "{reference}";
inline constexpr char kPlaceholderStatus[] = "{status}";
inline constexpr char kPlaceholderNextSteps[] = "{next_steps}";

// An address this service sends to: ASCII, one '@', a dot-atom local part
// of at most 64 characters, a domain of dot-separated letters, digits and
// hyphens with at least one dot, at most 254 characters in all. Nothing
// that could break out of an SMTP command or a header (no spaces, angle
// brackets, quotes or control characters).
bool IsDeliverableAddress(absl::string_view address);

// The email settings as start-up checks them (only when smtp_url is set):
// INVALID_ARGUMENT with a field violation naming each bad one
// ("email.smtp_url", "email.from_address", ...).
absl::Status CheckEmailConfig(const config::v1::EmailConfig& email);

// Associated data sealing a referral's referrer address: binds it to its
// row ("<referring agency>:<reference>:referrer_email").
std::string ReferrerAddressAad(const std::string& referring_agency,
                               const std::string& reference);

// Inside the write transaction recording an event of `referring_agency`
// (an email agency): stores `referrer`'s address sealed for `reference`,
// unless the referral is a self-referral or gives no address we send to;
// the first address stored stands. OK when nothing is stored. Sealed under
// the referral's data key (made at `now` if it has none).
absl::Status RememberReferrerAddress(store::Tx& tx, const crypto::KeyRing& keys,
                                     const std::string& referring_agency,
                                     const std::string& reference,
                                     const common::v1::Referrer& referrer,
                                     absl::Time now);

// Inside the same transaction, for a notification to an email agency's
// referrer: queues the sealed notification on EmailTopic(referring_agency)
// when an address is stored for the referral; otherwise (a self-referral,
// no address) nothing is sent. The notification stays listed either way.
absl::Status QueueEmail(store::Tx& tx, const std::string& referring_agency,
                        const std::string& reference,
                        const std::string& notification_id,
                        const std::string& sealed, absl::Time now);

// One email, ready to send.
struct Email {
  std::string from;        // bare address
  std::string to;          // bare address
  std::string message_id;  // "<...@...>"
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8, lines ending in "\n"
  absl::Time date;
};

// The Message-ID of a notification's email: the same for every attempt,
// so that a retried send is recognisable ("<sha256-prefix.notify@domain of
// the sender>", the hash of the notification id).
std::string MessageIdFor(const std::string& notification_id,
                         const std::string& from_address);

// The email telling `to` of a referrer update (`notification` must hold
// one), from `email`'s templates: the reference, the status, the reason
// codes and a fixed next-steps sentence only. INVALID_ARGUMENT for another
// body or an unknown status.
absl::StatusOr<Email> ComposeReferrerEmail(const config::v1::EmailConfig& email,
                                           const v1::Notification& notification,
                                           const std::string& to,
                                           absl::Time now);

// The message as it goes over SMTP: RFC 5322 headers (From, To, Subject
// encoded as RFC 2047 when not ASCII, Date, Message-ID, MIME-Version,
// Content-Type text/plain UTF-8, Auto-Submitted) and the body, with CRLF
// line ends.
std::string ToRfc5322(const Email& email);

// Sends one email (an SMTP client).
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // OK once the server has accepted the message; any error means "try
  // again later". Gives up after `timeout`.
  virtual absl::Status Send(const Email& email, absl::Duration timeout) = 0;
};

// The outbox sink of one email topic: opens each event (a sealed
// Notification, its id the event id), finds the referral's sealed address,
// composes the email and hands it to `transport` within the relay's
// deadline and the configured timeout.
class EmailSink final : public outbox::Sink {
 public:
  // All references must outlive the sink.
  EmailSink(store::Store& store, const crypto::KeyRing& keys,
            config::v1::EmailConfig config, std::string agency_id,
            MailTransport& transport, const Clock& clock);

  absl::Status Deliver(const outbox::Event& event,
                       absl::Time deadline) override;

 private:
  store::Store& store_;
  const crypto::KeyRing& keys_;
  const config::v1::EmailConfig config_;
  const std::string agency_id_;
  const std::string topic_;
  MailTransport& transport_;
  const Clock& clock_;
};

}  // namespace frontdoor::notify
