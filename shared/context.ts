/**
 * The application context: the ports one composition root opened, and the services built on
 * them. Function handlers receive this and nothing else; tests build it from any adapters.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from './config.ts';
import type {
  Clock,
  CounterStore,
  EventStore,
  IdTokenVerifier,
  Ids,
  MetaStore,
  ServiceCallerVerifier,
  TaskQueue,
} from './ports.ts';
import { KeyResolver } from './accounts/principal.ts';
import { SourceDirectory } from './accounts/sources.ts';
import { GroupCommit } from './ingest/group-commit.ts';
import { Ingestor } from './ingest/pipeline.ts';
import type { PrepPool } from './ingest/prep-pool.ts';
import { Sink } from './sink/index.ts';
import { CounterSync, RateLimiter } from './ratelimit/index.ts';
import { Billing, UsageMeter, WebhookDelivery } from './billing/index.ts';
import { SqlService } from './sql/index.ts';
import { EndpointService } from './endpoints/index.ts';
import { RuleService } from './rules/index.ts';

export interface Ports {
  meta: MetaStore;
  events: EventStore;
  queue: TaskQueue;
  counters: CounterStore;
  clock: Clock;
  ids: Ids;
  /** Credential checks that need Google's identity services; the local twin has none. */
  verifiers?: Verifiers;
  /** Releases what the adapters share (a database handle, clients), after they are closed. */
  dispose(): Promise<void>;
}

export interface Verifiers {
  /** Dashboard users' Firebase ID tokens. */
  idTokens: IdTokenVerifier;
  /** Cloud Tasks' and Cloud Scheduler's OIDC tokens. */
  serviceCallers: ServiceCallerVerifier;
}

export interface AppContext extends Ports {
  config: Config;
  keys: KeyResolver;
  sources: SourceDirectory;
  commit: GroupCommit;
  ingestor: Ingestor;
  /** Worker threads that prepare ingest requests off the event loop; the local twin sets it. */
  prep?: PrepPool;
  sink: Sink;
  /** This instance's counter traffic (rate limits and usage): each second for keys near their limit, every 10 s otherwise. */
  counterSync: CounterSync;
  limiter: RateLimiter;
  meter: UsageMeter;
  billing: Billing;
  /** User SQL over the account's sources (`/api/query`, SQL endpoints). */
  sql: SqlService;
  endpoints: EndpointService;
  rules: RuleService;
  /** Finishes in-flight work and closes every port. */
  close(): Promise<void>;
}

export function createAppContext(config: Config, ports: Ports): AppContext {
  const { meta, events, queue, counters, clock, ids } = ports;
  const keys = new KeyResolver(meta, clock, ports.verifiers?.idTokens ?? null);
  const sources = new SourceDirectory(meta, events, clock, ids);
  const commit = new GroupCommit(queue, ids, {
    lingerMs: config.INGEST_LINGER_MS,
    flushEvents: config.INGEST_FLUSH_EVENTS,
  });
  const rules = new RuleService({ meta, sources, clock, ids });
  const ingestor = new Ingestor({ meta, sources, commit, clock, ids, maxTaskBytes: config.TASK_MAX_BYTES, rules });
  const sink = new Sink({ meta, events, sources, clock });
  // One shard per instance: its own counter documents, so no two instances write the same one.
  const shard = `${config.K_REVISION ?? 'instance'}-${ids.uuid().slice(0, 8)}`;
  const counterSync = new CounterSync(counters, shard, { clock });
  const limiter = new RateLimiter(counterSync, clock);
  const meter = new UsageMeter(counterSync, counters, clock);
  const delivery = config.BILLING_WEBHOOK_URL ? new WebhookDelivery(config.BILLING_WEBHOOK_URL) : null;
  const billing = new Billing({ meta, meter, clock, delivery });
  const sql = new SqlService({ meta, events, meter });
  const endpoints = new EndpointService({ meta, events, sources, sql, clock, ids });
  let closing: Promise<void> | null = null;
  return {
    ...ports,
    config,
    keys,
    sources,
    commit,
    ingestor,
    sink,
    counterSync,
    limiter,
    meter,
    billing,
    sql,
    endpoints,
    rules,
    close() {
      closing ??= (async () => {
        await commit.drain();
        await queue.close();
        // Stops the sync timer and writes the last counts before the CounterStore closes.
        await counterSync.close();
        await Promise.all([events.close(), meta.close(), counters.close()]);
        await ports.dispose();
      })();
      return closing;
    },
  };
}

export const systemClock: Clock = { now: () => Date.now() };
/** node:crypto's own, not the WebCrypto global's wrapper around it (a receiver check per call). */
export const randomIds: Ids = { uuid: () => randomUUID() };
