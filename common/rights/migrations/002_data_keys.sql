-- Each referral's own data key (common/rights/data_keys.h), in every
-- service: the referral's personal data here is sealed under it (sealed
-- format version 2, which names the reference), and it is kept only
-- wrapped, sealed under the key ring with "data_key:<reference>" as
-- associated data (a key rotation re-wraps it; common/rewrap). Erasure
-- destroys it: wrapped_key becomes NULL and destroyed_at_us is set, after
-- which nothing sealed under it opens again, in any table or copy. A row
-- destroyed before the referral arrives (erased early) keeps a key from
-- being made for it.
CREATE TABLE data_keys (
  reference        TEXT PRIMARY KEY,
  wrapped_key      BLOB,
  created_at_us    INTEGER NOT NULL,
  destroyed_at_us  INTEGER
);
