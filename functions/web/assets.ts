/**
 * The built dashboard on disk (`dist/web`, written by `npm run build:web`): finding it, reading a
 * file of it, and naming its content type. Hashed assets never change under their name, so they
 * are read once and kept; `index.html` is read on every request so that a rebuild shows at once.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** An asset name as the build writes them: no directories, no dot-dot. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export interface WebFile {
  body: Buffer;
  /** The build's gzip of the same bytes, when it wrote one. */
  gzipped: Buffer | null;
  contentType: string;
}

/**
 * `dist/web` beside the package's package.json: the same answer whether this module runs from
 * source (functions/web) or compiled (dist/functions/web).
 */
export function dashboardDir(from: string = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${from}.`);
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

export function isAssetName(name: string): boolean {
  return ASSET_NAME.test(name);
}

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
}

async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function readWebFile(file: string): Promise<WebFile | null> {
  const body = await readOptional(file);
  if (!body) return null;
  return { body, gzipped: await readOptional(`${file}.gz`), contentType: contentTypeOf(file) };
}

/** Hashed assets by name: immutable, so one read per process. */
export class AssetCache {
  private readonly files = new Map<string, Promise<WebFile | null>>();

  constructor(private readonly dir: string) {}

  get(name: string): Promise<WebFile | null> {
    let file = this.files.get(name);
    if (!file) {
      file = readWebFile(path.join(this.dir, 'assets', name));
      // A missing file may be built later; only found files are kept.
      file.then((found) => found ?? this.files.delete(name), () => this.files.delete(name));
      this.files.set(name, file);
    }
    return file;
  }
}
