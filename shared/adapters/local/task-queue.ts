/**
 * The local twin's TaskQueue: while this process delivers, a task goes straight to the sink and
 * is done once the sink has committed its events; a task it cannot deliver at once goes to a
 * durable outbox table in the one DuckDB database, from which an in-process dispatcher hands due
 * rows to the sink, deleting a row once delivered and rescheduling it with exponential backoff
 * when delivery fails. A task is never dropped: rows left by a crashed process are delivered by
 * the next one. A delivery that writes events has its row deleted by the transaction that writes
 * them (see delivery-scope.ts), so a task is never both written and still queued.
 */
import type { Clock, QueuedTask, TaskFormat, TaskHandler, TaskQueue } from '../../ports.ts';
import { assertTaskName } from '../names.ts';
import type { LocalDatabase } from './database.ts';
import { deleteOutboxRows, deliveryScope, type Delivery } from './delivery-scope.ts';
import { countRows, createOutbox, insertRows, readDue, rescheduleRow, type DueTask, type OutboxRow } from './outbox.ts';

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

const systemClock: Clock = { now: () => Date.now() };
/** Free delivery slots a pass waits for while others are in flight. */
const READ_AT_LEAST = 8;
/**
 * Committed tasks kept in memory for delivery at most; beyond it they are read back. Kept
 * as enqueued, uncompressed: a group commit's task (~500 events) is ~150 KB,
 * so a sink that falls behind holds ~40 MB here at most.
 */
const MAX_HANDED_OVER = 256;

export class LocalTaskQueue implements TaskQueue {
  /**
   * Bodies come as they are; the outbox compresses its rows itself (see outbox.ts). The cap only
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
  /** Rows waiting for the next outbox transaction, and that transaction once it is queued. */
  private waiting: OutboxRow[] = [];
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
    await db.alterCatalog(createOutbox, 'outbox');
    return new LocalTaskQueue(db, options);
  }

  /**
   * Resolves once every task is durable: delivered already (see deliverAtOnce), or committed to
   * the outbox for the dispatcher.
   */
  async enqueue(tasks: QueuedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    for (const task of tasks) assertTaskName(task.name);
    const { delivered, unsent } = this.deliverAtOnce(uniqueBy(tasks, (task) => task.name));
    const [failed] = await Promise.all([delivered, this.store(unsent.map((task) => ({ task, attempts: 0, delayMs: 0 })))]);
    if (failed.length > 0) {
      const rows = failed.map((task) => ({ task, attempts: 1, delayMs: this.backoff(0) }));
      await this.store(rows);
      // A row is due `delayMs` after its commit began: looking then or later finds it due.
      const stored = this.clock.now();
      for (const { delayMs } of rows) this.wakeAt(stored + delayMs);
    }
    // Stored rows may have been handed over; a delivery made at once wakes the dispatcher itself.
    if (unsent.length > 0) this.wake();
  }

  /**
   * While this process delivers, a task goes to the handler before it is written anywhere. Once
   * the handler has returned, its events are committed to the event store, which is as durable
   * as an outbox row: so the row, its compression, the INSERT and the DELETE after delivery are
   * all saved, and the events are searchable when the enqueue resolves. A task goes to the
   * outbox instead when the deliveries in flight are at the limit or its name is being
   * delivered already (`unsent`, stored at once), and when its delivery fails (in `delivered`'s
   * answer, stored afterwards and due after the first backoff, as a failed row would be).
   *
   * Only names this process is delivering are looked up: a name enqueued again while its first
   * row waits in the outbox would be delivered twice, each time storing every event once by id.
   */
  private deliverAtOnce(tasks: QueuedTask[]): { delivered: Promise<QueuedTask[]>; unsent: QueuedTask[] } {
    const failed: QueuedTask[] = [];
    const unsent: QueuedTask[] = [];
    const sending: Promise<void>[] = [];
    for (const task of tasks) {
      if (!this.running || this.deliveries.size >= this.concurrency || this.claimed.has(task.name)) {
        unsent.push(task);
        continue;
      }
      this.claimed.add(task.name);
      // No outbox row to settle: the sink's store must not find a delivery scope around this call.
      const sent = deliveryScope.exit(() => this.handler!(task.body)).catch((error: unknown) => {
        this.onDeliveryError?.(error, { name: task.name, attempts: 1 });
        failed.push(task);
      });
      this.track(task.name, sent);
      sending.push(sent);
    }
    return { delivered: Promise.all(sending).then(() => failed), unsent };
  }

  /**
   * Resolves after the COMMIT that holds `rows`. Calls arriving while the writer is busy share
   * one statement (a group commit), so many small writes cost one disk flush. The statement runs
   * in autocommit: one round trip to DuckDB instead of three (BEGIN, INSERT, COMMIT), which
   * matters because each round trip waits for a turn of the busy event loop. It is a plain
   * INSERT: INSERT OR IGNORE cost 3× the CPU (measured 11.5 against 3.7 ms for five 100 KB
   * tasks), so it is kept for the rare enqueue that repeats a queued name.
   */
  private store(rows: OutboxRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    this.waiting.push(...rows);
    return (this.committing ??= this.db.write(async (connection) => {
      const batch = uniqueBy(this.waiting, (row) => row.task.name);
      this.waiting = [];
      this.committing = undefined;
      const now = this.clock.now();
      const insert = (verb: 'INSERT' | 'INSERT OR IGNORE') => insertRows(connection, batch, now, verb);
      const handing = this.claimForHandOver(batch.filter((row) => row.attempts === 0).map((row) => row.task));
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
    return this.db.read(countRows);
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
  private dueTasks(limit: number): Promise<DueTask[]> {
    return this.db.read((connection) => readDue(connection, this.clock.now(), [...this.claimed], limit));
  }

  private start(task: DueTask): void {
    // A read that began before a handed-over task's name was claimed may still return it.
    if (this.claimed.has(task.name)) return;
    this.claimed.add(task.name);
    this.deliverClaimed(task);
  }

  private deliverClaimed(task: DueTask): void {
    this.track(task.name, this.deliver(task));
  }

  /** Counts a delivery in flight until it settles; then its name is released by the next pass. */
  private track(name: string, delivering: Promise<void>): void {
    const delivery = delivering.finally(() => {
      this.released.push(name);
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

  private async reschedule(task: DueTask): Promise<void> {
    const due = this.clock.now() + this.backoff(task.attempts);
    await this.db.transaction((connection) => rescheduleRow(connection, task.name, due), 'delivery');
    this.wakeAt(due);
  }

  /** The delay after a task's delivery failed for the (attempts + 1)th time: exponential, with "equal jitter" (half fixed, half random). */
  private backoff(attempts: number): number {
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** attempts);
    return base / 2 + (base / 2) * this.random();
  }

  /** Looks for due rows again at `due` on the queue's clock (a retry). */
  private wakeAt(due: number): void {
    if (!this.running) return;
    const retry = setTimeout(() => {
      this.timers.delete(retry);
      this.readDue = true;
      this.wake();
    }, Math.max(0, due - this.clock.now()));
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

/** Keeps the first item of each name: a name repeated in one call is queued once, as first given. */
function uniqueBy<T>(items: T[], nameOf: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const name = nameOf(item);
    return seen.has(name) ? false : (seen.add(name), true);
  });
}
