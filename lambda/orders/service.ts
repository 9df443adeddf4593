import type { ServiceDeclaration } from '../../contract/service.js';

/** Orders and their stock reservations; Redis holds read-your-writes positions. */
export const service: ServiceDeclaration = {
  name: 'orders',
  database: 'replicas',
  cache: true,
  secrets: ['tokenSigningKey'],
  settings: ['orderLimits'],
  functions: [
    {
      // Every stage, the emulator's included: POST /orders sweeps too, so stock comes back even where schedules do not fire.
      id: 'OrderSweep',
      entry: 'sweep.ts',
      timeoutSeconds: 50,
      schedule: { everyMinutes: 1, description: 'Expires unpaid orders past their reservation and gives their stock back' },
      database: 'primary',
      cache: true,
      settings: ['orderLimits'],
    },
  ],
};
