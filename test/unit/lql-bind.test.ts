/** LQL schema binding: path checks, value casts, operator/type fit, charts and selects. */
import { describe, expect, it } from 'vitest';
import { bindQuery, parseLql, type BoundQuery } from '../../shared/lql/index.ts';
import { KindlingError } from '../../shared/errors.ts';
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
      { name: 'stamps', type: 'TIMESTAMP', mode: 'REPEATED' },
      { name: 'user', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }] },
      { name: 'items', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'sku', type: 'STRING', mode: 'NULLABLE' }] },
    ],
  },
  { name: 'status', type: 'INTEGER', mode: 'NULLABLE' },
];
const NOW = Date.UTC(2026, 10, 26, 15, 47, 23, 456);

const bind = (text: string): BoundQuery => bindQuery(parseLql(text, { now: NOW }), SCHEMA);
const condition = (text: string) => bind(text).filters[0]!.condition;

function failure(text: string): string {
  try {
    bind(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KindlingError);
    expect((error as KindlingError).status).toBe(400);
    expect((error as KindlingError).details).toHaveProperty('clause');
    return (error as KindlingError).message;
  }
  throw new Error(`expected \`${text}\` to be rejected`);
}

describe('paths', () => {
  it('resolves base columns, top-level fields and nested fields', () => {
    expect(condition('event_message:hi').column).toMatchObject({ name: 'event_message', base: true, type: 'STRING' });
    expect(condition('id:abc').column).toMatchObject({ name: 'id', base: true });
    expect(condition('status:200').column).toMatchObject({ path: ['status'], base: false, type: 'INTEGER' });
    expect(condition('m.user.id:5').column).toMatchObject({ path: ['metadata', 'user', 'id'], type: 'INTEGER', repeated: false });
  });

  it('rejects a path missing from the schema', () => {
    expect(failure('m.x:1')).toBe('Error in LQL clause `m.x:1`: path `metadata.x` not present in source schema');
    expect(failure('m.status.code:1')).toContain('path `metadata.status.code` not present in source schema');
    expect(failure('nope:1')).toContain('path `nope` not present in source schema');
  });

  it('rejects filtering on a nested object', () => {
    expect(failure('m.user:5')).toBe(
      'Error in LQL clause `m.user:5`: path `metadata.user` is a nested object and cannot be filtered on; name one of its fields',
    );
    expect(failure('metadata:NULL')).toContain('is a nested object');
  });

  it('rejects paths through arrays of objects', () => {
    expect(failure('m.items.sku:x')).toContain('goes through `metadata.items`, an array of objects');
  });

  it('binds message searches to event_message', () => {
    expect(condition('hello')).toMatchObject({ kind: 'contains', value: 'hello', column: { name: 'event_message' } });
    expect(condition('~^he')).toMatchObject({ kind: 'regex', pattern: '^he' });
  });
});

describe('value casts', () => {
  it('casts to the column type', () => {
    expect(condition('m.status:500')).toMatchObject({ kind: 'compare', op: '=', value: 500 });
    expect(condition('m.latency:>1.5')).toMatchObject({ value: 1.5 });
    expect(condition('m.ok:true')).toMatchObject({ value: true });
    expect(condition('m.ok:false')).toMatchObject({ value: false });
    expect(condition('m.level:007')).toMatchObject({ value: '007' });
    expect(condition('m.status:"404"')).toMatchObject({ value: 404 });
  });

  it('accepts integers (and negatives, exponents) for FLOAT columns', () => {
    expect(condition('m.latency:2')).toMatchObject({ value: 2 });
    expect(condition('m.latency:<-2.5')).toMatchObject({ value: -2.5 });
    expect(condition('m.latency:1e3')).toMatchObject({ value: 1000 });
  });

  it.each([
    ['m.ok:yes', "Expected boolean for metadata.ok, got: 'yes'"],
    ['m.ok:TRUE', "Expected boolean for metadata.ok, got: 'TRUE'"],
    ['m.status:abc', "Expected integer for metadata.status, got: 'abc'"],
    ['m.status:1.5', "Expected integer for metadata.status, got: '1.5'"],
    ['m.status:99999999999999999999', "Expected integer for metadata.status, got: '99999999999999999999'"],
    ['m.latency:fast', "Expected float for metadata.latency, got: 'fast'"],
    ['m.codes:@>x', "Expected integer for metadata.codes, got: 'x'"],
  ])('rejects %s', (text, message) => {
    expect(failure(text)).toBe(`Error in LQL clause \`${text}\`: ${message}`);
  });

  it('reads TIMESTAMP fields with the timestamp grammar', () => {
    expect(condition('m.at:>2026-11-01')).toMatchObject({
      kind: 'time', op: '>', span: { start: Date.UTC(2026, 10, 1) * 1000, end: Date.UTC(2026, 10, 2) * 1000 },
    });
    expect(condition('m.at:2026-11-01..2026-11-02')).toMatchObject({ kind: 'time', op: '=' });
    expect(condition('m.at:last@1h')).toMatchObject({ kind: 'time', span: { end: NOW * 1000 + 1 } });
  });

  it('rejects a malformed TIMESTAMP field value', () => {
    expect(failure('m.at:soon')).toContain("Error in LQL clause `m.at:soon`: Expected timestamp for metadata.at, got: 'soon'");
  });

  it('binds ranges on numbers, with cast ends', () => {
    expect(condition('m.status:400..499')).toEqual({ kind: 'between', column: expect.anything(), from: 400, to: 499 });
    expect(failure('m.status:400..4x')).toContain("Expected integer for metadata.status, got: '4x'");
  });

  it('rejects a range on a string or boolean field', () => {
    expect(failure('m.level:a..b')).toContain('a range needs a numeric or timestamp field; metadata.level is STRING');
    expect(failure('m.ok:1..2')).toContain('metadata.ok is BOOLEAN');
  });
});

describe('operators and types', () => {
  it('allows ordering comparisons on strings and numbers but not booleans', () => {
    expect(condition('m.level:>=b')).toMatchObject({ kind: 'compare', op: '>=', value: 'b' });
    expect(failure('m.ok:>true')).toContain('`:>` needs a numeric, string or timestamp field; metadata.ok is BOOLEAN');
  });

  it('allows regexes on strings only', () => {
    expect(condition('m.level:~^err')).toMatchObject({ kind: 'regex', pattern: '^err' });
    expect(failure('m.status:~5..')).toContain('`:~` (regular expression) needs a string field; metadata.status is INTEGER');
  });

  it('rejects invalid regexes, naming the clause', () => {
    expect(failure('~(unclosed')).toContain('Error in LQL clause `~(unclosed`: invalid regular expression `(unclosed`');
    expect(failure('m.level:~a(')).toContain('Error in LQL clause `m.level:~a(`: invalid regular expression');
    expect(failure('m.tags:@>~[')).toContain('invalid regular expression');
  });

  it('compares array columns against their element type', () => {
    expect(condition('m.tags:@>prod')).toMatchObject({ kind: 'has', value: 'prod', column: { repeated: true } });
    expect(condition('m.codes:@>7')).toMatchObject({ kind: 'has', value: 7 });
    expect(condition('m.tags:@>~^pr')).toMatchObject({ kind: 'hasMatch', pattern: '^pr' });
    expect(condition('m.tags:NULL')).toMatchObject({ kind: 'null', column: { repeated: true } });
  });

  it('rejects array operators on scalars and scalar operators on arrays', () => {
    expect(failure('m.level:@>x')).toContain('`:@>` needs an array field; metadata.level is not an array');
    expect(failure('m.tags:prod')).toContain('metadata.tags is an array; use :@> (contains a value), :@>~ (an element matches) or :NULL');
    expect(failure('m.codes:@>~1')).toContain('needs a string field; metadata.codes is INTEGER');
    expect(failure('m.stamps:@>2026-11-01')).toContain('an array of timestamps');
  });

  it('keeps negation and the clause on every bound filter', () => {
    expect(bind('-m.status:500').filters[0]).toMatchObject({ negated: true, clause: '-m.status:500' });
  });

  it('binds t: to the base timestamp column', () => {
    expect(condition('t:today')).toMatchObject({ kind: 'time', op: '=', column: { name: 'timestamp', base: true } });
  });
});

describe('charts', () => {
  it('binds numeric aggregates', () => {
    expect(bind('c:avg(m.latency) c:group_by(t::h)').chart).toMatchObject({
      aggregate: 'avg', period: 'hour', column: { name: 'metadata.latency', type: 'FLOAT' },
    });
    expect(bind('c:countd(m.status)').chart).toMatchObject({ aggregate: 'countd', column: { type: 'INTEGER' } });
    expect(bind('c:count(*)').chart).toMatchObject({ aggregate: 'count', column: null });
    expect(bind('error').chart).toBeNull();
  });

  it('rejects aggregating a non-numeric field', () => {
    expect(failure('c:sum(m.level)')).toBe(
      "Error in LQL clause `c:sum(m.level)`: Can't aggregate on a non-numeric field type (metadata.level is STRING)",
    );
    expect(failure('c:p99(m.codes)')).toContain("Can't aggregate on a non-numeric field type (metadata.codes is an array)");
    expect(failure('c:max(m.user)')).toContain("Can't aggregate on a non-numeric field type");
  });

  it('rejects aggregating a missing field', () => {
    expect(failure('c:sum(m.nope)')).toContain('path `metadata.nope` not present in source schema');
  });
});

describe('selects', () => {
  it('names columns after the last segment unless aliased', () => {
    expect(bind('s:m.user.id s:status@code s:m.user').selects).toMatchObject([
      { wildcard: false, alias: 'id', column: { name: 'metadata.user.id' } },
      { wildcard: false, alias: 'code', column: { name: 'status' } },
      { wildcard: false, alias: 'user', column: { type: 'RECORD' } },
    ]);
  });

  it('lets s:* win over other selects and drops repeated paths', () => {
    expect(bind('s:status s:*').selects).toEqual([{ wildcard: true }]);
    expect(bind('s:status s:status').selects).toHaveLength(1);
  });

  it('rejects two columns with one name, and missing paths', () => {
    expect(failure('s:status s:m.status')).toContain('Error in LQL clause `s:m.status`: the column name `status` is already used by `s:status`');
    expect(failure('s:m.nope')).toContain('path `metadata.nope` not present in source schema');
  });
});
