import { randomUUID } from 'node:crypto';

export class PaymentDeclined extends Error {}
export class ProviderUnavailable extends Error {}

export interface ChargeRequest {
  readonly token: string;
  readonly amountCents: number;
  readonly currency: string;
  /** The provider deduplicates by it: a second charge with the same key returns the first one. */
  readonly idempotencyKey: string;
}

/** The payment provider, as the use case sees it. */
export interface PaymentProvider {
  /**
   * Charges `amountCents`; the reference of the charge, or PaymentDeclined / ProviderUnavailable.
   * `signal` is the caller's deadline: past it the call gives up (its outcome unknown, hence the key).
   */
  charge(request: ChargeRequest, signal: AbortSignal): Promise<string>;
  /** Gives a charge back (a charge that landed after its order expired). */
  refund(reference: string): Promise<void>;
}

/** Charges (and test tokens seen) a sandbox remembers: bounded, so a long-running container does not grow. */
export const SANDBOX_LEDGER_SIZE = 10_000;

/** A Map that forgets its oldest entries past `limit` (insertion order), like a provider forgetting old keys. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as K);
    return this;
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ProviderUnavailable('The payment provider did not answer in time'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ProviderUnavailable('The payment provider did not answer in time'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The sandbox: `tok_visa` succeeds, `tok_decline` is declined, `tok_transient` fails the first
 * attempt of each idempotency key as a passing outage would, and succeeds when retried, `tok_hang`
 * never answers (until the caller's deadline); any other token is declined. Like a real provider it
 * deduplicates by idempotency key, and it keeps a ledger (bounded) so tests can count real charges.
 */
export class SandboxProvider implements PaymentProvider {
  private readonly ledger = new BoundedMap<string, { reference: string; amountCents: number; idempotencyKey: string }>(SANDBOX_LEDGER_SIZE);
  private readonly transientSeen = new BoundedMap<string, true>(SANDBOX_LEDGER_SIZE);
  readonly refunds: string[] = [];

  /** Charges still remembered, oldest first. */
  get charges() {
    return [...this.ledger.values()];
  }

  /** How many entries the sandbox holds in memory (bounded by SANDBOX_LEDGER_SIZE each). */
  get remembered(): number {
    return this.ledger.size + this.transientSeen.size;
  }

  async charge(request: ChargeRequest, signal: AbortSignal): Promise<string> {
    if (request.token === 'tok_hang') return abortable(new Promise<never>(() => undefined), signal);
    await abortable(new Promise((r) => setTimeout(r, 20)), signal);
    const previous = this.ledger.get(request.idempotencyKey);
    if (previous) return previous.reference;
    if (request.token === 'tok_transient' && !this.transientSeen.has(request.idempotencyKey)) {
      this.transientSeen.set(request.idempotencyKey, true);
      throw new ProviderUnavailable('The payment provider timed out');
    }
    if (request.token !== 'tok_visa' && request.token !== 'tok_transient') throw new PaymentDeclined('The card was declined');
    const reference = `ch_${randomUUID().replaceAll('-', '')}`;
    this.ledger.set(request.idempotencyKey, { reference, amountCents: request.amountCents, idempotencyKey: request.idempotencyKey });
    return reference;
  }

  async refund(reference: string): Promise<void> {
    this.refunds.push(reference);
    if (this.refunds.length > SANDBOX_LEDGER_SIZE) this.refunds.shift();
  }
}
