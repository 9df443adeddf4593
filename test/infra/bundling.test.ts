import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundle, lambdaSpec, RUNTIME_FILES, serverBundle } from '../../lib/constructs/bundling.js';

/** An entry importing a helper, in a fresh directory, so each test has its own inputs. */
function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundling-test-'));
  fs.writeFileSync(path.join(dir, 'helper.ts'), "export const greeting = 'hello';\n");
  fs.writeFileSync(path.join(dir, 'entry.ts'), "import { greeting } from './helper';\nexport const handler = async () => greeting;\n");
  return { dir, entry: path.join(dir, 'entry.ts') };
}
const spec = (entry: string) => ({ entry, format: 'cjs' as const, target: 'node22', external: [] });
const code = (dir: string) => fs.readFileSync(path.join(dir, 'index.js'), 'utf8');

describe('bundling', () => {
  test('an unchanged bundle is reused: same directory, not rewritten', () => {
    const { entry } = project();
    const first = bundle(spec(entry));
    const written = fs.statSync(path.join(first, 'index.js')).mtimeMs;
    const second = bundle(spec(entry));
    expect(second).toBe(first);
    expect(fs.statSync(path.join(second, 'index.js')).mtimeMs).toBe(written);
    expect(fs.readdirSync(first).sort()).toEqual(['index.js', 'index.js.map']);
  });

  test('a change to any file the bundle was built from rebuilds it from source', () => {
    const { dir, entry } = project();
    const before = bundle(spec(entry));
    expect(code(before)).toContain('hello');
    // Not the entry: a file it imports.
    fs.writeFileSync(path.join(dir, 'helper.ts'), "export const greeting = 'bonjour';\n");
    const after = bundle(spec(entry));
    expect(after).not.toBe(before);
    expect(code(after)).toContain('bonjour');
    expect(code(after)).not.toContain('hello');
    // And back: the earlier bytes are found again under their own hash.
    fs.writeFileSync(path.join(dir, 'helper.ts'), "export const greeting = 'hello';\n");
    expect(bundle(spec(entry))).toBe(before);
  });

  test('extra files and directories are part of the bundle and of its identity', () => {
    const { dir, entry } = project();
    fs.mkdirSync(path.join(dir, 'sql'));
    fs.writeFileSync(path.join(dir, 'sql', '0001.sql'), 'SELECT 1;');
    const from = path.relative(path.join(__dirname, '..', '..'), path.join(dir, 'sql'));
    const withDir = bundle({ ...spec(entry), extraDirs: [[from, 'migrations']], extraFiles: { Dockerfile: 'FROM scratch\n' } });
    expect(fs.readFileSync(path.join(withDir, 'migrations', '0001.sql'), 'utf8')).toBe('SELECT 1;');
    expect(fs.readFileSync(path.join(withDir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    fs.writeFileSync(path.join(dir, 'sql', '0001.sql'), 'SELECT 2;');
    const changed = bundle({ ...spec(entry), extraDirs: [[from, 'migrations']], extraFiles: { Dockerfile: 'FROM scratch\n' } });
    expect(changed).not.toBe(withDir);
    expect(fs.readFileSync(path.join(changed, 'migrations', '0001.sql'), 'utf8')).toBe('SELECT 2;');
    expect(bundle({ ...spec(entry), extraDirs: [[from, 'migrations']], extraFiles: { Dockerfile: 'FROM node\n' } })).not.toBe(changed);
  });

  test('a module that reads a file beside itself gets it beside its bundle, as an input; other bundles do not', () => {
    const [[module, [file]]] = Object.entries(RUNTIME_FILES);
    expect(module).toBe('lambda/shared/db.ts');
    const root = path.join(__dirname, '..', '..');
    const shipped = path.basename(file);
    const withDb = bundle(lambdaSpec('lambda/migrate/handler.ts'));
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    expect(fs.readFileSync(path.join(withDb, shipped), 'utf8')).toBe(text);
    // Not compiled in: the bundle only names the file (no line of a certificate is in its code).
    expect(code(withDb)).not.toContain(text.split('\n')[2]);
    // The container's ESM bundle finds it the same way (__dirname from import.meta.url).
    const server = serverBundle('lambda/catalog/server.ts');
    expect(fs.existsSync(path.join(server, shipped))).toBe(true);
    expect(fs.readFileSync(path.join(server, 'index.mjs'), 'utf8')).toMatch(/const __dirname\s*=/);
    expect(fs.existsSync(path.join(bundle(lambdaSpec('lambda/auth/authorizer.ts')), shipped))).toBe(false);
  });
});
