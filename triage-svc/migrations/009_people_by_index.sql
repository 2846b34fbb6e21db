-- Finding a person for the data-protection officer (DataRights.FindPerson)
-- by the blind index of their name and date of birth: as the subject of a
-- referral, or as the suspect or the victim named in suspect_links.
CREATE INDEX triage_referrals_by_subject ON triage_referrals (subject_index);
CREATE INDEX suspect_links_by_suspect ON suspect_links (suspect_index);
CREATE INDEX suspect_links_by_victim ON suspect_links (victim_index);
