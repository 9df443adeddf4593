// Storefront page: browse, sign up or in, order one product, pay it, see the confirmation.
// Plain ES module, no build step. The API base comes from config.json deployed beside the page
// ('/api' through CloudFront, or the API Gateway URL on the local emulator).

const $ = (id) => document.getElementById(id);
const state = { apiBase: '/api', token: sessionStorage.getItem('token'), product: null, order: null, nextCursor: null };

async function loadConfig() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) state.apiBase = ((await response.json()).apiBase ?? state.apiBase).replace(/\/$/, '');
  } catch {
    // No config.json (e.g. opened from disk): keep the same-origin default.
  }
}

/** Calls the API; resolves to the JSON body or throws an Error carrying the contract's error. */
async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (state.token) init.headers.Authorization = `Bearer ${state.token}`;
  const started = performance.now();
  const response = await fetch(`${state.apiBase}${path}`, init);
  const data = await response.json().catch(() => ({}));
  showJourney(`${method} ${path}`, response.status, serverTiming(response.headers.get('server-timing')), performance.now() - started);
  if (!response.ok) {
    const error = new Error(data.error?.message ?? `Request failed (${response.status})`);
    error.status = response.status;
    error.code = data.error?.code;
    error.details = data.error?.details;
    throw error;
  }
  return data;
}

/** `cache;desc=hit;dur=0.4, app;dur=1.2` → [{ name, desc, dur }] (W3C Server-Timing; docs/runtime-contract.md names the hops). */
function serverTiming(header) {
  if (!header) return [];
  return header.split(',').map((entry) => {
    const [name, ...params] = entry.trim().split(';');
    const hop = { name: name.trim(), desc: '', dur: 0 };
    for (const param of params) {
      const [key, value = ''] = param.split('=');
      if (key.trim() === 'desc') hop.desc = value.trim().replace(/^"(.*)"$/, '$1');
      if (key.trim() === 'dur') hop.dur = Number(value);
    }
    return hop;
  });
}

const HOP_NAMES = {
  cache: 'cache',
  'cache-fill': 'cache fill',
  'cache-drop': 'cache drop',
  marker: 'write marker',
  db: 'database',
  idempotency: 'idempotency',
  queue: 'queue',
  provider: 'provider',
};
const JOURNEY_ROWS = 8;
let journeyCalls = 0;

/** Adds one request's journey on top of the panel: a bar with a segment per hop (width by time), then the hops named. */
function showJourney(request, status, hops, browserMs) {
  const service = hops.find((h) => h.name === 'app');
  const steps = hops.filter((h) => h.name !== 'app');
  const total = Math.max(
    service?.dur ?? 0,
    steps.reduce((sum, h) => sum + h.dur, 0),
    0.1,
  );
  const item = document.createElement('li');
  item.dataset.call = String(++journeyCalls);
  item.dataset.request = request.split('?')[0];
  item.dataset.hops = steps.map((h) => (h.desc ? `${h.name}:${h.desc}` : h.name)).join(' ');
  const title = document.createElement('p');
  title.className = 'journey-request';
  const inService = service ? `, ${service.dur.toFixed(1)} ms of it in the service` : ', no Server-Timing header reached the page';
  title.textContent = `${request} → ${status}: ${Math.round(browserMs)} ms in the browser${inService}`;
  const bar = document.createElement('div');
  bar.className = 'journey-bar';
  const legend = document.createElement('ol');
  legend.className = 'journey-hops';
  for (const h of steps) {
    const kind = `hop-${h.name} ${h.desc ? `desc-${h.desc}` : ''}`;
    const segment = document.createElement('span');
    segment.className = `segment ${kind}`;
    // CSSOM, not a style attribute: the CloudFront CSP (default-src 'self') allows it.
    segment.style.width = `${Math.max(1, (h.dur / total) * 100)}%`;
    segment.title = `${HOP_NAMES[h.name] ?? h.name} ${h.desc} ${h.dur} ms`;
    bar.append(segment);
    const label = document.createElement('li');
    label.className = kind;
    label.textContent = `${HOP_NAMES[h.name] ?? h.name}${h.desc ? ` ${h.desc.replaceAll('-', ' ')}` : ''} ${h.dur.toFixed(1)} ms`;
    legend.append(label);
  }
  if (service && steps.length === 0) {
    const label = document.createElement('li');
    label.textContent = 'no hop: answered by the service alone';
    legend.append(label);
  }
  item.append(title, bar, legend);
  const list = $('journey-list');
  list.prepend(item);
  while (list.children.length > JOURNEY_ROWS) list.lastElementChild.remove();
}

function say(text, ok = false) {
  const box = $('message');
  box.textContent = text;
  box.classList.toggle('ok', ok);
  box.hidden = !text;
}

function sayError(error) {
  const fields =
    Array.isArray(error.details) && error.details.length
      ? ` (${error.details.map((d) => d.field ?? d.path ?? JSON.stringify(d)).join(', ')})`
      : '';
  say(`${error.message}${fields}`);
}

/** Disables the button while the action runs, and reports failures. */
function action(button, run) {
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    button.disabled = true;
    say('');
    try {
      await run();
    } catch (error) {
      sayError(error);
    } finally {
      button.disabled = false;
    }
  });
}

const money = (cents, currency = 'EUR') => new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);

function showSession(email) {
  $('session').textContent = state.token ? `Signed in${email ? ` as ${email}` : ''}` : 'Not signed in';
}

function credentials() {
  return { email: $('email').value.trim(), password: $('password').value };
}

async function logIn() {
  const { token } = await api('/auth/login', { method: 'POST', body: credentials() });
  state.token = token;
  sessionStorage.setItem('token', token);
  showSession(credentials().email);
}

async function loadProducts(more = false) {
  const list = $('product-list');
  list.setAttribute('aria-busy', 'true');
  const query = more && state.nextCursor ? `?cursor=${encodeURIComponent(state.nextCursor)}` : '';
  const page = await api(`/products${query}`);
  if (!more) list.replaceChildren();
  for (const product of page.items) {
    const item = document.createElement('li');
    const name = document.createElement('button');
    name.type = 'button';
    name.className = 'link';
    name.textContent = product.name;
    name.dataset.productId = product.id;
    name.addEventListener('click', () => showProduct(product.id).catch(sayError));
    const price = document.createElement('p');
    price.textContent = `${money(product.priceCents, product.currency)} · ${product.stock} in stock`;
    item.append(name, price);
    list.append(item);
  }
  state.nextCursor = page.nextCursor ?? null;
  $('more-products').hidden = !state.nextCursor;
  list.setAttribute('aria-busy', 'false');
}

async function showProduct(id) {
  const product = await api(`/products/${encodeURIComponent(id)}`);
  state.product = product;
  $('product-name').textContent = product.name;
  $('product-description').textContent = product.description ?? '';
  $('product-price').textContent = money(product.priceCents, product.currency);
  $('product-stock').textContent = `${product.stock} in stock`;
  $('quantity').max = String(product.stock);
  $('product').hidden = false;
  $('product-name').scrollIntoView({ behavior: 'smooth' });
}

async function placeOrder() {
  if (!state.token) throw new Error('Please register or log in first');
  const quantity = Number.parseInt($('quantity').value, 10);
  const order = await api('/orders', {
    method: 'POST',
    body: { items: [{ productId: state.product.id, quantity }] },
  });
  // One key per order: a retried payment (e.g. after a provider hiccup) is the same payment.
  state.order = { ...order, idempotencyKey: crypto.randomUUID() };
  $('order-id').textContent = order.orderId;
  $('order-total').textContent = money(order.totalCents, order.currency);
  $('order-status').textContent = order.status;
  $('checkout').hidden = false;
  $('confirmation').hidden = true;
}

async function pay() {
  const { orderId, idempotencyKey } = state.order;
  const payment = await api('/payments', {
    method: 'POST',
    headers: { 'Idempotency-Key': idempotencyKey },
    body: { orderId, paymentMethod: { token: $('payment-token').value } },
  });
  $('payment-id').textContent = payment.paymentId;
  $('payment-amount').textContent = money(payment.amountCents, payment.currency);
  $('paid-order-id').textContent = payment.orderId;
  $('order-status').textContent = 'PAID';
  $('checkout').hidden = true;
  $('confirmation').hidden = false;
  $('confirmation').focus();
  say('Payment succeeded', true);
}

async function main() {
  await loadConfig();
  showSession();
  action($('register'), async () => {
    await api('/auth/register', { method: 'POST', body: credentials() });
    await logIn();
    say('Account created, you are signed in', true);
  });
  action($('login'), async () => {
    await logIn();
    say('Signed in', true);
  });
  action($('more-products'), () => loadProducts(true));
  action($('place-order'), placeOrder);
  action($('pay'), pay);
  await loadProducts().catch(sayError);
}

main();
