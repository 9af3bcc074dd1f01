/**
 * The composition root: the one place that knows which backend runs. It opens the adapters the
 * configuration names and returns them as ports; nothing else imports an adapter.
 */
import path from 'node:path';
import type { Config } from './config.ts';
import type { Ports } from './context.ts';
import { randomIds, systemClock } from './context.ts';
import { LocalDatabase } from './adapters/local/database.ts';
import { LocalEventStore } from './adapters/local/event-store.ts';
import { LocalMetaStore } from './adapters/local/meta-store.ts';
import { LocalCounterStore } from './adapters/local/counter-store.ts';
import { LocalTaskQueue } from './adapters/local/task-queue.ts';

export async function openPorts(config: Config): Promise<Ports> {
  return config.KINDLING_BACKEND === 'gcp' ? openGcpPorts(config) : openLocalPorts(config);
}

async function openLocalPorts(config: Config): Promise<Ports> {
  const db = await LocalDatabase.open(path.join(config.DATA_DIR, 'kindling.duckdb'), {
    memoryLimit: config.DUCKDB_MEMORY_LIMIT,
  });
  const [meta, counters, queue] = await Promise.all([
    LocalMetaStore.create(db),
    LocalCounterStore.create(db, systemClock),
    LocalTaskQueue.open(db, {
      clock: systemClock,
      onDeliveryError: (error, task) =>
        console.error(`[kindling] delivery of task ${task.name} failed (attempt ${task.attempts}); will retry:`, error),
    }),
  ]);
  return {
    meta,
    counters,
    queue,
    events: new LocalEventStore(db),
    clock: systemClock,
    ids: randomIds,
    dispose: () => db.close(),
  };
}

/** Loaded on demand: the local twin never loads a Google client library. */
async function openGcpPorts(config: Config): Promise<Ports> {
  const [
    { FirestoreDatabase },
    { FirestoreMetaStore },
    { FirestoreCounterStore },
    { BigQueryEventStore },
    { StorageWriteEventStore },
    { CloudTasksQueue },
    { FirebaseIdTokens },
    { GoogleServiceCallers },
  ] = await Promise.all([
    import('./adapters/gcp/firestore.ts'),
    import('./adapters/gcp/firestore-meta-store.ts'),
    import('./adapters/gcp/firestore-counter-store.ts'),
    import('./adapters/gcp/bigquery-event-store.ts'),
    import('./adapters/gcp/bigquery-storage-event-store.ts'),
    import('./adapters/gcp/cloud-tasks-queue.ts'),
    import('./adapters/gcp/firebase-id-tokens.ts'),
    import('./adapters/gcp/google-service-callers.ts'),
  ]);
  const projectId = config.GCP_PROJECT!;
  const firestore = new FirestoreDatabase({ projectId, databaseId: config.FIRESTORE_DATABASE });
  const idTokens = new FirebaseIdTokens(projectId);
  const testEndpoint = (endpoint: string | undefined) =>
    endpoint ? { apiEndpoint: endpoint, accessToken: 'test-token' } : {};
  const tables = new BigQueryEventStore({
    projectId,
    dataset: config.BIGQUERY_DATASET,
    location: config.BIGQUERY_LOCATION,
    ...testEndpoint(config.BIGQUERY_API_ENDPOINT),
  });
  // insertAll is kept as the fallback writer; the Storage Write API writes through `tables`' tables.
  const events =
    config.BIGQUERY_WRITE_API === 'insertall'
      ? tables
      : new StorageWriteEventStore(tables, {
          projectId,
          dataset: config.BIGQUERY_DATASET,
          apiEndpoint: config.BIGQUERY_STORAGE_API_ENDPOINT,
        });
  return {
    meta: new FirestoreMetaStore(firestore),
    counters: new FirestoreCounterStore(firestore),
    events,
    queue: new CloudTasksQueue({
      projectId,
      location: config.TASKS_LOCATION,
      queue: config.TASKS_QUEUE,
      sinkUrl: requireSetting(config.SINK_URL, 'SINK_URL'),
      serviceAccountEmail: requireSetting(config.TASKS_SERVICE_ACCOUNT, 'TASKS_SERVICE_ACCOUNT'),
      maxTaskBytes: config.TASK_MAX_BYTES,
      ...testEndpoint(config.TASKS_API_ENDPOINT),
    }),
    clock: systemClock,
    ids: randomIds,
    verifiers: {
      idTokens,
      serviceCallers: new GoogleServiceCallers({ trustCloudRunIam: config.TRUST_CLOUD_RUN_IAM }),
    },
    dispose: async () => {
      await Promise.all([firestore.close(), idTokens.close()]);
    },
  };
}

function requireSetting(value: string | undefined, name: string): string {
  if (!value) throw new Error(`Invalid configuration: ${name} is required when KINDLING_BACKEND=gcp`);
  return value;
}
