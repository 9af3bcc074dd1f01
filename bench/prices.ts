/**
 * Google Cloud list prices (USD) that bench:cost multiplies measured usage by: the one table of
 * them in the code. Region us-central1 (Tier 1) and the US multi-region for BigQuery, where
 * Kindling deploys by default (cloudbuild.yaml). The bench prints the marginal cost of an event
 * (free tiers not deducted) and, for #7's target, the cost left beyond the free tiers over a
 * 30-day month at the benched rate.
 *
 * Written down on the date below from DESIGN.md's facts and the public pricing pages as last
 * read; this machine has no internet access, so the pages were not re-read that day. `verified`
 * says which figures DESIGN.md (checked by the project) states as well.
 */
export const PRICES_READ_ON = '2026-11-27';

export interface Price {
  usd: number;
  per: string;
  /** What the free tier gives, per month unless it says otherwise. */
  free: string;
  /** The free tier in the price's unit (`per`) for a 30-day month; 0 when there is none. */
  freePerMonth: number;
  source: string;
  /**
   * True where DESIGN.md states the figure itself; false where it states only the billing rule
   * (BigQuery's 1 KB row minimum, the 2 TiB free tier) or nothing (Firestore, Cloud Run).
   */
  verified: boolean;
}

export const GCP_PRICES = {
  cloudTasksOperation: {
    usd: 0.4 / 1e6,
    per: 'billable operation (API call or delivery attempt, per started 32 KiB of the task)',
    free: '1,000,000 operations',
    freePerMonth: 1_000_000,
    source: 'https://cloud.google.com/tasks/pricing',
    verified: true,
  },
  firestoreRead: {
    usd: 0.03 / 1e5,
    per: 'document read (an aggregation query: one read per 1,000 index entries, at least one)',
    free: '50,000 reads a day',
    freePerMonth: 50_000 * 30,
    source: 'https://cloud.google.com/firestore/pricing (Standard edition, us-central1)',
    verified: false,
  },
  firestoreWrite: {
    usd: 0.09 / 1e5,
    per: 'document write',
    free: '20,000 writes a day',
    freePerMonth: 20_000 * 30,
    source: 'https://cloud.google.com/firestore/pricing (Standard edition, us-central1)',
    verified: false,
  },
  firestoreDelete: {
    usd: 0.01 / 1e5,
    per: 'document delete',
    free: '20,000 deletes a day',
    freePerMonth: 20_000 * 30,
    source: 'https://cloud.google.com/firestore/pricing (Standard edition, us-central1)',
    verified: false,
  },
  bigqueryStreamingInsertGiB: {
    usd: 0.05,
    per: 'GiB of rows accepted by tabledata.insertAll ($0.01 per 200 MiB), each row at least 1 KiB',
    free: 'none',
    freePerMonth: 0,
    source: 'https://cloud.google.com/bigquery/pricing#data_ingestion_pricing',
    verified: false,
  },
  bigqueryStorageWriteGiB: {
    usd: 0.025,
    per: 'GiB ingested through the Storage Write API, no per-row minimum',
    free: '2 TiB',
    freePerMonth: 2 * 1024,
    source: 'https://cloud.google.com/bigquery/pricing#data_ingestion_pricing',
    verified: false,
  },
  cloudRunVcpuSecond: {
    usd: 0.000024,
    per: 'vCPU-second (request-based billing, Tier 1)',
    free: '180,000 vCPU-seconds',
    freePerMonth: 180_000,
    source: 'https://cloud.google.com/run/pricing',
    verified: false,
  },
  cloudRunGibSecond: {
    usd: 0.0000025,
    per: 'GiB-second of memory (request-based billing, Tier 1)',
    free: '360,000 GiB-seconds',
    freePerMonth: 360_000,
    source: 'https://cloud.google.com/run/pricing',
    verified: false,
  },
  cloudRunRequest: {
    usd: 0.4 / 1e6,
    per: 'request',
    free: '2,000,000 requests',
    freePerMonth: 2_000_000,
    source: 'https://cloud.google.com/run/pricing',
    verified: false,
  },
} satisfies Record<string, Price>;

export type PriceName = keyof typeof GCP_PRICES;

/** Memory of one function instance (cloudbuild.yaml `_MEMORY: 512Mi`), billed per GiB-second. */
export const INSTANCE_MEMORY_GIB = 0.5;
