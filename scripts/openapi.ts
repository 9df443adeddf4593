import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openApiDocument } from '../contract/openapi.js';

/**
 * `npm run docs:openapi`: writes the contract as docs/openapi.json (test/infra/openapi.test.ts fails
 * when it drifts) and renders it for a reader as docs/api.html with Redocly's `build-docs`, which
 * inlines Redoc's script: the page needs no CDN, so it works from the site bucket or a file.
 * The storefront's bucket serves both beside the page (`PUBLISHED_DOCS`, lib/constructs/storefront-cdn.ts).
 */
export const OPENAPI_FILE = path.join(__dirname, '..', 'docs', 'openapi.json');
export const API_HTML_FILE = path.join(__dirname, '..', 'docs', 'api.html');

export function openApiText(): string {
  const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return `${JSON.stringify(openApiDocument(version), null, 2)}\n`;
}

function main(): void {
  fs.writeFileSync(OPENAPI_FILE, openApiText());
  const redocly = path.join(__dirname, '..', 'node_modules', '.bin', 'redocly');
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  // `lint` holds the document to OpenAPI 3.1 (the recommended rules); `build-docs` renders it.
  execFileSync(redocly, ['lint', OPENAPI_FILE, '--format', 'summary'], { stdio: 'inherit', env });
  execFileSync(redocly, ['build-docs', OPENAPI_FILE, '--output', API_HTML_FILE, '--title', 'Storefront API', '--inlineBundle'], {
    stdio: 'inherit',
    env,
  });
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)} and ${path.relative(process.cwd(), API_HTML_FILE)}`);
}

if (require.main === module) main();
