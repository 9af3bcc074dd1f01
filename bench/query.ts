/**
 * bench:query — LQL search and chart latency on the local twin's store, each next to the same
 * question asked in hand-written DuckDB SQL, run in this process on the same kind of reader
 * connection, interleaved. Kindling's side is the API's code path without HTTP: parseLql →
 * bindQuery → EventStore.listEvents / chart, with the windows functions/api/events.ts computes.
 *
 *   npm run bench:query     BENCH_EVENTS=10000000  events in the store
 *                           BENCH_STORE_EVENTS=200000  of them written through LocalEventStore.insert
 *                           BENCH_ITERATIONS=20 BENCH_WARMUP=3  timed and untimed runs per query
 *                           BENCH_MEMORY_LIMIT=6GB  DuckDB's memory_limit
 *                           BENCH_DATA_DIR  keep the database there and reuse it when it holds
 *                                           BENCH_EVENTS events (default: a temp dir, deleted)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { version } from '@duckdb/node-api';
import { LocalDatabase } from '../shared/adapters/local/database.ts';
import { LocalEventStore } from '../shared/adapters/local/event-store.ts';
import type { SourceSchema } from '../shared/events/model.ts';
import type { SourceRef } from '../shared/ports.ts';
import { loadEvents, sampleEvents, schemaOf, storedCount, type LoadStep } from './query-data.ts';
import { CHARTS, REFUSED_CHART, SEARCHES, type Question } from './query-questions.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const THROUGH_STORE = Math.min(EVENTS, Number(process.env.BENCH_STORE_EVENTS ?? 200_000));
const BATCH = 10_000;
const ITERATIONS = Math.max(20, Number(process.env.BENCH_ITERATIONS ?? 20));
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const MEMORY_LIMIT = process.env.BENCH_MEMORY_LIMIT ?? '6GB';
const SOURCE: SourceRef = { accountId: '0000000b-e4c0-4000-8000-000000000000', sourceId: '0000000b-e4c0-4000-8000-000000000001' };

const count = (n: number) => n.toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(1).padStart(9)} ms`;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakRssMb(): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

interface Sample {
  wallMs: number;
  /** CPU time of this whole process (DuckDB's threads included): steadier than wall time when other work shares the cores. */
  cpuMs: number;
}

/** Runs both sides once with the same `now`, in alternating order, and checks they agree. */
async function round(question: Question, iteration: number): Promise<[Sample, Sample]> {
  const now = Date.now();
  const contenders = [question.kindling, question.hand];
  const samples: Sample[] = [];
  const answers: string[] = [];
  for (const index of iteration % 2 === 0 ? [0, 1] : [1, 0]) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    answers[index] = await contenders[index]!.run(now);
    const wallMs = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    samples[index] = { wallMs, cpuMs: (user + system) / 1000 };
  }
  if (answers[0] !== answers[1]) {
    throw new Error(`${question.title}: kindling and hand-written SQL disagree\n  ${answers[0]!.slice(0, 300)}\n  ${answers[1]!.slice(0, 300)}`);
  }
  return [samples[0]!, samples[1]!];
}

interface Figures {
  wall: { p50: number; p95: number };
  cpu: { p50: number; p95: number };
}

async function measure(question: Question): Promise<[Figures, Figures]> {
  const samples: [Sample[], Sample[]] = [[], []];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const [kindling, hand] = await round(question, i);
    if (i < WARMUP) continue;
    samples[0].push(kindling);
    samples[1].push(hand);
  }
  const figures = (runs: Sample[]): Figures => {
    const wall = runs.map((r) => r.wallMs);
    const cpu = runs.map((r) => r.cpuMs);
    return { wall: { p50: percentile(wall, 50), p95: percentile(wall, 95) }, cpu: { p50: percentile(cpu, 50), p95: percentile(cpu, 95) } };
  };
  return [figures(samples[0]), figures(samples[1])];
}

function printLoad(steps: LoadStep[]): void {
  if (steps.length === 0) console.log(`load: skipped, ${count(EVENTS)} events already stored`);
  for (const step of steps) {
    const rate = Math.round(step.events / step.seconds);
    console.log(`load: ${count(step.events).padStart(10)} events in ${step.seconds.toFixed(1).padStart(6)} s = ${count(rate).padStart(9)} events/s  via ${step.path}`);
  }
  const [events, seconds] = steps.reduce(([e, s], step) => [e + step.events, s + step.seconds], [0, 0]);
  if (steps.length > 1) console.log(`load: ${count(events).padStart(10)} events in ${seconds.toFixed(1).padStart(6)} s = ${count(Math.round(events / seconds)).padStart(9)} events/s  in all`);
}

async function main(): Promise<void> {
  const keep = process.env.BENCH_DATA_DIR;
  const dataDir = keep ? path.resolve(keep) : mkdtempSync(path.join(tmpdir(), 'kindling-bench-query-'));
  mkdirSync(dataDir, { recursive: true });
  const db = await LocalDatabase.open(path.join(dataDir, 'kindling.duckdb'));
  try {
    await db.write((c) => c.run(`SET memory_limit = '${MEMORY_LIMIT.replaceAll("'", '')}'`));
    console.log(`bench:query — ${count(EVENTS)} events, DuckDB ${version()}, ${cpus().length} cores, memory_limit ${MEMORY_LIMIT}, data in ${dataDir}`);
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows wall times, not cpu times)`);

    const stored = await storedCount(db, SOURCE);
    let schema: SourceSchema;
    if (stored === EVENTS) {
      schema = schemaOf(await sampleEvents(db));
      printLoad([]);
    } else {
      if (stored > 0) throw new Error(`${dataDir} holds ${count(stored)} events, not ${count(EVENTS)}: use another BENCH_DATA_DIR`);
      const loaded = await loadEvents(db, SOURCE, { total: EVENTS, throughStore: THROUGH_STORE, batch: BATCH, now: Date.now() * 1000 });
      schema = loaded.schema;
      printLoad(loaded.steps);
    }

    const store = new LocalEventStore(db);
    const refused = await REFUSED_CHART.kindling(store, SOURCE, schema).run(Date.now()).then(
      () => 'accepted',
      (error: Error) => `refused: ${error.message}`,
    );
    console.log(`\`${REFUSED_CHART.lql}\` (the issue's chart) — ${refused}`);

    const targets: string[] = [];
    for (const spec of [...SEARCHES, ...CHARTS]) {
      const question: Question = {
        title: spec.title,
        kindling: spec.kindling(store, SOURCE, schema),
        hand: spec.hand(db, SOURCE),
      };
      console.log(`\n${spec.title}\n  lql: ${spec.lql}\n  ${await spec.describe(db, SOURCE)}`);
      const [kindling, hand] = await measure(question);
      console.log(`  ${''.padEnd(14)}   wall p50     wall p95      cpu p50      cpu p95   (${ITERATIONS} runs each after ${WARMUP} warm-up, interleaved)`);
      for (const [name, f] of [['kindling', kindling], ['hand-written', hand]] as const) {
        console.log(`  ${name.padEnd(14)} ${ms(f.wall.p50)}  ${ms(f.wall.p95)}  ${ms(f.cpu.p50)}  ${ms(f.cpu.p95)}`);
      }
      const ratio = { p50: kindling.wall.p50 / hand.wall.p50, p95: kindling.wall.p95 / hand.wall.p95, cpu: kindling.cpu.p50 / hand.cpu.p50 };
      console.log(`  ratio (kindling / hand-written): wall p50 ${ratio.p50.toFixed(2)}   wall p95 ${ratio.p95.toFixed(2)}   cpu p50 ${ratio.cpu.toFixed(2)}   (load average ${loadavg()[0]!.toFixed(1)})`);
      if (spec.targetMs === null) continue;
      const ok = (pass: boolean) => (pass ? 'met' : 'MISSED');
      const p50 = kindling.wall.p50;
      targets.push(`${spec.title}: p50 ${p50.toFixed(0)} ms ≤ ${spec.targetMs} ms ${ok(p50 <= spec.targetMs)}; ratio ${ratio.p50.toFixed(2)} ≤ 1.3 ${ok(ratio.p50 <= 1.3)}`);
    }
    console.log('\ntargets');
    for (const line of targets) console.log(`  ${line}`);
    console.log(`peak RSS ${peakRssMb().toFixed(0)} MB`);
  } finally {
    await db.close();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
