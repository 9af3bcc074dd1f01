/**
 * The TaskQueue contract against the local outbox, plus the dispatcher's own promises: backoff
 * on failure without dropping a task, delivery of rows left by a previous process, a bounded
 * number of deliveries in flight, prompt pick-up of new work, and a clean close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalDatabase } from '../../shared/adapters/local/database.ts';
import { LocalTaskQueue, type LocalTaskQueueOptions } from '../../shared/adapters/local/task-queue.ts';
import { describeTaskQueueContract, task } from './task-queue.contract.ts';
import { LocalEventStore } from '../../shared/adapters/local/event-store.ts';
import { randomUUID } from 'node:crypto';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { blobValue, type DuckDBBlobValue } from '@duckdb/node-api';

async function queuedNames(db: LocalDatabase): Promise<string[]> {
  const reader = await db.read((c) => c.runAndReadAll('SELECT name FROM outbox ORDER BY name'));
  return reader.getRows().map(([name]) => name as string);
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition.');
    await sleep(5);
  }
}

describeTaskQueueContract('LocalTaskQueue (DuckDB outbox)', async () => {
  const db = await LocalDatabase.open(':memory:');
  const queue = await LocalTaskQueue.open(db, { pollIntervalMs: 10, initialBackoffMs: 5, maxBackoffMs: 20 });
  return {
    queue,
    queuedNames: () => queuedNames(db),
    drain: async (handler) => {
      queue.startDelivery(handler);
      await until(async () => (await queue.pending()) === 0);
      await queue.close();
    },
    cleanup: async () => {
      await queue.close();
      await db.close();
    },
  };
});

describe('LocalTaskQueue dispatcher', () => {
  let db: LocalDatabase;
  let queue: LocalTaskQueue;
  const open = async (options: LocalTaskQueueOptions = {}) => {
    queue = await LocalTaskQueue.open(db, { pollIntervalMs: 10, ...options });
    return queue;
  };

  beforeEach(async () => {
    db = await LocalDatabase.open(':memory:');
  });
  afterEach(async () => {
    await queue?.close();
    await db.close();
  });

  it('backs off exponentially on the injected clock, never before the backoff is over', async () => {
    let now = 1_000_000;
    await open({ clock: { now: () => now }, random: () => 1, initialBackoffMs: 100 });
    await queue.enqueue([task('flaky')]);
    let calls = 0;
    queue.startDelivery(async () => {
      calls++;
      if (calls <= 3) throw new Error('sink down');
    });
    const row = async () => {
      const reader = await db.read((c) => c.runAndReadAll('SELECT attempts, epoch_ms(next_attempt_at) FROM outbox'));
      return reader.getRows().map((r) => r.map(Number))[0];
    };
    for (const [attempt, backoff] of [100, 200, 400].entries()) {
      await until(() => calls === attempt + 1);
      await until(async () => (await row())?.[0] === attempt + 1);
      const due = (await row())![1]!;
      expect(due - now).toBe(backoff);
      now = due - 1;
      await sleep(40);
      expect(calls).toBe(attempt + 1);
      now = due;
    }
    await until(async () => (await queue.pending()) === 0);
    expect(calls).toBe(4);
  });

  it('records attempts and the next attempt time in the outbox row', async () => {
    const now = 5_000;
    await open({ clock: { now: () => now }, random: () => 0, initialBackoffMs: 100 });
    await queue.enqueue([task('failing')]);
    let calls = 0;
    queue.startDelivery(async () => {
      calls++;
      throw new Error('no');
    });
    await until(() => calls === 1);
    await until(async () => {
      const reader = await db.read((c) => c.runAndReadAll('SELECT attempts, epoch_ms(next_attempt_at) FROM outbox'));
      const rows = reader.getRows().map((row) => row.map(Number));
      return rows.length === 1 && rows[0]![0] === 1 && rows[0]![1] === 5_050;
    });
    expect(await queue.pending()).toBe(1);
  });

  it('never drops a task, however many deliveries fail', async () => {
    await open({ initialBackoffMs: 1, maxBackoffMs: 4 });
    await queue.enqueue([task('stubborn')]);
    let calls = 0;
    queue.startDelivery(async () => {
      calls++;
      if (calls < 8) throw new Error('still down');
    });
    await until(async () => (await queue.pending()) === 0);
    expect(calls).toBe(8);
  });

  it('delivers rows left by a previous process after the database is reopened', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kindling-outbox-'));
    const file = path.join(dir, 'kindling.duckdb');
    try {
      const first = await LocalDatabase.open(file);
      const before = await LocalTaskQueue.open(first);
      const body = Buffer.from('survives a restart');
      await before.enqueue([task('left-over', body)]);
      let started = false;
      before.startDelivery(async () => {
        started = true;
        throw new Error('process dies before the sink finishes');
      });
      await until(() => started);
      await before.close();
      await first.close();

      const second = await LocalDatabase.open(file);
      const after = await LocalTaskQueue.open(second, { pollIntervalMs: 10 });
      const received: Buffer[] = [];
      after.startDelivery(async (b) => {
        received.push(b);
      });
      await until(async () => (await after.pending()) === 0);
      expect(received).toEqual([body]);
      await after.close();
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps rows zstd-compressed at rest and delivers each body as it was enqueued', async () => {
    await open();
    const body = Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: `e${i}`, message: 'GET /index.html 200' }))));
    const alreadyZstd = zstdCompressSync(Buffer.from('a body that is zstd before it is queued'));
    await queue.enqueue([task('json', body), task('zstd', alreadyZstd)]);
    const reader = await db.read((c) => c.runAndReadAll("SELECT body FROM outbox WHERE name = 'json'"));
    const stored = Buffer.from((reader.getRows()[0]![0] as DuckDBBlobValue).bytes);
    expect([...stored.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect(stored.length).toBeLessThan(body.length / 4);
    const received: Buffer[] = [];
    queue.startDelivery(async (b) => {
      received.push(b);
    });
    await until(async () => (await queue.pending()) === 0);
    expect(received.map((b) => b.toString('hex')).sort()).toEqual([body, alreadyZstd].map((b) => b.toString('hex')).sort());
  });

  it('delivers rows an earlier version stored, compressed by their maker or not, as the sink reads them', async () => {
    await open();
    const plain = Buffer.from('{"batch_id":"b"}');
    const gzipped = gzipSync(plain);
    const zstd = zstdCompressSync(plain);
    await db.write((c) =>
      c.run(
        'INSERT INTO outbox VALUES ($1, $2, 0, now(), now()), ($3, $4, 0, now(), now()), ($5, $6, 0, now(), now())',
        ['plain', blobValue(plain), 'gzip', blobValue(gzipped), 'zstd', blobValue(zstd)],
      ),
    );
    const received: string[] = [];
    queue.startDelivery(async (b) => {
      received.push(b.equals(gzipped) ? 'gzip' : b.equals(plain) ? 'json' : 'other');
    });
    await until(async () => (await queue.pending()) === 0);
    // The gzip row goes as stored (the sink gunzips it); plain and zstd rows both arrive as the JSON.
    expect(received.sort()).toEqual(['gzip', 'json', 'json']);
  });

  it.each([32, 2])('keeps at most %i deliveries in flight', async (concurrency) => {
    await open(concurrency === 32 ? {} : { concurrency });
    await queue.enqueue(Array.from({ length: 70 }, (_, i) => task(`t${i}`)));
    let active = 0;
    let peak = 0;
    queue.startDelivery(async () => {
      active++;
      peak = Math.max(peak, active);
      await sleep(20);
      active--;
    });
    await until(async () => (await queue.pending()) === 0);
    expect(peak).toBe(concurrency);
  });

  it('delivers oldest first', async () => {
    let now = 0;
    await open({ clock: { now: () => now }, concurrency: 1 });
    for (const name of ['c-first', 'a-second', 'b-third']) {
      now += 1;
      await queue.enqueue([task(name, Buffer.from(name))]);
    }
    const order: string[] = [];
    queue.startDelivery(async (body) => {
      order.push(body.toString());
    });
    await until(() => order.length === 3);
    expect(order).toEqual(['c-first', 'a-second', 'b-third']);
  });

  it('picks up new work at once, without waiting for the poll', async () => {
    await open({ pollIntervalMs: 60_000 });
    let delivered = 0;
    queue.startDelivery(async () => {
      delivered++;
    });
    await sleep(20);
    const started = Date.now();
    await queue.enqueue([task('hot')]);
    await until(() => delivered === 1, 1000);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('hands a task to the handler before writing it anywhere: enqueue resolves once the handler has', async () => {
    await open();
    const seen: { body: string; queued: string[] }[] = [];
    queue.startDelivery(async (body) => {
      seen.push({ body: body.toString(), queued: await queuedNames(db) });
    });
    await queue.enqueue([task('now-1', Buffer.from('one')), task('now-2', Buffer.from('two'))]);
    expect(seen.map((s) => s.body).sort()).toEqual(['one', 'two']);
    expect(seen.every((s) => s.queued.length === 0)).toBe(true);
    expect(await queue.pending()).toBe(0);
  });

  it('stores a task whose immediate delivery failed, due after the first backoff, and delivers it then', async () => {
    let now = 2_000_000;
    const errors: number[] = [];
    await open({ clock: { now: () => now }, random: () => 1, initialBackoffMs: 100, onDeliveryError: (_e, t) => errors.push(t.attempts) });
    let calls = 0;
    queue.startDelivery(async () => {
      calls++;
      if (calls === 1) throw new Error('the store is down');
    });
    await queue.enqueue([task('flaky-now')]);
    expect(errors).toEqual([1]);
    const reader = await db.read((c) => c.runAndReadAll('SELECT attempts, epoch_ms(next_attempt_at) FROM outbox'));
    expect(reader.getRows().map((r) => r.map(Number))).toEqual([[1, now + 100]]);
    await sleep(40);
    expect(calls).toBe(1);
    now += 100;
    await until(async () => (await queue.pending()) === 0);
    expect(calls).toBe(2);
  });

  it('stores the tasks beyond the deliveries in flight, and delivers them as slots free', async () => {
    await open({ concurrency: 2 });
    const delivered: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.startDelivery(async (body) => {
      await gate;
      delivered.push(body.toString());
    });
    const names = ['s1', 's2', 's3', 's4', 's5'];
    const call = queue.enqueue(names.map((name) => task(name, Buffer.from(name))));
    await until(async () => (await queue.pending()) === 3);
    release();
    await call;
    await until(async () => (await queue.pending()) === 0);
    expect(delivered.sort()).toEqual(names);
  });

  it('delivers each task once, handed over in memory or read back beyond the in-memory cap', async () => {
    // No poll to fall back on: the tasks the dispatcher was not handed must be read all the same.
    await open({ pollIntervalMs: 60_000, concurrency: 4 });
    const delivered = new Map<string, number>();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    queue.startDelivery(async (body) => {
      await gate;
      const name = body.toString();
      delivered.set(name, (delivered.get(name) ?? 0) + 1);
    });
    const names = Array.from({ length: 300 }, (_, i) => `t-${String(i).padStart(3, '0')}`);
    // The first four go to the handler at once and hold every slot; the rest are stored.
    const calls: Promise<void>[] = [];
    for (let i = 0; i < names.length; i += 50) {
      calls.push(queue.enqueue(names.slice(i, i + 50).map((name) => task(name, Buffer.from(name)))));
    }
    await until(async () => (await queue.pending()) === names.length - 4);
    release();
    await Promise.all(calls);
    await until(async () => (await queue.pending()) === 0, 10_000);
    expect([...delivered.keys()].sort()).toEqual(names);
    expect([...delivered.values()].every((count) => count === 1)).toBe(true);
  });

  it('reads a backlog left in the outbox page after page, not a page per poll', async () => {
    await open({ pollIntervalMs: 60_000, concurrency: 8 });
    await queue.enqueue(Array.from({ length: 200 }, (_, i) => task(`old-${i}`)));
    let delivered = 0;
    queue.startDelivery(async () => {
      delivered++;
    });
    await until(() => delivered === 200, 5000);
  });

  it('close waits for deliveries in flight and then picks nothing new', async () => {
    await open();
    await queue.enqueue([task('slow')]);
    let finished = false;
    let started = false;
    queue.startDelivery(async () => {
      started = true;
      await sleep(80);
      finished = true;
    });
    await until(() => started);
    await queue.close();
    expect(finished).toBe(true);
    expect(await queue.pending()).toBe(0);
    await queue.enqueue([task('after-close')]);
    await sleep(50);
    expect(await queue.pending()).toBe(1);
  });

  it('keeps a row queued while its delivery is in flight', async () => {
    await open();
    await queue.enqueue([task('in-flight')]);
    let release!: () => void;
    let started = false;
    queue.startDelivery(() => {
      started = true;
      return new Promise<void>((resolve) => (release = resolve));
    });
    await until(() => started);
    expect(await queue.pending()).toBe(1);
    release();
    await until(async () => (await queue.pending()) === 0);
  });

  it('settles a task in the transaction that writes its events: the row is gone as they land', async () => {
    await open();
    const store = new LocalEventStore(db);
    const source = { accountId: randomUUID(), sourceId: randomUUID() };
    await queue.enqueue([task('written', Buffer.from('written')), task('refused', Buffer.from('refused'))]);
    const seen: Record<string, string[]> = {};
    queue.startDelivery(async (body) => {
      const name = body.toString();
      if (name === 'refused') {
        seen[name] = await queuedNames(db);
        throw new Error('the store is down');
      }
      await store.insert(source, [], [{ id: 'e1', timestamp: 1, event_message: 'm', body: {} }]);
      // Before the handler returns, the committed insert has already taken its outbox row.
      seen[name] = await queuedNames(db);
    });
    await until(() => seen.written !== undefined && seen.refused !== undefined);
    expect(seen.written).not.toContain('written');
    expect(seen.refused).toContain('refused');
    expect(await queuedNames(db)).toEqual(['refused']);
  });
});
