-- An unpaid order holds its stock until expires_at; the sweep then marks it EXPIRED and gives the
-- stock back, once. reserved_until is the reservation's own end (stage config
-- orders.reservationTtlSeconds); a payment attempt may hold expires_at later while its charge runs,
-- and a decline puts it back.
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'PAID', 'EXPIRED'));
ALTER TABLE orders ADD COLUMN IF NOT EXISTS expires_at timestamptz;
UPDATE orders SET expires_at = created_at + interval '15 minutes' WHERE expires_at IS NULL;
ALTER TABLE orders ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS reserved_until timestamptz;
UPDATE orders SET reserved_until = expires_at WHERE reserved_until IS NULL;
ALTER TABLE orders ALTER COLUMN reserved_until SET NOT NULL;
CREATE INDEX IF NOT EXISTS orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'PENDING';
CREATE INDEX IF NOT EXISTS orders_pending_user_idx ON orders (user_id) WHERE status = 'PENDING';

-- POST /orders Idempotency-Key: a retry with the same key and body gets the first order back.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS idempotency_key text;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS request_fingerprint text;
CREATE UNIQUE INDEX IF NOT EXISTS orders_user_idempotency_key ON orders (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
