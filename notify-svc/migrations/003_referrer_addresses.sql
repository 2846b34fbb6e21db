-- The email address of a referrer who hears back by email
-- (DELIVERY_MODE_EMAIL: a professional referring through the web front
-- door), once per referral; never a self-referral's. Sealed with
-- "<referring_agency>:<reference>:referrer_email" as associated data.
CREATE TABLE referrer_addresses (
  referring_agency  TEXT NOT NULL,
  reference         TEXT NOT NULL,
  sealed_address    BLOB NOT NULL,
  PRIMARY KEY (referring_agency, reference)
);
