/** LQL → SQL: the exact fragments and parameters for DuckDB and BigQuery, and chart statements. */
import { describe, expect, it } from 'vitest';
import { bindQuery, chartSql, chartWindow, parseLql, toSql } from '../../shared/lql/index.ts';
import type { SourceSchema } from '../../shared/events/model.ts';

const SCHEMA: SourceSchema = [
  {
    name: 'metadata', type: 'RECORD', mode: 'NULLABLE', fields: [
      { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'latency', type: 'FLOAT', mode: 'NULLABLE' },
      { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
      { name: 'level', type: 'STRING', mode: 'NULLABLE' },
      { name: 'at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      { name: 'codes', type: 'INTEGER', mode: 'REPEATED' },
      { name: 'user', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }] },
    ],
  },
  { name: 'order', type: 'STRING', mode: 'NULLABLE' },
];
/** 2026-11-26 15:47:23.456 UTC */
const NOW = Date.UTC(2026, 10, 26, 15, 47, 23, 456);
const bound = (text: string) => bindQuery(parseLql(text, { now: NOW }), SCHEMA);
const duck = (text: string) => toSql(bound(text), 'duckdb');
const bq = (text: string) => toSql(bound(text), 'bigquery');

const STATUS_DUCK = `TRY_CAST(json_extract_string("body", '$.metadata.status') AS BIGINT)`;
const TAGS_DUCK = `TRY_CAST(json_extract("body", '$.metadata.tags') AS VARCHAR[])`;

describe('DuckDB fragments', () => {
  it('is TRUE with no filter', () => {
    expect(duck('c:count(*) s:order')).toMatchObject({ where: 'TRUE', params: [] });
  });

  it('searches event_message with contains() and regexp_matches()', () => {
    expect(duck('50%_off ~(?i)^err')).toEqual({
      where: '(contains("event_message", $1)) AND (regexp_matches("event_message", $2))',
      select: [],
      params: ['50%_off', '(?i)^err'],
    });
  });

  it('reads typed fields out of body by JSON path', () => {
    expect(duck('m.status:>=500').where).toBe(`(${STATUS_DUCK} >= $1)`);
    expect(duck('m.latency:<0.5').where).toBe(`(TRY_CAST(json_extract_string("body", '$.metadata.latency') AS DOUBLE) < $1)`);
    expect(duck('m.ok:true').where).toBe(`(TRY_CAST(json_extract_string("body", '$.metadata.ok') AS BOOLEAN) = $1)`);
    expect(duck('m.level:error').where).toBe(`(json_extract_string("body", '$.metadata.level') = $1)`);
    expect(duck('m.user.id:5')).toMatchObject({
      where: `(TRY_CAST(json_extract_string("body", '$.metadata.user.id') AS BIGINT) = $1)`,
      params: [5],
    });
  });

  it('compiles a range to BETWEEN', () => {
    expect(duck('m.status:400..499')).toMatchObject({ where: `(${STATUS_DUCK} BETWEEN $1 AND $2)`, params: [400, 499] });
  });

  it('includes NULLs in negated filters', () => {
    expect(duck('-m.status:500')).toMatchObject({
      where: `(${STATUS_DUCK} IS NULL OR NOT (${STATUS_DUCK} = $1))`,
      params: [500],
    });
    expect(duck('-error').where).toBe('("event_message" IS NULL OR NOT (contains("event_message", $1)))');
  });

  it('compiles :NULL and -:NULL', () => {
    expect(duck('m.status:NULL').where).toBe(`(${STATUS_DUCK} IS NULL)`);
    expect(duck('-m.status:NULL').where).toBe(`(NOT (${STATUS_DUCK} IS NULL))`);
    expect(duck('m.tags:NULL').where).toBe(`((${TAGS_DUCK} IS NULL OR len(${TAGS_DUCK}) = 0))`);
  });

  it('compiles array operators on typed lists', () => {
    expect(duck('m.tags:@>prod')).toMatchObject({ where: `(list_contains(${TAGS_DUCK}, $1))`, params: ['prod'] });
    expect(duck('m.codes:@>7').where).toBe(`(list_contains(TRY_CAST(json_extract("body", '$.metadata.codes') AS BIGINT[]), $1))`);
    expect(duck('m.tags:@>~^pr').where).toBe(
      `(len(list_filter(${TAGS_DUCK}, lambda lql_item: regexp_matches(lql_item, $1))) > 0)`,
    );
    expect(duck('-m.tags:@>prod').where).toBe(`(${TAGS_DUCK} IS NULL OR NOT (list_contains(${TAGS_DUCK}, $1)))`);
  });

  it('compiles timestamp spans to half-open bounds in microseconds', () => {
    const day = Date.UTC(2026, 10, 1) * 1000;
    expect(duck('t:2026-11-01')).toMatchObject({
      where: '("timestamp" >= make_timestamp($1::BIGINT) AND "timestamp" < make_timestamp($2::BIGINT))',
      params: [day, day + 86_400_000_000],
    });
    expect(duck('t:>2026-11-01')).toMatchObject({ where: '("timestamp" >= make_timestamp($1::BIGINT))', params: [day + 86_400_000_000] });
    expect(duck('t:>=2026-11-01').params).toEqual([day]);
    expect(duck('t:<2026-11-01')).toMatchObject({ where: '("timestamp" < make_timestamp($1::BIGINT))', params: [day] });
    expect(duck('t:<=2026-11-01').params).toEqual([day + 86_400_000_000]);
  });

  it('compares nested TIMESTAMP fields as absolute microseconds', () => {
    expect(duck('m.at:<2026-11-01').where).toBe(
      `(epoch_us(TRY_CAST(json_extract_string("body", '$.metadata.at') AS TIMESTAMPTZ)) < $1::BIGINT)`,
    );
  });

  it('never puts user text into the SQL', () => {
    const { where, params } = duck(`"'; DROP TABLE x; --" m.level:"a'b" ~"\\"x'"`);
    expect(where).not.toContain('DROP');
    expect(where).not.toContain("a'b");
    expect(params).toEqual(["'; DROP TABLE x; --", "a'b", `"x'`]);
  });

  it('compiles the select list', () => {
    expect(duck('s:m.user.id@uid s:m.tags s:event_message s:m.user').select).toEqual([
      `TRY_CAST(json_extract_string("body", '$.metadata.user.id') AS BIGINT) AS "uid"`,
      `json_extract("body", '$.metadata.tags') AS "tags"`,
      '"event_message" AS "event_message"',
      `json_extract("body", '$.metadata.user') AS "user"`,
    ]);
    expect(duck('s:*').select).toEqual(['*']);
  });
});

describe('BigQuery fragments', () => {
  it('reads RECORD fields directly and quotes every identifier', () => {
    expect(bq('m.user.id:5 order:x')).toEqual({
      where: '(`metadata`.`user`.`id` = @p0) AND (`order` = @p1)',
      select: [],
      params: { p0: '5', p1: 'x' },
      types: { p0: 'INT64', p1: 'STRING' },
    });
  });

  it('searches event_message with STRPOS and REGEXP_CONTAINS', () => {
    expect(bq('50%_off ~(?i)^err')).toMatchObject({
      where: '(STRPOS(`event_message`, @p0) > 0) AND (REGEXP_CONTAINS(`event_message`, @p1))',
      params: { p0: '50%_off', p1: '(?i)^err' },
      types: { p0: 'STRING', p1: 'STRING' },
    });
  });

  it('types parameters by column type', () => {
    expect(bq('m.latency:>1 m.ok:false m.status:400..499').types).toEqual({
      p0: 'FLOAT64', p1: 'BOOL', p2: 'INT64', p3: 'INT64',
    });
  });

  it('compiles array operators with UNNEST', () => {
    expect(bq('m.tags:@>prod m.tags:@>~^pr m.tags:NULL').where).toBe(
      '(@p0 IN UNNEST(`metadata`.`tags`)) AND ' +
        '(EXISTS(SELECT 1 FROM UNNEST(`metadata`.`tags`) AS lql_item WHERE REGEXP_CONTAINS(lql_item, @p1))) AND ' +
        '(IFNULL(ARRAY_LENGTH(`metadata`.`tags`), 0) = 0)',
    );
    expect(bq('m.codes:@>7').types).toEqual({ p0: 'INT64' });
  });

  it('includes NULLs in negated filters', () => {
    expect(bq('-m.status:500').where).toBe('(`metadata`.`status` IS NULL OR NOT (`metadata`.`status` = @p0))');
    expect(bq('-m.status:NULL').where).toBe('(NOT (`metadata`.`status` IS NULL))');
  });

  it('binds instants as INT64 microseconds read with TIMESTAMP_MICROS', () => {
    expect(bq('t:2026-11-01T10:00:00.000123Z..2026-11-02T00:00:00Z')).toEqual({
      where: '(`timestamp` >= TIMESTAMP_MICROS(@p0) AND `timestamp` < TIMESTAMP_MICROS(@p1))',
      select: [],
      params: { p0: String(Date.UTC(2026, 10, 1, 10) * 1000 + 123), p1: String(Date.UTC(2026, 10, 2) * 1000 + 1) },
      types: { p0: 'INT64', p1: 'INT64' },
    });
    expect(bq('m.at:>=2026-11-01').where).toBe('(`metadata`.`at` >= TIMESTAMP_MICROS(@p0))');
  });

  it('compiles the select list', () => {
    expect(bq('s:m.user.id@uid s:order s:m.tags').select).toEqual([
      '`metadata`.`user`.`id` AS `uid`', '`order` AS `order`', '`metadata`.`tags` AS `tags`',
    ]);
  });
});

describe('chart statements', () => {
  const window = { from: Date.UTC(2026, 10, 26, 15, 0) * 1000, to: Date.UTC(2026, 10, 26, 15, 3) * 1000 };

  it('builds a gap-filled DuckDB chart with the filters inside the window', () => {
    const { sql, params } = chartSql(bound('error c:sum(m.latency) c:group_by(t::m)'), 'duckdb', { table: '"src_1"', ...window });
    expect(sql).toBe(
      [
        'WITH buckets AS (SELECT unnest(generate_series(make_timestamp($1::BIGINT), make_timestamp($2::BIGINT), INTERVAL 1 minute)) AS bucket),',
        `aggregated AS (SELECT date_trunc('minute', "timestamp") AS bucket, sum(TRY_CAST(json_extract_string("body", '$.metadata.latency') AS DOUBLE)) AS value ` +
          'FROM "src_1" WHERE "timestamp" >= make_timestamp($3::BIGINT) AND "timestamp" < make_timestamp($4::BIGINT) AND (contains("event_message", $5)) GROUP BY 1)',
        'SELECT buckets.bucket AS "timestamp", aggregated.value AS value',
        'FROM buckets LEFT JOIN aggregated USING (bucket) ORDER BY buckets.bucket',
      ].join('\n'),
    );
    expect(params).toEqual([window.from, window.from + 2 * 60e6, window.from, window.to, 'error']);
  });

  it('builds a gap-filled BigQuery chart', () => {
    const { sql, params, types } = chartSql(bound('c:p95(m.latency) c:group_by(t::h)'), 'bigquery', { table: '`p.d.t`', ...window });
    expect(sql).toContain('UNNEST(GENERATE_TIMESTAMP_ARRAY(TIMESTAMP_MICROS(@p0), TIMESTAMP_MICROS(@p1), INTERVAL 1 HOUR)) AS bucket');
    expect(sql).toContain('SELECT TIMESTAMP_TRUNC(`timestamp`, HOUR) AS bucket, APPROX_QUANTILES(`metadata`.`latency`, 100)[OFFSET(95)] AS value FROM `p.d.t`');
    expect(sql).toContain('WHERE `timestamp` >= TIMESTAMP_MICROS(@p2) AND `timestamp` < TIMESTAMP_MICROS(@p3) AND TRUE GROUP BY 1');
    expect(params).toEqual({
      p0: String(window.from), p1: String(window.from),
      p2: String(window.from), p3: String(window.to),
    });
    expect(types).toEqual({ p0: 'INT64', p1: 'INT64', p2: 'INT64', p3: 'INT64' });
  });

  it.each([
    ['count(*)', 'count(*)', 'COUNT(*)'],
    ['countd(m.status)', `count(DISTINCT ${STATUS_DUCK})`, 'COUNT(DISTINCT `metadata`.`status`)'],
    ['avg(m.status)', `avg(${STATUS_DUCK})`, 'AVG(`metadata`.`status`)'],
    ['min(m.status)', `min(${STATUS_DUCK})`, 'MIN(`metadata`.`status`)'],
    ['max(m.status)', `max(${STATUS_DUCK})`, 'MAX(`metadata`.`status`)'],
    ['p50(m.status)', `quantile_cont(${STATUS_DUCK}, 0.50)`, 'APPROX_QUANTILES(`metadata`.`status`, 100)[OFFSET(50)]'],
    ['p99(m.status)', `quantile_cont(${STATUS_DUCK}, 0.99)`, 'APPROX_QUANTILES(`metadata`.`status`, 100)[OFFSET(99)]'],
  ])('compiles c:%s per dialect', (aggregate, duckExpr, bqExpr) => {
    const q = bound(`c:${aggregate}`);
    expect(chartSql(q, 'duckdb', { table: 't', ...window }).sql).toContain(`, ${duckExpr} AS value`);
    expect(chartSql(q, 'bigquery', { table: 't', ...window }).sql).toContain(`, ${bqExpr} AS value`);
  });

  it('fills empty buckets with 0 for counts only', () => {
    expect(chartSql(bound('c:countd(m.status)'), 'duckdb', { table: 't', ...window }).sql).toContain('COALESCE(aggregated.value, 0) AS value');
    expect(chartSql(bound('c:max(m.status)'), 'duckdb', { table: 't', ...window }).sql).toContain('aggregated.value AS value');
  });

  it('defaults to count(*) per minute without c: clauses', () => {
    const { sql } = chartSql(bound('error'), 'duckdb', { table: 't', ...window });
    expect(sql).toContain(`date_trunc('minute', "timestamp") AS bucket, count(*) AS value`);
  });

  it('allows 1,000 buckets and refuses more, naming the chart clauses', () => {
    const to = window.from + 1000 * 1e6;
    expect(() => chartSql(bound('c:group_by(t::s)'), 'duckdb', { table: 't', from: window.from, to })).not.toThrow();
    expect(() => chartSql(bound('c:group_by(t::s)'), 'duckdb', { table: 't', from: window.from, to: to + 1 })).toThrow(
      'Error in LQL clause `c:group_by(t::s)`: a chart has at most 1,000 buckets, this one would have 1,001; narrow the time range or group by a longer period',
    );
    expect(() => chartSql(bound('t:last@7d'), 'bigquery', { table: 't', ...chartWindow(bound('t:last@7d')) })).toThrow(
      'Invalid LQL query: a chart has at most 1,000 buckets',
    );
  });
});

describe('chart windows', () => {
  const NOW_US = NOW * 1000;

  it('covers the latest 60 buckets up to now without t: clauses', () => {
    expect(chartWindow(bound('error'))).toEqual({ from: Date.UTC(2026, 10, 26, 14, 48) * 1000, to: NOW_US + 1 });
    expect(chartWindow(bound('c:group_by(t::h)'))).toEqual({ from: Date.UTC(2026, 10, 24, 4) * 1000, to: NOW_US + 1 });
  });

  it('follows the t: clauses, ignoring negated ones', () => {
    expect(chartWindow(bound('t:2026-11-01 -t:>2026-11-01T12:00:00'))).toEqual({
      from: Date.UTC(2026, 10, 1) * 1000, to: Date.UTC(2026, 10, 2) * 1000,
    });
    expect(chartWindow(bound('t:>2026-11-26T15:00:00 t:<=2026-11-26T15:30:00'))).toEqual({
      from: Date.UTC(2026, 10, 26, 15) * 1000 + 1, to: Date.UTC(2026, 10, 26, 15, 30) * 1000 + 1,
    });
    expect(chartWindow(bound('t:last@2h'))).toEqual({ from: Date.UTC(2026, 10, 26, 13) * 1000, to: NOW_US + 1 });
  });

  it('counts 60 buckets back from an upper bound alone', () => {
    expect(chartWindow(bound('t:<2026-11-26T10:00:00'))).toEqual({
      from: Date.UTC(2026, 10, 26, 9) * 1000, to: Date.UTC(2026, 10, 26, 10) * 1000,
    });
  });
});
