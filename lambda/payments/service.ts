import type { ServiceDeclaration } from '../../contract/service.js';

/** Payments: marks the order PAID, queues its confirmation through an outbox. */
export const service: ServiceDeclaration = {
  name: 'payments',
  database: 'primary',
  // Marks a just-paid order in Redis so orders reads it from the primary.
  cache: true,
  secrets: ['tokenSigningKey'],
  idempotencyTable: true,
  emailQueue: true,
  functions: [
    {
      id: 'OutboxRelay',
      entry: 'relay.ts',
      timeoutSeconds: 50,
      schedule: { everyMinutes: 1, description: 'Re-sends outbox rows not yet on the email queue' },
      database: 'primary',
      emailQueue: true,
    },
  ],
};
