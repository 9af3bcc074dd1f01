/**
 * Accuracy of the cluster-wide rate limit on the real Firestore emulator: four limiter instances
 * (each its own client, shard and caches, all on the real clock and timers) share one source
 * limit and are driven hard for several seconds. The admitted total must stay within ±10 % of
 * what the limit allows: a full bucket (10R) when the first decision is made, plus R per second
 * from then on. The Firestore operations are counted per instance-second: they follow time,
 * not the thousands of requests.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { Account, Source } from '../../shared/accounts/model.ts';
import { FirestoreCounterStore } from '../../shared/adapters/gcp/firestore-counter-store.ts';
import { FirestoreDatabase } from '../../shared/adapters/gcp/firestore.ts';
import { systemClock } from '../../shared/context.ts';
import { CounterSync, RateLimiter } from '../../shared/ratelimit/index.ts';
import { CountingCounterStore } from '../support/counting-counter-store.ts';
import { testProjectId } from '../support/firestore-emulator.ts';

const emulatorHost = inject('firestoreEmulatorHost');

const INSTANCES = 4;
const LOOPS_PER_INSTANCE = 4;
const DRIVE_MS = 8_000;
const EVENTS_PER_CHECK = 10;
const RATE = 100;

const owner: Account = { id: randomUUID(), name: 'acme', plan: 'local', created_at: '2026-01-01T00:00:00.000Z' };
const limited: Source = {
  id: randomUUID(),
  account_id: owner.id,
  name: 'shared-limit',
  rate_limit_per_second: RATE,
  retention_days: null,
  schema: [],
  created_at: '2026-01-01T00:00:00.000Z',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(emulatorHost === undefined)('rate limit accuracy on the Firestore emulator', () => {
  it('keeps 4 instances sharing a limit within ±10 % of its allowance', { timeout: 60_000 }, async () => {
    const projectId = testProjectId();
    const instances = Array.from({ length: INSTANCES }, (_, i) => {
      const database = new FirestoreDatabase({ projectId, databaseId: '(default)', emulatorHost });
      const firestore = new FirestoreCounterStore(database);
      const store = new CountingCounterStore(firestore);
      const sync = new CounterSync(store, `instance-${i}-${randomUUID().slice(0, 8)}`);
      return { database, firestore, store, sync, limiter: new RateLimiter(sync, systemClock), admitted: 0, checks: 0 };
    });
    try {
      // Instances are up before traffic comes: their clients have connected (not counted).
      await Promise.all(instances.map((instance) => instance.firestore.totals(['warm-up'])));
      const deadline = Date.now() + DRIVE_MS;
      let firstDecision = Infinity;
      await Promise.all(
        instances.flatMap((instance) =>
          Array.from({ length: LOOPS_PER_INSTANCE }, async () => {
            while (Date.now() < deadline) {
              const decision = await instance.limiter.check(owner, limited, EVENTS_PER_CHECK);
              firstDecision = Math.min(firstDecision, Date.now());
              instance.checks++;
              if (decision.admitted) instance.admitted += EVENTS_PER_CHECK;
              await sleep(2);
            }
          }),
        ),
      );
      const seconds = (Date.now() - firstDecision) / 1000;
      const admitted = instances.reduce((sum, instance) => sum + instance.admitted, 0);
      const offered = instances.reduce((sum, instance) => sum + instance.checks, 0) * EVENTS_PER_CHECK;
      const allowance = 10 * RATE + RATE * seconds;
      const instanceSeconds = INSTANCES * seconds;
      const writes = instances.reduce((sum, instance) => sum + instance.store.writes, 0);
      const reads = instances.reduce((sum, instance) => sum + instance.store.reads, 0);
      const error = (admitted - allowance) / allowance;
      console.info(
        [
          `rate-limit accuracy: ${INSTANCES} instances, limit ${RATE}/s (burst ${10 * RATE}), ${seconds.toFixed(1)} s`,
          `  offered ${offered} events, admitted ${admitted}, allowance ${allowance.toFixed(0)} → ${(error * 100).toFixed(1)} %`,
          `  per instance: admitted ${instances.map((instance) => instance.admitted).join(', ')}`,
          `  Firestore per instance-second: ${(writes / instanceSeconds).toFixed(1)} writes, ${(reads / instanceSeconds).toFixed(1)} reads` +
            ` (${writes} writes, ${reads} reads for ${offered / EVENTS_PER_CHECK} checks)`,
        ].join('\n'),
      );
      expect(Math.abs(error)).toBeLessThan(0.1);
      expect(offered).toBeGreaterThan(5 * allowance);
      // Operations follow instances × seconds: a few per key and second, far below one per check.
      expect((writes + reads) / instanceSeconds).toBeLessThan(40);
    } finally {
      await Promise.all(instances.map((instance) => instance.sync.close()));
      await Promise.all(instances.map((instance) => instance.database.close()));
    }
  });
});
