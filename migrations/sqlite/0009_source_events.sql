-- Lake events (issue 14): the SQS queue (its URL, or an env: reference to it) that a lake
-- source's bucket sends object-created notifications to, so that a new object is scanned
-- within seconds instead of at the next interval. NULL: the source is listed on its
-- interval only.
ALTER TABLE sources ADD COLUMN events TEXT;
