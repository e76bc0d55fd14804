-- The national-id or passport schemes behind a finding (`in_aadhaar`, `us_passport`), as a
-- JSON list; NULL when no rule that passed names one (and for findings recorded before).
ALTER TABLE findings ADD COLUMN schemes_json TEXT;
