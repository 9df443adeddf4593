import * as z from 'zod/mini';

/** The order-confirmation job (payments produce it, the email worker consumes it): everything the email needs, so the worker never reads the database. */
export interface ConfirmationJob {
  readonly jobId: string;
  readonly orderId: string;
  readonly to: string;
  readonly totalCents: number;
  readonly currency: string;
  readonly items: readonly { readonly name: string; readonly quantity: number; readonly unitPriceCents: number }[];
}

export const confirmationJobSchema = z.object({
  jobId: z.string().check(z.minLength(1)),
  orderId: z.string().check(z.minLength(1)),
  to: z.email(),
  totalCents: z.int().check(z.nonnegative()),
  currency: z.string().check(z.length(3)),
  items: z
    .array(z.object({ name: z.string(), quantity: z.int().check(z.positive()), unitPriceCents: z.int().check(z.nonnegative()) }))
    .check(z.minLength(1)),
});

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

/** The confirmation email: plain text, pure, unit-tested. */
export function renderConfirmation(job: ConfirmationJob): { subject: string; text: string } {
  const lines = job.items.map((i) => `  ${i.quantity} x ${i.name} @ ${money(i.unitPriceCents, job.currency)}`);
  return {
    subject: `Your Storefront order ${job.orderId} is confirmed`,
    text: [
      `Thank you for your order ${job.orderId}.`,
      '',
      'Items:',
      ...lines,
      '',
      `Total paid: ${money(job.totalCents, job.currency)}`,
    ].join('\n'),
  };
}
