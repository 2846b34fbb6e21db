-- Who is suspected of the abuse in which referral, for serial perpetrators
-- (MATAC): blind indexes only. suspect_index and victim_index are of the
-- person's name and date of birth ('' when the date is not known);
-- the *_name_index columns are of the name alone. One row per referral that
-- names a suspect (adult doors).
CREATE TABLE suspect_links (
  reference           TEXT PRIMARY KEY,
  suspect_index       TEXT NOT NULL,
  suspect_name_index  TEXT NOT NULL,
  victim_index        TEXT NOT NULL,
  victim_name_index   TEXT NOT NULL,
  received_at_us      INTEGER NOT NULL
);
CREATE INDEX suspect_links_by_name
  ON suspect_links (suspect_name_index, received_at_us);
