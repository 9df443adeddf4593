import { buildAuthApp } from '../../lambda/auth/main.js';
import { AUTHORIZER_FAULTS, handler as authorizer, tokenAuthorizer } from '../../lambda/auth/authorizer.js';
import { FAULTS_METRIC } from '../../lib/constructs/service-function.js';
import { tokenIssuer } from '#shared/tokens.js';
import { secretString } from '#shared/secrets.js';
import { handler as lambdaHandler } from '../../lambda/auth/handler.js';
import { call, proxyEvent } from '../support/http.js';

const email = () => `user-${Date.now()}-${Math.random().toString(36).slice(2)}@Example.com`;
let app: Awaited<ReturnType<typeof buildAuthApp>>;
beforeAll(async () => {
  app = await buildAuthApp();
});

describe('POST /auth/register', () => {
  test('201 with a userId', async () => {
    const res = await call(app, 'POST', '/auth/register', { body: { email: email(), password: 'correct horse' } });
    expect(res.status).toBe(201);
    expect(res.body.userId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('409 EMAIL_TAKEN for the same email in another case', async () => {
    const e = email();
    await call(app, 'POST', '/auth/register', { body: { email: e, password: 'correct horse' } });
    const res = await call(app, 'POST', '/auth/register', { body: { email: e.toUpperCase(), password: 'other password' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('EMAIL_TAKEN');
  });

  test('400 naming the field for an invalid email and a short password', async () => {
    const res = await call(app, 'POST', '/auth/register', { body: { email: 'not-an-email', password: 'short' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'password']);
  });

  test('400 for a body that is not JSON, and for wrongly typed fields', async () => {
    const notJson = await call(app, 'POST', '/auth/register', { body: '{"email":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.details).toEqual([{ field: 'body', problem: 'must be a JSON document' }]);
    const typed = await call(app, 'POST', '/auth/register', { body: { email: 42, password: ['x'] } });
    expect(typed.status).toBe(400);
  });

  test('413 for a body over 64 KiB', async () => {
    const res = await call(app, 'POST', '/auth/register', { body: { email: email(), password: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('POST /auth/login', () => {
  const e = email();
  beforeAll(async () => {
    await call(app, 'POST', '/auth/register', { body: { email: e, password: 'correct horse' } });
  });

  test('200 with a token that the authorizer accepts', async () => {
    const res = await call(app, 'POST', '/auth/login', { body: { email: e, password: 'correct horse' } });
    expect(res.status).toBe(200);
    expect(res.body.expiresIn).toBe(3600);
    const policy = await authorizer({
      type: 'TOKEN',
      authorizationToken: `Bearer ${res.body.token}`,
      methodArn: 'arn:aws:execute-api:us-east-1:000000000000:abc123/api/POST/orders',
    });
    expect(policy.policyDocument.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Resource: 'arn:aws:execute-api:us-east-1:000000000000:abc123/api/*',
    });
    expect(policy.context?.userId).toBe(policy.principalId);
  });

  test('401 INVALID_CREDENTIALS, the same for a wrong password and an unknown email', async () => {
    const wrong = await call(app, 'POST', '/auth/login', { body: { email: e, password: 'wrong password' } });
    const unknown = await call(app, 'POST', '/auth/login', { body: { email: email(), password: 'correct horse' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  test('login checks presence only: a wrong password of any length, or a malformed email, is 401; a missing one is 400', async () => {
    for (const password of ['x', 'short', 'wrong password']) {
      const res = await call(app, 'POST', '/auth/login', { body: { email: e, password } });
      expect([res.status, res.body.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    expect((await call(app, 'POST', '/auth/login', { body: { email: 'not-an-email', password: 'correct horse' } })).status).toBe(401);
    // A character PostgreSQL text cannot hold is no account either (Schemathesis found a 500 here).
    expect((await call(app, 'POST', '/auth/login', { body: { email: 'a\u0000@b.c', password: 'correct horse' } })).status).toBe(401);
    const missing = await call(app, 'POST', '/auth/login', { body: { email: e } });
    expect([missing.status, missing.body.error.details[0].field]).toEqual([400, 'password']);
  });

  test('the authorizer rejects a forged token', async () => {
    await expect(
      authorizer({ type: 'TOKEN', authorizationToken: 'Bearer abc.def.ghi', methodArn: 'arn:aws:execute-api:us-east-1:0:a/api/GET/x' }),
    ).rejects.toThrow('Unauthorized');
  });

  /** The EMF documents (metrics) written to stdout while `fn` runs. */
  async function emitted(fn: () => Promise<unknown>): Promise<Array<Record<string, unknown> & { _aws: any }>> {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return write(chunk);
    });
    try {
      await fn().catch(() => undefined);
    } finally {
      spy.mockRestore();
    }
    return lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
  }

  test('issue 8: a rejected token counts as TokensRejected, an unreadable key (a fault, 500) as the Faults the alarms watch', async () => {
    const event = {
      type: 'TOKEN' as const,
      authorizationToken: 'Bearer abc.def.ghi',
      methodArn: 'arn:aws:execute-api:us-east-1:0:a/api/GET/x',
    };
    const rejected = await emitted(() => authorizer(event));
    expect(rejected.map((m) => Object.keys(m).filter((k) => k === 'TokensRejected' || k === AUTHORIZER_FAULTS))).toEqual([
      ['TokensRejected'],
    ]);

    // A key that cannot be read (no such secret on the emulator): not a 401.
    const broken = tokenAuthorizer(tokenIssuer(() => secretString(`${process.env.TOKEN_SECRET_ARN}-missing`)));
    await expect(broken(event)).rejects.toThrow('Authorizer fault');
    const faults = await emitted(() => broken(event));
    expect(faults).toHaveLength(1);
    // The alarm and canary gate of the CDK app (faultsMetric) read exactly this metric.
    expect(AUTHORIZER_FAULTS).toBe(FAULTS_METRIC);
    expect(faults[0][AUTHORIZER_FAULTS]).toBe(1);
    expect(faults[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'stage']]);
    expect(faults[0].stage).toBe('default');
  });
});

describe('through the Lambda handler (API Gateway proxy events)', () => {
  test('register, unknown route, health', async () => {
    const created = await lambdaHandler(
      proxyEvent('POST', '/auth/register', { body: { email: email(), password: 'correct horse' } }),
      {} as any,
    );
    expect(created.statusCode).toBe(201);
    expect(String(created.headers?.['content-type'] ?? created.multiValueHeaders?.['content-type'])).toMatch(/application\/json/);
    const missing = await lambdaHandler(proxyEvent('GET', '/auth/nothing-here'), {} as any);
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('NOT_FOUND');
    const health = await lambdaHandler(proxyEvent('GET', '/health'), {} as any);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });
});
