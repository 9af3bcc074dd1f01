/**
 * Builds the dashboard (web/) into dist/web: one minified ES module bundle with content-hashed
 * names (the Firebase sign-in code split into a chunk loaded only on Firebase deployments), its
 * CSS, an index.html naming them, and a gzip of each beside it for the `web` function to send.
 * `npm run build:web` runs it; so do `npm start` and the test run's global setup.
 *
 * A build never deletes what a running server may be sending: each file is written under a
 * temporary name and renamed into place, index.html last, and assets of earlier builds are only
 * pruned once they are an hour old (pages loaded before the rebuild still fetch them).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'web');
const ASSETS = path.join(OUT, 'assets');
const STALE_AFTER_MS = 3600_000;

export interface BuiltFile {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface WebBuild {
  files: BuiltFile[];
  /** gzip bytes a first visit downloads before it can sign in: the page, the entry script, its CSS. */
  initialGzipBytes: number;
}

/** Readers see the old file or the new one, never half of one. */
function writeAtomically(file: string, contents: Uint8Array): void {
  const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

function writeWithGzip(file: string, contents: Buffer): BuiltFile {
  const gzipped = gzipSync(contents, { level: 9 });
  writeAtomically(file, contents);
  writeAtomically(`${file}.gz`, gzipped);
  return { name: path.relative(OUT, file), bytes: contents.length, gzipBytes: gzipped.length };
}

/** Removes assets this build did not write once they are old enough that no page needs them. */
function pruneStaleAssets(written: Set<string>): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const name of readdirSync(ASSETS)) {
    const file = path.join(ASSETS, name);
    if (written.has(file)) continue;
    try {
      if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
    } catch {
      // Another build pruned or renamed it meanwhile.
    }
  }
}

export async function buildWeb(): Promise<WebBuild> {
  mkdirSync(ASSETS, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'web/src/main.tsx' },
    outdir: ASSETS,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });

  const files: BuiltFile[] = [];
  for (const output of result.outputFiles) files.push(writeWithGzip(output.path, Buffer.from(output.contents)));

  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, meta]) => meta.entryPoint === 'web/src/main.tsx');
  if (!entry) throw new Error('esbuild produced no entry bundle for web/src/main.tsx');
  const [entryPath, entryMeta] = entry;
  const script = path.basename(entryPath);
  const style = entryMeta.cssBundle ? path.basename(entryMeta.cssBundle) : null;
  const template = readFileSync(path.join(ROOT, 'web', 'index.html'), 'utf8');
  const page = template
    .replace('%APP_SCRIPT%', `assets/${script}`)
    .replace('%APP_STYLE%', style ? `<link rel="stylesheet" href="assets/${style}">` : '');
  files.push(writeWithGzip(path.join(OUT, 'index.html'), Buffer.from(page)));
  pruneStaleAssets(new Set(result.outputFiles.flatMap((output) => [output.path, `${output.path}.gz`])));

  // The page, the entry script, the chunks it imports statically, and its CSS.
  const initial = new Set(['index.html', ...(style ? [`assets/${style}`] : [])]);
  const pending = [entryPath];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    initial.add(`assets/${path.basename(next)}`);
    for (const { path: imported, kind } of result.metafile.outputs[next]?.imports ?? []) {
      if (kind === 'import-statement' && !initial.has(`assets/${path.basename(imported)}`)) pending.push(imported);
    }
  }
  const initialGzipBytes = files.filter((f) => initial.has(f.name)).reduce((sum, f) => sum + f.gzipBytes, 0);
  return { files, initialGzipBytes };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const { files, initialGzipBytes } = await buildWeb();
  for (const file of files) console.log(`  dist/web/${file.name}  ${kb(file.bytes)}  (gzip ${kb(file.gzipBytes)})`);
  console.log(`Dashboard built in ${Date.now() - started} ms; first load ${kb(initialGzipBytes)} gzipped.`);
}
