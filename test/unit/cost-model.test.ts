/** bench:cost's arithmetic: the marginal cost per million events and the cost beyond free tiers. */
import { describe, expect, it } from 'vitest';
import { beyondFreeTiersPerMillion, costPerMillion, type Usage } from '../../bench/cost-model.ts';
import { GCP_PRICES } from '../../bench/prices.ts';

const usage = (over: Partial<Usage> = {}): Usage => ({
  events: 1_000_000,
  functionRequests: 20_000,
  firestore: { reads: 10_000, writes: 5_000, deletes: 0 },
  taskOperations: 20_000,
  bigquery: { writer: 'storage', billedBytes: 150e6 },
  cpuSeconds: 100,
  ...over,
});

describe('bench:cost model', () => {
  it('prices a run per million events at list prices', () => {
    const cost = costPerMillion(usage());
    expect(cost.queue).toBeCloseTo(20_000 * GCP_PRICES.cloudTasksOperation.usd, 10);
    expect(cost.firestore).toBeCloseTo(10_000 * GCP_PRICES.firestoreRead.usd + 5_000 * GCP_PRICES.firestoreWrite.usd, 10);
    expect(cost.bigquery).toBeCloseTo((150e6 / 1024 ** 3) * GCP_PRICES.bigqueryStorageWriteGiB.usd, 10);
    expect(cost.total).toBeCloseTo(cost.queue + cost.firestore + cost.bigquery + cost.compute + cost.requests, 12);
  });

  it('deducts each monthly free tier from the run scaled to a month', () => {
    // 1M events in the run, 1,000M in the month: everything ×1000 before the free tiers come off.
    const month = beyondFreeTiersPerMillion(usage(), 1e9);
    const tasks = (20_000 * 1000 - GCP_PRICES.cloudTasksOperation.freePerMonth) * GCP_PRICES.cloudTasksOperation.usd;
    expect(month.queue).toBeCloseTo(tasks / 1000, 10);
    // 150 GB a month fits in Storage Write's 2 TiB: no BigQuery charge beyond the free tier.
    expect(month.bigquery).toBe(0);
    const reads = (10_000 * 1000 - GCP_PRICES.firestoreRead.freePerMonth) * GCP_PRICES.firestoreRead.usd;
    const writes = (5_000 * 1000 - GCP_PRICES.firestoreWrite.freePerMonth) * GCP_PRICES.firestoreWrite.usd;
    expect(month.firestore).toBeCloseTo((reads + writes) / 1000, 10);
    expect(month.total).toBeCloseTo(month.queue + month.firestore, 12);
  });

  it('charges nothing when a month stays inside every free tier, and insertAll has none', () => {
    expect(beyondFreeTiersPerMillion(usage(), 1e6).total).toBe(0);
    const insertAll = beyondFreeTiersPerMillion(usage({ bigquery: { writer: 'insertall', billedBytes: 1024 ** 3 } }), 1e6);
    expect(insertAll.bigquery).toBeCloseTo(GCP_PRICES.bigqueryStreamingInsertGiB.usd, 10);
  });
});
