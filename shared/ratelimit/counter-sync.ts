/**
 * The instance's one conversation with the CounterStore: about once a second it writes what
 * every participant (the rate limiter, usage metering) has due (each decides what: most counts
 * wait ten seconds, see theirs), in one call to this instance's own shard, then reads the totals
 * the participants watch. So Firestore operations grow with instances × seconds, never with
 * requests; a tick with nothing due costs nothing.
 *
 * Fails safe: when the store throws, the counts stay with their participant and are written on
 * a later tick; decisions go on from local counts and the last totals read. The failure is
 * logged once, and so is the recovery.
 */
import type { Clock, CounterDelta, CounterStore } from '../ports.ts';

export interface CounterParticipant {
  /**
   * Deltas to write now (the participant remembers them as being written). `closing`: the
   * instance is going away, so everything not written yet.
   */
  collect(closing: boolean): CounterDelta[];
  /** The write of the collected deltas succeeded, or failed and must be collected again. */
  written(ok: boolean): void;
  /** Counters whose totals the participant wants after the write (none if absent). */
  keysToRead?(): string[];
  /** The totals of keysToRead(), read after the write; not called when the read failed. */
  read?(totals: Map<string, number>): void;
}

export interface CounterSyncOptions {
  /** Where the one-line failure and recovery notices go. */
  log?: (message: string) => void;
  /** Measures the interval for syncIfDue (the system clock unless a test injects one). */
  clock?: Clock;
  /**
   * False: no timer; ticks happen only through sync() and syncIfDue(), driven by the caller's
   * clock (deterministic tests with an injected clock).
   */
  background?: boolean;
}

/** About once a second: often enough for decisions, rare enough for Firestore's ~1 write/s per document. */
const SYNC_INTERVAL_MS = 1_000;

export class CounterSync {
  private readonly participants: CounterParticipant[] = [];
  private readonly log: (message: string) => void;
  private readonly clock: Clock;
  private readonly background: boolean;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private failing = false;
  private closed = false;
  /** When the last tick started, for syncIfDue. */
  private lastStart = -Infinity;

  constructor(
    private readonly store: CounterStore,
    /** This instance's shard: its writes never touch another instance's documents. */
    readonly shard: string,
    options: CounterSyncOptions = {},
  ) {
    this.log = options.log ?? ((message) => console.error(`[kindling] ${message}`));
    this.clock = options.clock ?? { now: () => Date.now() };
    this.background = options.background ?? true;
  }

  join(participant: CounterParticipant): void {
    this.participants.push(participant);
  }

  /** Starts the periodic tick (idempotent; a closed sync stays closed). */
  start(): void {
    if (this.timer || this.closed || !this.background) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.sync();
    }, SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Runs a tick now, or the next one after the tick in progress (callers arriving meanwhile
   * share it). Never rejects.
   */
  sync(): Promise<void> {
    if (!this.running) return this.begin();
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.begin();
    });
    return this.queued;
  }

  /**
   * Starts a tick when the last one began an interval ago or more. Called from request paths:
   * on Cloud Run, CPU outside requests may be throttled and the timer late.
   */
  syncIfDue(): void {
    if (!this.running && !this.closed && this.clock.now() - this.lastStart >= SYNC_INTERVAL_MS) void this.sync();
  }

  /** Stops the timer, waits for the tick in progress, then writes what is left (no read). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queued;
    await this.running;
    await this.write(true);
  }

  private begin(): Promise<void> {
    this.lastStart = this.clock.now();
    const tick = this.tick()
      .catch((error: unknown) => this.log(`counter sync failed unexpectedly: ${error instanceof Error ? error.stack : error}`))
      .finally(() => {
        this.running = null;
      });
    this.running = tick;
    return tick;
  }

  private async tick(): Promise<void> {
    const wrote = await this.write(false);
    const wanted = this.participants.map((participant) => participant.keysToRead?.() ?? []);
    const keys = wanted.flat();
    let totals: Map<string, number> = new Map();
    if (keys.length > 0) {
      try {
        totals = await this.store.totals(keys);
      } catch (error) {
        this.failed('read', error);
        return;
      }
      this.participants.forEach((participant, i) => {
        if (wanted[i]!.length > 0) participant.read?.(totals);
      });
    }
    if (wrote) this.recovered();
  }

  /** Writes every participant's deltas in one call; true when it succeeded (or had nothing to do). */
  private async write(closing: boolean): Promise<boolean> {
    const deltas = this.participants.flatMap((participant) => participant.collect(closing));
    let ok = true;
    if (deltas.length > 0) {
      try {
        await this.store.add(this.shard, deltas);
      } catch (error) {
        ok = false;
        this.failed('write', error);
      }
    }
    for (const participant of this.participants) participant.written(ok);
    return ok;
  }

  private failed(what: 'read' | 'write', error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.log(`counter store ${what} failed (${reason}); deciding from local counts until it answers again`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.log('counter store answers again; counts are flowing');
  }
}
