/**
 * The EventStore on BigQuery, written through the Storage Write API's default stream: tables,
 * listings, charts and SQL are the BigQueryEventStore's (this store delegates to it); only
 * `insert` differs. Rows travel as protocol buffers over one gRPC connection per table, billed
 * by the byte with no 1 KB-per-row minimum (see docs/cost.md).
 *
 * The default stream is at-least-once and has no insertId: a row the service stored whose
 * acknowledgement was lost is stored again when the write is retried. This store appends each
 * id once per process within a short window (RecentIds), which covers a batch repeated within
 * one call or redelivered to the same instance soon after; duplicates beyond that are possible
 * and documented, as they were with insertId's best-effort dedupe.
 */
import type { LogEvent, SourceSchema } from '../../events/model.ts';
import { TransientError } from '../../errors.ts';
import type { BoundQuery } from '../../lql/index.ts';
import type {
  ChartPoint, Clock, EventStore, InsertOutcome, ListEventsOptions, SourceRef, SqlLimits, SqlQuery, SqlResult,
} from '../../ports.ts';
import { eventTableName } from '../names.ts';
import type { BigQueryEventStore } from './bigquery-event-store.ts';
import type { UnsentRow } from './bigquery-rows.ts';
import { chunkEncoded, encodeRow, type EncodedRow } from './bigquery-storage-rows.ts';
import { grpcCode, StorageStreams, type TableStream } from './bigquery-storage-streams.ts';
import { RecentIds } from './recent-ids.ts';
import { asBatch, type Insertable } from '../../events/batch.ts';

export interface StorageWriteEventStoreOptions {
  projectId: string;
  dataset: string;
  /** Tests only: `host:port` of a plaintext gRPC fake of the BigQueryWrite service. */
  apiEndpoint?: string;
  /** Sends of one append before a broken connection becomes a TransientError (default 3). */
  maxAttempts?: number;
  /** How long this process remembers the ids it wrote (default 60 s, like insertId's window). */
  dedupeWindowMs?: number;
  /** At most this many ids per generation of that memory (default 100,000). */
  dedupeMaxIds?: number;
  clock?: Clock;
}

/** gRPC codes that may pass on a later delivery of the task. */
const TRANSIENT_CODES = new Set([1, 4, 5 /* NOT_FOUND: a new table not visible yet */, 8, 10, 13, 14]);
const INVALID_ARGUMENT = 3;
/** Rounds of "drop the rows BigQuery refused, send the rest" before giving up on a chunk. */
const MAX_ROUNDS = 3;

interface ChunkResult {
  stored: string[];
  refused: UnsentRow[];
}

export class StorageWriteEventStore implements EventStore {
  readonly dialect = 'bigquery';
  private readonly streams: StorageStreams;
  private readonly recent: RecentIds;

  constructor(
    /** Owns the tables (create, patch, drop) and every read. */
    private readonly tables: BigQueryEventStore,
    options: StorageWriteEventStoreOptions,
  ) {
    this.streams = new StorageStreams(options);
    this.recent = new RecentIds({
      windowMs: options.dedupeWindowMs ?? 60_000,
      maxIds: options.dedupeMaxIds ?? 100_000,
      clock: options.clock ?? { now: () => Date.now() },
    });
  }

  ensureTable(source: SourceRef, schema: SourceSchema): Promise<void> {
    return this.tables.ensureTable(source, schema);
  }

  /**
   * Makes sure the table covers `schema`, then appends the events not written by this process
   * lately, in requests of ≤ 9 MB. Rows BigQuery refuses are reported as failed and the rest of
   * their request sent again (BigQuery appends nothing of a request with a bad row).
   */
  async insert(source: SourceRef, schema: SourceSchema, input: Insertable): Promise<InsertOutcome> {
    const events = asBatch(input).events();
    if (events.length === 0) return { inserted: 0, failed: [] };
    await this.tables.ensureTable(source, schema);
    const table = eventTableName(source.sourceId);
    const stream = this.streams.streamFor(table, schema);
    const claimed: string[] = [];
    const rows: EncodedRow[] = [];
    const failed: UnsentRow[] = [];
    for (const event of events) {
      const key = `${table}/${event.id}`;
      if (this.recent.has(key)) continue;
      this.recent.add(key);
      claimed.push(event.id);
      const row = encodeRow(event, schema, stream.rowType.type);
      if ('bytes' in row) rows.push(row);
      else failed.push(row);
    }
    const { chunks, oversize } = chunkEncoded(rows);
    failed.push(...oversize);
    const results = await Promise.allSettled(chunks.map((chunk) => this.appendChunk(table, stream, chunk)));
    const stored = new Set(results.flatMap((result) => (result.status === 'fulfilled' ? result.value.stored : [])));
    for (const id of claimed) if (!stored.has(id)) this.recent.delete(`${table}/${id}`);
    const rejected = results.find((result) => result.status === 'rejected');
    if (rejected) throw rejected.reason;
    for (const result of results) if (result.status === 'fulfilled') failed.push(...result.value.refused);
    return { inserted: stored.size, failed };
  }

  listEvents(source: SourceRef, schema: SourceSchema, options: ListEventsOptions): Promise<LogEvent[]> {
    return this.tables.listEvents(source, schema, options);
  }

  chart(source: SourceRef, query: BoundQuery, window: { from: number; to: number }): Promise<ChartPoint[]> {
    return this.tables.chart(source, query, window);
  }

  relationSql(source: SourceRef, schema: SourceSchema): string {
    return this.tables.relationSql(source, schema);
  }

  runQuery(query: SqlQuery, limits: SqlLimits): Promise<SqlResult> {
    return this.tables.runQuery(query, limits);
  }

  async dropTable(source: SourceRef): Promise<void> {
    await this.tables.dropTable(source);
    const table = eventTableName(source.sourceId);
    this.streams.forget(table);
    // A new table under the same name starts empty: what was written to the old one is gone.
    this.recent.clear();
  }

  async close(): Promise<void> {
    await this.streams.close();
    await this.tables.close();
  }

  /** Appends one chunk, dropping rows BigQuery refuses and sending the rest again. */
  private async appendChunk(table: string, stream: TableStream, chunk: EncodedRow[]): Promise<ChunkResult> {
    const refused: UnsentRow[] = [];
    let pending = chunk;
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      const response = await this.streams.append(table, stream, pending.map((row) => row.bytes)).catch((error: unknown) => {
        throw this.failure(table, error);
      });
      const rowErrors = response.rowErrors ?? [];
      if (!response.error?.code && rowErrors.length === 0) return { stored: pending.map((row) => row.id), refused };
      if (rowErrors.length === 0) throw this.failure(table, response.error);
      const reasons = new Map(rowErrors.map((e) => [Number(String(e.index)), e.message ?? 'invalid']));
      pending.forEach((row, index) => {
        const reason = reasons.get(index);
        if (reason !== undefined) refused.push({ id: row.id, reason: `invalid: ${reason}` });
      });
      pending = pending.filter((_row, index) => !reasons.has(index));
      if (pending.length === 0) return { stored: [], refused };
    }
    throw new TransientError(`BigQuery kept refusing rows of an append to ${table}.`);
  }

  /**
   * What an append failure means for the caller: a TransientError when the task may pass later
   * (a broken connection, a table or column the streaming backend does not see yet), else the
   * error as it is.
   */
  private failure(table: string, error: unknown): unknown {
    const code = grpcCode(error);
    const message = String((error as { message?: unknown } | null)?.message ?? '');
    if (code === INVALID_ARGUMENT && /more fields than|extra field|schema/i.test(message)) {
      // A column added moments ago: a new connection makes the backend read the table's schema again.
      this.streams.forget(table);
      return new TransientError(`BigQuery table ${table} does not see all of its new columns yet.`, { cause: error });
    }
    const network = typeof (error as { code?: unknown } | null)?.code === 'string';
    if ((code !== undefined && TRANSIENT_CODES.has(code)) || network) {
      return new TransientError(`The BigQuery Storage Write API is unavailable for ${table}; try again.`, { cause: error });
    }
    return error instanceof Error ? error : new Error(`BigQuery refused an append to ${table}: ${message}`);
  }
}
