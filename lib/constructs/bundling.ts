import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';

/** What differs between the app's bundles; everything else (bundle, minify, source map) is shared. */
export interface BundleSpec {
  /** Entry file, e.g. `lambda/catalog/handler.ts`. */
  readonly entry: string;
  /** `cjs` for Lambda (`index.js`), `esm` for the container (`index.mjs`). */
  readonly format: 'cjs' | 'esm';
  /** Node version the code runs on, e.g. `node22`. */
  readonly target: string;
  /** Modules left to the runtime (the Lambda runtime's AWS SDK, pg's unused native binding). */
  readonly external: readonly string[];
  /** Directories copied next to the bundle: `[from, to]`, `from` relative to the repository root. */
  readonly extraDirs?: ReadonlyArray<readonly [from: string, to: string]>;
  /**
   * Files written next to the bundle: name to content (e.g. the container's Dockerfile).
   * @default - none
   */
  readonly extraFiles?: Readonly<Record<string, string | Buffer>>;
}

const ROOT = path.join(__dirname, '..', '..');
/** Where built bundles live between synths; `STOREFRONT_BUNDLE_CACHE` moves it (e.g. per CI job). */
const CACHE = process.env.STOREFRONT_BUNDLE_CACHE ?? path.join(os.tmpdir(), 'storefront-bundles');

/** The esbuild options of a spec: one place for every bundle the app ships. */
export function buildOptions(spec: BundleSpec): BuildOptions {
  const esm = spec.format === 'esm';
  return {
    entryPoints: [path.resolve(ROOT, spec.entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: spec.target,
    format: spec.format,
    minify: true,
    sourcemap: true,
    // Maps name files and lines, without a copy of every source: `--enable-source-maps` parses the map at
    // load, and half its bytes were the sources, which no stack trace needs.
    sourcesContent: false,
    outfile: esm ? 'index.mjs' : 'index.js',
    write: false,
    metafile: true,
    logLevel: 'error',
    external: [...spec.external],
    // cockatiel ships CommonJS as `main` and ESM as `module`; esbuild takes `main` for Node, all 24 KiB of
    // it. The ESM build tree-shakes to the circuit breaker the app uses (~8 KiB).
    alias: { cockatiel: './node_modules/cockatiel/dist/esm/index.js' },
    // Bundled CommonJS dependencies (pg, ioredis) still call require() for Node built-ins, and shared code
    // finds the files shipped beside the bundle (RUNTIME_FILES) through __dirname, as in CommonJS.
    banner: esm
      ? {
          js: "import { createRequire } from 'node:module'; import { dirname as __bundleDirname } from 'node:path'; import { fileURLToPath as __bundleFileURLToPath } from 'node:url'; const require = createRequire(import.meta.url); const __dirname = __bundleDirname(__bundleFileURLToPath(import.meta.url));",
        }
      : undefined,
  };
}

const sha = (...parts: Array<string | Buffer>) => {
  const hash = crypto.createHash('sha256');
  for (const p of parts) hash.update(p).update('\0');
  return hash.digest('hex');
};

/** Every file under `dir`, relative to it, sorted (stable hashes). */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** Hash of the inputs' contents, or undefined when one is gone (then the bundle is rebuilt). */
function hashInputs(files: readonly string[]): string | undefined {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    let content: Buffer;
    try {
      content = fs.readFileSync(path.join(ROOT, file));
    } catch {
      return undefined;
    }
    hash.update(file).update('\0').update(content).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Files a module reads beside itself at run time (`path.join(__dirname, name)`), keyed by the module,
 * relative to the repository root: each is copied next to every bundle whose build read the module,
 * under its own name, and is one of that bundle's inputs. Data, not code: the bundle does not parse it
 * at load.
 */
export const RUNTIME_FILES: Readonly<Record<string, readonly string[]>> = {
  'lambda/shared/db.ts': ['lambda/shared/rds-ca-bundle.pem'],
};

interface Manifest {
  /** Every file the last build read (esbuild's metafile inputs, the extra files), relative to ROOT. */
  readonly inputs: string[];
}

/**
 * Bundles `spec` into a directory and returns it (an asset directory for `lambda.Code.fromAsset` or
 * a container image's build context). A bundle is rebuilt whenever one of the files it was built
 * from changes: each build records the files esbuild read (its metafile) and the extra files, and
 * the next synth hashes their contents; only when every one is byte-identical, with the same options
 * and esbuild version, is the previous output reused. The output directory is named by that hash,
 * so a stale directory is never reused and an unchanged bundle keeps its asset hash.
 */
export function bundle(spec: BundleSpec): string {
  const options = buildOptions(spec);
  const extra = Object.entries(spec.extraFiles ?? {}).sort(([a], [b]) => a.localeCompare(b));
  // The lock file too: a dependency's package.json (its `exports`) can change what resolves without
  // the files esbuild read changing.
  const specKey = sha(
    esbuildVersion,
    lockFileContent(),
    JSON.stringify(options),
    JSON.stringify(spec.extraDirs ?? []),
    ...extra.flat(),
  ).slice(0, 16);
  const manifestFile = path.join(CACHE, `${specKey}.json`);
  const cachedDir = (inputs: readonly string[]) => {
    const inputsKey = hashInputs(inputs);
    return inputsKey === undefined ? undefined : path.join(CACHE, `${specKey}-${inputsKey.slice(0, 16)}`);
  };

  const manifest = readManifest(manifestFile);
  if (manifest) {
    const dir = cachedDir(manifest.inputs);
    if (dir && fs.existsSync(dir)) return dir;
  }

  const result = buildSync(options);
  const built = Object.keys(result.metafile!.inputs);
  const runtimeFiles = built.flatMap((input) => RUNTIME_FILES[input] ?? []);
  const copied = (spec.extraDirs ?? []).flatMap(([from]) => filesUnder(path.join(ROOT, from)).map((f) => path.join(from, f)));
  const inputs = [...built, ...runtimeFiles, ...copied].sort();
  const dir = cachedDir(inputs);
  if (!dir) throw new Error(`bundle ${spec.entry}: an input vanished during the build`);
  // Written beside the final name and renamed into place, so the directory existing means it is
  // complete, and a concurrent synth never sees half a bundle.
  if (!fs.existsSync(dir)) {
    const staging = `${dir}.${process.pid}.${Date.now()}`;
    fs.mkdirSync(staging, { recursive: true });
    for (const file of result.outputFiles!) fs.writeFileSync(path.join(staging, path.basename(file.path)), file.contents);
    for (const file of runtimeFiles) fs.copyFileSync(path.join(ROOT, file), path.join(staging, path.basename(file)));
    for (const [from, to] of spec.extraDirs ?? []) fs.cpSync(path.join(ROOT, from), path.join(staging, to), { recursive: true });
    for (const [name, content] of extra) fs.writeFileSync(path.join(staging, name), content);
    try {
      fs.renameSync(staging, dir);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another synth won the race with the same bytes
    }
  }
  // Renamed into place: parallel synths (test workers) never read half a manifest.
  const staged = `${manifestFile}.${process.pid}`;
  fs.writeFileSync(staged, JSON.stringify({ inputs } satisfies Manifest));
  fs.renameSync(staged, manifestFile);
  return dir;
}

function readManifest(file: string): Manifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return undefined; // none yet: build
  }
}

let lockFile: Buffer | undefined;
const lockFileContent = (): Buffer =>
  (lockFile ??= fs.existsSync(path.join(ROOT, 'package-lock.json'))
    ? fs.readFileSync(path.join(ROOT, 'package-lock.json'))
    : Buffer.alloc(0));

/**
 * Modules every bundle leaves out: pg's native client and the binding it loads, required only when
 * asked for (`pg.native`, NODE_PG_FORCE_NATIVE) and never shipped; asked for, they fail as a missing
 * pg-native does (MODULE_NOT_FOUND), which pg expects. And `supports-color` (1.7 KiB with has-flag),
 * which `debug` (ioredis' DEBUG= tracing) requires inside a try and does without: it only picks a
 * 256-colour palette for a terminal, and a function's or a task's stderr is none.
 */
const NEVER_BUNDLED = ['pg-native', './node_modules/pg/lib/native/index.js', 'supports-color'];

/**
 * A Lambda function's bundle (`index.js`, CommonJS). The AWS SDK v3 is left to the Node.js runtime,
 * which ships it, unless `bundleAwsSdk` (emulators that run functions as plain Node processes).
 */
export function lambdaSpec(entry: string, options: { bundleAwsSdk?: boolean; extraDirs?: BundleSpec['extraDirs'] } = {}): BundleSpec {
  return {
    entry,
    format: 'cjs',
    target: 'node22',
    external: options.bundleAwsSdk ? NEVER_BUNDLED : ['@aws-sdk/*', ...NEVER_BUNDLED],
    extraDirs: options.extraDirs,
  };
}

/** `lambdaSpec`, bundled (or reused): the asset directory of a Lambda function. */
export const lambdaBundle = (...args: Parameters<typeof lambdaSpec>): string => bundle(lambdaSpec(...args));

/**
 * A container's bundle (`index.mjs`, ESM), with `extraFiles` beside it (the Dockerfile). The AWS SDK
 * is bundled: the Node image does not ship it.
 */
export function serverBundle(entry: string, extraFiles?: BundleSpec['extraFiles']): string {
  return bundle({ entry, format: 'esm', target: 'node24', external: NEVER_BUNDLED, extraFiles });
}
