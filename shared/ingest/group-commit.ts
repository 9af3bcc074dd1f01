/**
 * Group commit: concurrent ingest requests on one instance wait together for one enqueue.
 * Events pend until the group holds `flushEvents` events or `lingerMs` has passed; then every
 * pending event becomes tasks in one TaskQueue.enqueue call, and each waiting request is
 * answered only when that call has made its events durable.
 */
import type { Source } from '../accounts/model.ts';
import type { Ids, TaskQueue } from '../ports.ts';
import { encodeTasks } from './task-codec.ts';
import type { SerialisedEvents } from './serialised.ts';
import { SchemaNumbers } from './schema-numbers.ts';

export interface GroupCommitOptions {
  lingerMs: number;
  flushEvents: number;
}

interface PendingGroup {
  source: Source;
  /** The events of each request, serialised once by the pipeline or the ingest worker. */
  runs: SerialisedEvents[];
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class GroupCommit {
  /** Keyed by source id and schema object: events checked against one schema travel together. */
  private groups = new Map<string, PendingGroup>();
  private waiters: Waiter[] = [];
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly schemaNumbers = new SchemaNumbers();

  constructor(
    private readonly queue: TaskQueue,
    private readonly ids: Ids,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves once `events` are durably queued; rejects if their enqueue failed. */
  submit(source: Source, events: SerialisedEvents): Promise<void> {
    if (events.ends.length === 0) return Promise.resolve();
    const key = `${source.id}/${this.schemaNumbers.of(source.schema)}`;
    const group = this.groups.get(key);
    if (group) group.runs.push(events);
    else this.groups.set(key, { source, runs: [events] });
    this.pendingEvents += events.ends.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.pendingEvents >= this.options.flushEvents) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.lingerMs);
    return done;
  }

  /** Flushes what is pending and waits for every enqueue in flight (shutdown). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingEvents === 0) return;
    const groups = [...this.groups.values()];
    const waiters = this.waiters;
    this.groups = new Map();
    this.waiters = [];
    this.pendingEvents = 0;
    const commit = this.commit(groups).then(
      () => waiters.forEach((w) => w.resolve()),
      (error: unknown) => waiters.forEach((w) => w.reject(error)),
    );
    this.inFlight.add(commit);
    void commit.finally(() => this.inFlight.delete(commit));
  }

  private async commit(groups: PendingGroup[]): Promise<void> {
    const encoded = await Promise.all(
      groups.map(({ source, runs }) =>
        encodeTasks(
          { account_id: source.account_id, source_id: source.id, schema: source.schema },
          runs,
          this.queue.taskFormat,
          () => this.ids.uuid(),
        ),
      ),
    );
    await this.queue.enqueue(encoded.flat());
  }
}
