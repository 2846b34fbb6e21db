#pragma once

// notify-svc over storage: events from intake, triage and allocation are
// recorded once each (by event id) and turned into one shaped notification
// per recipient agency, each share audited with its lawful basis; partners
// read their own notifications from a position and acknowledge; referrers
// list the timeline of their own referrals. No gRPC.

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/crypto/key_ring.h"
#include "common/store/store.h"
#include "common/tls/caller.h"
#include "frontdoor/allocation/v1/events.pb.h"
#include "frontdoor/intake/v1/events.pb.h"
#include "frontdoor/notify/v1/notify.pb.h"
#include "frontdoor/triage/v1/events.pb.h"
#include "notify-svc/decide.h"
#include "notify-svc/recipients.h"

namespace frontdoor::notify {

inline constexpr char kLawfulBasisShare[] =
    "UK GDPR art. 6(1)(e) and 9(2)(g); DPA 2018 sch. 1 para. 18 "
    "(safeguarding); shared for the recipient's purpose only";
// Audit reason codes (common/audit/README.md). notify.share's reason is
// the recipient's kind, lower case without its prefix ("referrer",
// "marac_hub", "idva_service", ...): the purpose that needs the event.
// notify.not_shared: no recipient's purpose needs the event.
inline constexpr char kReasonNoRecipientPurpose[] = "no_recipient_purpose";
// notify.replay_dead_letters: an operator made dead letters due again.
inline constexpr char kReasonOperatorReplay[] = "operator_replay";
// Audit actions of refusals and failures (reason codes in
// common/audit/refusals.h): a ListUpdates answered NOT_FOUND (reason code
// unknown_reference or not_owner) or DATA_LOSS (integrity); an Ack answered
// NOT_FOUND (unknown_reference or not_owner, the position in details).
inline constexpr char kAuditUpdatesRefused[] = "notify.list_updates_refused";
inline constexpr char kAuditUpdatesFailed[] = "notify.list_updates_failed";
inline constexpr char kAuditAckRefused[] = "notify.ack_refused";
// Audit actions while a referral's processing is restricted
// (common/rights): a notification held back instead of shared (reason
// kReasonRestricted, the notification id and kinds in details); the
// unacknowledged notifications withdrawn from pull streams when the
// restriction is set (the count in details); and those released when it
// is lifted (each then audited as notify.share too).
inline constexpr char kAuditHeldBack[] = "notify.held_back";
inline constexpr char kAuditWithdrawn[] = "notify.withdrawn";
inline constexpr char kAuditReleased[] = "notify.released";
inline constexpr char kReasonRestricted[] = "restricted";
inline constexpr char kReasonRestrictionLifted[] = "restriction_lifted";
inline constexpr char kLawfulBasisRestriction[] =
    "UK GDPR art. 18: processing restricted, the data stored only";
// Most notifications one Fetch returns.
inline constexpr int kMaxFetch = 500;
// Outbox topics of push deliveries: "push." + the partner's agency id.
inline constexpr char kPushTopicPrefix[] = "push.";

std::string PushTopic(const std::string& agency_id);

// What waits for one recipient agency, for metrics.
struct RecipientBacklog {
  // Pull: notifications after its acknowledged position. Push and email:
  // not yet delivered and not dead-lettered.
  int64_t undelivered = 0;
  absl::Duration oldest_undelivered_age = absl::ZeroDuration();
  // Push and email only: given up on, kept for replay.
  int64_t dead_letters = 0;
};

// While `reference` is restricted: withdraws its notifications that a pull
// recipient has not acknowledged (nor a relay is to deliver: those wait in
// the outbox) into held_notifications, audited. In the caller's
// transaction.
absl::Status WithdrawUnacknowledged(store::Tx& tx, const crypto::KeyRing& keys,
                                    const Caller& by,
                                    const std::string& reference,
                                    absl::Time now);

// Once `reference`'s restriction is lifted: shares its held notifications,
// oldest first, as new notifications (pushed or emailed as they would have
// been), each audited; returns the recipient agencies. In the caller's
// transaction.
absl::StatusOr<std::vector<std::string>> ReleaseHeld(
    store::Tx& tx, const crypto::KeyRing& keys, const Caller& by,
    const std::string& reference, absl::Time now);

struct NotifyStats {
  // By registered recipient agency (referrers are not listed), each
  // present.
  std::map<std::string, RecipientBacklog> by_recipient;
  // Notifications recorded, by (event kind, recipient kind).
  std::map<std::pair<v1::EventKind, v1::RecipientKind>, int64_t> recorded;
  // Notifications held back while their referral is restricted.
  int64_t held_back = 0;
};

// A notification at its stream position.
struct Positioned {
  int64_t seq = 0;
  v1::Notification notification;
  // The W3C traceparent of the call that recorded it (the referral's
  // trace), or empty: for the log line of its delivery.
  std::string traceparent;
};

class NotifyCore {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // Called after a commit that gives agencies new notifications (with
  // those agencies) or makes dead letters due again (with none).
  using OnCommitted = std::function<void(const std::vector<std::string>&)>;

  NotifyCore(store::Store& store, const crypto::KeyRing& keys,
             const Recipients& recipients, const Clock& clock,
             OnCommitted on_committed = {});

  // From intake-svc only: the referrer is told of acceptance or return.
  // `done` gets false when the event was recorded before.
  void ReferralReceived(const Caller& caller,
                        const intake::v1::ReferralReceived& event,
                        Done<bool> done);
  // From triage-svc only: a message for each recipient the decision names
  // (MARAC, the IDVA or YPVA service, children's social care, MACE), each
  // shaped for its audience; the decision's recipients are never re-derived.
  void TriageDecided(const Caller& caller, const triage::v1::TriageDecided& event,
                     Done<bool> done);
  // From triage-svc only: a serial perpetrator, to MATAC.
  void SerialPerpetrator(const Caller& caller,
                         const triage::v1::SerialPerpetratorIdentified& event,
                         Done<bool> done);
  // From allocation-svc only: the referrer learns allocated or waiting.
  void PlacementChanged(const Caller& caller,
                        const allocation::v1::PlacementChanged& event,
                        Done<bool> done);

  // OK for an agency that may hold a subscription (a referrer or a
  // recipient); PERMISSION_DENIED otherwise.
  absl::Status CanSubscribe(const Caller& caller) const;
  // The caller's own notifications after `after_seq` (at most `limit`, up
  // to kMaxFetch), oldest first. Blocking read.
  absl::StatusOr<std::vector<Positioned>> Fetch(const Caller& caller,
                                                int64_t after_seq, int limit);
  // The caller's last acknowledged position (0 before any).
  absl::StatusOr<int64_t> AckedPosition(const Caller& caller);
  // Moves the caller's acknowledged position forward to `seq` (never back).
  // NOT_FOUND when no notification of the caller's is there (nothing, or
  // another agency's), audited as kAuditAckRefused.
  void Ack(const Caller& caller, int64_t seq, Done<int64_t> done);
  // The referrer updates of one of the caller's own referrals, oldest first
  // (a snapshot read). NOT_FOUND for another agency's reference as for an
  // unknown one, each audited as kAuditUpdatesRefused with one write, so
  // both cost the same; DATA_LOSS when a notification does not open,
  // audited as kAuditUpdatesFailed. The answer comes after the audit row
  // has committed.
  void ListUpdates(const Caller& caller, const std::string& reference,
                   Done<std::vector<v1::Notification>> done);
  // Operators only: makes dead-lettered push and email notifications due
  // again, for one push or email recipient or (empty) all; `done` gets how
  // many. Audited.
  void ReplayDeadLetters(const Caller& caller,
                         const std::string& recipient_agency,
                         Done<int64_t> done);
  // Backlogs and counts for metrics: a snapshot read.
  absl::StatusOr<NotifyStats> Stats();

 private:
  // Work inside a recording transaction, once the event is new.
  using Step = std::function<absl::Status(store::Tx&)>;
  // Remembers an email agency's referrer address (email.h); nothing for
  // other agencies.
  Step RememberAddress(const std::string& referring_agency,
                       const std::string& reference,
                       const common::v1::Referrer& referrer) const;
  // Records an event's notifications once (by event id): decides the
  // shares, then in one transaction claims the event id, runs `first`
  // (when set) and saves them.
  void Record(const std::string& event_id, std::vector<Outgoing> outgoing,
              const Caller& by, Done<bool> done, Step first = {});
  // Save: each share's notification (sealed), its push or email event on
  // the outbox and its audit entry; with no share, the decision not to
  // share.
  absl::Status SaveShares(store::Tx& tx, const std::string& event_id,
                          const std::vector<Share>& shares, const Caller& by,
                          absl::Time now);

  store::Store& store_;
  const crypto::KeyRing& keys_;
  const Recipients& recipients_;
  const Clock& clock_;
  OnCommitted on_committed_;
};

}  // namespace frontdoor::notify
