#pragma once

// Transactional outbox: a service writes the event for the next service in
// the same transaction as the state change it describes (Enqueue), and a
// Relay (relay.h) delivers it afterwards, at least once, until the receiver
// acknowledges. Receivers deduplicate by event_id.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/crypto/key_ring.h"
#include "common/logging/traceparent.h"
#include "common/store/store.h"
#include "google/protobuf/message_lite.h"

namespace frontdoor::outbox {

// Name under which the outbox table is recorded in schema_migrations.
inline constexpr char kMigrationName[] = "common/outbox/001_outbox";
inline constexpr char kDeadLetterMigrationName[] =
    "common/outbox/002_dead_letters";
inline constexpr char kReferenceMigrationName[] =
    "common/outbox/003_reference";
inline constexpr char kTraceparentMigrationName[] =
    "common/outbox/004_traceparent";
inline constexpr char kPendingIndexMigrationName[] =
    "common/outbox/005_pending_by_topic";

// The outbox schema, to append to a service's own migrations. The text is
// SQLite's; the PostgreSQL backend gets its own text (see outbox.cc) under
// the same migration name.
std::vector<store::Migration> Migrations();

// Records an event inside the caller's transaction, due at once: it commits
// or rolls back with the caller's state change. `event_id` is the receiver's
// idempotency key and must be unique (a repeat fails with ALREADY_EXISTS);
// `topic` names the destination. Empty id or topic: INVALID_ARGUMENT.
// `reference` is the referral the event is about (empty: none): a
// restricted referral's events wait (RelayOptions::held_back_references)
// and a held one's are never purged (common/retention).
// The event is stored with CurrentTraceparent(): the trace of the call that
// made it, which Store::Write makes current on the thread running `tx`
// (empty outside any trace). The relay continues that trace when it
// delivers the event (DeliveryTrace).
absl::Status Enqueue(store::Tx& tx, std::string_view topic,
                     std::string_view event_id, std::string_view payload,
                     absl::Time now, std::string_view reference = {});

// `event` sealed with `event_id` as associated data, under the data key of
// `reference`, the referral it is about (common/rights/data_keys.h: made in
// `tx` if the referral has none here; ErasedError once it was erased): the
// payload every service's events travel as (they name people), opened by
// the relay's sink (grpc_sink.h) with rights::OpenSealed and the same id.
// Erasing the referral makes every copy unreadable.
absl::StatusOr<std::string> SealEvent(store::Tx& tx,
                                      const crypto::KeyRing& keys,
                                      std::string_view reference,
                                      const google::protobuf::MessageLite& event,
                                      std::string_view event_id,
                                      absl::Time now);

// The one way a core puts an event on its outbox: SealEvent, then Enqueue,
// inside the caller's transaction.
absl::Status EnqueueSealed(store::Tx& tx, const crypto::KeyRing& keys,
                           std::string_view reference, std::string_view topic,
                           std::string_view event_id,
                           const google::protobuf::MessageLite& event,
                           absl::Time now);

// Deletes the events of `reference` (their ids start with it, as every
// service's do) in the caller's transaction, delivered or not, and returns
// how many went: an erasure's, since their payloads cannot be opened once
// its data key is destroyed (dropped rather than left to dead-letter).
absl::StatusOr<int64_t> DropEventsOf(store::Tx& tx, std::string_view reference);

// One event as the relay hands it to a Sink.
struct Event {
  int64_t seq = 0;  // Commit order within this database.
  std::string event_id;
  std::string topic;
  std::string payload;
  int attempts = 0;  // Failed deliveries before this one.
  absl::Time created_at;
  // Start of the dead-letter window: created_at, or the last replay.
  absl::Time retry_from;
  // The referral the event is about ('' for none, or stored before events
  // named one): the relay keeps one referral's events in order.
  std::string reference;
  // The W3C traceparent stored by Enqueue (the call that made the event),
  // or empty (queued outside any trace, or before the column existed).
  std::string traceparent;
};

// The trace a delivery of `event` continues: its stored traceparent's; when
// none is stored (or it does not parse), the thread's current trace (the
// relay makes one current for each delivery), else a new root. A sink
// sends FormatTraceparent(DeliveryTrace(event), NewSpanId()) on its call;
// the relay makes DeliveryTrace(event).trace_id current while it delivers.
TraceContext DeliveryTrace(const Event& event);

struct OutboxStats {
  // Events not yet acknowledged (due now or backing off).
  int64_t undelivered = 0;
  // Age of the oldest undelivered event; zero when there is none.
  absl::Duration oldest_undelivered_age = absl::ZeroDuration();
  // Events the relay gave up on (see RelayOptions::dead_letter_after), kept
  // for ReplayDeadLetters; not counted in `undelivered`.
  int64_t dead_lettered = 0;
  // Events held back (RelayOptions::held_back_references: a restricted
  // referral's); not counted in `undelivered` nor its age.
  int64_t held_back = 0;
};

// Outbox depth and age for metrics, read from a consistent snapshot.
absl::StatusOr<OutboxStats> Stats(store::Store& store, absl::Time now);

// As Stats, per topic, with dead letters; topics with nothing undelivered
// or dead-lettered are absent.
// `held_back_references` as RelayOptions' (empty: none held back).
absl::StatusOr<std::map<std::string, OutboxStats>> StatsByTopic(
    store::Store& store, absl::Time now,
    std::string_view held_back_references = {});

// Makes the dead-lettered events of `topic` (every topic when empty) due
// again at `now`, with a new dead-letter window; returns how many.
absl::StatusOr<int64_t> ReplayDeadLetters(store::Tx& tx, std::string_view topic,
                                          absl::Time now);

// Deletes delivered events acknowledged before `delivered_before`, at most
// `limit` of them, and returns how many went. Undelivered events are never
// deleted. Call it from a periodic job so the table does not grow forever;
// keep the retention longer than any receiver's deduplication window.
absl::StatusOr<int64_t> PurgeDelivered(store::Tx& tx,
                                       absl::Time delivered_before,
                                       int64_t limit);

}  // namespace frontdoor::outbox
