#include "notify-svc/notify_core.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/audit.h"
#include "common/audit/refusals.h"
#include "absl/container/flat_hash_set.h"
#include "common/logging/logging.h"
#include "common/logging/traceparent.h"
#include "common/outbox/outbox.h"
#include "common/rights/data_keys.h"
#include "common/reference/reference.h"
#include "common/rights/rights.h"
#include "common/status/errors.h"
#include "google/protobuf/util/time_util.h"
#include "notify-svc/decide.h"
#include "notify-svc/email.h"
#include "notify-svc/shaping.h"

namespace frontdoor::notify {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status From(const Caller& caller, const char* service) {
  if (caller.agency_id == service &&
      caller.HasRole(config::v1::ROLE_SERVICE)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("only ", service, " delivers these events"));
}

absl::Status BadEvent(const std::string& field, const std::string& what) {
  return InvalidArgumentWithViolations("the event is not valid",
                                       {{field, what}});
}

// The outbox topic of each agency delivered to by a relay (push partners
// and email agencies), by agency.
std::map<std::string, std::string> RelayedTopics(const Recipients& r) {
  std::map<std::string, std::string> out;
  for (const auto& p : r.PushRecipients()) {
    out.emplace(p.agency_id(), PushTopic(p.agency_id()));
  }
  for (const std::string& agency : r.EmailAgencies()) {
    out.emplace(agency, EmailTopic(agency));
  }
  return out;
}

}  // namespace

std::string PushTopic(const std::string& agency_id) {
  return absl::StrCat(kPushTopicPrefix, agency_id);
}

NotifyCore::NotifyCore(store::Store& store, const crypto::KeyRing& keys,
                       const Recipients& recipients, const Clock& clock,
                       OnCommitted on_committed)
    : store_(store),
      keys_(keys),
      recipients_(recipients),
      clock_(clock),
      on_committed_(std::move(on_committed)) {}

void NotifyCore::ReferralReceived(const Caller& caller,
                                  const intake::v1::ReferralReceived& event,
                                  Done<bool> done) {
  if (absl::Status s = From(caller, "intake-svc"); !s.ok()) return done(s);
  if (event.event_id().empty()) return done(BadEvent("event_id", "required"));
  if (!IsWellFormedReference(event.receipt().reference())) {
    return done(BadEvent("receipt.reference", "must be a referral reference"));
  }
  std::vector<Outgoing> out = OutgoingOf(recipients_, event);
  Record(event.event_id(), std::move(out), caller, std::move(done),
         RememberAddress(event.agency_id(), event.receipt().reference(),
                         event.referral().referrer()));
}

void NotifyCore::TriageDecided(const Caller& caller,
                               const triage::v1::TriageDecided& event,
                               Done<bool> done) {
  if (absl::Status s = From(caller, "triage-svc"); !s.ok()) return done(s);
  if (event.event_id().empty()) return done(BadEvent("event_id", "required"));
  const triage::v1::Decision& d = event.decision();
  if (!IsWellFormedReference(d.reference())) {
    return done(BadEvent("decision.reference", "must be a referral reference"));
  }
  std::vector<Outgoing> out = OutgoingOf(recipients_, event);
  Record(event.event_id(), std::move(out), caller, std::move(done));
}

void NotifyCore::PlacementChanged(const Caller& caller,
                                  const allocation::v1::PlacementChanged& event,
                                  Done<bool> done) {
  if (absl::Status s = From(caller, "allocation-svc"); !s.ok()) {
    return done(s);
  }
  if (event.event_id().empty()) return done(BadEvent("event_id", "required"));
  const allocation::v1::Placement& p = event.placement();
  if (!IsWellFormedReference(p.reference())) {
    return done(
        BadEvent("placement.reference", "must be a referral reference"));
  }
  std::vector<Outgoing> out = OutgoingOf(recipients_, event);
  Record(event.event_id(), std::move(out), caller, std::move(done),
         RememberAddress(event.agency_id(), p.reference(), event.referrer()));
}

void NotifyCore::SerialPerpetrator(
    const Caller& caller, const triage::v1::SerialPerpetratorIdentified& event,
    Done<bool> done) {
  if (absl::Status s = From(caller, "triage-svc"); !s.ok()) return done(s);
  if (event.event_id().empty()) return done(BadEvent("event_id", "required"));
  if (!IsWellFormedReference(event.reference())) {
    return done(BadEvent("reference", "must be a referral reference"));
  }
  std::vector<Outgoing> out = OutgoingOf(recipients_, event);
  Record(event.event_id(), std::move(out), caller, std::move(done));
}

NotifyCore::Step NotifyCore::RememberAddress(
    const std::string& referring_agency, const std::string& reference,
    const common::v1::Referrer& referrer) const {
  if (!recipients_.IsEmail(referring_agency, v1::RECIPIENT_KIND_REFERRER)) {
    return {};
  }
  return [this, referring_agency, reference,
          referrer](store::Tx& tx) -> absl::Status {
    return RememberReferrerAddress(tx, keys_, referring_agency, reference,
                                   referrer, clock_.Now());
  };
}

void NotifyCore::Record(const std::string& event_id,
                        std::vector<Outgoing> outgoing, const Caller& by,
                        Done<bool> done, Step first) {
  const absl::Time now = clock_.Now();
  auto recorded = std::make_shared<bool>(false);
  // Decide: each recipient's notification, stamped, and whether it is
  // pushed (nothing here reads the store).
  auto shares = std::make_shared<std::vector<Share>>(
      DecideShares(event_id, std::move(outgoing), recipients_, now));
  store_.Write(
      [this, event_id, shares, recorded, by, now,
       first = std::move(first)](store::Tx& tx) -> absl::Status {
        // Load: the event id, claimed once. The insert itself is the
        // check, so that a second delivery (or another replica's) is a
        // no-op.
        absl::StatusOr<int64_t> inserted = tx.Exec(
            "INSERT INTO notify_events (event_id, received_at_us) "
            "VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
            {event_id, absl::ToUnixMicros(now)});
        if (!inserted.ok()) return inserted.status();
        if (*inserted == 0) return absl::OkStatus();  // Recorded before.
        if (!shares->empty()) {
          // Erased here before this event arrived: claimed and dropped,
          // nothing of it kept.
          const std::string& reference = shares->front().reference;
          absl::StatusOr<bool> erased =
              rights::IsDataKeyDestroyed(tx, reference);
          if (!erased.ok()) return erased.status();
          if (*erased) {
            Log(Level::kInfo, "notify.event_of_erased_referral_dropped",
                {{"reference", reference}});
            return absl::OkStatus();
          }
        }
        *recorded = true;
        if (first) {
          if (absl::Status s = first(tx); !s.ok()) return s;
        }
        return SaveShares(tx, event_id, *shares, by, now);
      },
      [this, event_id, recorded, shares,
       done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        if (*recorded) {
          Log(Level::kInfo, "notify.recorded",
              {{"event_id", event_id},
               {"reference",
                shares->empty() ? std::string() : shares->front().reference},
               {"notifications", shares->size()}});
        }
        if (*recorded && !shares->empty() && on_committed_) {
          std::vector<std::string> agencies;
          for (const Share& s : *shares) {
            agencies.push_back(s.recipient_agency);
          }
          on_committed_(agencies);
        }
        done(*recorded);
      });
}

namespace {

// One share as it is stored and published: a Share, or a held one.
struct Publication {
  std::string id;
  std::string recipient_agency;
  int64_t recipient_kind = 0;
  int64_t event_kind = 0;
  std::string reference;
  std::string referring_agency;
  bool push = false;
  bool email = false;
  std::string audit_reason;
  std::string audit_details;
  std::string sealed;  // The Notification, sealed with its id.
};

Publication PublicationOf(const Share& s, std::string sealed) {
  return {s.notification.id(), s.recipient_agency,
          int64_t{s.recipient_kind}, int64_t{s.event},
          s.reference,           s.referring_agency,
          s.push,                s.email,
          s.audit_reason,        s.audit_details,
          std::move(sealed)};
}

// Shares one notification: its push or email event on the outbox, its
// row at the end of the recipient's stream and its audit entry.
absl::Status Publish(store::Tx& tx, const crypto::KeyRing& keys,
                     const Publication& p, const Caller& by, absl::Time now) {
  if (p.push) {
    // The same sealed bytes as the row: the outbox opens them with the
    // event id, which is the notification id.
    absl::Status queued = outbox::Enqueue(tx, PushTopic(p.recipient_agency),
                                          p.id, p.sealed, now, p.reference);
    if (!queued.ok()) return queued;
  } else if (p.email) {
    // Only when the referral gave an address to email (never a
    // self-referral's); the same sealed bytes as push.
    absl::Status queued = QueueEmail(tx, p.recipient_agency, p.reference,
                                     p.id, p.sealed, now);
    if (!queued.ok()) return queued;
  }
  absl::StatusOr<int64_t> row = tx.Exec(
      "INSERT INTO notifications (id, recipient_agency, "
      "recipient_kind, event_kind, reference, referring_agency, "
      "created_at_us, sealed, traceparent) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {p.id, p.recipient_agency, p.recipient_kind, p.event_kind, p.reference,
       p.referring_agency, absl::ToUnixMicros(now), store::Blob{p.sealed},
       // The recording call's trace (Store::Write keeps it current), for
       // the stream's log line of the delivery.
       CurrentTraceparent()});
  if (!row.ok()) return row.status();
  return audit::Record(tx, keys, by, now,
                       {"notify.share", p.reference, p.audit_reason,
                        kLawfulBasisShare, p.audit_details});
}

absl::Status Hold(store::Tx& tx, const crypto::KeyRing& keys,
                  const Publication& p, const Caller& by, absl::Time now) {
  absl::StatusOr<int64_t> row = tx.Exec(
      "INSERT INTO held_notifications (id, recipient_agency, recipient_kind, "
      "event_kind, reference, referring_agency, push, email, audit_reason, "
      "audit_details, held_at_us, sealed) VALUES ($1, $2, $3, $4, $5, $6, "
      "$7, $8, $9, $10, $11, $12)",
      {p.id, p.recipient_agency, p.recipient_kind, p.event_kind, p.reference,
       p.referring_agency, int64_t{p.push}, int64_t{p.email}, p.audit_reason,
       p.audit_details, absl::ToUnixMicros(now), store::Blob{p.sealed}});
  if (!row.ok()) return row.status();
  return audit::Record(
      tx, keys, by, now,
      {kAuditHeldBack, p.reference, kReasonRestricted, kLawfulBasisRestriction,
       absl::StrCat("{\"notification\":\"", p.id,
                    "\",\"recipient_kind\":", p.recipient_kind,
                    ",\"event\":", p.event_kind, "}")});
}

}  // namespace

absl::Status NotifyCore::SaveShares(store::Tx& tx, const std::string& event_id,
                                    const std::vector<Share>& shares,
                                    const Caller& by, absl::Time now) {
  for (const Share& s : shares) {
    const v1::Notification& n = s.notification;
    absl::StatusOr<std::string> sealed =
        outbox::SealEvent(tx, keys_, s.reference, n, n.id(), now);
    if (!sealed.ok()) return sealed.status();
    // A restricted referral's notifications are stored, not shared, until
    // the restriction is lifted (ReleaseHeld).
    absl::StatusOr<bool> restricted = rights::IsRestricted(tx, s.reference);
    if (!restricted.ok()) return restricted.status();
    const Publication p = PublicationOf(s, *std::move(sealed));
    if (absl::Status saved = *restricted ? Hold(tx, keys_, p, by, now)
                                         : Publish(tx, keys_, p, by, now);
        !saved.ok()) {
      return saved;
    }
  }
  if (shares.empty()) {
    // A decision not to share is recorded too.
    return audit::Record(tx, keys_, by, now,
                         {"notify.not_shared", event_id,
                          kReasonNoRecipientPurpose, kLawfulBasisShare});
  }
  return absl::OkStatus();
}

absl::Status WithdrawUnacknowledged(store::Tx& tx, const crypto::KeyRing& keys,
                                    const Caller& by,
                                    const std::string& reference,
                                    absl::Time now) {
  // Pull notifications only: push and email ones still to deliver wait in
  // the outbox (the relay holds back a restricted referral's events).
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT n.seq, n.id, n.recipient_agency, n.recipient_kind, "
      "n.event_kind, n.referring_agency, n.sealed FROM notifications n "
      "LEFT JOIN subscriptions s ON s.agency_id = n.recipient_agency "
      "WHERE n.reference = $1 AND n.seq > COALESCE(s.acked_seq, 0) "
      "AND n.id NOT IN (SELECT event_id FROM outbox) ORDER BY n.seq",
      {reference});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return absl::OkStatus();
  for (const store::Row& row : *rows) {
    Publication p;
    p.id = row.Text(1);
    p.recipient_agency = row.Text(2);
    p.recipient_kind = row.Int(3);
    p.event_kind = row.Int(4);
    p.reference = reference;
    p.referring_agency = row.Text(5);
    p.audit_reason = EnumLabel(
        v1::RecipientKind_Name(static_cast<v1::RecipientKind>(p.recipient_kind)),
        "RECIPIENT_KIND_");
    p.audit_details = "{\"withdrawn\":true}";
    p.sealed = row.Text(6);
    absl::StatusOr<int64_t> held = tx.Exec(
        "INSERT INTO held_notifications (id, recipient_agency, "
        "recipient_kind, event_kind, reference, referring_agency, push, "
        "email, audit_reason, audit_details, held_at_us, sealed) VALUES "
        "($1, $2, $3, $4, $5, $6, 0, 0, $7, $8, $9, $10)",
        {p.id, p.recipient_agency, p.recipient_kind, p.event_kind, reference,
         p.referring_agency, p.audit_reason, p.audit_details,
         absl::ToUnixMicros(now), store::Blob{p.sealed}});
    if (!held.ok()) return held.status();
    absl::StatusOr<int64_t> gone =
        tx.Exec("DELETE FROM notifications WHERE seq = $1", {row.Int(0)});
    if (!gone.ok()) return gone.status();
  }
  return audit::Record(
      tx, keys, by, now,
      {kAuditWithdrawn, reference, kReasonRestricted, kLawfulBasisRestriction,
       absl::StrCat("{\"withdrawn\":", rows->size(), "}")});
}

absl::StatusOr<std::vector<std::string>> ReleaseHeld(
    store::Tx& tx, const crypto::KeyRing& keys, const Caller& by,
    const std::string& reference, absl::Time now) {
  absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
      "SELECT seq, id, recipient_agency, recipient_kind, event_kind, "
      "referring_agency, push, email, audit_reason, audit_details, sealed "
      "FROM held_notifications WHERE reference = $1 ORDER BY seq",
      {reference});
  if (!rows.ok()) return rows.status();
  std::vector<std::string> agencies;
  for (const store::Row& row : *rows) {
    Publication p;
    p.id = row.Text(1);
    p.recipient_agency = row.Text(2);
    p.recipient_kind = row.Int(3);
    p.event_kind = row.Int(4);
    p.reference = reference;
    p.referring_agency = row.Text(5);
    p.push = row.Int(6) != 0;
    p.email = row.Int(7) != 0;
    p.audit_reason = row.Text(8);
    p.audit_details = row.Text(9);
    p.sealed = row.Text(10);
    absl::StatusOr<int64_t> gone = tx.Exec(
        "DELETE FROM held_notifications WHERE seq = $1", {row.Int(0)});
    if (!gone.ok()) return gone.status();
    if (absl::Status s = Publish(tx, keys, p, by, now); !s.ok()) return s;
    agencies.push_back(p.recipient_agency);
  }
  if (!rows->empty()) {
    if (absl::Status a = audit::Record(
            tx, keys, by, now,
            {kAuditReleased, reference, kReasonRestrictionLifted,
             kLawfulBasisShare,
             absl::StrCat("{\"released\":", rows->size(), "}")});
        !a.ok()) {
      return a;
    }
  }
  return agencies;
}

absl::Status NotifyCore::CanSubscribe(const Caller& caller) const {
  if (caller.HasRole(config::v1::ROLE_REFERRER) ||
      caller.HasRole(config::v1::ROLE_RECIPIENT)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only referrers and notification recipients hold subscriptions");
}

absl::StatusOr<std::vector<Positioned>> NotifyCore::Fetch(const Caller& caller,
                                                          int64_t after_seq,
                                                          int limit) {
  if (after_seq < 0) {
    return InvalidArgumentWithViolations("the request is not valid",
                                         {{"after", "must not be negative"}});
  }
  const int64_t n = std::clamp(limit, 1, kMaxFetch);
  std::vector<Positioned> out;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    // An erased referral's notifications are passed over: the stream goes
    // on after them. A page of nothing but those is read past, so that a
    // run of them longer than a page cannot look like the end.
    int64_t after = after_seq;
    while (true) {
      absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
          "SELECT seq, id, sealed, traceparent FROM notifications WHERE "
          "recipient_agency = $1 AND seq > $2 ORDER BY seq LIMIT $3",
          {caller.agency_id, after, n});
      if (!rows.ok()) return rows.status();
      for (const store::Row& row : *rows) {
        Positioned p;
        p.seq = row.Int(0);
        p.traceparent = row.Text(3);
        after = p.seq;
        absl::StatusOr<std::string> plain =
            rights::OpenSealed(tx, keys_, row.Text(2), row.Text(1));
        if (rights::IsErased(plain.status())) continue;
        if (!plain.ok() || !p.notification.ParseFromString(*plain)) {
          return absl::DataLossError("sealed notification did not open");
        }
        out.push_back(std::move(p));
      }
      if (!out.empty() || static_cast<int64_t>(rows->size()) < n) break;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> NotifyCore::AckedPosition(const Caller& caller) {
  int64_t acked = 0;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT acked_seq FROM subscriptions WHERE agency_id = $1",
        {caller.agency_id});
    if (!rows.ok()) return rows.status();
    if (!rows->empty()) acked = (*rows)[0].Int(0);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return acked;
}

void NotifyCore::Ack(const Caller& caller, int64_t seq, Done<int64_t> done) {
  if (seq < 1) {
    done(InvalidArgumentWithViolations("the request is not valid",
                                       {{"position", "must be 1 or more"}}));
    return;
  }
  auto position = std::make_shared<int64_t>(0);
  auto refused = std::make_shared<bool>(false);
  const absl::Time now = clock_.Now();
  store_.Write(
      [this, caller, seq, position, refused, now](store::Tx& tx)
          -> absl::Status {
        // Load: whose notification is at the position.
        absl::StatusOr<std::vector<store::Row>> at = tx.Query(
            "SELECT recipient_agency FROM notifications WHERE seq = $1",
            {seq});
        if (!at.ok()) return at.status();
        const std::optional<std::string> owner =
            at->empty() ? std::nullopt
                        : std::optional<std::string>((*at)[0].Text(0));
        const AckDecision d = DecideAck(caller.agency_id, owner, seq);
        if (!d.refused_reason.empty()) {
          *refused = true;
          return audit::Record(tx, keys_, caller, now,
                               {kAuditAckRefused, "", d.refused_reason, "",
                                d.audit_details});
        }
        absl::StatusOr<std::vector<store::Row>> before = tx.Query(
            "SELECT acked_seq FROM subscriptions WHERE agency_id = $1",
            {caller.agency_id});
        if (!before.ok()) return before.status();
        const int64_t acked_before =
            before->empty() ? 0 : (*before)[0].Int(0);
        // Save: the position moves forward only, whatever else acked
        // meanwhile; the answer is the position as saved.
        absl::StatusOr<int64_t> up = tx.Exec(
            "INSERT INTO subscriptions (agency_id, acked_seq) VALUES ($1, $2) "
            "ON CONFLICT (agency_id) DO UPDATE SET acked_seq = CASE WHEN "
            "excluded.acked_seq > subscriptions.acked_seq THEN "
            "excluded.acked_seq ELSE subscriptions.acked_seq END",
            {caller.agency_id, seq});
        if (!up.ok()) return up.status();
        absl::StatusOr<std::vector<store::Row>> now_at = tx.Query(
            "SELECT acked_seq FROM subscriptions WHERE agency_id = $1",
            {caller.agency_id});
        if (!now_at.ok()) return now_at.status();
        *position = (*now_at)[0].Int(0);
        // When each newly acknowledged notification was, for its
        // retention schedule.
        return tx
            .Exec("UPDATE notifications SET acked_at_us = $4 "
                  "WHERE recipient_agency = $1 AND seq > $2 AND seq <= $3 "
                  "AND acked_at_us IS NULL",
                  {caller.agency_id, acked_before, *position,
                   absl::ToUnixMicros(now)})
            .status();
      },
      [position, refused, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        if (*refused) {
          done(absl::NotFoundError("no notification of yours at that "
                                   "position"));
          return;
        }
        done(*position);
      });
}

void NotifyCore::ListUpdates(const Caller& caller, const std::string& reference,
                             Done<std::vector<v1::Notification>> done) {
  if (!IsWellFormedReference(reference)) {
    done(InvalidArgumentWithViolations(
        "the request is not valid",
        {{"reference", "must be a referral reference"}}));
    return;
  }
  std::vector<v1::Notification> out;
  bool intact = true;
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT id, sealed FROM notifications WHERE referring_agency = $1 "
        "AND reference = $2 AND recipient_kind = $3 ORDER BY seq",
        {caller.agency_id, reference,
         int64_t{v1::RECIPIENT_KIND_REFERRER}});
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      v1::Notification n;
      absl::StatusOr<std::string> plain =
          rights::OpenSealed(tx, keys_, row.Text(1), row.Text(0));
      // An erased referral's updates are gone for its referrer too.
      if (rights::IsErased(plain.status())) continue;
      if (!plain.ok() || !n.ParseFromString(*plain)) {
        intact = false;
        break;
      }
      out.push_back(std::move(n));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    done(status);
    return;
  }
  if (intact && !out.empty()) {
    done(std::move(out));
    return;
  }
  // Refused or failed: one audit row (classified inside its transaction),
  // then the answer.
  audit::Entry entry;
  entry.at = clock_.Now();
  entry.actor_agency = caller.agency_id;
  entry.actor_person = caller.actor;
  entry.action = intact ? kAuditUpdatesRefused : kAuditUpdatesFailed;
  entry.subject = reference;
  store_.Write(
      [this, entry, intact](store::Tx& tx) mutable -> absl::Status {
        if (!intact) {
          entry.reason = audit::kReasonIntegrity;
        } else {
          absl::StatusOr<std::vector<store::Row>> anyone = tx.Query(
              "SELECT 1 FROM notifications WHERE reference = $1 AND "
              "recipient_kind = $2 LIMIT 1",
              {entry.subject, int64_t{v1::RECIPIENT_KIND_REFERRER}});
          if (!anyone.ok()) return anyone.status();
          entry.reason = anyone->empty() ? audit::kReasonUnknownReference
                                         : audit::kReasonNotOwner;
        }
        return audit::Append(tx, keys_, entry);
      },
      [intact, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
        } else if (intact) {
          done(absl::NotFoundError("no referral with that reference"));
        } else {
          done(absl::DataLossError("sealed notification did not open"));
        }
      });
}

void NotifyCore::ReplayDeadLetters(const Caller& caller,
                                   const std::string& recipient_agency,
                                   Done<int64_t> done) {
  if (!caller.HasRole(config::v1::ROLE_OPERATOR)) {
    done(absl::PermissionDeniedError("only operators replay dead letters"));
    return;
  }
  const std::map<std::string, std::string> topics = RelayedTopics(recipients_);
  std::string topic;  // Empty: every topic.
  if (!recipient_agency.empty()) {
    auto it = topics.find(recipient_agency);
    if (it == topics.end()) {
      done(InvalidArgumentWithViolations(
          "the request is not valid",
          {{"recipient_agency", "not a push or email recipient"}}));
      return;
    }
    topic = it->second;
  }
  const absl::Time now = clock_.Now();
  auto replayed = std::make_shared<int64_t>(0);
  store_.Write(
      [this, caller, recipient_agency, topic, now,
       replayed](store::Tx& tx) -> absl::Status {
        absl::StatusOr<int64_t> n = outbox::ReplayDeadLetters(tx, topic, now);
        if (!n.ok()) return n.status();
        *replayed = *n;
        return audit::Record(
            tx, keys_, caller, now,
            {"notify.replay_dead_letters",
             recipient_agency.empty() ? "all push recipients"
                                      : recipient_agency,
             kReasonOperatorReplay, kLawfulBasisShare,
             absl::StrCat("{\"replayed\":", *n, "}")});
      },
      [this, replayed, done = std::move(done)](absl::Status status) {
        if (!status.ok()) {
          done(status);
          return;
        }
        if (on_committed_) on_committed_({});
        done(*replayed);
      });
}

absl::StatusOr<NotifyStats> NotifyCore::Stats() {
  NotifyStats stats;
  const absl::Time now = clock_.Now();
  // Relayed (push and email): backlogs from their outbox topics.
  const std::map<std::string, std::string> relayed = RelayedTopics(recipients_);
  for (const auto& r : recipients_.proto().recipients()) {
    stats.by_recipient[r.agency_id()];
  }
  absl::Status status = store_.Read([&](store::Tx& tx) -> absl::Status {
    // Pull: what lies after each agency's acknowledged position.
    absl::StatusOr<std::vector<store::Row>> rows = tx.Query(
        "SELECT n.recipient_agency, COUNT(*), MIN(n.created_at_us) "
        "FROM notifications n LEFT JOIN subscriptions s "
        "ON s.agency_id = n.recipient_agency "
        "WHERE n.seq > COALESCE(s.acked_seq, 0) GROUP BY n.recipient_agency");
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      // Referrers are not listed: few hold a subscription.
      auto it = stats.by_recipient.find(row.Text(0));
      if (it == stats.by_recipient.end() || relayed.count(row.Text(0)) > 0) {
        continue;
      }
      RecipientBacklog& b = it->second;
      b.undelivered = row.Int(1);
      b.oldest_undelivered_age = std::max(
          absl::ZeroDuration(), now - absl::FromUnixMicros(row.Int(2)));
    }
    absl::StatusOr<std::vector<store::Row>> held =
        tx.Query("SELECT COUNT(*) FROM held_notifications");
    if (!held.ok()) return held.status();
    stats.held_back = (*held)[0].Int(0);
    rows = tx.Query(
        "SELECT event_kind, recipient_kind, COUNT(*) FROM notifications "
        "GROUP BY event_kind, recipient_kind");
    if (!rows.ok()) return rows.status();
    for (const store::Row& row : *rows) {
      stats.recorded[{static_cast<v1::EventKind>(row.Int(0)),
                      static_cast<v1::RecipientKind>(row.Int(1))}] =
          row.Int(2);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  // Push and email: the outbox of each agency's topic.
  absl::StatusOr<std::map<std::string, outbox::OutboxStats>> by_topic =
      outbox::StatsByTopic(store_, now, rights::kRestrictedReferences);
  if (!by_topic.ok()) return by_topic.status();
  for (const auto& [agency, topic] : relayed) {
    auto it = by_topic->find(topic);
    if (it == by_topic->end()) continue;
    RecipientBacklog& b = stats.by_recipient[agency];
    b.undelivered = it->second.undelivered;
    b.oldest_undelivered_age = it->second.oldest_undelivered_age;
    b.dead_letters = it->second.dead_lettered;
  }
  return stats;
}

}  // namespace frontdoor::notify
