-- A payment row is written (PENDING) before the provider is called, keyed by the order and the
-- client's Idempotency-Key: its id is the paymentId every retry with that key gets back, and the
-- provider call happens outside any transaction.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED', 'ABANDONED'));
ALTER TABLE payments ALTER COLUMN provider_ref DROP NOT NULL;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS idempotency_key text;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS request_fingerprint text;
ALTER TABLE payments ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX IF NOT EXISTS payments_order_idempotency_key ON payments (order_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- One charge in flight per order: another key waits for it to settle (409) instead of charging too.
CREATE UNIQUE INDEX IF NOT EXISTS payments_one_pending_per_order ON payments (order_id) WHERE status = 'PENDING';
