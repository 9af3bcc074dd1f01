/**
 * The local twin's EventStore: one DuckDB table per source with four fixed columns, the event's
 * fields beyond the base columns kept as one JSON document. The query layer compiles LQL against
 * exactly this layout:
 *   id VARCHAR PRIMARY KEY, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON
 * The inferred schema lives in the MetaStore; a JSON column needs no ALTER when it grows.
 */
import { DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { LogEvent, JsonObject, SourceSchema } from '../../events/model.ts';
import type {
  ChartPoint, EventStore, InsertOutcome, ListEventsOptions, SourceRef, SqlLimits, SqlQuery, SqlResult,
} from '../../ports.ts';
import { chartSql, toSql, type BoundQuery, type DuckDbParam } from '../../lql/index.ts';
import { eventTableName } from '../names.ts';
import type { LocalDatabase } from './database.ts';
import { eventRelationSql } from './event-relation.ts';
import { runLocalQuery } from './sql-runner.ts';

/**
 * Rows are appended to this per-connection temporary table, then copied with INSERT OR IGNORE:
 * the appender is the fastest way in (for 500-event batches, measured 3–4× a multi-row prepared
 * VALUES insert and ~1.5× unnest-ed list parameters) and the copy gives the dedupe by primary key
 * that the appender alone cannot.
 */
const STAGING = 'kindling_event_staging';

export class LocalEventStore implements EventStore {
  /** Tables known to exist, so the hot path skips the catalog lookup. */
  private readonly tables = new Set<string>();
  /** Per table, the batches waiting for the next insert transaction, and its outcome. */
  private readonly groups = new Map<string, { batches: LogEvent[][]; written: Promise<number[]> }>();
  private stagingReady = false;

  /** The database is the composition root's: this store never closes it. */
  constructor(private readonly db: LocalDatabase) {}

  async ensureTable(source: SourceRef, _schema: SourceSchema): Promise<void> {
    const table = eventTableName(source.sourceId);
    if (this.tables.has(table)) return;
    await this.db.write((connection) =>
      connection.run(
        `CREATE TABLE IF NOT EXISTS "${table}" (` +
          'id VARCHAR PRIMARY KEY, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON)',
      ),
      'events',
    );
    this.tables.add(table);
  }

  /**
   * Writes the events in one transaction. Concurrent inserts into the same table share that
   * transaction (a group commit): one statement and one disk flush for all of them, each caller
   * still told how many of its own events were new.
   */
  async insert(source: SourceRef, schema: SourceSchema, events: LogEvent[]): Promise<InsertOutcome> {
    const table = eventTableName(source.sourceId);
    if (events.length === 0) return { inserted: 0, failed: [] };
    await this.ensureTable(source, schema);
    await this.prepareStaging();
    let group = this.groups.get(table);
    if (!group) {
      const batches: LogEvent[][] = [];
      group = {
        batches,
        written: this.db
          .transaction((connection) => {
            this.groups.delete(table);
            return this.append(connection, table, batches);
          }, 'events')
          .catch((error: unknown) => {
            if (!isDuplicateKey(error)) throw error;
            return this.db.transaction((connection) => this.write(connection, table, batches), 'events');
          }),
      };
      this.groups.set(table, group);
    }
    const index = group.batches.push(events) - 1;
    const inserted = await group.written;
    return { inserted: inserted[index] ?? 0, failed: [] };
  }

  async listEvents(source: SourceRef, _schema: SourceSchema, options: ListEventsOptions): Promise<LogEvent[]> {
    const table = eventTableName(source.sourceId);
    if (!(await this.exists(table))) return [];
    // Positional parameters throughout: the LQL filter's own are $1..$n, the listing's follow.
    const compiled = options.filter ? toSql(options.filter, 'duckdb') : { where: 'TRUE', params: [] };
    const values: (DuckDbParam | bigint)[] = [...compiled.params];
    const bind = (value: DuckDbParam | bigint) => `$${values.push(value)}`;
    const conditions = [`(${compiled.where})`];
    if (options.from !== undefined) conditions.push(`timestamp >= make_timestamp(${bind(BigInt(Math.floor(options.from)))}::BIGINT)`);
    if (options.to !== undefined) conditions.push(`timestamp < make_timestamp(${bind(BigInt(Math.ceil(options.to)))}::BIGINT)`);
    if (options.after !== undefined) {
      const at = `make_timestamp(${bind(BigInt(options.after.timestamp))}::BIGINT)`;
      conditions.push(`(timestamp < ${at} OR (timestamp = ${at} AND id < ${bind(options.after.id)}))`);
    }
    const limit = bind(BigInt(Math.max(0, Math.floor(options.limit))));
    const reader = await this.db.read((connection) =>
      connection.runAndReadAll(
        `SELECT id, epoch_us(timestamp) AS ts, event_message, CAST(body AS VARCHAR) AS body FROM "${table}" ` +
          `WHERE ${conditions.join(' AND ')} ORDER BY timestamp DESC, id DESC LIMIT ${limit}`,
        values,
      ),
    );
    return reader.getRows().map(([id, ts, message, body]) => ({
      id: id as string,
      timestamp: Number(ts as bigint),
      event_message: (message as string | null) ?? '',
      body: body === null ? {} : (JSON.parse(body as string) as JsonObject),
    }));
  }

  async chart(source: SourceRef, query: BoundQuery, window: { from: number; to: number }): Promise<ChartPoint[]> {
    const table = eventTableName(source.sourceId);
    if (!(await this.exists(table))) return [];
    const { sql, params } = chartSql(query, 'duckdb', { table: `"${table}"`, ...window });
    const reader = await this.db.read((connection) =>
      connection.runAndReadAll(`SELECT epoch_us("timestamp") AS ts, value FROM (${sql}) ORDER BY ts`, params),
    );
    return reader.getRows().map(([ts, value]) => ({
      timestamp: Number(ts as bigint),
      value: value === null ? null : Number(value as number | bigint),
    }));
  }

  readonly dialect = 'duckdb';

  relationSql(source: SourceRef, schema: SourceSchema): string {
    return eventRelationSql(eventTableName(source.sourceId), schema);
  }

  runQuery(query: SqlQuery, limits: SqlLimits): Promise<SqlResult> {
    return runLocalQuery(this.db, query, limits);
  }

  async dropTable(source: SourceRef): Promise<void> {
    const table = eventTableName(source.sourceId);
    await this.db.write((connection) => connection.run(`DROP TABLE IF EXISTS "${table}"`), 'events');
    this.tables.delete(table);
  }

  async close(): Promise<void> {
    this.tables.clear();
  }

  private async exists(table: string): Promise<boolean> {
    if (this.tables.has(table)) return true;
    const reader = await this.db.read((connection) =>
      connection.runAndReadAll(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $name",
        { name: table },
      ),
    );
    const found = Number(reader.getRows()[0]?.[0] ?? 0) > 0;
    if (found) this.tables.add(table);
    return found;
  }

  /** Created outside the insert transaction, so that a rolled-back insert cannot undo it. */
  private async prepareStaging(): Promise<void> {
    if (this.stagingReady) return;
    await this.db.write((connection) =>
      connection.run(
        `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (id VARCHAR, timestamp TIMESTAMP, event_message VARCHAR, body VARCHAR)`,
      ),
      'events',
    );
    this.stagingReady = true;
  }

  /**
   * The fast path: appends the events straight into the table, each id once. When an id is
   * already stored the primary key fails the whole append, the transaction rolls back, and
   * `write` does the slower dedupe instead. Measured for 500-event batches: ~47k events/s here
   * against ~15k through the staging table, and repeated ids are rare (client retries,
   * redelivered tasks).
   */
  private async append(connection: DuckDBConnection, table: string, batches: LogEvent[][]): Promise<number[]> {
    const seen = new Set<string>();
    const counts = batches.map(() => 0);
    const appender = await connection.createAppender(table);
    try {
      batches.forEach((batch, index) => {
        for (const event of batch) {
          if (seen.has(event.id)) continue;
          seen.add(event.id);
          appendEvent(appender, event);
          counts[index]! += 1;
        }
      });
      appender.flushSync();
    } catch (error) {
      // Closing an appender whose flush failed fails too ("transaction aborted"); keep the cause.
      try {
        appender.closeSync();
      } catch {}
      throw error;
    }
    appender.closeSync();
    return counts;
  }

  /**
   * Appends every batch to the staging table, copies what is new, and counts it per batch. An id
   * met twice (within a batch or across batches) is staged once, owned by its first batch.
   */
  private async write(connection: DuckDBConnection, table: string, batches: LogEvent[][]): Promise<number[]> {
    const owner = new Map<string, number>();
    const appender = await connection.createAppender(STAGING, 'main', 'temp');
    try {
      batches.forEach((batch, index) => {
        for (const event of batch) {
          if (owner.has(event.id)) continue;
          owner.set(event.id, index);
          appendEvent(appender, event);
        }
      });
    } finally {
      appender.closeSync();
    }
    const reader = await connection.runAndReadAll(
      `INSERT OR IGNORE INTO "${table}" SELECT * FROM temp.${STAGING} RETURNING id`,
    );
    await connection.run(`DELETE FROM temp.${STAGING}`);
    const counts = batches.map(() => 0);
    for (const [id] of reader.getRows()) counts[owner.get(id as string)!]! += 1;
    return counts;
  }
}

function appendEvent(appender: DuckDBAppender, event: LogEvent): void {
  appender.appendVarchar(event.id);
  appender.appendTimestamp(new DuckDBTimestampValue(BigInt(event.timestamp)));
  appender.appendVarchar(event.event_message);
  appender.appendVarchar(JSON.stringify(event.body));
  appender.endRow();
}

/** DuckDB's primary-key violation, as the appender reports it. */
function isDuplicateKey(error: unknown): boolean {
  return error instanceof Error && /duplicate key|constraint/i.test(error.message);
}
