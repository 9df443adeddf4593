import { useLocalEnvironment } from './local-env.js';

/**
 * `npm run serve[:<service>]`: the services' container entry (`server.ts`) on localhost, against
 * the local PostgreSQL, Redis and MiniStack, one port each. The same `server.ts` a Fargate task runs.
 */
const SERVICES = { auth: 8081, catalog: 8082, orders: 8083, payments: 8084 } as const;
type Service = keyof typeof SERVICES;

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((s) => !(s in SERVICES));
  if (unknown.length > 0) throw new Error(`Unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`);
  const services = (asked.length > 0 ? asked : Object.keys(SERVICES)) as Service[];
  process.env.POWERTOOLS_SERVICE_NAME ??= services.length === 1 ? services[0] : 'storefront';
  await useLocalEnvironment();
  const { startServer } = await import('../lambda/shared/server.js');
  const builders: Record<Service, () => ReturnType<typeof import('../lambda/catalog/main.js').buildCatalogApp>> = {
    auth: async () => (await import('../lambda/auth/main.js')).buildAuthApp(),
    catalog: async () => (await import('../lambda/catalog/main.js')).buildCatalogApp(),
    orders: async () => (await import('../lambda/orders/main.js')).buildOrdersApp(),
    payments: async () => (await import('../lambda/payments/main.js')).buildPaymentsApp(),
  };
  for (const name of services) {
    // A single port when one service is asked for honours PORT, like the container does.
    const port = services.length === 1 && process.env.PORT ? Number(process.env.PORT) : SERVICES[name];
    await startServer(builders[name](), port);
    console.log(`${name}: http://127.0.0.1:${port}`);
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
