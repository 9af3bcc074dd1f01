/**
 * The official Firestore emulator (from the Google Cloud CLI) for the test run: started once by
 * the global setup on a free port, shared by every Firestore suite, each of which works in its
 * own project id so that suites never see each other's documents.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_KEPT_CHARS = 8_000;

export interface RunningEmulator {
  /** `127.0.0.1:<port>`, what FIRESTORE_EMULATOR_HOST would hold. */
  host: string;
  stop(): Promise<void>;
}

/** A project id no other suite uses, so each suite starts from an empty database. */
export function testProjectId(): string {
  return `test-${randomBytes(6).toString('hex')}`;
}

/** Whether `command` is an executable on PATH (cheaper than running `gcloud --version`). */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('The operating system gave no free port.'));
      });
    });
  });
}

async function answersOk(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    return (await response.text()).trim() === 'Ok';
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to the emulator's whole process group: gcloud (Python) and its Java child,
 * which may outlive its parent.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Tries for a port this many times: a free port can be taken before the emulator binds it. */
const START_ATTEMPTS = 3;

export async function startFirestoreEmulator(): Promise<RunningEmulator> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (error) {
      const portTaken = error instanceof Error && error.message.includes('Address already in use');
      if (!portTaken || attempt === START_ATTEMPTS) throw error;
    }
  }
}

async function startOnce(): Promise<RunningEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', ['emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  // If the test process dies without teardown, do not leave a Java process behind.
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    signalGroup(child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS)));
    const forced = await Promise.race([exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (forced) signalGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answersOk(host))) {
    const gone = spawnError !== null || child.exitCode !== null || child.signalCode !== null;
    if (gone || Date.now() > deadline) {
      await stop();
      const why = gone ? `exited (${spawnError ?? child.exitCode ?? child.signalCode})` : 'did not answer in time';
      throw new Error(`The Firestore emulator on ${host} ${why}. Its output:\n${output}`);
    }
    await delay(250);
  }
  return { host, stop };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
