/**
 * The ports: everything the product needs from the outside world. Domain code depends on these
 * interfaces only; shared/adapters/{local,gcp} implement them, and shared/composition.ts picks
 * one set from configuration. Each port has one contract suite (test/contract) that every
 * adapter passes.
 */
import type { Account, ApiKey, Source, SourcePatch } from './accounts/model.ts';
import type { JsonObject, LogEvent, RejectedEvent, SourceSchema } from './events/model.ts';
import type { Insertable } from './events/batch.ts';
import type { BoundQuery, DialectName } from './lql/index.ts';
import type { Endpoint, EndpointPatch } from './endpoints/model.ts';
import type { SourceRule } from './rules/model.ts';
import type { UsageReport } from './billing/model.ts';

/** Which physical table a source's events live in; adapters derive names from the ids. */
export interface SourceRef {
  accountId: string;
  sourceId: string;
}

/** A position in a newest-first listing: the last event of the previous page. */
export interface EventCursor {
  timestamp: number;
  id: string;
}

export interface ListEventsOptions {
  limit: number;
  /** Return only events strictly after this cursor in newest-first order. */
  after?: EventCursor;
  /** Inclusive lower bound, µs since epoch. */
  from?: number;
  /** Exclusive upper bound, µs since epoch. */
  to?: number;
  /** Only events matching this LQL query's filters (its chart and select clauses are ignored). */
  filter?: BoundQuery;
}

/** One bucket of a chart: its start (µs since epoch) and the aggregate over it. */
export interface ChartPoint {
  timestamp: number;
  /** Null for an empty bucket of an aggregate other than a count. */
  value: number | null;
}

/** A user's SQL query, passed by the sandbox (shared/sql), and the sources it reads. */
export interface SqlQuery {
  /** One SELECT whose CTEs present each source through the store's relationSql. */
  sql: string;
  /** Named parameter values (`$name` on DuckDB, `@name` on BigQuery). */
  params: Record<string, string>;
  /** Each source the SQL reads, with the name the user called it by. */
  sources: { ref: SourceRef; name: string }[];
}

export interface SqlLimits {
  /** A query that would scan more bytes than this is refused (400), not run. */
  maxBytes: number;
  /** A result of more rows than this is refused (400). */
  maxRows: number;
  /** A query running longer than this is stopped (400). */
  timeoutMs: number;
}

export interface SqlResult {
  /** JSON-safe rows: safe integers as numbers (else strings), timestamps as ISO 8601 strings. */
  rows: JsonObject[];
  /** Bytes the query scanned: BigQuery's bytes processed; locally, the size of the tables read. */
  bytesScanned: number;
}

export interface InsertOutcome {
  /** Events written by this call (events already present by id are not counted). */
  inserted: number;
  /** Events the store refused for a reason that retrying cannot fix (row-level errors). */
  failed: { id: string; reason: string }[];
}

export interface EventStore {
  /** Creates the source's table if missing and adds any column of `schema` it lacks. */
  ensureTable(source: SourceRef, schema: SourceSchema): Promise<void>;
  /**
   * Writes events, idempotent by event id: writing the same id twice stores it once.
   * Throws TransientError when the whole write may succeed on retry. `events` may be an array
   * or an EventBatch, which lets a store take the JSON text the sink received without parsing.
   */
  insert(source: SourceRef, schema: SourceSchema, events: Insertable): Promise<InsertOutcome>;
  /** Newest first: timestamp descending, then id descending. */
  listEvents(source: SourceRef, schema: SourceSchema, options: ListEventsOptions): Promise<LogEvent[]>;
  /**
   * The query's chart (or count per minute) over [from, to), one point per bucket, oldest
   * first, empty buckets included.
   */
  chart(source: SourceRef, query: BoundQuery, window: { from: number; to: number }): Promise<ChartPoint[]>;
  /** The SQL dialect runQuery speaks, and so the sandbox rules user SQL must pass. */
  readonly dialect: DialectName;
  /**
   * A SELECT presenting the source's events as one table, the same on every backend: id,
   * timestamp, event_message, and each field of `schema` as a typed (nested) column.
   */
  relationSql(source: SourceRef, schema: SourceSchema): string;
  /**
   * Runs a sandboxed query, read-only. Throws KindlingError 400 when the query fails for its own
   * reasons (an unknown column, a limit exceeded), with a message naming sources, not tables.
   */
  runQuery(query: SqlQuery, limits: SqlLimits): Promise<SqlResult>;
  dropTable(source: SourceRef): Promise<void>;
  close(): Promise<void>;
}

/** A unit of work for the sink: a JSON-encoded batch (task-codec.ts), compressed as its queue asks. */
export interface QueuedTask {
  /** Unique per batch; enqueueing the same name twice queues it once. */
  name: string;
  body: Buffer;
}

/** Called once per delivery; throwing (or rejecting) means "deliver again later". */
export type TaskHandler = (body: Buffer) => Promise<void>;

/** How the group commit must pack tasks for a queue. */
export interface TaskFormat {
  /** The largest task body the queue takes, in bytes. */
  maxBytes: number;
  /**
   * How bodies are compressed: gzip where bytes are capped, billed or sent far (any HTTP hop can
   * carry it); not at all for a queue that keeps its rows small itself (the local outbox).
   */
  compression: 'gzip' | 'none';
}

export interface TaskQueue {
  readonly taskFormat: TaskFormat;
  /**
   * Resolves only when every task is durable: queued, or already delivered by a queue that
   * delivers in this process and reached the handler at once; rejects if any was neither.
   */
  enqueue(tasks: QueuedTask[]): Promise<void>;
  /**
   * Starts delivering queued tasks to `handler` in this process, with retries and backoff.
   * A queue whose service delivers over HTTP itself (Cloud Tasks → sink URL) does nothing here.
   */
  startDelivery(handler: TaskHandler): void;
  /** Stops delivery after in-flight deliveries finish; queued tasks stay queued. */
  close(): Promise<void>;
}

/** A page of a listing ordered by id: at most `limit` items, those after the id `after`. */
export interface IdPage {
  after?: string;
  limit: number;
}

/** Periods (`YYYY-MM-DD`) from `from` to `to`, both included; either may be left open. */
export interface PeriodRange {
  from?: string;
  to?: string;
}

export interface MetaStore {
  createAccount(account: Account): Promise<void>;
  getAccount(id: string): Promise<Account | null>;
  /** Every account, page by page, ordered by id. */
  listAccounts(page: IdPage): Promise<Account[]>;

  /** Stores a key; its `hash` is unique. */
  putApiKey(key: ApiKey): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKey | null>;
  listApiKeys(accountId: string): Promise<ApiKey[]>;
  /** False when no such key exists in that account. */
  deleteApiKey(accountId: string, id: string): Promise<boolean>;

  /** Throws KindlingError 409 when the account already has a source of that name. */
  createSource(source: Source): Promise<void>;
  getSource(accountId: string, id: string): Promise<Source | null>;
  findSourceByName(accountId: string, name: string): Promise<Source | null>;
  /** Ordered by name. */
  listSources(accountId: string): Promise<Source[]>;
  /** Null when missing; throws 409 when renaming onto another source's name. */
  updateSource(accountId: string, id: string, patch: SourcePatch): Promise<Source | null>;
  deleteSource(accountId: string, id: string): Promise<boolean>;
  /**
   * Atomically replaces the source's schema with `update(current)` (a read-modify-write
   * transaction, safe against concurrent updaters). Returns the stored schema; null if the
   * source is missing.
   */
  updateSourceSchema(
    accountId: string,
    sourceId: string,
    update: (current: SourceSchema) => SourceSchema,
  ): Promise<SourceSchema | null>;

  addRejected(accountId: string, events: RejectedEvent[]): Promise<void>;
  /** Newest first. */
  listRejected(accountId: string, sourceId: string, limit: number): Promise<RejectedEvent[]>;

  /** The account-scoped records that grew around the core ones, each with its own store. */
  readonly usageReports: UsageReportStore;
  readonly endpoints: EndpointStore;
  readonly rules: RuleStore;
  readonly firebaseUsers: FirebaseUserStore;

  close(): Promise<void>;
}

export interface UsageReportStore {
  /**
   * Stores a usage report, unless a final report of that account and period is stored already:
   * final reports are never overwritten. Returns the report stored afterwards (the existing
   * final one, or this one).
   */
  put(report: UsageReport): Promise<UsageReport>;
  /** The account's reports in the range, oldest period first. */
  list(accountId: string, range?: PeriodRange): Promise<UsageReport[]>;
  /** Records when a report reached the billing webhook; false when no such report is stored. */
  markDelivered(accountId: string, period: string, deliveredAt: string): Promise<boolean>;
}

export interface EndpointStore {
  /** Throws KindlingError 409 when the account already has an endpoint of that name. */
  create(endpoint: Endpoint): Promise<void>;
  get(accountId: string, id: string): Promise<Endpoint | null>;
  findByName(accountId: string, name: string): Promise<Endpoint | null>;
  /** Ordered by name. */
  list(accountId: string): Promise<Endpoint[]>;
  /** Null when missing; throws 409 when renaming onto another endpoint's name. */
  update(accountId: string, id: string, patch: EndpointPatch): Promise<Endpoint | null>;
  delete(accountId: string, id: string): Promise<boolean>;
}

export interface RuleStore {
  create(rule: SourceRule): Promise<void>;
  /** The account's rules, oldest first. */
  list(accountId: string): Promise<SourceRule[]>;
  delete(accountId: string, id: string): Promise<boolean>;
}

export interface FirebaseUserStore {
  /** Links a Firebase Auth user to an account; a user already linked moves to this account. */
  link(uid: string, accountId: string): Promise<void>;
  /** The account a Firebase Auth user is linked to; null when unlinked or the account is gone. */
  findAccount(uid: string): Promise<Account | null>;
}

export interface CounterDelta {
  /** A counter name including its window, e.g. `src:<id>:s:1764240000`. */
  key: string;
  amount: number;
  /**
   * When the counter may be deleted (ms since epoch); the latest given for a key wins. Counters
   * without one are kept (usage metering: billing reads them).
   */
  expiresAt?: number;
}

/**
 * Cluster-wide counters. Writers add to their own shard, so no single document gets hot;
 * readers see the sum over all shards.
 */
export interface CounterStore {
  add(shard: string, deltas: CounterDelta[]): Promise<void>;
  /** The summed total of each key (0 for keys never written). */
  totals(keys: string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** A dashboard user whose Firebase Auth ID token was verified. */
export interface VerifiedUser {
  uid: string;
  email: string | null;
}

/** Verifies the ID tokens the dashboard's users sign in with (Firebase Auth on GCP). */
export interface IdTokenVerifier {
  /** The user the token proves; null when it is not a valid, current ID token. */
  verify(idToken: string): Promise<VerifiedUser | null>;
  close(): Promise<void>;
}

/**
 * Verifies the Google-signed OIDC tokens that Cloud Tasks and Cloud Scheduler attach to their
 * calls, so that the sink and the billing report serve those callers only.
 */
export interface ServiceCallerVerifier {
  /**
   * The calling service account's email when `token` is a current Google OIDC token for
   * `audience` with a verified email; null otherwise.
   */
  verify(token: string, audience: string): Promise<string | null>;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export interface Ids {
  uuid(): string;
}
