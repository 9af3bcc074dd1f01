/**
 * The local twin's one DuckDB database (one instance per process, as DuckDB wants it). Each kind
 * of writer has its own connection and runs one transaction at a time on it: metadata, events
 * and the outbox touch different tables, so their transactions run side by side without
 * conflicts (DuckDB's optimistic concurrency only clashes on the same rows), and an ingest
 * enqueue never waits behind a sink insert. Reads use their own connections and see the last
 * committed state.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  DuckDBBlobValue,
  DuckDBConnection,
  DuckDBInstance,
  DuckDBResultReader,
  type DuckDBMaterializedResult,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

/** Runs tasks one after another; DuckDB connections must not run two statements at once. */
class SerialLane {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

interface Lane {
  connection: DuckDBConnection;
  lane: SerialLane;
}

/**
 * How much write-ahead log DuckDB lets build up before it checkpoints into the database file.
 * Its 16 MB default meant a checkpoint every second or two under ingest, and checkpoints were
 * a third of the CPU spent per stored event (25 → 16 µs with 1 GB in a 1M-event append test).
 * Appended rows stay in memory until the checkpoint that writes them, so the threshold also
 * bounds memory: under 25 s of bench load, 128 MB against 256 MB cost ~3% of throughput
 * (44.1k → 42.6k events/s, 3 pairs) and saved ~100 MB of peak RSS (835 → 727 MB).
 */
const CHECKPOINT_THRESHOLD = '128MB';

/**
 * DuckDB's `memory_limit` for a database file unless the configuration names one
 * (DUCKDB_MEMORY_LIMIT). DuckDB's own default is 80 % of the machine's memory, and it keeps what
 * it reads or appends in its buffer pool up to that limit, so the twin's memory grew with its
 * data and its queries. Past the limit, DuckDB evicts cached blocks and spills rows not yet
 * checkpointed to `<file>.tmp` beside the database (same DATA_DIR) instead of failing.
 * Measured (docs/performance.md, eighth round): bench:query on 3M events answered its searches
 * and charts as fast at 128 MB and 64 MB as at 6 GB, at a peak RSS of 376 / 296 MB against
 * 1,531. Under bench:ingest's load the rows not yet checkpointed reach ~135 MB
 * (CHECKPOINT_THRESHOLD); at 128 MB they spilled, and cost ~12 % of throughput (5 pairs). 256 MB
 * left throughput as it was (4 pairs). A statement that needs more than the limit fails with
 * DuckDB's out-of-memory error and changes nothing: the sink's INSERTs are cut to stay far below
 * it (STATEMENT_BYTES in event-store.ts); raise DUCKDB_MEMORY_LIMIT for heavy SQL.
 */
const MEMORY_LIMIT = '256MB';

/**
 * Statements prepared once per connection and kept: `connection.run(sql, values)` extracts,
 * prepares and executes, three trips through the thread pool, each of which waits for a turn of
 * the event loop when it returns; under ingest load that wait is milliseconds. A kept statement
 * is one trip: bind and execute. Only statements whose text repeats are worth keeping (the hot
 * paths'); the oldest is dropped beyond MAX_PREPARED per connection.
 *
 * A kept statement is prepared again after the catalog changed (LocalDatabase.alterCatalog): DuckDB
 * plans a statement prepared before a catalog change again at every execution, with its
 * parameters folded in as constants. For the sink's INSERT that meant parsing the whole batch's
 * JSON into DuckDB values while planning: once a second source's table was created, every write
 * cost ~2.5× the CPU (perf: RebindPreparedStatement, 29 % of the twin's samples).
 */
interface KeptStatements {
  /** The catalog generation of the connection's database, shared by its connections. */
  catalog: { generation: number };
  statements: Map<string, { statement: DuckDBPreparedStatement; generation: number }>;
  /** How many statements were prepared on the connection so far. */
  prepares: number;
}
const kept = new WeakMap<DuckDBConnection, KeptStatements>();
const MAX_PREPARED = 64;

function keptOn(connection: DuckDBConnection): KeptStatements {
  let entry = kept.get(connection);
  if (!entry) kept.set(connection, (entry = { catalog: { generation: 0 }, statements: new Map(), prepares: 0 }));
  return entry;
}

/** How many statements executePrepared has prepared on `connection`: once per text, and again after a catalog change. */
export function statementsPrepared(connection: DuckDBConnection): number {
  return kept.get(connection)?.prepares ?? 0;
}

type Values = DuckDBValue[] | Record<string, DuckDBValue>;
type Types = DuckDBType[] | Record<string, DuckDBType | undefined>;

/**
 * Runs `sql` with `values` through the connection's kept statement for that text, preparing it
 * the first time. The caller holds the connection's lane, so the statement is never bound by two
 * callers at once. The result is read by the caller, chunk by chunk.
 */
export async function executePrepared(
  connection: DuckDBConnection,
  sql: string,
  values: Values,
  types?: Types,
): Promise<DuckDBMaterializedResult> {
  const entry = keptOn(connection);
  const { statements, catalog } = entry;
  const known = statements.get(sql);
  let statement: DuckDBPreparedStatement;
  if (known && known.generation === catalog.generation) {
    statement = known.statement;
  } else {
    known?.statement.destroySync();
    statements.delete(sql);
    // Read before preparing: a catalog change meanwhile has this statement prepared again next time.
    const generation = catalog.generation;
    statement = await connection.prepare(sql);
    entry.prepares++;
    if (statements.size >= MAX_PREPARED) {
      const [oldestSql, oldest] = statements.entries().next().value!;
      statements.delete(oldestSql);
      oldest.statement.destroySync();
    }
    statements.set(sql, { statement, generation });
  }
  statement.clearBindings();
  bindValues(statement, values, types);
  return statement.run();
}

/**
 * `statement.bind`, except that a BLOB goes through `bindBlob`: bound as a value, its bytes take
 * a slower path through the bindings (164 µs against 10 µs for 220 KB, measured), and tasks and
 * event batches are bound as BLOBs of up to megabytes.
 */
function bindValues(statement: DuckDBPreparedStatement, values: Values, types?: Types): void {
  if (!Array.isArray(values)) {
    statement.bind(values, types);
    return;
  }
  const typeList = Array.isArray(types) ? types : undefined;
  values.forEach((value, index) => {
    if (value instanceof DuckDBBlobValue && typeList?.[index] === undefined) statement.bindBlob(index + 1, value.bytes);
    else statement.bindValue(index + 1, value, typeList?.[index]);
  });
}

/** executePrepared, with the whole result read. */
export async function runPrepared(connection: DuckDBConnection, sql: string, values: Values, types?: Types): Promise<DuckDBResultReader> {
  const reader = new DuckDBResultReader(await executePrepared(connection, sql, values, types));
  await reader.readAll();
  return reader;
}

/**
 * Runs `work` inside one transaction on a connection the caller holds (its lane); rolls back if
 * it throws. A single statement needs none: DuckDB commits it on its own, and does so far more
 * cheaply (see LocalEventStore.append).
 */
export async function inTransaction<T>(connection: DuckDBConnection, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work(connection);
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Who writes: each gets its own connection and transaction order. The outbox has two: 'outbox'
 * only adds tasks, the write every acknowledgement waits for; 'delivery' settles delivered ones
 * (deletes, reschedules), so that those never queue in front of an enqueue.
 */
export type Writer = 'meta' | 'events' | 'outbox' | 'delivery';
const WRITERS: readonly Writer[] = ['meta', 'events', 'outbox', 'delivery'];

export interface OpenOptions {
  /** Reader connections, which searches take turns on. */
  readerCount?: number;
  /** DuckDB's `memory_limit`, such as '128MB'; MEMORY_LIMIT for a file by default. */
  memoryLimit?: string;
}

export class LocalDatabase {
  private nextReader = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writers: Map<Writer, Lane>,
    private readonly readers: Lane[],
    /** Shared with every connection's kept statements (see executePrepared). */
    private readonly catalog: { generation: number },
  ) {}

  /**
   * Opens (creating if needed) the database file; `:memory:` for an in-memory database, which
   * keeps DuckDB's default memory limit (its rows have nowhere to spill) unless given one.
   */
  static async open(file: string, options: OpenOptions = {}): Promise<LocalDatabase> {
    const { readerCount = 2 } = options;
    const inMemory = file === ':memory:';
    if (!inMemory) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const memoryLimit = options.memoryLimit ?? (inMemory ? undefined : MEMORY_LIMIT);
    const instance = await DuckDBInstance.create(file, {
      checkpoint_threshold: CHECKPOINT_THRESHOLD,
      ...(memoryLimit === undefined ? {} : { memory_limit: memoryLimit }),
    });
    const catalog = { generation: 0 };
    const lane = async (): Promise<Lane> => {
      const connection = await instance.connect();
      kept.set(connection, { catalog, statements: new Map(), prepares: 0 });
      return { connection, lane: new SerialLane() };
    };
    const writers = new Map<Writer, Lane>();
    for (const writer of WRITERS) writers.set(writer, await lane());
    const readers = await Promise.all(Array.from({ length: readerCount }, lane));
    return new LocalDatabase(instance, writers, readers, catalog);
  }

  /** Runs `work` inside one write transaction of `writer`; rolls back if it throws. */
  transaction<T>(work: (connection: DuckDBConnection) => Promise<T>, writer: Writer = 'meta'): Promise<T> {
    const { lane, connection } = this.writers.get(writer)!;
    return lane.run(() => inTransaction(connection, work));
  }

  /** Runs statements on a writer's connection outside an explicit transaction (each commits on its own). */
  write<T>(work: (connection: DuckDBConnection) => Promise<T>, writer: Writer = 'meta'): Promise<T> {
    const { lane, connection } = this.writers.get(writer)!;
    return lane.run(() => work(connection));
  }

  /**
   * Runs statements that may change the catalog (CREATE, ALTER, DROP) as `write` does; every
   * connection's kept statements are prepared again afterwards (see executePrepared).
   */
  alterCatalog<T>(work: (connection: DuckDBConnection) => Promise<T>, writer: Writer = 'meta'): Promise<T> {
    return this.write((connection) => work(connection).finally(() => this.catalog.generation++), writer);
  }

  /** Runs read-only work on one of the reader connections. */
  read<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const reader = this.readers[this.nextReader++ % this.readers.length]!;
    return reader.lane.run(() => work(reader.connection));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const lanes = [...this.writers.values(), ...this.readers];
    await Promise.all(
      lanes.map((l) =>
        l.lane.run(async () => {
          for (const { statement } of kept.get(l.connection)?.statements.values() ?? []) statement.destroySync();
          kept.delete(l.connection);
          l.connection.closeSync();
        }),
      ),
    );
    this.instance.closeSync();
  }
}
