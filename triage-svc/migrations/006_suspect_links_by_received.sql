-- Reports (TriageService.Report) read one period of suspects' links, and
-- the repeat window before it, by when intake received the referral.
CREATE INDEX suspect_links_by_received ON suspect_links (received_at_us);
