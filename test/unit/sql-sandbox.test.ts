/**
 * The SQL sandbox as a pure function: which queries it lets through (and the SQL it makes of
 * them: the sources' relations as CTEs, the user's text otherwise as written) and which it
 * refuses, naming what — for DuckDB's and BigQuery's dialects, with well over 25 escape attempts.
 */
import { describe, expect, it } from 'vitest';
import { KindlingError } from '../../shared/errors.ts';
import type { DialectName } from '../../shared/lql/index.ts';
import { sandboxSql } from '../../shared/sql/index.ts';

const SOURCES = ['web', 'api', 'web logs', 'my-source'];
const relation = (name: string) => (SOURCES.includes(name) ? `SELECT * FROM phys_${name.replace(/\W/g, '_')}` : null);
const sandbox = (sql: string, dialect: DialectName = 'duckdb') => sandboxSql(sql, { dialect, relation });

/** The refusal's `refused` detail, or a failure when the query passes. */
function refusal(sql: string, dialect: DialectName = 'duckdb'): { what: string; message: string } {
  try {
    sandbox(sql, dialect);
  } catch (error) {
    expect(error).toBeInstanceOf(KindlingError);
    const { status, code, message, details } = error as KindlingError;
    expect([status, code]).toEqual([400, 'sql_refused']);
    return { what: String(details.refused), message };
  }
  throw new Error(`expected a refusal for: ${sql}`);
}

describe('accepted queries (DuckDB)', () => {
  it('prepends the relation of each source read as a CTE and keeps the query as written', () => {
    const result = sandbox('SELECT id, metadata.user.id FROM web WHERE event_message LIKE \'%x%\' LIMIT 5');
    expect(result).toEqual({
      sql: 'WITH "web" AS (SELECT * FROM phys_web) SELECT id, metadata.user.id FROM web WHERE event_message LIKE \'%x%\' LIMIT 5',
      params: [],
      tables: ['web'],
    });
  });

  it('merges the relations into the query\'s own WITH', () => {
    const { sql } = sandbox('with recent AS (SELECT * FROM web) SELECT count(*) FROM recent, api');
    expect(sql).toBe(
      'WITH "web" AS (SELECT * FROM phys_web), "api" AS (SELECT * FROM phys_api), ' +
        'recent AS (SELECT * FROM web) SELECT count(*) FROM recent, api',
    );
  });

  it('adds nothing for a query that reads no table', () => {
    expect(sandbox('SELECT 1 + 1 AS two').sql).toBe('SELECT 1 + 1 AS two');
  });

  it('reads each source once, whatever its spellings and however often it is read', () => {
    const result = sandbox('SELECT * FROM web a JOIN Web b ON a.id = b.id WHERE a.id IN (SELECT id FROM WEB)');
    expect(result.tables).toEqual(['web']);
    expect(result.sql.match(/phys_web/g)).toHaveLength(1);
  });

  it('quotes source names that need it', () => {
    expect(sandbox('SELECT count(*) FROM "web logs"').sql).toMatch(/^WITH "web logs" AS \(SELECT \* FROM phys_web_logs\) /);
  });

  it('keeps CTE names local: a CTE is not a source', () => {
    const result = sandbox('WITH api_keys AS (SELECT 1 AS x) SELECT * FROM api_keys');
    expect(result.tables).toEqual([]);
  });

  it('collects @parameters and renders them as DuckDB $name parameters', () => {
    const result = sandbox('SELECT * FROM web WHERE id = @id AND event_message LIKE @pattern OR id = @id');
    expect(result.params.sort()).toEqual(['id', 'pattern']);
    expect(result.sql).toContain('WHERE id = $id AND event_message LIKE $pattern OR id = $id');
  });

  it('drops comments and one trailing semicolon', () => {
    expect(sandbox('SELECT 1 -- one\n/* block /* nested */ still */ ;').sql).toBe('SELECT 1');
  });

  it('re-quotes every string in the one form DuckDB reads unambiguously', () => {
    expect(sandbox("SELECT 'it''s', $$a'b$$, $t$x\\y$t$, 'back\\slash'").sql).toBe(
      "SELECT 'it''s', 'a''b', 'x\\y', 'back\\slash'",
    );
  });

  it.each([
    'SELECT date_trunc(\'minute\', timestamp) AS m, count(*) AS n FROM web GROUP BY m ORDER BY m',
    'SELECT metadata.tags[1], len(metadata.tags) FROM web',
    'SELECT row_number() OVER (PARTITION BY id ORDER BY timestamp DESC) FROM web',
    'SELECT count(*) FILTER (WHERE id LIKE \'a%\') FROM web',
    'SELECT id FROM web UNION ALL SELECT id FROM api ORDER BY 1 LIMIT 10 OFFSET 2',
    'SELECT CASE WHEN id = \'a\' THEN 1 ELSE 2 END, CAST(id AS VARCHAR), id::VARCHAR FROM web',
    'SELECT quantile_cont(metadata.latency, 0.95), approx_count_distinct(id) FROM web',
    'SELECT * FROM web, unnest(metadata.tags) AS t',
    'SELECT id FROM web WHERE EXISTS (SELECT 1 FROM api WHERE api.id = web.id)',
    'SELECT regexp_extract(event_message, \'(\\d+)\', 1), json_extract_string(\'{"a":1}\', \'$.a\') FROM web',
    'SELECT timestamp > now() - INTERVAL 1 HOUR FROM web',
  ])('accepts %s', (sql) => {
    expect(() => sandbox(sql)).not.toThrow();
  });
});

describe('accepted queries (BigQuery)', () => {
  it('prepends relations with backquoted names and keeps @parameters', () => {
    const result = sandbox('SELECT t.metadata.user.id FROM `my-source` AS t WHERE t.id = @id', 'bigquery');
    expect(result).toEqual({
      sql: 'WITH `my-source` AS (SELECT * FROM phys_my_source) SELECT t.metadata.user.id FROM `my-source` AS t WHERE t.id = @id',
      params: ['id'],
      tables: ['my-source'],
    });
  });

  it('reads a backslash-escaped quote as part of the string, as BigQuery does', () => {
    const sql = "SELECT 'a\\', (SELECT 1 FROM api_keys) --'";
    expect(sandbox(sql, 'bigquery')).toEqual({ sql: "SELECT 'a\\', (SELECT 1 FROM api_keys) --'", params: [], tables: [] });
  });

  it('decodes BigQuery strings (escapes, raw, triple-quoted, double-quoted) and re-quotes them', () => {
    const { sql } = sandbox(String.raw`SELECT 'a\'b', "c\"d", r'\d+', '''x'y''', '\x41\n'`, 'bigquery');
    expect(sql).toBe(String.raw`SELECT 'a\'b', 'c"d', '\\d+', 'x\'y', 'A\n'`);
  });

  it.each([
    'SELECT TIMESTAMP_TRUNC(timestamp, MINUTE) AS m, COUNT(*) AS n FROM web GROUP BY m ORDER BY m',
    'SELECT tag FROM web, UNNEST(metadata.tags) AS tag WITH OFFSET o',
    'SELECT metadata.tags[SAFE_OFFSET(0)], ARRAY_LENGTH(metadata.tags) FROM web',
    'SELECT * EXCEPT (event_message) FROM web WHERE REGEXP_CONTAINS(event_message, r\'\\d+\')',
    'SELECT COUNTIF(metadata.status >= 500), APPROX_QUANTILES(metadata.latency, 100)[OFFSET(95)] FROM web',
    'SELECT id FROM web WHERE timestamp > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)',
    'SELECT STRUCT(1 AS a), [1, 2], ARRAY(SELECT 1) FROM web',
    'SELECT id FROM web WHERE id IN UNNEST(@ids)',
  ])('accepts %s', (sql) => {
    expect(() => sandbox(sql, 'bigquery')).not.toThrow();
  });
});

describe('escape attempts refused (DuckDB)', () => {
  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')", 'the table function read_csv'],
    ["SELECT * FROM read_text('/etc/passwd')", 'the table function read_text'],
    ["SELECT * FROM read_parquet('x.parquet')", 'the table function read_parquet'],
    ["SELECT * FROM read_json_auto('x.json')", 'the table function read_json_auto'],
    ["SELECT * FROM glob('/*')", 'the table function glob'],
    ["SELECT getenv('HOME')", 'the function getenv'],
    ["SELECT current_setting('threads')", 'the function current_setting'],
    ['SELECT current_query()', 'the function current_query'],
    ['SELECT version()', 'the function version'],
    ['SELECT * FROM duckdb_tables()', 'the table function duckdb_tables'],
    ['SELECT * FROM duckdb_settings()', 'the table function duckdb_settings'],
    ["SELECT * FROM pragma_table_info('web')", 'the table function pragma_table_info'],
    ["SELECT * FROM query('SELECT 1')", 'the table function query'],
    ['SELECT * FROM range(1000000000000)', 'the table function range'],
    ["SELECT list_aggregate([1], 'sum')", 'the function list_aggregate'],
    ['SELECT setseed(0.5)', 'the function setseed'],
    ["SELECT lpad('x', 2000000000, 'y')", 'the function lpad'],
    ['SELECT * FROM information_schema.tables', 'the table information_schema.tables'],
    ['SELECT * FROM pg_catalog.pg_class', 'the table pg_catalog.pg_class'],
    ['SELECT * FROM sqlite_master', 'the table sqlite_master'],
    ['SELECT * FROM api_keys', 'the table api_keys'],
    ['SELECT * FROM events_0f8e2c4a1b2c4d3e8f90a1b2c3d4e5f6', 'the table events_0f8e2c4a1b2c4d3e8f90a1b2c3d4e5f6'],
    ['SELECT * FROM main.web', 'the table main.web'],
    ['SELECT * FROM temp.kindling_event_staging', 'the table temp.kindling_event_staging'],
    ["SELECT * FROM 'data.csv'", "the table 'data.csv'"],
    ['SELECT * FROM "data.csv"', 'the table data.csv'],
    ['DROP TABLE web', 'a DROP statement'],
    ['DELETE FROM web', 'a DELETE statement'],
    ["INSERT INTO web VALUES ('x')", 'an INSERT statement'],
    ["UPDATE web SET id = 'x'", 'an UPDATE statement'],
    ['CREATE TABLE copy AS SELECT * FROM web', 'a CREATE statement'],
    ['SET threads = 1', 'a SET statement'],
    ['SHOW TABLES', 'a SHOW statement'],
    ['SELECT * INTO stolen FROM web', 'SELECT … INTO'],
    ['SELECT 1; DROP TABLE web', 'multiple statements'],
    ['PRAGMA database_list', 'SQL the sandbox cannot parse'],
    ["ATTACH 'other.db' AS other", 'SQL the sandbox cannot parse'],
    ["COPY web TO '/tmp/out.csv'", 'SQL the sandbox cannot parse'],
    ['INSTALL httpfs', 'SQL the sandbox cannot parse'],
    ['LOAD httpfs', 'SQL the sandbox cannot parse'],
    ["EXPORT DATABASE '/tmp/dump'", 'SQL the sandbox cannot parse'],
    ['CALL pragma_version()', 'a CALL statement'],
    ['SELECT * FROM web WHERE id IN (SELECT hash FROM api_keys)', 'the table api_keys'],
    ['SELECT * FROM web, LATERAL (SELECT * FROM accounts) a', 'the table accounts'],
    ['SELECT 1 UNION SELECT hash FROM api_keys', 'the table api_keys'],
    ['SELECT ARRAY(SELECT hash FROM api_keys)', 'the table api_keys'],
    ['SELECT * FROM web WHERE id = ANY (SELECT hash FROM api_keys)', 'the table api_keys'],
    ['SELECT * FROM web NATURAL JOIN api_keys', 'the table api_keys'],
    ['WITH api_keys AS (SELECT * FROM api_keys) SELECT * FROM api_keys', 'the CTE name api_keys'],
    ['WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', 'the CTE name b'],
    ['WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r', 'WITH (recursive)'],
    ["SELECT 'a\\', read_text('/etc/passwd') --'", 'the function read_text'],
    ["SELECT 'a\\'; DROP TABLE web; --'", 'multiple statements'],
    ['SELECT 1 /* /* */ ; DROP TABLE web; */ ; DROP TABLE web', 'multiple statements'],
    ["SELECT $$x$$, read_text('/etc/passwd')", 'the function read_text'],
    ["SELECT E'\\x41'", "the string prefix E'"],
    ["SELECT \"getenv\"('HOME')", 'the function getenv'],
    ["SELECT 'HOME'.getenv()", "the function 'HOME'.getenv"],
    ['SELECT main.upper(id) FROM web', 'the function main.upper'],
    ['SELECT * FROM "we""b"', 'the quoted name "we"'],
    ['SELECT @@version', 'a system variable (@@)'],
    ['SELECT * FROM web WHERE id = ?', 'a positional parameter (?)'],
    ['SELECT * FROM web WHERE id = $1', 'a $ parameter'],
    ['SELECT 1\u0000', 'a NUL character'],
    ['FROM api_keys', 'SQL the sandbox cannot parse'],
    ['SELECT * FROM web AT (VERSION => 1)', 'the function AT'],
    ['SELECT * FROM web LIMIT (SELECT count(*) FROM api_keys)', 'the table api_keys'],
    ['', 'an empty query'],
  ])('refuses %s', (sql, what) => {
    expect(refusal(sql).what).toBe(what);
  });

  it('names the refused thing in the message', () => {
    expect(refusal("SELECT read_csv('/etc/passwd')").message).toBe('Function read_csv is not allowed.');
    expect(refusal("SELECT * FROM read_csv('/etc/passwd')").message).toMatch(/^Table function read_csv is not allowed/);
    expect(refusal('SELECT * FROM api_keys').message).toBe('Unknown table api_keys: it is not one of your sources.');
    expect(refusal('DROP TABLE web').message).toMatch(/^DROP statements are not allowed/);
  });

  it('refuses an oversized query', () => {
    expect(refusal(`SELECT ${'1 + '.repeat(30_000)}1`).what).toBe('an oversized query');
  });

  it('reports where the parser stopped, with the user\'s own strings', () => {
    expect(refusal("SELECT 'abc' FROM web TABLESAMPLE 10%").message).toMatch(/line 1, column \d+, near "10%"/);
  });
});

describe('escape attempts refused (BigQuery)', () => {
  it.each([
    ["SELECT * FROM EXTERNAL_QUERY('conn', 'SELECT 1')", 'the table function EXTERNAL_QUERY'],
    ['SELECT SESSION_USER()', 'the function SESSION_USER'],
    ['SELECT * FROM `proj.ds.INFORMATION_SCHEMA.TABLES`', 'the quoted name `proj.ds.INFORMATION_SCHEMA.TABLES`'],
    ['SELECT * FROM `region-us`.INFORMATION_SCHEMA.JOBS', 'the table region-us.INFORMATION_SCHEMA.JOBS'],
    ['SELECT * FROM kindling.events_0f8e2c4a1b2c4d3e8f90a1b2c3d4e5f6', 'the table kindling.events_0f8e2c4a1b2c4d3e8f90a1b2c3d4e5f6'],
    ['SELECT * FROM proj.kindling.api_keys', 'the table proj.kindling.api_keys'],
    ["SELECT SAFE.PARSE_DATE('%Y', '2020')", 'the function SAFE.PARSE_DATE'],
    ['SELECT * FROM ML.PREDICT(MODEL m, TABLE t)', 'the function ….PREDICT'],
    ['SELECT * FROM APPENDS(TABLE web, NULL, NULL)', 'the function APPENDS'],
    ['SELECT * FROM web FOR SYSTEM_TIME AS OF TIMESTAMP \'2020-01-01\'', 'select (for_sys_time_as_of)'],
    ['CREATE TEMP FUNCTION f() AS (1); SELECT f()', 'multiple statements'],
    ["EXPORT DATA OPTIONS(uri='gs://bucket/*') AS SELECT * FROM web", 'the function OPTIONS'],
    ['DECLARE x INT64', 'SQL the sandbox cannot parse'],
    ["EXECUTE IMMEDIATE 'DROP TABLE web'", 'SQL the sandbox cannot parse'],
    ['CALL proc()', 'a CALL statement'],
    ['TRUNCATE TABLE web', 'a TRUNCATE statement'],
    ['MERGE web USING api ON TRUE WHEN MATCHED THEN DELETE', 'SQL the sandbox cannot parse'],
    ['SELECT @@project_id', 'a system variable (@@)'],
    ["SELECT b'bytes'", "the string prefix b'"],
    ["SELECT '\\\\', (SELECT hash FROM api_keys) --'", 'the table api_keys'],
    ["SELECT 'x' # ; DROP TABLE web\n; DROP TABLE web", 'multiple statements'],
    ['SELECT * FROM web WHERE id IN (SELECT id FROM other_account_source)', 'the table other_account_source'],
  ])('refuses %s', (sql, what) => {
    expect(refusal(sql, 'bigquery').what).toBe(what);
  });
});
