/**
 * The event ids this process wrote (or is writing) recently, so that a batch delivered again
 * soon after (a task retried after a partial failure, the same id twice in one batch) is not
 * appended twice. Best effort, as insertId is: it forgets after about `windowMs` or `maxIds`
 * ids, and it knows nothing of what other instances wrote.
 *
 * Two generations: ids go into the current one, lookups see both, and the older one is dropped
 * when the current one is a window old or full, so memory stays under 2 × maxIds keys.
 */
import type { Clock } from '../../ports.ts';

export interface RecentIdsOptions {
  windowMs: number;
  maxIds: number;
  clock: Clock;
}

export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  private startedAt: number;

  constructor(private readonly options: RecentIdsOptions) {
    this.startedAt = options.clock.now();
  }

  has(key: string): boolean {
    this.rotate();
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: string): void {
    this.rotate();
    this.current.add(key);
  }

  /** Forgets an id whose write failed, so that a retry writes it. */
  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  /** Starts a new generation when the current one is a window old or full. */
  private rotate(): void {
    const now = this.options.clock.now();
    if (now - this.startedAt < this.options.windowMs && this.current.size < this.options.maxIds) return;
    this.previous = now - this.startedAt >= 2 * this.options.windowMs ? new Set() : this.current;
    this.current = new Set();
    this.startedAt = now;
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
}
