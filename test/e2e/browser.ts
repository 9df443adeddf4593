/**
 * The browser test of the local stage: headless Chromium (Debian's, /usr/bin/chromium) driven by
 * playwright-core opens the storefront page `npm run local` published into the site bucket, lists
 * the products, registers, opens one product, orders it, pays it and sees the confirmation, then
 * checks through the API that the order is PAID. Along the way it checks the request-journey panel
 * (the services' Server-Timing hops) after a cached product read, the order and the payment. Writes
 * docs/storefront-local.png and docs/journey-panel.png.
 *
 *   npx tsx test/e2e/browser.ts            (after `npm run local`; .ci/e2e.sh runs it)
 *
 * Env: STOREFRONT_URL (default: derived from cdk-outputs.local.json), CHROMIUM_PATH
 * (default /usr/bin/chromium), SCREENSHOT (default docs/storefront-local.png).
 * Any failing step exits 1 naming the step, with the page's message, its console errors and failed
 * requests, and a screenshot of the failure in .local/browser-failure.png.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { loadStageConfig } from '../../lib/config/index.js';
import { EMULATOR, output } from '../../scripts/local-outputs.js';
import { localShape } from './deployed.js';

/** Only inside `page.evaluate`, which runs in the page (tsconfig has no DOM lib). */
declare const sessionStorage: { getItem(key: string): string | null };

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.SCREENSHOT ?? join(ROOT, 'docs', 'storefront-local.png');
const JOURNEY_SHOT = process.env.JOURNEY_SCREENSHOT ?? join(ROOT, 'docs', 'journey-panel.png');
const FAILURE_SHOT = join(ROOT, '.local', 'browser-failure.png');
/** One API call crosses API Gateway and a Lambda run as a local process; a cold start takes seconds. */
const STEP_TIMEOUT_MS = 30_000;
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The page `npm run local` printed: path-style S3 on the emulator, config.json beside it. */
function storefrontUrl(): string {
  if (process.env.STOREFRONT_URL) return process.env.STOREFRONT_URL;
  return `${EMULATOR}/${output('SiteBucketName')}/index.html`;
}

class StepFailed extends Error {}

const problems: string[] = [];
const started = Date.now();
let current = 'start';

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  current = name;
  const t = Date.now();
  const result = await run();
  console.log(`browser: ok  ${name} (${Date.now() - t} ms)`);
  return result;
}

/**
 * Waits until `selector` is visible. Fails at once, with the page's words, if the page shows an
 * error message instead (#message without .ok), and after STEP_TIMEOUT_MS otherwise.
 */
async function expectVisible(page: Page, selector: string, what: string): Promise<void> {
  const error = page.locator('#message:not([hidden]):not(.ok)');
  const winner = await Promise.race([
    page
      .locator(selector)
      .first()
      .waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS })
      .then(() => 'ok' as const),
    error.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).then(() => 'error' as const),
  ]).catch(() => 'timeout' as const);
  if (winner === 'error') throw new StepFailed(`expected ${what}; the page said: "${(await error.textContent())?.trim()}"`);
  if (winner === 'timeout') throw new StepFailed(`expected ${what} (${selector}) within ${STEP_TIMEOUT_MS / 1000} s; it never appeared`);
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

/**
 * Whether `service`'s answers reach the page with their Server-Timing header: not from a Fargate
 * task of the container shape, as MiniStack's HTTP_PROXY integration hands back Content-Type only
 * (apigateway_v1.py `_invoke_http_proxy_v1`; test/e2e/shop.test.ts reads x-cache at the ALB for it).
 */
function headersReachPage(service: string): boolean {
  return localShape() !== 'containers' || loadStageConfig('local-containers').services[service].kind === 'lambda';
}

/**
 * The hops the journey panel shows for the newest call of `request` (`POST /orders`), as
 * `name:desc` (the Server-Timing names of docs/runtime-contract.md), waiting for the row to appear.
 */
async function journeyOf(page: Page, request: string): Promise<string[]> {
  const row = page.locator(`#journey-list > li[data-request="${request}"]`).first();
  await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS }).catch(() => {
    throw new StepFailed(`the journey panel shows no row for ${request}`);
  });
  return ((await row.getAttribute('data-hops')) ?? '').split(' ').filter(Boolean);
}

/** The panel shows `expected` among the hops of `service`'s answer, or no hop at all where the emulator drops the header. */
function expectHops(service: string, hops: string[], expected: string[], what: string): void {
  if (hops.length === 0 && !headersReachPage(service)) {
    console.log(`browser:     ${what}: no Server-Timing through the emulator's HTTP_PROXY (container shape), as expected there`);
    return;
  }
  const missing = expected.filter((h) => !hops.includes(h));
  if (missing.length) throw new StepFailed(`${what}: the journey panel shows ${JSON.stringify(hops)}, without ${missing.join(', ')}`);
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new StepFailed(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function shop(page: Page, url: string): Promise<void> {
  await step(`open the storefront page ${url}`, async () => {
    const response = await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    if (!response || !response.ok()) {
      throw new StepFailed(`GET ${url} answered ${response?.status() ?? 'nothing'}; did 'npm run local' publish the page?`);
    }
    expectEqual(await page.title(), 'Storefront', 'page title');
  });

  const product = await step('list the products', async () => {
    await expectVisible(page, '#product-list[aria-busy="false"] li', 'the product list');
    const items = await page.locator('#product-list li').evaluateAll((lis) =>
      lis.map((li) => ({
        name: li.querySelector('button')?.textContent ?? '',
        stock: Number(/(\d+) in stock/.exec(li.querySelector('p')?.textContent ?? '')?.[1] ?? 0),
      })),
    );
    if (items.length === 0) throw new StepFailed('the product list is empty; did the seed run?');
    // Like the API e2e test: order the best-stocked product.
    const best = items.reduce((a, b) => (b.stock > a.stock ? b : a));
    if (best.stock < 1) throw new StepFailed('no product in stock; rerun `npm run local` (the seed restocks)');
    console.log(`browser:     ${items.length} products listed, ordering "${best.name}" (${best.stock} in stock)`);
    return best;
  });

  const email = `browser-${randomUUID()}@example.com`;
  await step(`register and sign in as ${email}`, async () => {
    await page.fill('#email', email);
    await page.fill('#password', 'correct horse battery');
    await page.click('#register');
    await expectVisible(page, '#message.ok:not([hidden])', 'the registration to succeed');
    expectEqual(await text(page, '#session'), `Signed in as ${email}`, 'session line');
    // Sign-in reads the user on the primary (a user who just registered must be able to log in at once).
    expectHops('auth', await journeyOf(page, 'POST /auth/login'), ['db:primary'], 'journey of POST /auth/login');
  });

  await step(`open "${product.name}"`, async () => {
    await page.getByRole('button', { name: product.name, exact: true }).click();
    await expectVisible(page, '#product:not([hidden])', 'the product details');
    expectEqual(await text(page, '#product-name'), product.name, 'product heading');
  });

  await step(`open "${product.name}" again: the journey panel shows a cache hit and no database`, async () => {
    // Rows are numbered by call: the one after the newest is this read.
    const newest = Number((await page.locator('#journey-list > li').first().getAttribute('data-call')) ?? 0);
    await page.getByRole('button', { name: product.name, exact: true }).click();
    const row = page.locator(`#journey-list > li[data-call="${newest + 1}"]`);
    await row.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
    const request = (await row.getAttribute('data-request')) ?? '';
    if (!/^GET \/products\/[0-9a-f-]+$/.test(request)) throw new StepFailed(`the newest journey row is ${request}, not the product read`);
    const hops = await journeyOf(page, request);
    expectHops('catalog', hops, ['cache:hit'], `journey of the second ${request}`);
    if (hops.some((h) => h.startsWith('db:'))) throw new StepFailed(`a cached read touched the database: ${JSON.stringify(hops)}`);
    console.log(`browser:     ${await row.locator('.journey-request').textContent()}`);
  });

  const orderId = await step('place an order for one unit', async () => {
    await page.fill('#quantity', '1');
    await page.click('#place-order');
    await expectVisible(page, '#checkout:not([hidden])', 'the checkout with the new order');
    expectEqual(await text(page, '#order-status'), 'PENDING', 'order status before payment');
    const id = await text(page, '#order-id');
    if (!id) throw new StepFailed('the checkout shows no order id');
    // The order commits on the primary, records its read-your-writes marker and drops the product's cached copy.
    expectHops(
      'orders',
      await journeyOf(page, 'POST /orders'),
      ['db:primary', 'marker:write', 'cache-drop:1-products'],
      'journey of POST /orders',
    );
    return id;
  });

  await step('pay with the sandbox Visa and see the confirmation', async () => {
    await page.selectOption('#payment-token', 'tok_visa');
    await page.click('#pay');
    await expectVisible(page, '#confirmation:not([hidden])', 'the payment confirmation');
    expectEqual(await text(page, '#paid-order-id'), orderId, 'order id in the confirmation');
    expectEqual(await text(page, '#message'), 'Payment succeeded', 'message after payment');
    if (!(await text(page, '#payment-id'))) throw new StepFailed('the confirmation shows no payment id');
    expectHops(
      'payments',
      await journeyOf(page, 'POST /payments'),
      ['idempotency:put', 'db:primary', 'provider:charge', 'queue:send', 'idempotency:update'],
      'journey of POST /payments',
    );
  });

  await step('the API reports the order PAID', async () => {
    // With the page's own token and API base (config.json), so this is what the page would see.
    const status = await page.evaluate(async (id) => {
      const { apiBase } = (await (await fetch('config.json')).json()) as { apiBase: string };
      const r = await fetch(`${apiBase}/orders/${id}`, { headers: { Authorization: `Bearer ${sessionStorage.getItem('token')}` } });
      return r.ok ? ((await r.json()) as { status: string }).status : `HTTP ${r.status}`;
    }, orderId);
    expectEqual(status, 'PAID', `GET /orders/${orderId} status`);
  });

  await step(`screenshot to ${relative(ROOT, SCREENSHOT)} and the journey panel to ${relative(ROOT, JOURNEY_SHOT)}`, async () => {
    await page.locator('#confirmation').scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.locator('#journey').screenshot({ path: JOURNEY_SHOT });
  });
}

/** The page links the API reference, published beside it and rendered without any CDN. */
async function apiReference(page: Page, url: string): Promise<void> {
  await step('open the API reference from the page', async () => {
    await page.goto(url, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
    await page.locator('a[href="docs/api.html"]').click();
    await page.waitForLoadState('load');
    expectEqual(await page.title(), 'Storefront API', 'API reference title');
    await expectVisible(page, 'text=Storefront API (', 'the rendered API reference');
    const spec = await page.request.get(new URL('docs/openapi.json', url).toString());
    expectEqual(spec.status(), 200, 'GET docs/openapi.json');
    expectEqual(((await spec.json()) as { openapi: string }).openapi, '3.1.0', 'OpenAPI version');
  });
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new StepFailed(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  const url = storefrontUrl();
  rmSync(FAILURE_SHOT, { force: true });
  const profile = mkdtempSync(join(tmpdir(), 'storefront-chromium-'));
  let context: BrowserContext | undefined;
  try {
    current = 'launch Chromium';
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1100, height: 900 },
      timeout: STEP_TIMEOUT_MS,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
    try {
      await shop(page, url);
      await apiReference(page, url);
    } catch (err) {
      mkdirSync(dirname(FAILURE_SHOT), { recursive: true });
      await page.screenshot({ path: FAILURE_SHOT, fullPage: true }).catch(() => undefined);
      throw err;
    }
  } finally {
    await context?.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(`browser: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(`\nbrowser test FAILED at step: ${current}\n  ${message}`);
  if (problems.length) console.error(`  what the page saw:\n    ${problems.join('\n    ')}`);
  if (existsSync(FAILURE_SHOT)) console.error(`  screenshot of the failure: ${relative(ROOT, FAILURE_SHOT)}`);
  process.exit(1);
});
