import type { Env, Hono } from 'hono';
import { logger } from './observability.js';

/** `GET /health`: 200 when every dependency answers, 503 naming the ones that do not. */
export function addHealth<E extends Env>(app: Hono<E>, checks: Record<string, () => Promise<unknown>>): void {
  app.get('/health', async (c) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (err) {
          logger.warn('health check failed', { dependency: name, err: (err as Error).message });
          return [name, 'down'] as const;
        }
      }),
    );
    const down = results.filter(([, s]) => s === 'down').map(([n]) => n);
    return down.length === 0 ? c.json({ status: 'ok' }) : c.json({ status: 'degraded', down }, 503);
  });
}
