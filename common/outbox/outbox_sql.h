#pragma once

// The outbox's SQL, in one place. Statements use $N placeholders and run on
// both backends; the schema is written in SQLite's dialect, which the
// PostgreSQL backend translates (BIGINT identity seq, BYTEA payload).

#include <cstdint>

namespace frontdoor::outbox::sql {

// The schema. AUTOINCREMENT keeps SQLite from ever reusing a seq after
// deletes; PostgreSQL's identity column never does. Write transactions are
// serialised on both backends, so seq order is commit order.
inline constexpr char kSqliteSchema[] = R"sql(
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  payload BLOB NOT NULL,
  created_at_us INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_us INTEGER NOT NULL,
  delivered_at_us INTEGER,
  last_error TEXT
);
CREATE INDEX outbox_due ON outbox (delivered_at_us, next_attempt_at_us);
)sql";

// Dead letters (second migration): retry_from_us restarts the dead-letter
// window when an operator replays an event (NULL: since created_at_us);
// dead_lettered_at_us is set when the relay gives up on an event, which
// also pushes next_attempt_at_us to kNeverDue so no relay claims it.
inline constexpr char kSqliteDeadLetterColumns[] = R"sql(
ALTER TABLE outbox ADD COLUMN retry_from_us INTEGER;
ALTER TABLE outbox ADD COLUMN dead_lettered_at_us INTEGER;
)sql";

// The referral each event is about (third migration), so that the relay
// holds back the events of a referral whose processing is restricted and the
// retention purge leaves a held referral's events alone (common/rights).
// '' for an event about no one referral and for events queued before.
inline constexpr char kSqliteReferenceColumn[] = R"sql(
ALTER TABLE outbox ADD COLUMN reference TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_by_reference ON outbox (reference);
)sql";

// The W3C traceparent of the call that queued each event (fourth
// migration), which the relay continues when it delivers the event, so that
// one referral keeps one trace id across every hop. '' for events queued
// outside any trace and for events queued before.
inline constexpr char kSqliteTraceparentColumn[] = R"sql(
ALTER TABLE outbox ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
)sql";

// Each topic's undelivered events in seq order (fifth migration): a relay's
// claim (kSelectDue with kOneTopic) walks this partial index from its
// topic's oldest pending event and stops at its batch, instead of reading
// every due event of every topic and sorting them, which made each claim
// cost as much as the whole backlog (a 100,000-referral backlog drained at
// about 100 a second). Delivered rows leave the index.
inline constexpr char kSqlitePendingIndex[] = R"sql(
CREATE INDEX outbox_pending ON outbox (topic, seq)
  WHERE delivered_at_us IS NULL;
)sql";

// next_attempt_at_us of a dead-lettered event: never due.
inline constexpr int64_t kNeverDue = INT64_MAX;

inline constexpr char kInsert[] =
    "INSERT INTO outbox (event_id, topic, payload, created_at_us, "
    "next_attempt_at_us, reference, traceparent) "
    "VALUES ($1, $2, $3, $4, $4, $5, $6)";

// Appended to the due queries when RelayOptions::held_back_references is
// set (the subquery in the middle): events of those referrals wait.
inline constexpr char kHeldBackPrefix[] = " AND reference NOT IN (";
inline constexpr char kHeldBackSuffix[] = ")";

// Due events, oldest first: due by now ($1), or due after the horizon ($4:
// later than any retry or lease the relay sets from now), which only a
// clock that has since gone back can have written, so the event would
// otherwise wait for hours; never a dead letter ($5 is kNeverDue). On
// PostgreSQL the relay appends kSkipLocked, so relays of several replicas
// claim disjoint batches.
inline constexpr char kSelectDue[] =
    "SELECT seq, event_id, topic, payload, attempts, created_at_us, "
    "next_attempt_at_us, COALESCE(retry_from_us, created_at_us), reference, "
    "traceparent "
    "FROM outbox "
    "WHERE delivered_at_us IS NULL AND (next_attempt_at_us <= $1 "
    "OR (next_attempt_at_us > $4 AND next_attempt_at_us < $5))";
// kSelectDue's topic ($3): one relay's (the index outbox_pending serves
// it in seq order), or every topic ($3 is then '').
inline constexpr char kOneTopic[] = " AND topic = $3";
inline constexpr char kAnyTopic[] = " AND $3 = ''";
inline constexpr char kSelectDueOrder[] = " ORDER BY seq LIMIT $2";

inline constexpr char kSkipLocked[] = " FOR UPDATE SKIP LOCKED";

inline constexpr char kSetNextAttempt[] =
    "UPDATE outbox SET next_attempt_at_us = $2 "
    "WHERE seq = $1 AND delivered_at_us IS NULL";

inline constexpr char kMarkDelivered[] =
    "UPDATE outbox SET delivered_at_us = $2, last_error = NULL "
    "WHERE seq = $1 AND delivered_at_us IS NULL";

inline constexpr char kMarkFailed[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt_at_us = $3 WHERE seq = $1 AND delivered_at_us IS NULL";

inline constexpr char kMarkDeadLettered[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "dead_lettered_at_us = $3, next_attempt_at_us = $4 "
    "WHERE seq = $1 AND delivered_at_us IS NULL";

inline constexpr char kReplayDeadLetters[] =
    "UPDATE outbox SET dead_lettered_at_us = NULL, attempts = 0, "
    "retry_from_us = $1, next_attempt_at_us = $1 "
    "WHERE dead_lettered_at_us IS NOT NULL AND delivered_at_us IS NULL "
    "AND ($2 = '' OR topic = $2)";

inline constexpr char kNextDue[] =
    "SELECT MIN(next_attempt_at_us) FROM outbox "
    "WHERE delivered_at_us IS NULL AND dead_lettered_at_us IS NULL "
    "AND ($1 = '' OR topic = $1)";

// Due as kSelectDue says ($3 the horizon, $4 kNeverDue).
inline constexpr char kCountDue[] =
    "SELECT COUNT(*) FROM outbox "
    "WHERE delivered_at_us IS NULL AND (next_attempt_at_us <= $1 "
    "OR (next_attempt_at_us > $3 AND next_attempt_at_us < $4)) "
    "AND ($2 = '' OR topic = $2)";

inline constexpr char kStats[] =
    "SELECT COUNT(*), MIN(created_at_us) FROM outbox "
    "WHERE delivered_at_us IS NULL AND dead_lettered_at_us IS NULL";

// Undelivered events by topic: kStatsByTopic, then (when some are held
// back) kHeldBackPrefix + the subquery + kHeldBackSuffix, then kByTopic.
inline constexpr char kStatsByTopic[] =
    "SELECT topic, COUNT(*), MIN(created_at_us) FROM outbox "
    "WHERE delivered_at_us IS NULL AND dead_lettered_at_us IS NULL";
inline constexpr char kByTopic[] = " GROUP BY topic";
// The events held back, by topic: kHeldBackByTopic + the subquery + ")"
// + kByTopic.
inline constexpr char kHeldBackByTopic[] =
    "SELECT topic, COUNT(*) FROM outbox WHERE delivered_at_us IS NULL AND "
    "dead_lettered_at_us IS NULL AND reference IN (";

inline constexpr char kDeadLettersByTopic[] =
    "SELECT topic, COUNT(*) FROM outbox "
    "WHERE dead_lettered_at_us IS NOT NULL AND delivered_at_us IS NULL "
    "GROUP BY topic";

inline constexpr char kPurgeDelivered[] =
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox "
    "WHERE delivered_at_us IS NOT NULL AND delivered_at_us < $1 "
    "ORDER BY seq LIMIT $2)";

}  // namespace frontdoor::outbox::sql
