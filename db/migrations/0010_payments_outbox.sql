CREATE TABLE IF NOT EXISTS payments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id     uuid NOT NULL REFERENCES orders (id),
  status       text NOT NULL CHECK (status IN ('SUCCEEDED')),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency     char(3) NOT NULL,
  provider_ref text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
-- One order can never hold two successful payments, whatever the idempotency layer does.
CREATE UNIQUE INDEX IF NOT EXISTS payments_one_success_per_order ON payments (order_id) WHERE status = 'SUCCEEDED';

-- Order-confirmation emails owed, written in the same transaction that marks the order PAID and
-- relayed to SQS until sent, so a crash between commit and send loses nothing.
CREATE TABLE IF NOT EXISTS outbox (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind       text NOT NULL,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unsent_idx ON outbox (created_at) WHERE sent_at IS NULL;
