/**
 * The EventStore on BigQuery: one table per source, partitioned by DAY on `timestamp` and
 * clustered on (timestamp, id), written with tabledata.insertAll (`insertId` = event id) and
 * read with parameterised jobs.query calls that always carry a partition filter and
 * `maximumBytesBilled`.
 *
 * Clustering on timestamp lets a query for the last minutes skip most blocks of a day's
 * partition (the common log query); id second serves lookups of one event by id. Substring
 * search on event_message gains nothing from clustering, so it is not a clustering column.
 */
import { BigQuery, type Table } from '@google-cloud/bigquery';
import { BASE_COLUMNS, type LogEvent, type SourceSchema } from '../../events/model.ts';
import { KindlingError, TransientError } from '../../errors.ts';
import type {
  ChartPoint, Clock, EventStore, InsertOutcome, ListEventsOptions, SourceRef, SqlLimits, SqlQuery, SqlResult,
} from '../../ports.ts';
import { chartSql, type BoundQuery } from '../../lql/index.ts';
import { eventTableName } from '../names.ts';
import { fromRestRow, listingQuery, type RestRow } from './bigquery-listing.ts';
import { chunkRows, toInsertRow, type InsertRow, type UnsentRow } from './bigquery-rows.ts';
import { mergeTableSchema, toTableFields, type TableField } from './bigquery-schema.ts';
import { staticTokenAuth } from './static-token.ts';
import { runBigQuerySql } from './bigquery-sql.ts';
import { asBatch, type Insertable } from '../../events/batch.ts';

export interface BigQueryEventStoreOptions {
  projectId: string;
  dataset: string;
  location?: string;
  /** Cap on the bytes one listing query may bill; BigQuery fails the query beyond it. */
  maximumBytesBilled?: number;
  /** How far back a listing without `from` looks (a partition filter is always applied). */
  listLookbackDays?: number;
  /** Automatic client retries of 429/5xx answers before a TransientError (0: none). */
  maxRetries?: number;
  clock?: Clock;
  /** Tests only: a fake's base URL (`http://127.0.0.1:<port>`). */
  apiEndpoint?: string;
  /** Tests only: the bearer token sent to `apiEndpoint`. */
  accessToken?: string;
}

const TRANSIENT_HTTP = new Set([429, 500, 502, 503, 504]);
/** Reasons BigQuery gives with a 403 that mean "slow down", not "forbidden". */
const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'backendError']);
const NAME = /^[A-Za-z0-9_.:-]+$/;

export class BigQueryEventStore implements EventStore {
  private bigquery: BigQuery | undefined;
  /** Each table's fields as last seen or written by this process: the hot path skips tables.get. */
  private readonly schemas = new Map<string, TableField[]>();
  /** Per table, the tail of its schema updates: one process never races itself. */
  private readonly updates = new Map<string, Promise<void>>();
  private readonly clock: Clock;

  constructor(private readonly options: BigQueryEventStoreOptions) {
    if (!NAME.test(options.projectId) || !/^\w+$/.test(options.dataset)) {
      throw new Error('BigQuery project or dataset id has characters an identifier cannot hold.');
    }
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  async ensureTable(source: SourceRef, schema: SourceSchema): Promise<void> {
    const table = eventTableName(source.sourceId);
    const wanted = [...BASE_COLUMNS, ...schema];
    const known = this.schemas.get(table);
    if (known && !mergeTableSchema(known, wanted).changed) return;
    const previous = this.updates.get(table) ?? Promise.resolve();
    const update = previous.catch(() => undefined).then(() => this.syncTable(table, wanted));
    this.updates.set(table, update);
    try {
      await update;
    } finally {
      if (this.updates.get(table) === update) this.updates.delete(table);
    }
  }

  /**
   * Makes sure the table covers `schema` (free when the cached schema does), then writes the
   * events in requests of ≤ 500 rows and ≤ 9 MB. Rows BigQuery refuses are reported
   * as failed. A row refused for a field the table was just given is not: BigQuery's streaming
   * path can take minutes to see a new column, so that write is retried as a whole (insertId
   * keeps the rows that did land from landing twice, within BigQuery's dedupe window).
   * BigQuery does not say which rows it dropped as duplicates, so `inserted` counts every row
   * it accepted.
   */
  async insert(source: SourceRef, schema: SourceSchema, input: Insertable): Promise<InsertOutcome> {
    const events = asBatch(input).events();
    if (events.length === 0) return { inserted: 0, failed: [] };
    await this.ensureTable(source, schema);
    const table = eventTableName(source.sourceId);
    const seen = new Set<string>();
    const rows: InsertRow[] = [];
    const failed: UnsentRow[] = [];
    for (const event of events) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const row = toInsertRow(event, schema);
      if ('json' in row) rows.push(row);
      else failed.push(row);
    }
    const { chunks, oversize } = chunkRows(rows);
    failed.push(...oversize);
    const refused = (await Promise.all(chunks.map((chunk) => this.insertChunk(table, chunk)))).flat();
    if (refused.some((row) => /no such field/i.test(row.reason))) {
      this.schemas.delete(table);
      throw new TransientError(`BigQuery table ${table} does not see all of its new columns yet.`);
    }
    failed.push(...refused);
    return { inserted: seen.size - failed.length, failed };
  }

  async listEvents(source: SourceRef, _schema: SourceSchema, options: ListEventsOptions): Promise<LogEvent[]> {
    const { query, params, types } = listingQuery(
      this.qualified(source),
      options,
      this.clock.now() * 1000,
      this.options.listLookbackDays ?? 7,
    );
    const { rows, fields } = await this.run(query, params, types);
    if (rows.length > 0 && !fields) throw new Error('BigQuery answered a query without its schema.');
    return rows.map((row) => fromRestRow(fields!, row));
  }

  async chart(source: SourceRef, query: BoundQuery, window: { from: number; to: number }): Promise<ChartPoint[]> {
    const chart = chartSql(query, 'bigquery', { table: this.qualified(source), ...window });
    const { rows } = await this.run(
      `SELECT UNIX_MICROS(\`timestamp\`) AS ts, value FROM (${chart.sql}) ORDER BY ts`,
      chart.params,
      chart.types,
    );
    return rows.map((row) => {
      const [ts, value] = row.f.map((cell) => cell.v);
      return { timestamp: Number(ts), value: value === null || value === undefined ? null : Number(value) };
    });
  }

  readonly dialect = 'bigquery';

  /** The table itself: on BigQuery every inferred field already is a typed (nested) column. */
  relationSql(source: SourceRef, _schema: SourceSchema): string {
    return `SELECT * FROM ${this.qualified(source)}`;
  }

  async runQuery(query: SqlQuery, limits: SqlLimits): Promise<SqlResult> {
    const { projectId, dataset, location } = this.options;
    try {
      return await runBigQuerySql(this.client(), { projectId, dataset, location }, query, limits);
    } catch (error) {
      throw error instanceof KindlingError ? error : transient(error);
    }
  }

  private qualified(source: SourceRef): string {
    return `\`${this.options.projectId}.${this.options.dataset}.${eventTableName(source.sourceId)}\``;
  }

  /**
   * One parameterised query, capped by maximumBytesBilled. A missing table reads as empty.
   * skipParsing keeps rows as REST sends them, so int64 values are decoded exactly here.
   */
  private async run(
    query: string,
    params: Record<string, unknown>,
    types: Record<string, string>,
  ): Promise<{ rows: RestRow[]; fields: TableField[] | undefined }> {
    try {
      // The client resolves (rows, next page query, API response); its typings list only two.
      const [rows, , response] = (await this.client().query({
        query,
        params,
        types,
        location: this.options.location,
        maximumBytesBilled: String(this.options.maximumBytesBilled ?? 10_000_000_000),
        skipParsing: true,
      })) as unknown as [RestRow[], unknown, { schema?: { fields?: TableField[] } } | undefined];
      return { rows, fields: response?.schema?.fields };
    } catch (error) {
      if (httpStatus(error) === 404) return { rows: [], fields: undefined };
      throw transient(error);
    }
  }

  async dropTable(source: SourceRef): Promise<void> {
    const table = eventTableName(source.sourceId);
    try {
      await this.table(table).delete();
    } catch (error) {
      if (httpStatus(error) !== 404) throw transient(error);
    }
    this.schemas.delete(table);
  }

  async close(): Promise<void> {
    this.schemas.clear();
  }

  /** Creates the table or patches in its missing fields, re-reading when another writer won a race. */
  private async syncTable(table: string, wanted: SourceSchema): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const current = this.schemas.get(table) ?? (await this.readSchema(table));
        if (current === null) {
          await this.client()
            .dataset(this.options.dataset)
            .createTable(table, {
              schema: { fields: toTableFields(wanted) },
              timePartitioning: { type: 'DAY', field: 'timestamp' },
              clustering: { fields: ['timestamp', 'id'] },
            });
          this.schemas.set(table, toTableFields(wanted));
          return;
        }
        const merged = mergeTableSchema(current, wanted);
        if (merged.changed) await this.table(table).setMetadata({ schema: { fields: merged.fields } });
        this.schemas.set(table, merged.fields);
        return;
      } catch (error) {
        this.schemas.delete(table);
        const status = httpStatus(error);
        // 409: created meanwhile; 400/412: patched meanwhile, so our schema dropped a field.
        if (attempt < 3 && (status === 409 || status === 400 || status === 412)) continue;
        throw transient(error);
      }
    }
  }

  private async readSchema(table: string): Promise<TableField[] | null> {
    try {
      const [metadata] = await this.table(table).getMetadata();
      return (metadata as { schema?: { fields?: TableField[] } }).schema?.fields ?? [];
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }

  private async insertChunk(table: string, rows: InsertRow[]): Promise<UnsentRow[]> {
    try {
      await this.table(table).insert(rows, { raw: true, skipInvalidRows: true, partialRetries: 0 });
      return [];
    } catch (error) {
      const partial = (error as { name?: string; errors?: unknown[] }).name === 'PartialFailureError';
      if (!partial) {
        if (httpStatus(error) === 404) {
          this.schemas.delete(table);
          throw new TransientError(`BigQuery table ${table} is not visible to streaming inserts yet.`, { cause: error });
        }
        throw transient(error);
      }
      return ((error as { errors: { row: InsertRow; errors: { reason?: string; message?: string }[] }[] }).errors).map(
        ({ row, errors }) => ({
          id: row.insertId,
          reason: errors.map((e) => [e.reason, e.message].filter(Boolean).join(': ')).join('; ') || 'invalid',
        }),
      );
    }
  }

  private table(table: string): Table {
    return this.client().dataset(this.options.dataset).table(table);
  }

  private client(): BigQuery {
    const { projectId, location, apiEndpoint, accessToken, maxRetries = 2 } = this.options;
    this.bigquery ??= new BigQuery({
      projectId,
      location,
      retryOptions: maxRetries > 0 ? { maxRetries } : { autoRetry: false },
      ...(apiEndpoint !== undefined ? { apiEndpoint, authClient: staticTokenAuth(accessToken ?? 'test') } : {}),
    });
    return this.bigquery;
  }
}

function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A TransientError for what may pass on retry (429, 5xx, 403 rate limits, network); else `error`. */
function transient(error: unknown): unknown {
  const status = httpStatus(error);
  const reasons = ((error as { errors?: { reason?: string }[] } | null)?.errors ?? []).map((e) => e.reason);
  const network = typeof (error as { code?: unknown } | null)?.code === 'string';
  if (
    (status !== undefined && TRANSIENT_HTTP.has(status)) ||
    (status === 403 && reasons.some((reason) => reason !== undefined && TRANSIENT_REASONS.has(reason))) ||
    network
  ) {
    return new TransientError('BigQuery is unavailable or rate-limiting; try again.', { cause: error });
  }
  return error;
}
