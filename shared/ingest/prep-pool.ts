/**
 * Worker threads that run prepareEvents (prep.ts) for ingest requests, so that the event loop
 * keeps only HTTP, the rate limits, the group commit and the sink. On the local twin the event
 * loop was the limit: it was ~88 % busy while the process used ~1.4 of 2 cores, and parse,
 * normalise, check and serialise were ~40 % of its time. With one worker, interleaved under the
 * bench load (5 × 8 s, compiled twins): 44.4k → 55.5k events/s, every pair up, at +2 % CPU per
 * event and +26 MB peak RSS (the worker's heap).
 *
 * A request's body is copied to the worker (the caller keeps its own for the full path), and
 * its events come back serialised, in one buffer. A source's schema goes to a worker once, then
 * only its number: cloning it with every request cost ~10 µs of the event loop's time and the
 * worker's, and a schema the worker keeps keeps its field indexes (schema-check.ts) too. A
 * worker that fails answers nothing more: its waiting requests and later ones take the full path.
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Prepared, PrepRequest } from './prep.ts';
import { SchemaShelf, type PrepMessage } from './prep-schemas.ts';
import { SchemaNumbers } from './schema-numbers.ts';

/** The worker's module beside this one: prep-worker.js when built, prep-worker.ts from source. */
const EXTENSION = path.extname(fileURLToPath(import.meta.url));
const WORKER_URL = new URL(`./prep-worker${EXTENSION}`, import.meta.url);
/**
 * From source, the worker loads TypeScript through tsx, as `npm test` and the e2e twins run it.
 * Otherwise it inherits the process's flags: naming them again in `execArgv` refuses the
 * per-process ones (`--trace-gc`, say), and with them the start of the twin.
 */
const WORKER_OPTIONS = EXTENSION === '.ts' && !process.execArgv.includes('tsx') ? { execArgv: ['--import', 'tsx'] } : {};

export class PrepPool {
  private readonly workers: Worker[] = [];
  /** Per worker, the numbers of the schemas it keeps, as it keeps them. */
  private readonly shelves = new WeakMap<Worker, SchemaShelf<true>>();
  private readonly schemaNumbers = new SchemaNumbers();
  private readonly waiting = new Map<number, (prepared: Prepared) => void>();
  private nextId = 0;
  private closed = false;

  /** `size` workers; by default one per core beyond the event loop's, at least one, at most 4. */
  constructor(size = Math.min(4, Math.max(1, availableParallelism() - 1))) {
    for (let i = 0; i < size; i++) this.workers.push(this.start());
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, WORKER_OPTIONS);
    this.shelves.set(worker, new SchemaShelf());
    worker.unref();
    worker.on('message', ({ id, prepared }: { id: number; prepared: Prepared }) => this.settle(id, prepared));
    worker.on('error', (error) => {
      console.error('[kindling] an ingest worker failed; its requests take the full path:', error);
      this.retire(worker);
    });
    worker.on('exit', () => this.retire(worker));
    return worker;
  }

  private retire(worker: Worker): void {
    const index = this.workers.indexOf(worker);
    if (index !== -1) this.workers.splice(index, 1);
    if (this.workers.length > 0) return;
    for (const [id] of this.waiting) this.settle(id, { taken: false });
  }

  private settle(id: number, prepared: Prepared): void {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    if (!prepared.taken) return resolve(prepared);
    // A Buffer arrives as a plain Uint8Array.
    const { utf8, ends } = prepared.events;
    resolve({ taken: true, events: { utf8: Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength), ends } });
  }

  prepare(request: PrepRequest): Promise<Prepared> {
    const worker = this.workers[this.nextId % Math.max(1, this.workers.length)];
    if (this.closed || !worker) return Promise.resolve({ taken: false });
    const id = this.nextId++;
    const { schema, ...rest } = request;
    const body = new Uint8Array(request.body);
    const message: PrepMessage = { id, request: { ...rest, body }, schemaKey: this.schemaNumbers.of(schema) };
    const shelf = this.shelves.get(worker)!;
    if (!shelf.has(message.schemaKey)) {
      shelf.put(message.schemaKey, true);
      message.schema = schema;
    }
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      worker.postMessage(message, [body.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    for (const [id] of this.waiting) this.settle(id, { taken: false });
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
