import * as fs from 'node:fs';
import * as path from 'node:path';
import { WEB_DIR } from '../../lib/constructs/storefront-cdn.js';

// The page has no build step, so these static checks are what stands between a typo and a blank shop.
const html = fs.readFileSync(path.join(WEB_DIR, 'index.html'), 'utf8');
const script = fs.readFileSync(path.join(WEB_DIR, 'app.js'), 'utf8');
const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));

describe('storefront page', () => {
  test('the ids browser tests drive exist', () => {
    for (const id of [
      'register',
      'login',
      'product-list',
      'place-order',
      'pay',
      'confirmation',
      'email',
      'password',
      'quantity',
      'journey-list',
    ]) {
      expect(ids).toContain(id);
    }
  });

  test('every id the script looks up is in the page', () => {
    const used = [...script.matchAll(/\$\('([^']+)'\)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((id) => !ids.has(id))).toEqual([]);
  });

  test('every form control has a label', () => {
    const controls = [...html.matchAll(/<(input|select|textarea)\b[^>]*\sid="([^"]+)"/g)].map((m) => m[2]);
    const labelled = new Set([...html.matchAll(/<label\b[^>]*\sfor="([^"]+)"/g)].map((m) => m[1]));
    expect(controls.length).toBeGreaterThan(0);
    expect(controls.filter((id) => !labelled.has(id))).toEqual([]);
  });

  test('no inline script or style, so the CloudFront CSP (default-src self) lets the page run', () => {
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle="|\son[a-z]+="/);
  });

  test('the API base is relative by default and read from config.json', () => {
    expect(script).toMatch(/apiBase: '\/api'/);
    expect(script).toContain("fetch('config.json'");
  });
});
