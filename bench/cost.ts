/**
 * bench:cost — what an event costs on Google Cloud, measured: the real ingest → queue → sink path
 * in GCP mode (the GCP composition root against the official Firestore emulator and the in-test
 * Cloud Tasks, BigQuery REST and Storage Write fakes), at a steady rate, with 1 and with 4
 * instances. Each instance is its own process with its own app context (rate limiter, counter
 * sync, caches, clients) serving the ingest and sink functions; Cloud Tasks' deliveries reach
 * the sink over HTTP. Every Firestore operation, Cloud Tasks operation (per 32 KiB chunk) and
 * BigQuery billed byte is counted, the instances' CPU time measured, and the sum priced with
 * bench/prices.ts next to the naive design's figures for the same requests.
 *
 *   npm run bench:cost   (BENCH_SECONDS=30 BENCH_RATE=2000 BENCH_BATCH=100 BENCH_INSTANCES=1,4 by default)
 *
 * The instances inherit this process's environment, so e.g. BIGQUERY_WRITE_API=insertall or
 * INGEST_LINGER_MS=50 price another configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createAccount } from '../shared/accounts/provision.ts';
import { FirestoreDatabase } from '../shared/adapters/gcp/firestore.ts';
import { FirestoreMetaStore } from '../shared/adapters/gcp/firestore-meta-store.ts';
import { loadConfig } from '../shared/config.ts';
import { randomIds, systemClock } from '../shared/context.ts';
import { startFirestoreEmulator } from '../test/support/firestore-emulator.ts';
import { BigQueryFake } from '../test/support/fakes/bigquery-fake.ts';
import { BigQueryWriteFake } from '../test/support/fakes/bigquery-write-fake.ts';
import { CloudTasksFake } from '../test/support/fakes/cloud-tasks-fake.ts';
import type { InstanceMessage } from './cost-instance.ts';
import { beyondFreeTiersPerMillion, COMPONENTS, costPerMillion, instanceSecondsUsd, naiveUsage, type Breakdown, type Usage } from './cost-model.ts';
import { logEvent, runLoad, type LoadResult } from './load.ts';
import { GCP_PRICES, PRICES_READ_ON } from './prices.ts';
import { cloudRunCheckedToken, TaskDelivery } from './task-delivery.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
/** Logflare's clients send batches (pino-logflare and the Elixir backend up to 100 events). */
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const INSTANCES = (process.env.BENCH_INSTANCES ?? '1,4').split(',').map(Number);
const DRAIN_TIMEOUT_MS = 120_000;
const ROOT = path.resolve(import.meta.dirname, '..');
const TOKEN = 'test-token';
const SINK_URL = 'https://sink.kindling.bench/';
const TASKS_ACCOUNT = 'kindling-tasks@bench.iam.gserviceaccount.com';
const API_KEY = 'bench-cost-key';
/** A task's URL and headers, which Cloud Tasks bills along with its body. */
const TASK_OVERHEAD_BYTES = SINK_URL.length + 'content-typeapplication/jsoncontent-encodinggzip'.length;

interface Instance {
  child: ChildProcess;
  url: string;
  next(): Promise<InstanceMessage>;
}

interface RunResult {
  instances: number;
  load: LoadResult;
  measured: Usage;
  naive: Usage;
  stored: number;
  notes: string[];
}

async function startInstance(env: NodeJS.ProcessEnv, index: number): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cost-instance.ts')], {
    env: { ...env, K_REVISION: `bench-${index}` },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: InstanceMessage[] = [];
  const waiting: ((message: InstanceMessage) => void)[] = [];
  child.on('message', (message: InstanceMessage) => {
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const next = () =>
    new Promise<InstanceMessage>((resolve, reject) => {
      const queued = inbox.shift();
      if (queued) return resolve(queued);
      waiting.push(resolve);
      child.once('exit', (code) => reject(new Error(`instance ${index} exited (${code})`)));
    });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`instance ${index} did not start`);
  return { child, url: `http://127.0.0.1:${ready.port}`, next };
}

async function run(instances: number, emulatorHost: string): Promise<RunResult> {
  const projectId = `bench-${instances}-${randomUUID().slice(0, 8)}`;
  const rest = await BigQueryFake.start({ projectId, token: TOKEN });
  const storage = await BigQueryWriteFake.start(rest);
  const tasks = await CloudTasksFake.start({ projectId, token: TOKEN });
  const database = new FirestoreDatabase({ projectId, databaseId: '(default)', emulatorHost });
  const meta = new FirestoreMetaStore(database);
  const { account } = await createAccount({ meta, clock: systemClock, ids: randomIds }, { name: 'bench', plan: 'metered', secret: API_KEY });
  const sourceId = randomUUID();
  await meta.createSource({
    id: sourceId,
    account_id: account.id,
    name: 'bench',
    rate_limit_per_second: 5_000,
    retention_days: null,
    schema: [],
    created_at: new Date().toISOString(),
  });
  await database.close();

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KINDLING_BACKEND: 'gcp',
    GCP_PROJECT: projectId,
    FIRESTORE_EMULATOR_HOST: emulatorHost,
    METADATA_SERVER_DETECTION: 'none',
    BIGQUERY_DATASET: rest.datasetId,
    BIGQUERY_API_ENDPOINT: rest.url,
    BIGQUERY_STORAGE_API_ENDPOINT: storage.endpoint,
    TASKS_API_ENDPOINT: tasks.url,
    SINK_URL,
    TASKS_SERVICE_ACCOUNT: TASKS_ACCOUNT,
    TRUST_CLOUD_RUN_IAM: 'true',
  };
  const writer = loadConfig(env).BIGQUERY_WRITE_API;
  const fleet = await Promise.all(Array.from({ length: instances }, (_, i) => startInstance(env, i)));
  const delivery = new TaskDelivery(tasks, fleet.map((instance) => instance.url), cloudRunCheckedToken(SINK_URL, TASKS_ACCOUNT));
  try {
    delivery.start();
    await warmUp(fleet, sourceId, delivery);
    const before = { tasks: { ...tasks.usage }, storage: storage.usage, insertBytes: rest.billedInsertBytes, rows: storedRows(rest) };
    for (const instance of fleet) instance.child.send({ type: 'start' });
    const load = await runLoad({
      targets: fleet.map((instance) => instance.url),
      sourceId,
      apiKey: API_KEY,
      eventsPerSecond: RATE,
      batch: BATCH,
      seconds: SECONDS,
    });
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (!delivery.idle && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const notes = delivery.idle ? [] : [`${tasks.tasks.size} tasks still queued after ${DRAIN_TIMEOUT_MS / 1000} s`];
    if (delivery.failures > 0) notes.push(`${delivery.failures} task deliveries failed and were retried`);
    const reports = await Promise.all(
      fleet.map(async (instance) => {
        instance.child.send({ type: 'report' });
        const message = await instance.next();
        if (message.type !== 'usage') throw new Error('an instance answered its report with something else');
        return message;
      }),
    );
    const sum = (pick: (report: (typeof reports)[number]) => number) => reports.reduce((total, r) => total + pick(r), 0);
    notes.push(`peak RSS per instance ${Math.max(...reports.map((r) => r.peakRssMb)).toFixed(0)} MB`);
    const calls = reports.flatMap((r) => Object.entries(r.firestore.calls));
    const byCall = new Map<string, number>();
    for (const [name, count] of calls) byCall.set(name, (byCall.get(name) ?? 0) + count);
    notes.push(`Firestore RPCs: ${[...byCall].map(([name, count]) => `${name} ${count}`).join(', ')}`);
    const taskUsage = {
      creates: tasks.usage.creates - before.tasks.creates,
      dispatches: tasks.usage.dispatches - before.tasks.dispatches,
      operations:
        tasks.usage.createOperations + tasks.usage.dispatchOperations - before.tasks.createOperations - before.tasks.dispatchOperations,
    };
    const appends = storage.usage.appends - before.storage.appends;
    const storageBytes = storage.usage.bytes - before.storage.bytes;
    const insertBytes = rest.billedInsertBytes - before.insertBytes;
    const measured: Usage = {
      events: load.events,
      functionRequests: answered(load) + taskUsage.dispatches,
      firestore: { reads: sum((r) => r.firestore.reads), writes: sum((r) => r.firestore.writes), deletes: sum((r) => r.firestore.deletes) },
      taskOperations: taskUsage.operations,
      bigquery: { writer, billedBytes: writer === 'storage' ? storageBytes : insertBytes },
      cpuSeconds: sum((r) => r.cpuSeconds),
    };
    notes.unshift(
      `Cloud Tasks: ${taskUsage.creates} creates, ${taskUsage.dispatches} deliveries, ${taskUsage.operations} billable operations`,
      writer === 'storage'
        ? `BigQuery Storage Write: ${appends} appends on ${storage.connections} connections, ${mb(storageBytes)} billed`
        : `BigQuery insertAll: ${mb(insertBytes)} billed (1 KB/row minimum)`,
    );
    const stored = storedRows(rest) - before.rows;
    return { instances, load, measured, naive: naiveUsage(load, measured, TASK_OVERHEAD_BYTES), stored, notes };
  } finally {
    delivery.stop();
    await Promise.all(
      fleet.map(
        (instance) =>
          new Promise<void>((resolve) => {
            instance.child.once('exit', () => resolve());
            instance.child.send({ type: 'close' });
            setTimeout(() => instance.child.kill('SIGKILL'), 15_000).unref();
          }),
      ),
    );
    await Promise.all([storage.close(), rest.close(), tasks.close()]);
  }
}

/**
 * One request per instance, delivered and stored, before counting starts: the source's schema
 * settles, the table exists, and each instance has its key, source and connections, as in a
 * steady state. (A new source's first burst makes every instance grow its schema in a
 * transaction at once; that is a one-off, not the cost of an event.)
 */
async function warmUp(fleet: Instance[], sourceId: string, delivery: TaskDelivery): Promise<void> {
  for (const instance of fleet) {
    const response = await fetch(`${instance.url}/logs?source=${sourceId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ batch: [logEvent(0)] }),
    });
    if (response.status !== 200) throw new Error(`warm-up request answered ${response.status}: ${await response.text()}`);
  }
  while (!delivery.idle) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Ingest requests the functions answered, whatever the status. */
function answered(load: LoadResult): number {
  return Object.entries(load.statuses).reduce((sum, [status, count]) => sum + (/^\d+$/.test(status) ? count : 0), 0);
}

function storedRows(rest: BigQueryFake): number {
  return [...rest.tables.values()].reduce((total, table) => total + table.rows.length, 0);
}

function print(result: RunResult): Breakdown {
  const { load, measured } = result;
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]?.toFixed(1) ?? '-';
  const statuses = Object.entries(load.statuses).map(([status, count]) => `${status}×${count}`).join(' ');
  console.log(`\n${result.instances} instance${result.instances > 1 ? 's' : ''} (separate processes, one app context each)`);
  console.log(
    `  load: ${RATE} events/s offered for ${SECONDS} s; ${load.events} events accepted in ${load.requests} requests, ` +
      `the last answered after ${load.wallSeconds.toFixed(1)} s (${statuses}; latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms); ` +
      `${result.stored} rows stored in BigQuery`,
  );
  const { reads, writes, deletes } = measured.firestore;
  console.log(`  usage: Firestore ${reads} reads, ${writes} writes, ${deletes} deletes; CPU ${measured.cpuSeconds.toFixed(1)} s; ${measured.functionRequests} function requests`);
  for (const note of result.notes) console.log(`  ${note}`);
  const kindling = costPerMillion(measured);
  const naive = costPerMillion(result.naive);
  console.log(`  $ per 1M events     ${[...COMPONENTS, 'total'].map((h) => h.padStart(10)).join('')}`);
  console.log(`  kindling (measured) ${row(kindling)}`);
  console.log(`  naive (same load)   ${row(naive)}`);
  // Request-based billing charges an instance's whole vCPU and memory while it serves a request;
  // busy all run long, an instance would bill its wall time, not its CPU time.
  const busy = (instanceSecondsUsd(result.instances * load.wallSeconds) * 1e6) / load.events;
  console.log(`  compute if every instance were billed for the whole run: ${usd(busy)} per 1M events (CPU-seconds above: ${usd(kindling.compute)})`);
  return kindling;
}

function row(b: Breakdown): string {
  return [...COMPONENTS, 'total' as const].map((name) => usd(b[name]).padStart(10)).join('');
}

function usd(value: number): string {
  return `$${value < 0.01 ? value.toFixed(5) : value.toFixed(4)}`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

async function main(): Promise<void> {
  // Google clients probe for a GCE metadata server when they have no credentials; there is none.
  process.env.METADATA_SERVER_DETECTION = 'none';
  console.log(
    `bench:cost — ${RATE} events/s for ${SECONDS} s in ${BATCH}-event requests, GCP mode: Firestore emulator, ` +
      'Cloud Tasks + BigQuery REST + Storage Write (gRPC) fakes, tasks delivered to the sink over HTTP',
  );
  console.log(`prices: bench/prices.ts, list prices as of ${PRICES_READ_ON}; free tiers not deducted (marginal cost)`);
  const emulator = await startFirestoreEmulator();
  // Interrupted, stop the emulator's Java process too (it outlives its parent otherwise).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void emulator.stop().finally(() => process.exit(130)));
  }
  const results: RunResult[] = [];
  try {
    for (const instances of INSTANCES) results.push(await run(instances, emulator.host));
  } finally {
    await emulator.stop();
  }
  let last: Breakdown | null = null;
  for (const result of results) last = print(result);
  const final = results.at(-1)!;
  const perEvent = final.measured.bigquery.billedBytes / final.measured.events;
  const freeTiB = 2 * 1024 ** 4;
  console.log(
    `\nfree tiers (not deducted): Storage Write's ${GCP_PRICES.bigqueryStorageWriteGiB.free} a month hold ` +
      `${((freeTiB / perEvent) / 1e9).toFixed(1)} billion events at ${perEvent.toFixed(0)} billed bytes each; ` +
      `Cloud Tasks ${GCP_PRICES.cloudTasksOperation.free}; Firestore ${GCP_PRICES.firestoreWrite.free}; ` +
      `Cloud Run ${GCP_PRICES.cloudRunVcpuSecond.free}`,
  );
  const monthlyEvents = RATE * 30 * 86_400;
  const target = beyondFreeTiersPerMillion(final.measured, monthlyEvents);
  console.log(
    `target (queue + Firestore + BigQuery writes beyond free tiers, a 30-day month at ${RATE} events/s = ` +
      `${(monthlyEvents / 1e9).toFixed(2)} billion events, ${final.instances} instances): ${usd(target.total)} per 1M events ` +
      `(queue ${usd(target.queue)}, firestore ${usd(target.firestore)}, bigquery ${usd(target.bigquery)})`,
  );
  const naive = costPerMillion(final.naive);
  const b = last!;
  const parts = COMPONENTS.map((name) => `${name} ${usd(b[name])}`).join(', ');
  const fleet = `${final.instances} instance${final.instances > 1 ? 's' : ''}`;
  console.log(`cost: ${usd(b.total)} per 1M events (${fleet}: ${parts}; naive design ${usd(naive.total)})`);
}

await main();
