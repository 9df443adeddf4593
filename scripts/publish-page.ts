import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PUBLISHED_DOCS, WEB_DIR } from '../lib/constructs/storefront-cdn.js';
import { EMULATOR, EMULATOR_CLIENT, apiUrl, output } from './local-outputs.js';

/**
 * Where the stage's `pageUpload` is 'script' (MiniStack cannot run CDK's BucketDeployment), puts the
 * storefront page into the site bucket named by the `SiteBucketName` output, with the `config.json`
 * the BucketDeployment would have written, pointing the page at the API as reachable from here.
 * Prints what to open. Idempotent: objects are overwritten.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

async function main(): Promise<void> {
  const bucket = output('SiteBucketName');
  const api = apiUrl();
  // Path-style: MiniStack answers on one host, not on <bucket>.127.0.0.1.
  const s3 = new S3Client({ ...EMULATOR_CLIENT, endpoint: process.env.AWS_ENDPOINT_URL_S3 ?? EMULATOR, forcePathStyle: true });
  const files: Array<[string, Buffer | string]> = readdirSync(WEB_DIR).map((f) => [f, readFileSync(join(WEB_DIR, f))]);
  files.push(['config.json', JSON.stringify({ apiBase: api })]);
  for (const [key, file] of Object.entries(PUBLISHED_DOCS)) files.push([key, readFileSync(file)]);
  for (const [key, body] of files) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: TYPES[extname(key)] ?? 'application/octet-stream',
        CacheControl: 'no-cache',
      }),
    );
  }
  console.error(`uploaded ${files.length} files to s3://${bucket}`);
  console.log(`storefront page : ${EMULATOR}/${bucket}/index.html`);
  console.log(`API base URL    : ${api}   e.g. curl ${api}/products`);
  console.log(`API reference   : ${EMULATOR}/${bucket}/docs/api.html (OpenAPI: docs/openapi.json)`);
  console.log(`emails sent     : curl ${EMULATOR}/_ministack/ses/messages`);
  console.log('stack outputs   : cdk-outputs.local.json');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
