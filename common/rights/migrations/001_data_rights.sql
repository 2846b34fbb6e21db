-- Data subjects' rights per referral, in every service (common/rights):
-- a restriction of processing, a legal hold and the erasure of the
-- referral's personal data. A row may exist before the referral reaches the
-- service (a restriction or hold set early still applies when it arrives).
-- Reasons are codes (common/rights kRestrictionReasons, kHoldReasons,
-- kErasureReasons), never free text.
CREATE TABLE data_rights (
  reference           TEXT PRIMARY KEY,
  restricted          INTEGER NOT NULL DEFAULT 0,
  restricted_at_us    INTEGER,
  restriction_reason  TEXT,
  held                INTEGER NOT NULL DEFAULT 0,
  held_at_us          INTEGER,
  hold_reason         TEXT,
  erased_at_us        INTEGER,
  erasure_reason      TEXT,
  updated_at_us       INTEGER NOT NULL
);
CREATE INDEX data_rights_restricted ON data_rights (reference)
  WHERE restricted = 1;
CREATE INDEX data_rights_held ON data_rights (reference) WHERE held = 1;
