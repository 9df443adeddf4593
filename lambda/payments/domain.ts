import { canonicalId } from '#shared/ids.js';

/** The order id in canonical form, or undefined for a malformed one (answered 404, not a fault). */
export const canonicalOrderId = canonicalId;

export interface Payment {
  readonly paymentId: string;
  readonly orderId: string;
  readonly status: 'SUCCEEDED';
  readonly amountCents: number;
  readonly currency: string;
}

export { type ConfirmationJob, confirmationJobSchema, renderConfirmation } from '#shared/confirmation.js';

export type AttemptStatus = 'PENDING' | 'SUCCEEDED' | 'DECLINED' | 'ABANDONED';

/** A payment attempt: written before the provider is called; its id is the paymentId. */
export interface Attempt {
  readonly paymentId: string;
  readonly status: AttemptStatus;
  /** Fingerprint of the request body the key was first used with. */
  readonly fingerprint: string;
}

/** The order as the payment sees it, locked: `lapsed` when its reservation has run out. */
export interface OrderToPay {
  readonly status: 'PENDING' | 'PAID' | 'EXPIRED';
  readonly lapsed: boolean;
}

export type AttemptDecision =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'key-reused' }
  /** The key's payment went through: the same payment again, nothing charged. */
  | { readonly kind: 'replay'; readonly paymentId: string }
  /** The key's charge was declined: the same answer again. */
  | { readonly kind: 'declined' }
  | { readonly kind: 'not-payable'; readonly why: string; readonly abandon?: string }
  /** Charge: a new attempt, or the key's own unfinished one (the provider deduplicates by key). */
  | { readonly kind: 'charge'; readonly resume?: string };

/**
 * What a payment request may do, given the order (locked), the attempt its key already made, and
 * whether another key's attempt is in flight. Pure: the rules of "a replay always gets the first
 * outcome, never a second charge".
 */
export function decideAttempt(
  order: OrderToPay | undefined,
  own: Attempt | undefined,
  otherInFlight: boolean,
  fingerprint: string,
): AttemptDecision {
  if (!order) return { kind: 'not-found' };
  if (own && own.fingerprint !== fingerprint) return { kind: 'key-reused' };
  if (own?.status === 'SUCCEEDED') return { kind: 'replay', paymentId: own.paymentId };
  if (own?.status === 'DECLINED') return { kind: 'declined' };
  // The key's own charge may have landed (its outcome was unknown): resume it while the order is
  // not swept, lapsed or not; the provider returns the first charge for the key.
  if (own?.status === 'PENDING' && order.status === 'PENDING') return { kind: 'charge', resume: own.paymentId };
  const payable = order.status === 'PENDING' && !order.lapsed;
  const shown = order.status === 'PENDING' && order.lapsed ? 'EXPIRED' : order.status;
  if (!payable) {
    return { kind: 'not-payable', why: `is ${shown}, not PENDING`, abandon: own?.status === 'PENDING' ? own.paymentId : undefined };
  }
  if (otherInFlight) return { kind: 'not-payable', why: 'is being paid with another Idempotency-Key' };
  return { kind: 'charge' };
}
