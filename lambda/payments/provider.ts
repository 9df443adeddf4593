import { randomUUID } from 'node:crypto';

export class PaymentDeclined extends Error {}
export class ProviderUnavailable extends Error {}

/** The payment provider, as the use case sees it. */
export interface PaymentProvider {
  /** Charges `amountCents`; the reference of the charge, or PaymentDeclined / ProviderUnavailable. */
  charge(request: { token: string; amountCents: number; currency: string; idempotencyKey: string }): Promise<string>;
}

/**
 * The sandbox: `tok_visa` succeeds, `tok_decline` is declined, `tok_transient` fails the first
 * attempt of each idempotency key as a passing outage would, and succeeds when retried; any other
 * token is declined. It keeps a ledger so tests can count real charges.
 */
export class SandboxProvider implements PaymentProvider {
  readonly charges: { reference: string; amountCents: number; idempotencyKey: string }[] = [];
  private readonly transientSeen = new Set<string>();

  async charge(request: { token: string; amountCents: number; currency: string; idempotencyKey: string }): Promise<string> {
    await new Promise((r) => setTimeout(r, 20));
    if (request.token === 'tok_transient' && !this.transientSeen.has(request.idempotencyKey)) {
      this.transientSeen.add(request.idempotencyKey);
      throw new ProviderUnavailable('The payment provider timed out');
    }
    if (request.token === 'tok_transient') {
      const reference = `ch_${randomUUID().replaceAll('-', '')}`;
      this.charges.push({ reference, amountCents: request.amountCents, idempotencyKey: request.idempotencyKey });
      return reference;
    }
    if (request.token !== 'tok_visa') throw new PaymentDeclined('The card was declined');
    const reference = `ch_${randomUUID().replaceAll('-', '')}`;
    this.charges.push({ reference, amountCents: request.amountCents, idempotencyKey: request.idempotencyKey });
    return reference;
  }
}
