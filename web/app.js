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
  const response = await fetch(`${state.apiBase}${path}`, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error?.message ?? `Request failed (${response.status})`);
    error.status = response.status;
    error.code = data.error?.code;
    error.details = data.error?.details;
    throw error;
  }
  return data;
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
