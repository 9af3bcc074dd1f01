/**
 * The local twin's TaskQueue: a durable outbox table in the one DuckDB database and an
 * in-process dispatcher that hands due rows to the sink, deleting a row once delivered and
 * rescheduling it with exponential backoff when delivery fails. A task is never dropped: rows
 * left by a crashed process are delivered by the next one. A delivery that writes events has
 * its row deleted by the transaction that writes them (see delivery-scope.ts), so a task is
 * never both written and still queued.
 */
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { blobValue, listValue, LIST, VARCHAR, type DuckDBBlobValue } from '@duckdb/node-api';
import type { Clock, QueuedTask, TaskFormat, TaskHandler, TaskQueue } from '../../ports.ts';
import { assertTaskName } from '../names.ts';
import { runPrepared, type LocalDatabase } from './database.ts';
import { deleteOutboxRows, deliveryScope, type Delivery } from './delivery-scope.ts';

export interface LocalTaskQueueOptions {
  clock?: Clock;
  /**
   * Deliveries in flight at once (32 by default). The sink's concurrent inserts into one table
   * share a transaction and a statement, so more in flight means fewer, larger writes. Under
   * bench:ingest's load, ingest-to-queryable p50/p99 was 9.9/10.4 s at 8, 4.8/5.5 s at 16,
   * 0.8/2.7 s at 32 and 0.5/3.1 s at 64 (with ingest throughput falling).
   */
  concurrency?: number;
  /** How often the dispatcher looks for due rows without being told (crash leftovers, retries). */
  pollIntervalMs?: number;
  /** Backoff after the first failure; it doubles per attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  random?: () => number;
  /** Told about each failed delivery (the task stays queued). */
  onDeliveryError?: (error: unknown, task: { name: string; attempts: number }) => void;
}

interface DueTask {
  name: string;
  body: Buffer;
  attempts: number;
}

const systemClock: Clock = { now: () => Date.now() };
/** Free delivery slots a pass waits for while others are in flight. */
const READ_AT_LEAST = 8;
/**
 * Committed tasks kept in memory for delivery at most; beyond it they are read back. Kept
 * as enqueued, uncompressed: a group commit's task (~500 events) is ~150 KB,
 * so a sink that falls behind holds ~40 MB here at most.
 */
const MAX_HANDED_OVER = 256;
const micros = (ms: number) => BigInt(Math.round(ms * 1000));

export class LocalTaskQueue implements TaskQueue {
  /**
   * Bodies come as they are; the outbox compresses its rows itself (see atRest). The cap only
   * bounds a task's size: the group commit's flush threshold keeps batches far below it.
   */
  readonly taskFormat: TaskFormat = { maxBytes: 256 * 1024 * 1024, compression: 'none' };
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private readonly onDeliveryError: LocalTaskQueueOptions['onDeliveryError'];

  private handler: TaskHandler | undefined;
  private running = false;
  /**
   * Names picked and not yet known settled by a pass: they must not be picked twice. A finished
   * delivery's name is only released at the start of the next pass, so that a read begun before
   * the row was deleted or rescheduled can never hand it out again.
   */
  private readonly claimed = new Set<string>();
  private released: string[] = [];
  private readonly deliveries = new Set<Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  /**
   * Tasks this process committed, handed to the dispatcher as they are instead of read back from
   * the outbox: the read (a DuckDB query and a copy of each body) was ~1 µs per event under load.
   * Their names are claimed from before their INSERT, so no read returns them; retries, rows
   * left by a crash and tasks beyond MAX_HANDED_OVER are read from the outbox as before.
   */
  private readonly handedOver = new Map<string, DueTask>();
  /** Whether the outbox may hold due rows that were not handed over (see pump). */
  private readDue = true;
  /** Tasks waiting for the next enqueue transaction, and that transaction once it is queued. */
  private waiting: QueuedTask[] = [];
  private committing: Promise<void> | undefined;
  /** Delivered names waiting for one shared DELETE, so many deliveries cost one commit. */
  private doneNames: string[] = [];
  private deleting: Promise<void> | undefined;

  private constructor(
    private readonly db: LocalDatabase,
    options: LocalTaskQueueOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 32;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.initialBackoffMs = options.initialBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.random = options.random ?? Math.random;
    this.onDeliveryError = options.onDeliveryError;
  }

  /** Opens the queue on `db`, creating the outbox table if needed. */
  static async open(db: LocalDatabase, options: LocalTaskQueueOptions = {}): Promise<LocalTaskQueue> {
    await db.write((connection) =>
      connection.run(
        'CREATE TABLE IF NOT EXISTS outbox (name VARCHAR PRIMARY KEY, body BLOB, attempts INTEGER, ' +
          'next_attempt_at TIMESTAMP, created_at TIMESTAMP)',
      ),
      'outbox',
    );
    return new LocalTaskQueue(db, options);
  }

  /**
   * Resolves after the COMMIT that holds `tasks`. Calls arriving while the writer is busy share
   * one statement (a group commit), so many small enqueues cost one disk flush. The statement
   * runs in autocommit: one round trip to DuckDB instead of three (BEGIN, INSERT, COMMIT), which
   * matters because each round trip waits for a turn of the busy event loop. It is a plain
   * INSERT: INSERT OR IGNORE cost 3× the CPU (measured 11.5 against 3.7 ms for five 100 KB
   * tasks), so it is kept for the rare enqueue that repeats a queued name.
   */
  async enqueue(tasks: QueuedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    for (const task of tasks) assertTaskName(task.name);
    this.waiting.push(...tasks);
    const commit = (this.committing ??= this.db.write(async (connection) => {
      const batch = uniqueByName(this.waiting);
      this.waiting = [];
      this.committing = undefined;
      // One µs apart, so that "oldest first" keeps the order of the calls within a commit.
      const now = micros(this.clock.now());
      // The text depends only on the number of tasks, so its prepared statement is kept.
      const rows = batch.map((_task, index) => {
        const at = `make_timestamp($${batch.length * 2 + 1}::BIGINT + ${index})`;
        return `($${index * 2 + 1}, $${index * 2 + 2}, 0, ${at}, ${at})`;
      });
      const values = [...batch.flatMap((task) => [task.name, blobValue(atRest(task.body))]), now];
      const insert = (verb: string) => runPrepared(connection, `${verb} INTO outbox VALUES ${rows.join(', ')}`, values);
      const handing = this.claimForHandOver(batch);
      try {
        await insert('INSERT');
      } catch (error) {
        for (const task of handing) this.claimed.delete(task.name);
        this.readDue = true;
        if (!(error instanceof Error && /duplicate key|constraint/i.test(error.message))) throw error;
        await insert('INSERT OR IGNORE');
        return;
      }
      // As enqueued, not as stored: the sink need not decompress what it was just given.
      for (const task of handing) this.handedOver.set(task.name, { name: task.name, body: task.body, attempts: 0 });
    }, 'outbox'));
    await commit;
    this.wake();
  }

  /**
   * Claims the tasks of a batch about to be inserted that will be handed over: only while
   * delivering, only names nobody claimed (a repeated name stays with its row), and no more than
   * MAX_HANDED_OVER waiting in all.
   */
  private claimForHandOver(batch: QueuedTask[]): QueuedTask[] {
    if (!this.running) return [];
    const room = MAX_HANDED_OVER - this.handedOver.size;
    const handing = batch.filter((task) => !this.claimed.has(task.name)).slice(0, Math.max(0, room));
    for (const task of handing) this.claimed.add(task.name);
    // The others are found by reading the outbox.
    if (handing.length < batch.length) this.readDue = true;
    return handing;
  }

  startDelivery(handler: TaskHandler): void {
    if (this.handler) throw new Error('Delivery has already been started on this queue.');
    this.handler = handler;
    this.running = true;
    const poll = setInterval(() => {
      this.readDue = true;
      this.wake();
    }, this.pollIntervalMs);
    poll.unref();
    this.timers.add(poll);
    this.wake();
  }

  async close(): Promise<void> {
    this.running = false;
    // Their rows stay in the outbox for the next process.
    this.handedOver.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.pumping;
    while (this.deliveries.size > 0) await Promise.allSettled([...this.deliveries]);
  }

  /** How many tasks are queued (in flight included). */
  async pending(): Promise<number> {
    const reader = await this.db.read((connection) => connection.runAndReadAll('SELECT count(*) FROM outbox'));
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }

  /** Looks for due rows now; a wake during a pass makes the pass run again. */
  private wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // A wake after the pass's last look (deliveries settled by one shared DELETE finish
      // together) would otherwise wait for the next poll.
      if (this.pumpAgain) this.wake();
    });
  }

  private async pump(): Promise<void> {
    do {
      this.pumpAgain = false;
      for (const name of this.released) this.claimed.delete(name);
      this.released = [];
      if (!this.running) return;
      for (const [name, task] of this.handedOver) {
        if (this.deliveries.size >= this.concurrency) break;
        this.handedOver.delete(name);
        this.deliverClaimed(task);
      }
      const free = this.concurrency - this.deliveries.size;
      // While deliveries are in flight, wait for a few slots to read due rows for: each read is a
      // DuckDB call, and one per finished delivery was 40% of the twin's DuckDB calls under load.
      const enough = this.deliveries.size === 0 ? 1 : Math.min(READ_AT_LEAST, this.concurrency);
      // The outbox is read only when it may hold rows not handed over: at start, after a retry
      // is due, when a batch was not (wholly) handed over, and on every poll.
      if (free < enough || !this.readDue) continue;
      this.readDue = false;
      // A failed read (the database closing, say) is simply tried again on the next wake or poll.
      const due = await this.dueTasks(free).catch(() => {
        this.readDue = true;
        return [];
      });
      if (!this.running) return;
      // A full page: more rows may be due.
      if (due.length >= free) this.readDue = true;
      for (const task of due) this.start(task);
    } while (this.pumpAgain);
  }

  /** The oldest due rows that are not claimed (their bodies are not read again). */
  private async dueTasks(limit: number): Promise<DueTask[]> {
    const reader = await this.db.read((connection) =>
      runPrepared(
        connection,
        'SELECT name, body, attempts FROM outbox WHERE next_attempt_at <= make_timestamp($now::BIGINT) ' +
          'AND name NOT IN (SELECT unnest($claimed)) ORDER BY created_at, name LIMIT $limit',
        { now: micros(this.clock.now()), claimed: listValue([...this.claimed]), limit },
        { claimed: LIST(VARCHAR) },
      ),
    );
    return reader.getRows().map(([name, body, attempts]) => ({
      name: name as string,
      body: fromRest((body as DuckDBBlobValue).bytes),
      attempts: Number(attempts),
    }));
  }

  private start(task: DueTask): void {
    // A read that began before a handed-over task's name was claimed may still return it.
    if (this.claimed.has(task.name)) return;
    this.claimed.add(task.name);
    this.deliverClaimed(task);
  }

  private deliverClaimed(task: DueTask): void {
    const delivery = this.deliver(task).finally(() => {
      this.released.push(task.name);
      this.deliveries.delete(delivery);
      this.wake();
    });
    this.deliveries.add(delivery);
  }

  private async deliver(task: DueTask): Promise<void> {
    const delivery: Delivery = { name: task.name, settled: false };
    try {
      await deliveryScope.run(delivery, () => this.handler!(task.body));
    } catch (error) {
      this.onDeliveryError?.(error, { name: task.name, attempts: task.attempts + 1 });
      await this.reschedule(task).catch(() => undefined);
      return;
    }
    // Settled already when the sink wrote the events: their transaction deleted the row.
    if (!delivery.settled) await this.markDone(task.name).catch(() => undefined);
  }

  /** Backs off exponentially with "equal jitter": half the delay fixed, half random. */
  private async reschedule(task: DueTask): Promise<void> {
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** task.attempts);
    const delay = base / 2 + (base / 2) * this.random();
    await this.db.transaction((connection) =>
      connection.run(
        'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = make_timestamp($due::BIGINT) WHERE name = $name',
        { due: micros(this.clock.now() + delay), name: task.name },
      ),
      'delivery',
    );
    if (!this.running) return;
    const retry = setTimeout(() => {
      this.timers.delete(retry);
      this.readDue = true;
      this.wake();
    }, delay);
    retry.unref();
    this.timers.add(retry);
  }

  /**
   * Resolves once `name` is deleted. The names are read when the transaction starts on the
   * writer lane, so every delivery that finished while the lane was busy shares one commit.
   */
  private markDone(name: string): Promise<void> {
    this.doneNames.push(name);
    return (this.deleting ??= this.db.transaction(async (connection) => {
      const names = this.doneNames;
      this.doneNames = [];
      this.deleting = undefined;
      await deleteOutboxRows(connection, names);
    }, 'delivery'));
  }
}

/** zstd's fastest level: ~270 MB/s and ~10x on log batches here, against gzip 4's ~150 MB/s and 7x. */
const ZSTD_OPTIONS = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

/**
 * A row's body as stored: zstd-compressed. Outbox rows are deleted once delivered, but DuckDB
 * frees their storage only at the next checkpoint: plain JSON bodies held ~200 MB of the twin's
 * memory under bench load and were half of what the write-ahead log wrote; compressed ~10x, they
 * hold ~8 MB. On the event loop: ~0.3 µs per event, less than an async call's own cost around it
 * (its stream, chunk callbacks and a worker's wake-up; measured 31.7 → 29.6 µs of CPU per event
 * under the bench load).
 */
function atRest(body: Buffer): Buffer {
  return zstdCompressSync(body, ZSTD_OPTIONS);
}

/**
 * A stored body as it was enqueued. Every row is zstd since this queue compressed them itself;
 * rows of earlier versions were compressed (or not) by their maker and go as they are: a zstd one
 * then decompresses into the same sink batch. Output comes in chunks of chunkSize, each copied
 * again to join them; room for ~16x makes it one chunk for nearly all.
 */
function fromRest(bytes: Uint8Array): Buffer {
  // A view, not a copy: node-api already copied the blob into memory of its own.
  const stored = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const zstd = stored[0] === 0x28 && stored[1] === 0xb5 && stored[2] === 0x2f && stored[3] === 0xfd;
  if (!zstd) return stored;
  return zstdDecompressSync(stored, { chunkSize: Math.min(Math.max(stored.length * 16, 64 * 1024), 16 * 1024 * 1024) });
}

/** Keeps the first task of each name: a name repeated in one call is queued once, as first given. */
function uniqueByName(tasks: QueuedTask[]): QueuedTask[] {
  const seen = new Set<string>();
  return tasks.filter((task) => (seen.has(task.name) ? false : (seen.add(task.name), true)));
}
