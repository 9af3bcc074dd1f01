import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../shared/ingest/group-commit.ts';
import { serialiseEvents } from '../../shared/ingest/serialised.ts';
import { decodeTask } from '../../shared/ingest/task-codec.ts';
import type { Source } from '../../shared/accounts/model.ts';
import type { QueuedTask, TaskFormat, TaskHandler, TaskQueue } from '../../shared/ports.ts';

/** A queue whose enqueues finish only when the test says so. */
class HeldQueue implements TaskQueue {
  readonly calls: QueuedTask[][] = [];
  private readonly releases: Array<(error?: Error) => void> = [];

  constructor(readonly taskFormat: TaskFormat) {}

  enqueue(tasks: QueuedTask[]): Promise<void> {
    this.calls.push(tasks);
    return new Promise((resolve, reject) => this.releases.push((error) => (error ? reject(error) : resolve())));
  }

  /** Finishes the oldest unfinished enqueue call. */
  release(error?: Error): void {
    this.releases.shift()!(error);
  }

  startDelivery(_handler: TaskHandler): void {}
  async close(): Promise<void> {}
}

const source = { id: 'src', account_id: 'acct', schema: [] } as unknown as Source;
let n = 0;
const ids = { uuid: () => `batch-${++n}` };
const event = (i: number) => JSON.stringify({ id: `e${i}`, timestamp: 1, event_message: `m${i}`, body: {} });
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

async function eventsOf(call: QueuedTask[]): Promise<string[]> {
  const decoded = await Promise.all(call.map((task) => decodeTask(task.body)));
  return decoded.flatMap((task) => task.events.events().map((e) => e.id));
}

describe('GroupCommit', () => {
  it('sends concurrent submissions as one enqueue and answers each once it is durable', async () => {
    const queue = new HeldQueue({ maxBytes: 1 << 20, compression: 'none' });
    const commit = new GroupCommit(queue, ids, { lingerMs: 1, flushEvents: 1000 });
    let answered = 0;
    const a = commit.submit(source, serialiseEvents([event(1)])).then(() => answered++);
    const b = commit.submit(source, serialiseEvents([event(2), event(3)])).then(() => answered++);
    await settle();
    expect(queue.calls).toHaveLength(1);
    expect(await eventsOf(queue.calls[0]!)).toEqual(['e1', 'e2', 'e3']);
    expect(answered).toBe(0);
    queue.release();
    await Promise.all([a, b]);
    expect(answered).toBe(2);
  });

  it('flushes as soon as flushEvents are pending, without waiting for the linger', async () => {
    const queue = new HeldQueue({ maxBytes: 1 << 20, compression: 'none' });
    const commit = new GroupCommit(queue, ids, { lingerMs: 60_000, flushEvents: 2 });
    const done = commit.submit(source, serialiseEvents([event(1), event(2)]));
    await settle();
    expect(queue.calls).toHaveLength(1);
    queue.release();
    await done;
  });

  it('rejects every submission of a failed enqueue', async () => {
    const queue = new HeldQueue({ maxBytes: 1 << 20, compression: 'none' });
    const commit = new GroupCommit(queue, ids, { lingerMs: 1, flushEvents: 1000 });
    const a = commit.submit(source, serialiseEvents([event(1)]));
    const b = commit.submit(source, serialiseEvents([event(2)]));
    await settle();
    queue.release(new Error('disk full'));
    await expect(a).rejects.toThrow('disk full');
    await expect(b).rejects.toThrow('disk full');
  });

  it('drain sends what is pending at once and waits for every enqueue', async () => {
    const queue = new HeldQueue({ maxBytes: 1 << 20, compression: 'none' });
    const commit = new GroupCommit(queue, ids, { lingerMs: 60_000, flushEvents: 1000 });
    const first = commit.submit(source, serialiseEvents([event(1)]));
    let drained = false;
    const draining = commit.drain().then(() => (drained = true));
    await settle();
    expect(queue.calls).toHaveLength(1);
    expect(drained).toBe(false);
    queue.release();
    await Promise.all([first, draining]);
    expect(drained).toBe(true);
  });
});
