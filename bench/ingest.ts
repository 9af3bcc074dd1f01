/**
 * bench:ingest — the local twin's ingest throughput for 100-event batches, next to a bare Node
 * server that only parses the same body, measured in one run on this machine. Prints events/s,
 * the ratio, p99 latency and the twin's peak RSS, and how long an acknowledged event takes to
 * become queryable under that load: every 250 ms a probe event goes into a second source through
 * the same ingest path, queue and sink, and is looked for with an LQL search until it is found.
 * Each server's CPU time per event (all its threads, from /proc) is printed too: on a shared
 * host it moves less from run to run than events/s do.
 *
 * Each server first takes BENCH_WARMUP_SECONDS of the same load unmeasured: the figures are steady
 * state. Cold, the first 2 s ran ~17 % below the later ones for the bare server and ~30 % below
 * for the twin (JIT, the bench source's first schema, the first checkpoint).
 *
 *   npm run bench:ingest      (BENCH_SECONDS=10 BENCH_WARMUP_SECONDS=3 BENCH_CONNECTIONS=32 by default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/twin.ts';
import { measureFloor, measureRequired, totalMicros, type FloorStep } from './floor.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = 100;
const ROOT = path.resolve(import.meta.dirname, '..');
const KEY = 'bench-key';

function batchBody(): string {
  const now = Date.now();
  const batch = Array.from({ length: BATCH }, (_, i) => ({
    message: `GET /api/users/${i} 200 in ${i % 50}ms`,
    timestamp: now,
    metadata: {
      request: { method: 'GET', path: `/api/users/${i}`, host: 'api.example.com' },
      response: { status: 200, duration_ms: i % 50 },
      level: 'info',
    },
  }));
  return JSON.stringify({ batch });
}

/**
 * The twin's node arguments exactly as `npm start` runs it (package.json's start script): the
 * compiled build, which the bench script builds first, with the same runtime flags.
 */
function startArguments(): string[] {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = scripts.start!.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`bench:ingest expects the start script to run node, not ${command}`);
  return args.map((arg) => (arg.startsWith('-') ? arg : path.join(ROOT, arg)));
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`process for ${url} exited`);
    if (await fetch(url).then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

interface Run {
  eventsPerSecond: number;
  /** The server's CPU time per acknowledged event, all its threads; steadier than events/s on a shared host. */
  cpuMicrosPerEvent?: number;
  /** This process's CPU time (the load generator's) per acknowledged event. */
  loadMicrosPerEvent: number;
  p99: number;
  errors: number;
}

/** `seconds` of CONNECTIONS connections posting `body` to `url`, as fast as answered. */
function load(url: string, body: string, headers: Record<string, string>, seconds: number) {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: seconds,
  });
}

/** The same load as hammer's, for WARMUP_SECONDS, not measured. */
async function warmUp(url: string, body: string, headers: Record<string, string>): Promise<void> {
  if (WARMUP_SECONDS > 0) await load(url, body, headers, WARMUP_SECONDS);
}

async function hammer(url: string, body: string, headers: Record<string, string>): Promise<Run> {
  const cpu = process.cpuUsage();
  const result = await load(url, body, headers, SECONDS);
  const ok = result['2xx'];
  const used = process.cpuUsage(cpu);
  return {
    eventsPerSecond: (ok * BATCH) / SECONDS,
    loadMicrosPerEvent: (used.user + used.system) / Math.max(1, ok * BATCH),
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

async function createSource(base: string, name: string): Promise<string> {
  const created = await fetch(`${base}/api/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  return ((await created.json()) as { id: string }).id;
}

const PROBE_EVERY_MS = 250;
const POLL_EVERY_MS = 25;
/** A probe not found by then counts as this late. */
const PROBE_GIVE_UP_MS = 30_000;

/**
 * Sends a probe event every PROBE_EVERY_MS and, for each, searches for it until it is found;
 * `stop` ends the sending and resolves with each probe's time from send to found, in ms.
 */
function startProbes(base: string, sourceId: string): { stop(): Promise<number[]> } {
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const lags: Promise<number>[] = [];
  const probe = async (n: number): Promise<number> => {
    const marker = `probe${n}x${Date.now()}`;
    const sent = performance.now();
    const ack = await fetch(`${base}/logs?source=${sourceId}`, { method: 'POST', headers, body: JSON.stringify({ message: marker }) });
    if (ack.status !== 200) return PROBE_GIVE_UP_MS;
    while (performance.now() - sent < PROBE_GIVE_UP_MS) {
      const found = await fetch(`${base}/api/sources/${sourceId}/events?limit=1&q=${marker}`, { headers });
      const { result } = (await found.json()) as { result?: unknown[] };
      if (result && result.length > 0) return performance.now() - sent;
      await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
    }
    return PROBE_GIVE_UP_MS;
  };
  let n = 0;
  const timer = setInterval(() => lags.push(probe(n++)), PROBE_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      return Promise.all(lags);
    },
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!);
}

async function main(): Promise<void> {
  const body = batchBody();

  const barePort = await freePort();
  const bare = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/bare-server.ts'), String(barePort)], { stdio: 'ignore' });
  await waitFor(`http://127.0.0.1:${barePort}/`, bare);
  await warmUp(`http://127.0.0.1:${barePort}/logs`, body, {});
  const bareCpu = cpuSeconds(bare.pid!);
  const baseline = await hammer(`http://127.0.0.1:${barePort}/logs`, body, {});
  baseline.cpuMicrosPerEvent = ((cpuSeconds(bare.pid!) - bareCpu) * 1e6) / (baseline.eventsPerSecond * SECONDS);
  const barePeak = peakRssMb(bare.pid!);
  bare.kill('SIGKILL');

  const dataDir = mkdtempSync(path.join(tmpdir(), 'kindling-bench-'));
  const port = await freePort();
  const twin = spawn(process.execPath, startArguments(), {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, BOOTSTRAP_API_KEY: KEY },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  let kindling: Run | undefined;
  try {
    await waitFor(`${base}/health`, twin);
    const id = await createSource(base, 'bench');
    const probeSource = await createSource(base, 'bench-probe');
    await warmUp(`${base}/logs?source=${id}`, body, { authorization: `Bearer ${KEY}` });
    const probes = startProbes(base, probeSource);
    const twinCpu = cpuSeconds(twin.pid!);
    kindling = await hammer(`${base}/logs?source=${id}`, body, { authorization: `Bearer ${KEY}` });
    kindling.cpuMicrosPerEvent = ((cpuSeconds(twin.pid!) - twinCpu) * 1e6) / (kindling.eventsPerSecond * SECONDS);
    const lags = await probes.stop();
    const twinPeak = peakRssMb(twin.pid!);

    const row = (name: string, run: Run, rss: number) =>
      `${name.padEnd(22)} ${Math.round(run.eventsPerSecond).toString().padStart(10)} events/s   p99 ${String(run.p99).padStart(5)} ms   peak RSS ${rss.toFixed(0).padStart(4)} MB   CPU ${run.cpuMicrosPerEvent!.toFixed(1).padStart(5)} µs/event   errors ${run.errors}`;
    console.log(`bench:ingest — ${BATCH}-event batches, ${CONNECTIONS} connections, ${SECONDS} s each after ${WARMUP_SECONDS} s of warm-up`);
    console.log(row('bare node (parse only)', baseline, barePeak));
    console.log(row('kindling local twin', kindling, twinPeak));
    console.log(
      `ingest-to-queryable under load: ${lags.length} probes, p50 ${percentile(lags, 0.5)} ms, ` +
        `p99 ${percentile(lags, 0.99)} ms, max ${percentile(lags, 1)} ms`,
    );
    console.log(`CPU per event, bare / kindling: ${(baseline.cpuMicrosPerEvent! / kindling.cpuMicrosPerEvent!).toFixed(3)}`);
    console.log(`ratio (kindling / bare): ${(kindling.eventsPerSecond / baseline.eventsPerSecond).toFixed(3)}`);
  } finally {
    twin.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!kindling) return;
  const floorDir = mkdtempSync(path.join(tmpdir(), 'kindling-floor-'));
  try {
    printFloor(await measureFloor(body, floorDir), await measureRequired(body), baseline, kindling);
  } finally {
    rmSync(floorDir, { recursive: true, force: true });
  }
}

/** #7's target for the twin's events/s against the bare server's. */
const TARGET_RATIO = 0.35;

/**
 * The floor (see floor.ts) next to the two servers: the bare server's CPU per event plus the
 * steps any design of the twin must add, and the best ratios such a design could reach here:
 * in CPU per event, and in events/s if it kept every core of the machine busy with nothing but
 * the floor's work and the load generator's. Each run's cores in use are printed too: a server
 * short of the machine's cores is limited by a thread, not by the machine. Then the budget of
 * TARGET_RATIO: the CPU per event a twin keeping every core busy could spend and still reach it,
 * against the floor plus what the contract asks of each event (measureRequired).
 */
function printFloor(steps: FloorStep[], required: FloorStep[], baseline: Run, kindling: Run): void {
  const bare = baseline.cpuMicrosPerEvent!;
  const load = baseline.loadMicrosPerEvent;
  const floor = totalMicros(steps, bare);
  const cores = availableParallelism();
  const busy = (run: Run) =>
    `${((run.cpuMicrosPerEvent! * run.eventsPerSecond) / 1e6).toFixed(2)} + load generator ${((run.loadMicrosPerEvent * run.eventsPerSecond) / 1e6).toFixed(2)}`;
  const line = (label: string, micros: number, after = '') => console.log(`  ${label.padEnd(36)} ${micros.toFixed(2).padStart(6)} µs${after}`);
  console.log('floor — CPU per event of what any design of the twin must do, each step measured alone here:');
  line('receive and parse (the bare server)', bare);
  for (const { step, microsPerEvent } of steps) line(`+ ${step}`, microsPerEvent);
  line('= floor', floor, `   (kindling: ${kindling.cpuMicrosPerEvent!.toFixed(1)} µs, ${(kindling.cpuMicrosPerEvent! / floor).toFixed(1)}× the floor)`);
  console.log(`cores in use of ${cores}: bare ${busy(baseline)}; kindling ${busy(kindling)}`);
  console.log(`best CPU ratio at the floor, bare / floor: ${(bare / floor).toFixed(3)}`);
  const ceiling = (cores * 1e6) / (floor + load);
  console.log(
    `best events/s ratio at the floor with all ${cores} cores busy, ${cores} cores / (floor + load generator ${load.toFixed(2)} µs) ` +
      `= ${Math.round(ceiling)} events/s, / bare: ${(ceiling / baseline.eventsPerSecond).toFixed(3)}`,
  );
  const budget = (cores * 1e6) / (TARGET_RATIO * baseline.eventsPerSecond) - load;
  const floorAndRequired = totalMicros(required, floor);
  console.log(`budget of a ${TARGET_RATIO} ratio with all ${cores} cores busy, ${cores} cores / ${TARGET_RATIO} × bare events/s − load generator: ${budget.toFixed(2)} µs per event`);
  line('floor', floor);
  for (const { step, microsPerEvent } of required) line(`+ ${step}`, microsPerEvent);
  line('= floor and required steps', floorAndRequired, `   leaving ${(budget - floorAndRequired).toFixed(2)} µs for HTTP, queue, threads, GC and the probes (kindling spends ${(kindling.cpuMicrosPerEvent! - floorAndRequired).toFixed(2)})`);
}

await main();
