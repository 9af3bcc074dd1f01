/**
 * The local twin's EventStore: one DuckDB table per source with four fixed columns, the event's
 * fields beyond the base columns kept as one JSON document. The query layer compiles LQL against
 * exactly this layout:
 *   id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON
 * The inferred schema lives in the MetaStore; a JSON column needs no ALTER when it grows.
 *
 * Batches go in as JSON text that DuckDB parses itself (`from_json`), on its threads: parsing
 * them into objects and appending those cost the event loop ~10 µs per event, the same thread
 * that answers ingest requests.
 *
 * There is no PRIMARY KEY: DuckDB's index on `id` cost ~7 µs of CPU per event appended and made
 * each checkpoint rewrite it (seconds at 10M rows). Dedupe by id is done around the insert
 * instead: a per-table RecentIds filter of the latest ids says which ids of a batch might be
 * stored already, and only those are looked up in the table.
 */
import { UBIGINT, blobValue, listValue, LIST, type DuckDBConnection, type DuckDBResult, type DuckDBVector } from '@duckdb/node-api';
import type { LogEvent, JsonObject, SourceSchema } from '../../events/model.ts';
import type {
  ChartPoint, EventStore, InsertOutcome, ListEventsOptions, SourceRef, SqlLimits, SqlQuery, SqlResult,
} from '../../ports.ts';
import { chartSql, toSql, type BoundQuery, type DuckDbParam } from '../../lql/index.ts';
import { eventTableName } from '../names.ts';
import { executePrepared, inTransaction, runPrepared, type LocalDatabase } from './database.ts';
import { eventRelationSql } from './event-relation.ts';
import { runLocalQuery } from './sql-runner.ts';
import { RecentIds } from './recent-ids.ts';
import { deleteOutboxRows, deliveryScope, type Delivery } from './delivery-scope.ts';
import { asBatch, batchFromJson, type EventBatch, type Insertable } from '../../events/batch.ts';
import { KindlingError } from '../../errors.ts';

/**
 * How many of a table's latest ids are remembered to spot a repeated id without an index. An id
 * repeated within this many events of its source is stored once; older repeats are not looked
 * for, as with BigQuery's insertId. 1M ids cost 16 MB. (A task redelivered after a crash does not
 * depend on it: its outbox row goes in the transaction that writes its events.)
 */
export const DEDUPE_WINDOW = 1_000_000;

export class LocalEventStore implements EventStore {
  /** Tables known to exist, so the hot path skips the catalog lookup. */
  private readonly tables = new Set<string>();
  /** Per table, the batches waiting for the next insert transaction, and its outcome. */
  private readonly groups = new Map<string, { batches: EventBatch[]; deliveries: Delivery[]; written: Promise<number[]> }>();
  /** Per table, its latest ids; loaded from the table on the first insert of this process. */
  private readonly recent = new Map<string, Promise<RecentIds>>();

  private readonly dedupeWindow: number;

  /** The database is the composition root's: this store never closes it. */
  constructor(
    private readonly db: LocalDatabase,
    options: { dedupeWindow?: number } = {},
  ) {
    this.dedupeWindow = options.dedupeWindow ?? DEDUPE_WINDOW;
  }

  async ensureTable(source: SourceRef, _schema: SourceSchema): Promise<void> {
    const table = eventTableName(source.sourceId);
    if (this.tables.has(table)) return;
    const keyed = await this.db.alterCatalog(async (connection) => {
      await connection.run(`CREATE TABLE IF NOT EXISTS "${table}" (${EVENT_TABLE_COLUMNS})`);
      return hasIdIndex(connection, table);
    }, 'events');
    if (keyed) await this.db.alterCatalog((c) => inTransaction(c, (connection) => rebuildWithoutIndex(connection, table)), 'events');
    this.tables.add(table);
  }

  /**
   * Writes the events in one commit. Concurrent inserts into the same table share that commit
   * (a group commit): one statement and one disk flush for all of them, each caller still told
   * how many of its own events were new.
   */
  async insert(source: SourceRef, schema: SourceSchema, events: Insertable): Promise<InsertOutcome> {
    const table = eventTableName(source.sourceId);
    if (Array.isArray(events) && events.length === 0) return { inserted: 0, failed: [] };
    await this.ensureTable(source, schema);
    let group = this.groups.get(table);
    if (!group) {
      const batches: EventBatch[] = [];
      const deliveries: Delivery[] = [];
      group = {
        batches,
        deliveries,
        written: this.db.write((connection) => {
          this.groups.delete(table);
          return this.append(connection, table, batches, deliveries);
        }, 'events'),
      };
      this.groups.set(table, group);
    }
    const batch = asBatch(events);
    // Delivered from the local outbox: the row is deleted in the transaction that writes the events.
    const delivery = deliveryScope.getStore();
    const { batches, deliveries, written } = group;
    const index = batches.push(batch) - 1;
    if (delivery) deliveries.push(delivery);
    let inserted: number;
    try {
      inserted = (await written)[index] ?? 0;
    } catch (error) {
      if (!isBadTask(error)) throw error;
      // One bad batch fails the shared transaction: the others are each tried again on their own.
      const alone = batches.length > 1 ? await this.insertAlone(table, batch, delivery).catch(() => null) : null;
      inserted = alone ?? (await this.insertRepaired(table, batch, delivery, error));
    }
    if (delivery) delivery.settled = true;
    return { inserted, failed: [] };
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
    // A kept statement: a search repeated with other values (a live tail, a poll) is not prepared again.
    const reader = await this.db.read((connection) =>
      runPrepared(
        connection,
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
    await this.db.alterCatalog((connection) => connection.run(`DROP TABLE IF EXISTS "${table}"`), 'events');
    this.tables.delete(table);
    this.recent.delete(table);
  }

  async close(): Promise<void> {
    this.tables.clear();
    this.recent.clear();
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

  private async insertAlone(table: string, batch: EventBatch, delivery: Delivery | undefined): Promise<number> {
    const deliveries = delivery ? [delivery] : [];
    const [count] = await this.db.write((connection) => this.append(connection, table, [batch], deliveries), 'events');
    return count ?? 0;
  }

  /**
   * Last try for a batch DuckDB's JSON reader refused: parsed by JavaScript's, which is more
   * lenient (a lone UTF-16 surrogate, say, that JSON.stringify writes as `\ud800` and DuckDB
   * refuses), and written again with each lone surrogate as U+FFFD. A batch with nothing to
   * repair, or that JavaScript cannot parse either, is a bad task after all.
   */
  private async insertRepaired(
    table: string,
    batch: EventBatch,
    delivery: Delivery | undefined,
    refusal: unknown,
  ): Promise<number> {
    let repaired = false;
    let json: string;
    try {
      json = JSON.stringify(batch.events(), (_key, value: unknown) => {
        if (typeof value !== 'string' || value.isWellFormed()) return value;
        repaired = true;
        return value.toWellFormed();
      });
    } catch {
      throw refusal;
    }
    if (!repaired) throw refusal;
    return this.insertAlone(table, batchFromJson(json, () => JSON.parse(json) as LogEvent[], batch.size()), delivery);
  }

  /**
   * Inserts every batch in one statement, with DuckDB parsing the JSON text (off the event loop,
   * and without building objects), then takes out what repeats an id: an id met twice in this
   * write, or one the filter suspects is stored already, keeps only its first row. Returns, per
   * batch, how many of its events are new.
   *
   * Batches delivered from the outbox are written in one transaction with the deletion of their
   * outbox rows, so a crash leaves either both or neither. Others, the normal case, are one
   * INSERT that DuckDB commits on its own: measured alone, 1,000-event writes cost 2.2 µs of CPU
   * per event that way against 3.3–3.5 µs inside BEGIN … COMMIT, and take one call into DuckDB
   * instead of three. A repeated id is then deleted by a second statement right after; should the
   * process die between the two, the copy is deleted when the table's ids are next loaded
   * (recentIds), before anything more is written to it.
   */
  private async append(
    connection: DuckDBConnection,
    table: string,
    batches: EventBatch[],
    deliveries: Delivery[],
  ): Promise<number[]> {
    const statements = statementsOf(batches);
    if (deliveries.length === 0 && statements.length === 1) return this.insertBatches(connection, table, batches, statements);
    // Outbox rows go with their events, and a write of several statements is all or nothing.
    return inTransaction(connection, async () => {
      const counts = await this.insertBatches(connection, table, batches, statements);
      if (deliveries.length > 0) await deleteOutboxRows(connection, deliveries.map((delivery) => delivery.name));
      return counts;
    });
  }

  /** append's INSERTs of `statements` (statementsOf) and its repeats' DELETE, in whatever transaction `connection` is in. */
  private async insertBatches(
    connection: DuckDBConnection,
    table: string,
    batches: EventBatch[],
    statements: Buffer[],
  ): Promise<number[]> {
    const recent = await this.recentIds(table, connection);
    const hashes = await insertStatements(connection, table, statements);
    const rows = hashes.length / 2;
    if (rows !== batches.reduce((sum, batch) => sum + batch.size(), 0)) {
      throw new KindlingError(400, 'bad_task', 'A task holds a different number of events than it says.');
    }
    // Row r's id hash is hashes[2r] (low half), hashes[2r + 1] (high half). An id met twice in
    // this write is suspect at its second row, its first having been remembered. Remembered at
    // once: should the DELETE below fail, a retry finds these ids suspect and checks them.
    const suspects: number[] = [];
    for (let row = 0; row < rows; row++) {
      if (recent.add(hashes[2 * row + 1]!, hashes[2 * row]!)) suspects.push(row);
    }
    const counts = batches.map((batch) => batch.size());
    if (suspects.length > 0) {
      // The later copies of an id are deleted, so they are taken from the last batches that had it.
      const key = (row: number) => `${hashes[2 * row + 1]}:${hashes[2 * row]}`;
      const suspected = new Set(suspects.map(key));
      const owners = new Map<string, number[]>();
      let row = 0;
      batches.forEach((batch, index) => {
        for (let end = row + batch.size(); row < end; row++) {
          const hash = key(row);
          if (suspected.has(hash)) owners.get(hash)?.push(index) ?? owners.set(hash, [index]);
        }
      });
      const deleted = await deleteRepeats(connection, table, [...new Set(suspects.map((r) => fullHash(hashes, r)))]);
      for (let i = 0; i < deleted.length; i += 2) counts[owners.get(`${deleted[i + 1]}:${deleted[i]}`)!.pop()!]! -= 1;
    }
    return counts;
  }

  /**
   * The table's latest ids, read once per process (after a crash, the redelivered tasks' ids). An
   * id found twice among them is one whose repeat a crash left behind (see append): the later
   * copies are deleted here, before anything more is written to the table.
   */
  private recentIds(table: string, connection: DuckDBConnection): Promise<RecentIds> {
    let loaded = this.recent.get(table);
    if (!loaded) {
      loaded = (async () => {
        const recent = new RecentIds(this.dedupeWindow);
        const hashes = await readHashes(
          await connection.run(`SELECT ${ID_HASH} FROM "${table}" ORDER BY rowid DESC LIMIT ${Math.floor(this.dedupeWindow / 2)}`),
        );
        const repeated = new Set<bigint>();
        for (let i = hashes.length - 2; i >= 0; i -= 2) {
          if (recent.add(hashes[i + 1]!, hashes[i]!)) repeated.add(fullHash(hashes, i / 2));
        }
        if (repeated.size > 0) await deleteRepeats(connection, table, [...repeated]);
        return recent;
      })();
      loaded.catch(() => this.recent.delete(table));
      this.recent.set(table, loaded);
    }
    return loaded;
  }
}

const EVENT_TABLE_COLUMNS = 'id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON';

/** Whether an earlier version made `table` with PRIMARY KEY (id). */
async function hasIdIndex(connection: DuckDBConnection, table: string): Promise<boolean> {
  const keys = await connection.runAndReadAll(
    "SELECT count(*) FROM duckdb_constraints() WHERE table_name = $table AND constraint_type = 'PRIMARY KEY'",
    { table },
  );
  return Number(keys.getRows()[0]?.[0] ?? 0) > 0;
}

/**
 * Rebuilds such a table without the key, once (run in one transaction): DuckDB cannot drop a
 * primary key in place, and with it a repeat the filter no longer remembers would be refused by
 * the index on every retry instead of stored.
 */
async function rebuildWithoutIndex(connection: DuckDBConnection, table: string): Promise<void> {
  const rebuilt = `${table}_rebuilt`;
  await connection.run(`CREATE TABLE "${rebuilt}" (${EVENT_TABLE_COLUMNS})`);
  await connection.run(`INSERT INTO "${rebuilt}" SELECT id, timestamp, event_message, body FROM "${table}" ORDER BY rowid`);
  await connection.run(`DROP TABLE "${table}"`);
  await connection.run(`ALTER TABLE "${rebuilt}" RENAME TO "${table}"`);
}

function isBadTask(error: unknown): error is KindlingError {
  return error instanceof KindlingError && error.code === 'bad_task';
}

/** The events' columns, from the JSON text of an array of LogEvents; `body` stays JSON. */
const EVENT_COLUMNS = `'[{"id": "VARCHAR", "timestamp": "BIGINT", "event_message": "VARCHAR", "body": "JSON"}]'`;

/**
 * One INSERT of events' JSON text (one array, as UTF-8 bytes: see arrayOf); returns the hashes of
 * the ids written, in order (see readHashes). The text goes in as a BLOB that DuckDB decodes
 * (checking it is UTF-8): no JavaScript string of it is made or encoded.
 * Text that is not that (malformed JSON, a missing id or timestamp) is a bad task: retrying
 * cannot fix it. Any other failure is left to retry, such as a duplicate key in a table made by
 * an earlier version with PRIMARY KEY (id), whose repeats beyond the filter's window it refuses.
 */
async function insertJson(connection: DuckDBConnection, table: string, json: Buffer): Promise<Uint32Array> {
  const result = await executePrepared(
    connection,
    `INSERT INTO "${table}" SELECT id, make_timestamp(timestamp), event_message, body ` +
      `FROM (SELECT unnest(from_json(decode($1::BLOB), ${EVENT_COLUMNS}), recursive := true)) RETURNING ${ID_HASH}`,
    [blobValue(json)],
  ).catch((error: unknown) => {
    if (error instanceof Error && /malformed json|conversion error|not null constraint/i.test(error.message)) {
      throw new KindlingError(400, 'bad_task', `The task's events are not valid Kindling events: ${error.message}`);
    }
    throw error;
  });
  return readHashes(result);
}

/**
 * Deletes every row whose id has one of the given hashes but the first row stored of that id
 * (this transaction's rows come last), and returns the hash of each row deleted. Rows are told
 * apart by id, so a hash shared by two different ids deletes neither. One scan of the table, for
 * the rare repeat.
 */
async function deleteRepeats(connection: DuckDBConnection, table: string, hashes: bigint[]): Promise<Uint32Array> {
  const result = await connection.run(
    `DELETE FROM "${table}" WHERE rowid IN (SELECT rowid FROM (` +
      `SELECT rowid, row_number() OVER (PARTITION BY id ORDER BY rowid) AS copy FROM "${table}" ` +
      `WHERE hash(id) IN (SELECT unnest($hashes))) WHERE copy > 1) RETURNING ${ID_HASH}`,
    { hashes: listValue(hashes) },
    { hashes: LIST(UBIGINT) },
  );
  return readHashes(result);
}

/** Row `row`'s id hash as the UBIGINT DuckDB computed. */
function fullHash(hashes: Uint32Array, row: number): bigint {
  return (BigInt(hashes[2 * row + 1]!) << 32n) | BigInt(hashes[2 * row]!);
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * The JSON text of one array of events, as UTF-8: runs of array elements (a batch's array without
 * its brackets, or a cut of one: eventRuns) joined by commas. One flat array rather than an array
 * of the batches' arrays: DuckDB's unnest of nested lists cost ~0.7 µs more per event
 * (1,000-event writes, measured alone).
 */
function arrayOf(items: Buffer[]): Buffer {
  const parts: Buffer[] = [OPEN];
  for (const item of items) {
    if (item.length === 0) continue;
    if (parts.length > 1) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * Most bytes of events' JSON text one INSERT parses. DuckDB's working memory for the statement,
 * which counts against its memory_limit and cannot be spilled, is many times its text: a
 * 1.2 MB array needed 16–24 MB, and an 11 MB request failed every delivery under a 32 MB limit.
 * Writes under load are far smaller (a few hundred KB at 150k events/s), so they stay one
 * statement; a larger write is cut between events into several, in one transaction.
 */
export const STATEMENT_BYTES = 1 << 20;

/**
 * The batches' events as the JSON arrays (see arrayOf) of append's INSERTs, in order: one array
 * while they fit in STATEMENT_BYTES, else arrays of at most that many bytes (an event larger than
 * that alone in its own). A batch whose text is not an array is a bad task.
 */
function statementsOf(batches: EventBatch[]): Buffer[] {
  const limit = STATEMENT_BYTES;
  const items = batches.map((batch) => arrayItems(batch.utf8()));
  if (items.reduce((sum, item) => sum + item.length + 1, 1) <= limit) return [arrayOf(items)];
  const statements: Buffer[] = [];
  let run: Buffer[] = [];
  let size = 1;
  for (const item of items) {
    for (const events of item.length > limit ? eventRuns(item, limit) : [item]) {
      if (run.length > 0 && size + events.length + 1 > limit) {
        statements.push(arrayOf(run));
        run = [];
        size = 1;
      }
      run.push(events);
      size += events.length + 1;
    }
  }
  if (run.length > 0) statements.push(arrayOf(run));
  return statements;
}

/**
 * Cuts the bytes between a JSON array's brackets (arrayItems) at commas between its elements
 * into runs of at most `limit` bytes, where an element allows it. Tracks only strings and
 * nesting: text that is not JSON is DuckDB's to refuse, run by run.
 */
export function eventRuns(items: Buffer, limit: number): Buffer[] {
  const runs: Buffer[] = [];
  let start = 0;
  let lastComma = -1;
  let depth = 0;
  let inString = false;
  const cutBefore = (end: number) => {
    if (end - start > limit && lastComma >= start) {
      runs.push(items.subarray(start, lastComma));
      start = lastComma + 1;
    }
  };
  for (let i = 0; i < items.length; i++) {
    const byte = items[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === 0x7b || byte === 0x5b) depth++;
    else if (byte === 0x7d || byte === 0x5d) depth--;
    else if (byte === COMMA[0] && depth === 0) {
      cutBefore(i);
      lastComma = i;
    }
  }
  cutBefore(items.length);
  runs.push(items.subarray(start));
  return runs;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** insertJson of each statement in turn; their hashes as one array, in order. */
async function insertStatements(connection: DuckDBConnection, table: string, statements: Buffer[]): Promise<Uint32Array> {
  const parts: Uint32Array[] = [];
  for (const statement of statements) parts.push(await insertJson(connection, table, statement));
  return joined(parts);
}

/** The arrays end to end; the one array itself when there is one. */
function joined(parts: Uint32Array[]): Uint32Array {
  if (parts.length === 1) return parts[0]!;
  const all = new Uint32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** The bytes between a JSON array's brackets; empty for an array with nothing in it. */
function arrayItems(json: Buffer): Buffer {
  let start = 0;
  let end = json.length;
  while (start < end && isJsonSpace(json[start]!)) start++;
  while (end > start && isJsonSpace(json[end - 1]!)) end--;
  if (end - start < 2 || json[start] !== OPEN[0] || json[end - 1] !== CLOSE[0]) {
    throw new KindlingError(400, 'bad_task', "A task's events are not a JSON array.");
  }
  start++;
  end--;
  while (start < end && isJsonSpace(json[start]!)) start++;
  return json.subarray(start, end);
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The SELECT list of an id's hash as its two 32-bit halves, as readHashes reads them. */
const ID_HASH = '(hash(id) & 4294967295)::UINTEGER AS low, (hash(id) >> 32)::UINTEGER AS high';

/**
 * A result of ID_HASH columns as one array: low, high for each row in order. Numbers read from
 * DuckDB's vectors, with no string or BigInt made per row, and the chunk's row count asked once
 * (each `rowCount` is a call into the bindings).
 */
async function readHashes(result: DuckDBResult): Promise<Uint32Array> {
  const parts: Uint32Array[] = [];
  for (let chunk = await result.fetchChunk(); chunk; chunk = await result.fetchChunk()) {
    const rowCount = chunk.rowCount;
    if (rowCount === 0) break;
    const lows = chunk.getColumnVector(0) as DuckDBVector<number>;
    const highs = chunk.getColumnVector(1) as DuckDBVector<number>;
    const halves = new Uint32Array(rowCount * 2);
    for (let row = 0; row < rowCount; row++) {
      halves[2 * row] = lows.getItem(row)!;
      halves[2 * row + 1] = highs.getItem(row)!;
    }
    parts.push(halves);
  }
  return joined(parts);
}
