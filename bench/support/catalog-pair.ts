import { imageNodeFlags, type RunningServer, serverFile, startNode } from './server.js';

/** The catalog's container entry and its floor, started side by side as `bench:fast-path` and `bench:gc` run them. */
export interface CatalogPair {
  readonly app: RunningServer;
  readonly floor: RunningServer;
  /** The `node` flags both run under: the image's CMD, plus any the bench adds. */
  readonly flags: readonly string[];
  /** The two cached reads, each as the paths a load generator asks in turn. */
  readonly scenarios: ReadonlyArray<{ key: string; name: string; paths: string[] }>;
  stop(): Promise<void>;
}

/**
 * Starts the container bundle of `lambda/catalog/server.ts` on `port` and the floor
 * (bench/support/floor-server.ts) on `port + 1`, under the image's `node` flags (and `extraFlags`),
 * with production's log level and metrics, then warms the cache and checks both sides answer the
 * same JSON, from the cache. Needs `useLocalEnvironment()` first.
 */
export async function startCatalogPair(
  port: number,
  options: { extraFlags?: string[]; stdoutFile?: (side: 'app' | 'floor') => string } = {},
): Promise<CatalogPair> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    POWERTOOLS_SERVICE_NAME: 'catalog',
    // As in production: request logs at the default level, EMF metrics on.
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_LOG_LEVEL: undefined,
    // The floor never refills the cache: keep what the app cached for the whole run.
    CACHE_TTL_SECONDS: '3600',
  };
  const flags = [...imageNodeFlags(), ...(options.extraFlags ?? [])];
  const servers: RunningServer[] = [];
  const stop = async () => {
    for (const s of servers) await s.stop();
  };
  try {
    const app = await startNode(serverFile('lambda/catalog/server.ts'), port, env, { flags, stdoutFile: options.stdoutFile?.('app') });
    servers.push(app);
    const floor = await startNode(serverFile('bench/support/floor-server.ts'), port + 1, env, {
      flags,
      probe: '/products',
      stdoutFile: options.stdoutFile?.('floor'),
    });
    servers.push(floor);

    const ids = ((await (await fetch(`${app.url}/products?limit=100`)).json()) as { items: Array<{ id: string }> }).items.map((p) => p.id);
    if (ids.length < 20) throw new Error(`Only ${ids.length} products: run 'npm run db:seed' first`);
    const scenarios = [
      {
        key: 'catalog.containerProductReadRps',
        name: '`GET /products/{id}` (24 products in turn)',
        paths: ids.map((id) => `/products/${id}`),
      },
      { key: 'catalog.containerPageReadRps', name: '`GET /products?limit=20`', paths: ['/products?limit=20'] },
    ];
    for (const { paths } of scenarios) {
      for (const p of paths) await (await fetch(`${app.url}${p}`)).arrayBuffer();
      for (const p of paths) {
        const [a, b] = await Promise.all([fetch(`${app.url}${p}`), fetch(`${floor.url}${p}`)]);
        if (a.headers.get('x-cache') !== 'hit') throw new Error(`${p} is not served from the cache`);
        const [ja, jb] = await Promise.all([a.json(), b.json()]);
        if (JSON.stringify(ja) !== JSON.stringify(jb)) throw new Error(`${p}: the floor answers different JSON`);
      }
    }
    return { app, floor, flags, scenarios, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
