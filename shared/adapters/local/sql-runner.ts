/**
 * How the local store runs a user's sandboxed SQL: DuckDB's own parser must agree that it is a
 * single SELECT over the named sources' tables (sql-guard.ts); the bytes it would scan (the
 * size of those tables, as BigQuery bills a scan without pruning) must fit the cap; then it runs
 * in a READ ONLY transaction, in UTC, stopped at the time limit, reading at most one row past
 * the row cap. Errors that are the query's own become 400s naming sources, not tables.
 */
import { LIST, listValue, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { KindlingError } from '../../errors.ts';
import type { JsonObject } from '../../events/model.ts';
import type { SqlLimits, SqlQuery, SqlResult } from '../../ports.ts';
import { eventTableName } from '../names.ts';
import type { LocalDatabase } from './database.ts';
import { jsonValue } from './query-rows.ts';
import { guardSerializedSql } from './sql-guard.ts';

/** Rows sampled to estimate a table's average row size. */
const SAMPLE_ROWS = 1000;
/** DuckDB's error classes that describe the query itself, not the store. */
const QUERY_ERRORS = /^(Binder|Parser|Catalog|Conversion|Invalid Input|Out of Range|Not implemented|Invalid type|Constraint) Error/;

export async function runLocalQuery(db: LocalDatabase, query: SqlQuery, limits: SqlLimits): Promise<SqlResult> {
  const tables = new Map(query.sources.map(({ ref, name }) => [eventTableName(ref.sourceId), name]));
  const problem = (message: string) => new KindlingError(400, 'query_failed', describe(message, tables));
  return db.read(async (connection) => {
    const serialized = await connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR)', { sql: query.sql });
    guardSerializedSql(String(serialized.getRows()[0]![0]), new Set(tables.keys()));
    const bytesScanned = await scanSize(connection, [...tables.keys()]);
    if (bytesScanned > limits.maxBytes) {
      throw new KindlingError(
        400,
        'query_too_large',
        `The query would scan about ${bytesScanned} bytes, over the limit of ${limits.maxBytes}.`,
      );
    }
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run('BEGIN TRANSACTION READ ONLY');
    const timer = setTimeout(() => connection.interrupt(), limits.timeoutMs);
    try {
      const reader = await connection.streamAndReadUntil(query.sql, limits.maxRows + 1, query.params);
      if (reader.currentRowCount > limits.maxRows) {
        throw new KindlingError(400, 'result_too_large', `The result has more than ${limits.maxRows} rows; add a LIMIT.`);
      }
      const columns = reader.columnNames();
      const duplicate = columns.find((name, index) => columns.indexOf(name) !== index);
      if (duplicate !== undefined) {
        throw new KindlingError(400, 'query_failed', `The result has two columns named ${duplicate}; give them distinct aliases.`);
      }
      const rows = reader.getRows().map((row) => {
        const object: JsonObject = {};
        columns.forEach((name, index) => (object[name] = jsonValue(row[index]!)));
        return object;
      });
      return { rows, bytesScanned };
    } catch (error) {
      if (error instanceof KindlingError) throw error;
      const message = (error as Error).message ?? '';
      if (/^INTERRUPT Error/.test(message)) throw problem(`The query ran longer than ${limits.timeoutMs} ms and was stopped.`);
      // As BigQuery answers "Resources exceeded" with a 400: the query, not the store, is at fault.
      if (/^Out of Memory Error/.test(message)) {
        throw problem(
          `The query needed more memory than the local twin lets DuckDB use (DUCKDB_MEMORY_LIMIT, ${await memoryLimit(connection)}): ` +
            'read fewer rows or make fewer groups, or raise the limit.',
        );
      }
      if (QUERY_ERRORS.test(message)) throw problem(message);
      throw error;
    } finally {
      clearTimeout(timer);
      await connection.run('ROLLBACK').catch(() => undefined);
    }
  });
}

/** DuckDB's memory limit, as it prints it; read after the failed query's transaction is rolled back. */
async function memoryLimit(connection: DuckDBConnection): Promise<string> {
  await connection.run('ROLLBACK').catch(() => undefined);
  const reader = await connection.runAndReadAll("SELECT current_setting('memory_limit')").catch(() => null);
  return String(reader?.getRows()[0]?.[0] ?? 'its memory limit');
}

/** The bytes held by `tables`: each one's row count times its average row size on a sample. */
async function scanSize(connection: DuckDBConnection, tables: string[]): Promise<number> {
  const counts = await connection.runAndReadAll(
    "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'main' AND list_contains($tables, table_name)",
    { tables: listValue(tables) },
    { tables: LIST(VARCHAR) },
  );
  let bytes = 0;
  for (const [table, rows] of counts.getRows()) {
    const sample = await connection.runAndReadAll(
      `SELECT avg(strlen(id) + 8 + coalesce(strlen(event_message), 0) + coalesce(strlen(body::VARCHAR), 0))
       FROM (SELECT * FROM "${String(table)}" LIMIT ${SAMPLE_ROWS})`,
    );
    bytes += Math.round(Number(rows) * Number(sample.getRows()[0]![0] ?? 0));
  }
  return bytes;
}

/** The engine's first line, with table names turned back into the source names the user wrote. */
function describe(message: string, tables: Map<string, string>): string {
  let text = message.split('\n\nLINE ')[0]!.trim();
  for (const [table, name] of tables) text = text.replaceAll(table, name);
  return text;
}
