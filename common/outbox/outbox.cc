#include "common/outbox/outbox.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/outbox/outbox_sql.h"
#include "common/rights/data_keys.h"

namespace frontdoor::outbox {

std::vector<store::Migration> Migrations() {
  return {{kMigrationName, sql::kSqliteSchema},
          {kDeadLetterMigrationName, sql::kSqliteDeadLetterColumns},
          {kReferenceMigrationName, sql::kSqliteReferenceColumn},
          {kTraceparentMigrationName, sql::kSqliteTraceparentColumn},
          {kPendingIndexMigrationName, sql::kSqlitePendingIndex}};
}

absl::Status Enqueue(store::Tx& tx, std::string_view topic,
                     std::string_view event_id, std::string_view payload,
                     absl::Time now, std::string_view reference) {
  if (topic.empty() || event_id.empty()) {
    return absl::InvalidArgumentError(
        "outbox: event_id and topic must not be empty");
  }
  return tx
      .Exec(sql::kInsert,
            {std::string(event_id), std::string(topic),
             store::Blob{std::string(payload)}, absl::ToUnixMicros(now),
             std::string(reference), CurrentTraceparent()})
      .status();
}

TraceContext DeliveryTrace(const Event& event) {
  if (std::optional<TraceContext> stored =
          ParseTraceparent(event.traceparent)) {
    return *std::move(stored);
  }
  if (!CurrentTraceId().empty()) {
    TraceContext current;
    current.trace_id = std::string(CurrentTraceId());
    current.parent_id = NewSpanId();
    current.sampled = true;
    return current;
  }
  return NewTrace();
}

absl::StatusOr<std::string> SealEvent(store::Tx& tx,
                                      const crypto::KeyRing& keys,
                                      std::string_view reference,
                                      const google::protobuf::MessageLite& event,
                                      std::string_view event_id,
                                      absl::Time now) {
  return rights::SealFor(tx, keys, reference, event.SerializeAsString(),
                         event_id, now);
}

absl::Status EnqueueSealed(store::Tx& tx, const crypto::KeyRing& keys,
                           std::string_view reference, std::string_view topic,
                           std::string_view event_id,
                           const google::protobuf::MessageLite& event,
                           absl::Time now) {
  absl::StatusOr<std::string> sealed =
      SealEvent(tx, keys, reference, event, event_id, now);
  if (!sealed.ok()) return sealed.status();
  return Enqueue(tx, topic, event_id, *sealed, now, reference);
}

absl::StatusOr<int64_t> DropEventsOf(store::Tx& tx,
                                     std::string_view reference) {
  if (reference.empty()) {
    return absl::InvalidArgumentError("outbox: reference must not be empty");
  }
  // substr rather than LIKE: a reference holds no wildcard today, but the
  // comparison should not depend on it.
  return tx.Exec(
      "DELETE FROM outbox WHERE substr(event_id, 1, $1) = $2",
      {static_cast<int64_t>(reference.size()), std::string(reference)});
}

absl::StatusOr<OutboxStats> Stats(store::Store& store, absl::Time now) {
  OutboxStats stats;
  absl::Status status = store.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(sql::kStats);
    if (!rows.ok()) {
      return rows.status();
    }
    const store::Row& row = rows->at(0);
    stats.undelivered = row.Int(0);
    if (!row.IsNull(1)) {
      stats.oldest_undelivered_age = std::max(
          absl::ZeroDuration(), now - absl::FromUnixMicros(row.Int(1)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return stats;
}

absl::StatusOr<std::map<std::string, OutboxStats>> StatsByTopic(
    store::Store& store, absl::Time now,
    std::string_view held_back_references) {
  std::map<std::string, OutboxStats> by_topic;
  const std::string held(held_back_references);
  absl::Status status = store.Read([&](store::Tx& tx) -> absl::Status {
    auto rows = tx.Query(
        held.empty()
            ? absl::StrCat(sql::kStatsByTopic, sql::kByTopic)
            : absl::StrCat(sql::kStatsByTopic, sql::kHeldBackPrefix, held,
                           sql::kHeldBackSuffix, sql::kByTopic));
    if (!rows.ok()) {
      return rows.status();
    }
    for (const store::Row& row : *rows) {
      OutboxStats& stats = by_topic[row.Text(0)];
      stats.undelivered = row.Int(1);
      stats.oldest_undelivered_age = std::max(
          absl::ZeroDuration(), now - absl::FromUnixMicros(row.Int(2)));
    }
    auto dead = tx.Query(sql::kDeadLettersByTopic);
    if (!dead.ok()) {
      return dead.status();
    }
    for (const store::Row& row : *dead) {
      by_topic[row.Text(0)].dead_lettered = row.Int(1);
    }
    if (held.empty()) return absl::OkStatus();
    auto waiting = tx.Query(
        absl::StrCat(sql::kHeldBackByTopic, held, ")", sql::kByTopic));
    if (!waiting.ok()) return waiting.status();
    for (const store::Row& row : *waiting) {
      by_topic[row.Text(0)].held_back = row.Int(1);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    return status;
  }
  return by_topic;
}

absl::StatusOr<int64_t> ReplayDeadLetters(store::Tx& tx, std::string_view topic,
                                          absl::Time now) {
  return tx.Exec(sql::kReplayDeadLetters,
                 {absl::ToUnixMicros(now), std::string(topic)});
}

absl::StatusOr<int64_t> PurgeDelivered(store::Tx& tx,
                                       absl::Time delivered_before,
                                       int64_t limit) {
  if (limit < 1) {
    return absl::InvalidArgumentError("outbox: purge limit must be positive");
  }
  return tx.Exec(sql::kPurgeDelivered,
                 {absl::ToUnixMicros(delivered_before), limit});
}

}  // namespace frontdoor::outbox
