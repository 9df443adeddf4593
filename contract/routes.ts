/**
 * The shop's HTTP contract, once: every route with its method, path, owner service, sign-in and
 * headers. Both sides import it: the services (`lambda/`) validate with it and the CDK app (`lib/`)
 * builds the API Gateway routes from it. It imports neither.
 */

/** A service behind the API, named by its folder (`lambda/<service>/`); it owns the routes naming it. */
export type ApiService = string;

/** Request bodies of the contract, by name (the API Gateway model names). */
export type ModelName = 'Credentials' | 'Login' | 'NewOrder' | 'NewPayment';

/** One row of the public contract: path, method, owner, body model, sign-in, headers. */
export interface Route {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly service: ApiService;
  readonly body?: ModelName;
  readonly signedIn: boolean;
  readonly requiredHeaders?: readonly string[];
  /** Headers the method declares but does not require. */
  readonly optionalHeaders?: readonly string[];
}

export const ROUTES: readonly Route[] = [
  { path: '/auth/register', method: 'POST', service: 'auth', body: 'Credentials', signedIn: false },
  { path: '/auth/login', method: 'POST', service: 'auth', body: 'Login', signedIn: false },
  { path: '/products', method: 'GET', service: 'catalog', signedIn: false },
  { path: '/products/{id}', method: 'GET', service: 'catalog', signedIn: false },
  { path: '/orders', method: 'POST', service: 'orders', body: 'NewOrder', signedIn: true, optionalHeaders: ['Idempotency-Key'] },
  { path: '/orders/{id}', method: 'GET', service: 'orders', signedIn: true },
  { path: '/payments', method: 'POST', service: 'payments', body: 'NewPayment', signedIn: true, requiredHeaders: ['Idempotency-Key'] },
];
