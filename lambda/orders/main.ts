import { loadEnv, tokenEnv } from '#shared/env.js';
import { tokenIssuerFromEnv } from '#shared/tokens.js';
import { ordersApp } from './app.js';
import { ordersDeps } from './deps.js';

export async function buildOrdersApp() {
  const { db, ...deps } = await ordersDeps();
  const env = loadEnv(tokenEnv);
  return ordersApp({ ...deps, tokens: tokenIssuerFromEnv(env), ping: () => db.ping() });
}
