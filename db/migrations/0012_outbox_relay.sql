-- The relay takes a row only once relay_after has passed: a row just written is the payment's own to
-- send first, and a row SQS refused waits (backing off) instead of holding up the rows behind it.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS relay_after timestamptz NOT NULL DEFAULT now() + interval '30 seconds';
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS last_error text;
DROP INDEX IF EXISTS outbox_unsent_idx;
CREATE INDEX IF NOT EXISTS outbox_relay_due_idx ON outbox (relay_after) WHERE sent_at IS NULL;
