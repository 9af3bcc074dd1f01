/**
 * The TaskQueue contract against CloudTasksQueue, driven through the real client (REST
 * fallback) into the in-test Cloud Tasks fake, plus what only Cloud Tasks has: the HTTP task's
 * shape (sink URL, OIDC token, gzip header, body bytes), ALREADY_EXISTS as success, retryable
 * failures, and the body size cap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudTasksQueue } from '../../shared/adapters/gcp/cloud-tasks-queue.ts';
import { TransientError } from '../../shared/errors.ts';
import { CloudTasksFake } from '../support/fakes/cloud-tasks-fake.ts';
import { describeTaskQueueContract, task } from './task-queue.contract.ts';

const SINK_URL = 'https://us-central1-kindling-test.cloudfunctions.net/sink';
const SERVICE_ACCOUNT = 'kindling-tasks@kindling-test.iam.gserviceaccount.com';

async function start() {
  const fake = await CloudTasksFake.start();
  const queue = new CloudTasksQueue({
    projectId: 'kindling-test',
    location: 'us-central1',
    queue: 'kindling-ingest',
    sinkUrl: SINK_URL,
    serviceAccountEmail: SERVICE_ACCOUNT,
    apiEndpoint: fake.url,
  });
  return { fake, queue };
}

const shortName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

describeTaskQueueContract('CloudTasksQueue (REST fake)', async () => {
  const { fake, queue } = await start();
  return {
    queue,
    queuedNames: async () => [...fake.tasks.keys()].map(shortName),
    drain: async (handler) => {
      for (let round = 0; fake.tasks.size > 0; round++) {
        if (round === 10) throw new Error('Tasks still queued after 10 delivery rounds.');
        await fake.deliverAll(handler);
      }
    },
    cleanup: async () => {
      expect(fake.crashes).toEqual([]);
        expect(fake.count('unknown')).toBe(0);
      await queue.close();
      await fake.close();
    },
  };
});

describe('CloudTasksQueue specifics', () => {
  let fake: CloudTasksFake;
  let queue: CloudTasksQueue;

  beforeEach(async () => {
    ({ fake, queue } = await start());
  });
  afterEach(async () => {
    expect(fake.crashes).toEqual([]);
    expect(fake.count('unknown')).toBe(0);
    await queue.close();
    await fake.close();
  });

  it('creates an HTTP POST task to the sink with an OIDC token, gzip headers and the body bytes', async () => {
    const body = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x7f]);
    await queue.enqueue([task('batch-7f3a', body)]);
    expect([...fake.tasks.values()]).toEqual([
      {
        name: 'projects/kindling-test/locations/us-central1/queues/kindling-ingest/tasks/batch-7f3a',
        url: SINK_URL,
        httpMethod: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body,
        oidcToken: { serviceAccountEmail: SERVICE_ACCOUNT, audience: SINK_URL },
        dispatchCount: 0,
      },
    ]);
  });

  it('counts ALREADY_EXISTS as queued', async () => {
    await queue.enqueue([task('once')]);
    await expect(queue.enqueue([task('once')])).resolves.toBeUndefined();
    expect(fake.calls.map((c) => c.status)).toEqual([200, 409]);
    expect(fake.tasks.size).toBe(1);
  });

  it('does not queue a name again after its task ran (Cloud Tasks blocks reused names)', async () => {
    await queue.enqueue([task('ran')]);
    await fake.deliverAll(async () => undefined);
    await queue.enqueue([task('ran')]);
    expect(fake.tasks.size).toBe(0);
  });

  it.each([429, 503])('rejects with TransientError on HTTP %i', async (status) => {
    fake.failNext('tasks.create', status);
    await expect(queue.enqueue([task('busy')])).rejects.toBeInstanceOf(TransientError);
    expect(fake.tasks.size).toBe(0);
  });

  it('rejects with the original error on a permanent failure', async () => {
    fake.failNext('tasks.create', 403);
    const error = await queue.enqueue([task('denied')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransientError);
  });

  it('rejects when any task of a call fails, and a retry of the call completes it', async () => {
    fake.failNext('tasks.create', 503);
    const tasks = [task('one'), task('two'), task('three')];
    await expect(queue.enqueue(tasks)).rejects.toBeInstanceOf(TransientError);
    expect(fake.tasks.size).toBe(2);
    await queue.enqueue(tasks);
    expect([...fake.tasks.keys()].map(shortName).sort()).toEqual(['one', 'three', 'two']);
  });

  it('rejects with TransientError when Cloud Tasks cannot be reached', async () => {
    await fake.close();
    await expect(queue.enqueue([task('offline')])).rejects.toBeInstanceOf(TransientError);
  });

  it('refuses a body over 100 KB without calling Cloud Tasks', async () => {
    await expect(queue.enqueue([task('fits', Buffer.alloc(100_000)), task('huge', Buffer.alloc(100_001))])).rejects.toThrow(
      /100001-byte body.*capped at 100000 bytes.*split/,
    );
    expect(fake.calls).toEqual([]);
  });

  it('leaves delivery to Cloud Tasks: startDelivery calls nothing', async () => {
    let called = false;
    queue.startDelivery(async () => {
      called = true;
    });
    await queue.enqueue([task('remote')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(called).toBe(false);
    expect(fake.tasks.size).toBe(1);
  });

  it('creates the tasks of one call in parallel', async () => {
    fake.latencyMs = 20;
    await queue.enqueue(Array.from({ length: 40 }, (_, i) => task(`p${i}`)));
    expect(fake.count('tasks.create')).toBe(40);
    expect(fake.tasks.size).toBe(40);
    expect(fake.peakInFlight).toBeGreaterThan(1);
  });
});
