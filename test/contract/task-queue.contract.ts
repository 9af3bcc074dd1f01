/**
 * The TaskQueue contract: enqueue is durable and idempotent by name, and every queued body
 * reaches the sink intact, again after a failed delivery. Delivery is driven through the
 * subject: the local dispatcher, or the Cloud Tasks fake posting tasks as the service would.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueuedTask, TaskHandler, TaskQueue } from '../../shared/ports.ts';

export interface TaskQueueSubject {
  queue: TaskQueue;
  /** The names durably queued now, read around the queue. */
  queuedNames(): Promise<string[]>;
  /** Delivers queued tasks to `handler` as the service would, until none is left queued. */
  drain(handler: TaskHandler): Promise<void>;
  cleanup(): Promise<void>;
}

export const task = (name: string, body: Buffer = randomBytes(64)): QueuedTask => ({ name, body });

export function describeTaskQueueContract(name: string, make: () => Promise<TaskQueueSubject>): void {
  describe(`TaskQueue contract: ${name}`, () => {
    let subject: TaskQueueSubject;
    let queue: TaskQueue;
    const received: Buffer[] = [];
    const collect: TaskHandler = async (body) => {
      received.push(body);
    };

    beforeEach(async () => {
      received.length = 0;
      subject = await make();
      queue = subject.queue;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('has every task durably queued when enqueue resolves', async () => {
      await queue.enqueue([task('batch-1'), task('batch-2'), task('batch-3')]);
      expect((await subject.queuedNames()).sort()).toEqual(['batch-1', 'batch-2', 'batch-3']);
    });

    it('delivers every body intact, once', async () => {
      const tasks = [
        task('small', Buffer.from('{"events":[]}')),
        task('empty', Buffer.alloc(0)),
        task('large', randomBytes(90_000)),
      ];
      await queue.enqueue(tasks);
      await subject.drain(collect);
      expect(received.map((b) => b.toString('hex')).sort()).toEqual(tasks.map((t) => t.body.toString('hex')).sort());
      expect(await subject.queuedNames()).toEqual([]);
    });

    it('queues a name once when one call repeats it, keeping the first body', async () => {
      const first = task('twice');
      await queue.enqueue([first, task('twice'), task('other')]);
      expect((await subject.queuedNames()).sort()).toEqual(['other', 'twice']);
      await subject.drain(collect);
      expect(received.filter((b) => b.equals(first.body))).toHaveLength(1);
      expect(received).toHaveLength(2);
    });

    it('treats enqueueing a queued name again as done (an idempotent retry)', async () => {
      const original = task('retried');
      await queue.enqueue([original]);
      await expect(queue.enqueue([task('retried'), task('fresh')])).resolves.toBeUndefined();
      await subject.drain(collect);
      expect(received).toHaveLength(2);
      expect(received.some((b) => b.equals(original.body))).toBe(true);
    });

    it('resolves an empty enqueue without queueing anything', async () => {
      await queue.enqueue([]);
      expect(await subject.queuedNames()).toEqual([]);
    });

    it('refuses a name Cloud Tasks would refuse, queueing nothing of that call', async () => {
      await expect(queue.enqueue([task('fine'), task('no/slashes')])).rejects.toThrow(/must match/);
      await expect(queue.enqueue([task('x'.repeat(501))])).rejects.toThrow(/must match/);
      await expect(queue.enqueue([task('')])).rejects.toThrow(/must match/);
      expect(await subject.queuedNames()).toEqual([]);
    });

    it('delivers a task again after its delivery failed', async () => {
      await queue.enqueue([task('flaky'), task('steady')]);
      let failures = 0;
      await subject.drain(async (body) => {
        if (failures < 2) {
          failures++;
          throw new Error('sink unavailable');
        }
        received.push(body);
      });
      expect(received).toHaveLength(2);
      expect(await subject.queuedNames()).toEqual([]);
    });
  });
}
