-- The agency a referral is recorded as coming from. It is the submitting
-- agency (agency_id) except when the service's own staff key a referral on
-- behalf of the agency that made it (referrer.on_behalf_of_agency): then
-- agency_id stays the keying staff agency, which owns the idempotency key,
-- and referring_agency is the agency that made the referral. Both may read
-- the referral. Rows received before this column existed were all
-- submitted by their referring agency.
ALTER TABLE referrals ADD COLUMN referring_agency TEXT NOT NULL DEFAULT '';
UPDATE referrals SET referring_agency = agency_id;
