-- Who held a source's lease when it was claimed: set only when an expired lease is taken
-- over (a finished lease is cleared), so takeovers can be counted.
ALTER TABLE sources ADD COLUMN previous_owner TEXT;
