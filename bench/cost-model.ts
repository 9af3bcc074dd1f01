/**
 * What a run's usage costs at list prices, per million events, by component; and the usage the
 * naive design (one Firestore write, one task and one insertAll per request) would have had for
 * the same requests. Both designs go through the same `costPerMillion`.
 */
import { GCP_PRICES, INSTANCE_MEMORY_GIB, type Price } from './prices.ts';

const GIB = 1024 ** 3;
const TASK_CHUNK_BYTES = 32 * 1024;
const MIN_INSERT_ROW_BYTES = 1024;

export interface Usage {
  /** Events accepted (200) by ingest. */
  events: number;
  /** HTTP requests the functions served: ingest requests and task deliveries to the sink. */
  functionRequests: number;
  firestore: { reads: number; writes: number; deletes: number };
  /** Cloud Tasks billable operations: creates and delivery attempts, per 32 KiB chunk. */
  taskOperations: number;
  /** How events reached BigQuery, and the bytes that writer is billed for. */
  bigquery: { writer: 'storage' | 'insertall'; billedBytes: number };
  /** CPU time of the function instances (user + system). */
  cpuSeconds: number;
}

export interface Breakdown {
  queue: number;
  firestore: number;
  bigquery: number;
  /** The functions' measured CPU-seconds, with the instance's memory for as long. */
  compute: number;
  /** Cloud Run's fee per request served (ingest requests and sink deliveries). */
  requests: number;
  total: number;
}

export const COMPONENTS = ['queue', 'firestore', 'bigquery', 'compute', 'requests'] as const;

/** USD per million events, by component. */
export function costPerMillion(usage: Usage): Breakdown {
  const p = GCP_PRICES;
  const perMillion = (usd: number) => (usage.events === 0 ? 0 : (usd * 1e6) / usage.events);
  const queue = perMillion(usage.taskOperations * p.cloudTasksOperation.usd);
  const { reads, writes, deletes } = usage.firestore;
  const firestore = perMillion(reads * p.firestoreRead.usd + writes * p.firestoreWrite.usd + deletes * p.firestoreDelete.usd);
  const perGib = usage.bigquery.writer === 'storage' ? p.bigqueryStorageWriteGiB.usd : p.bigqueryStreamingInsertGiB.usd;
  const bigquery = perMillion((usage.bigquery.billedBytes / GIB) * perGib);
  const compute = perMillion(instanceSecondsUsd(usage.cpuSeconds));
  const requests = perMillion(usage.functionRequests * p.cloudRunRequest.usd);
  return { queue, firestore, bigquery, compute, requests, total: queue + firestore + bigquery + compute + requests };
}

/** The parts of #7's target: queue, counters (all of Firestore, caches' reads included) and BigQuery writes. */
export interface TargetBreakdown {
  queue: number;
  firestore: number;
  bigquery: number;
  total: number;
}

/**
 * USD per million events for the queue, Firestore and BigQuery once their monthly free tiers are
 * used up: the run's usage scaled to `monthlyEvents` (a 30-day month at the benched rate), each
 * free tier deducted, the rest priced.
 */
export function beyondFreeTiersPerMillion(usage: Usage, monthlyEvents: number): TargetBreakdown {
  const p = GCP_PRICES;
  const scale = usage.events === 0 ? 0 : monthlyEvents / usage.events;
  const billed = (amount: number, price: Price) => Math.max(0, amount * scale - price.freePerMonth) * price.usd;
  const perMillion = (usd: number) => (monthlyEvents === 0 ? 0 : (usd * 1e6) / monthlyEvents);
  const queue = perMillion(billed(usage.taskOperations, p.cloudTasksOperation));
  const { reads, writes, deletes } = usage.firestore;
  const firestore = perMillion(
    billed(reads, p.firestoreRead) + billed(writes, p.firestoreWrite) + billed(deletes, p.firestoreDelete),
  );
  const writer = usage.bigquery.writer === 'storage' ? p.bigqueryStorageWriteGiB : p.bigqueryStreamingInsertGiB;
  const bigquery = perMillion(billed(usage.bigquery.billedBytes / GIB, writer));
  return { queue, firestore, bigquery, total: queue + firestore + bigquery };
}

/** One vCPU and the instance's memory for `seconds`. */
export function instanceSecondsUsd(seconds: number): number {
  return seconds * (GCP_PRICES.cloudRunVcpuSecond.usd + INSTANCE_MEMORY_GIB * GCP_PRICES.cloudRunGibSecond.usd);
}

/** What the load generator sent and had accepted, request by request. */
export interface LoadRecord {
  requests: number;
  events: number;
  /** Each accepted request's body size. */
  bodyBytes: number[];
  /** Each accepted event's size as an insertAll row (its JSON, with id and timestamp). */
  rowBytes: number[];
}

/**
 * The naive design on the same accepted requests: per request one Firestore write (its rate-limit
 * counter), one task carrying the request body (created and delivered: two operations per 32 KiB
 * chunk, and one sink request), one insertAll of its events (1 KB minimum per row). Its CPU is
 * taken to be the measured CPU: the work per event is the same, only the batching differs.
 */
export function naiveUsage(load: LoadRecord, measured: Usage, taskOverheadBytes: number): Usage {
  const chunks = load.bodyBytes.reduce((sum, bytes) => sum + Math.ceil((bytes + taskOverheadBytes) / TASK_CHUNK_BYTES), 0);
  return {
    events: load.events,
    functionRequests: 2 * load.requests,
    firestore: { reads: 0, writes: load.requests, deletes: 0 },
    taskOperations: 2 * chunks,
    bigquery: {
      writer: 'insertall',
      billedBytes: load.rowBytes.reduce((sum, bytes) => sum + Math.max(MIN_INSERT_ROW_BYTES, bytes), 0),
    },
    cpuSeconds: measured.cpuSeconds,
  };
}
