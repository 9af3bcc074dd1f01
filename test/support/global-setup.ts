/**
 * Vitest global setup: starts what the whole test run shares, one function per service, and
 * hands each service's address to the test files through `provide` / `inject`.
 */
import type { TestProject } from 'vitest/node';
import { onPath, startFirestoreEmulator } from './firestore-emulator.ts';
import { buildWeb } from '../../scripts/build-web.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `host:port` of the Firestore emulator; absent when gcloud is missing outside CI. */
    firestoreEmulatorHost?: string;
  }
}

type Teardown = () => Promise<void>;

/**
 * Google clients look for a GCE metadata server when they have no credentials (the Firestore
 * client does so even against the emulator). Tests never run on GCE: say so, so that no test
 * process probes the network for one. Test workers inherit this environment.
 */
function noMetadataServer(): void {
  process.env.METADATA_SERVER_DETECTION = 'none';
}

async function setupFirestore(project: TestProject): Promise<Teardown | undefined> {
  if (!onPath('gcloud')) {
    const message = 'gcloud is not on PATH: the Firestore emulator cannot start.';
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`\n!!! ${message} The Firestore suites are SKIPPED. !!!\n`);
    return undefined;
  }
  const started = Date.now();
  const emulator = await startFirestoreEmulator();
  console.info(`Firestore emulator on ${emulator.host}, up in ${Date.now() - started} ms`);
  project.provide('firestoreEmulatorHost', emulator.host);
  return emulator.stop;
}

/** The dashboard the `web` function serves, built once, before any test file starts a twin. */
async function buildDashboard(): Promise<void> {
  const { initialGzipBytes } = await buildWeb();
  console.info(`Dashboard built: first load ${(initialGzipBytes / 1024).toFixed(1)} KB gzipped`);
}

export default async function setup(project: TestProject): Promise<Teardown> {
  noMetadataServer();
  await buildDashboard();
  const teardowns = [await setupFirestore(project)].filter((teardown) => teardown !== undefined);
  return async () => {
    await Promise.all(teardowns.map((teardown) => teardown()));
  };
}
