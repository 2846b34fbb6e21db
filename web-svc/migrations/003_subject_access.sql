-- The data-protection officer's subject access exports (web-svc/
-- subject_access_store.h): what the four services exported for one person
-- of one referral, kept SEALED (AES-256-GCM under the key ring, associated
-- data "subject_access_requests.sealed_bundle:<request id>") until the
-- officer has reviewed every record marked for review and released it.
-- party is common.v1.Party's number; prepared_by and released_by are staff
-- account ids, never names. Times are microseconds since the Unix epoch;
-- released_at_us is 0 until released.
CREATE TABLE subject_access_requests (
  request_id      TEXT PRIMARY KEY,
  reference       TEXT NOT NULL,
  party           INTEGER NOT NULL,
  child_index     INTEGER NOT NULL DEFAULT 0,
  prepared_by     TEXT NOT NULL,
  prepared_at_us  INTEGER NOT NULL,
  sealed_bundle   BLOB NOT NULL,
  needs_review    INTEGER NOT NULL,
  reviewed        INTEGER NOT NULL DEFAULT 0,
  released_at_us  INTEGER NOT NULL DEFAULT 0,
  released_by     TEXT
);
CREATE INDEX subject_access_requests_by_reference
  ON subject_access_requests (reference);
-- The officer's decision on each record marked for review: item is
-- "<service>-<record's position in that service's answer>", released 1 to
-- release it, 0 to withhold it.
CREATE TABLE subject_access_reviews (
  request_id      TEXT NOT NULL REFERENCES subject_access_requests (request_id),
  item            TEXT NOT NULL,
  released        INTEGER NOT NULL,
  reviewed_by     TEXT NOT NULL,
  reviewed_at_us  INTEGER NOT NULL,
  PRIMARY KEY (request_id, item)
);
