/** LQL parsing: clause kinds, operators, values, escapes, chart and select clauses, limits. */
import { describe, expect, it } from 'vitest';
import { parseLql } from '../../shared/lql/index.ts';
import { KindlingError } from '../../shared/errors.ts';

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56, 789);
const parse = (text: string) => parseLql(text, { now: NOW });
const filters = (text: string) => parse(text).filters;

/** The 400 a query fails with. */
function failure(text: string): KindlingError {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(KindlingError);
    expect((error as KindlingError).status).toBe(400);
    return error as KindlingError;
  }
  throw new Error(`expected \`${text}\` to be rejected`);
}

describe('message search', () => {
  it('reads bare words as substring searches on event_message, ANDed in order', () => {
    expect(filters('error timeout')).toEqual([
      { kind: 'message', match: 'contains', value: 'error', clause: 'error', negated: false },
      { kind: 'message', match: 'contains', value: 'timeout', clause: 'timeout', negated: false },
    ]);
  });

  it('accepts the punctuation LQL allows in words', () => {
    const word = '._!%$^+[]?(){}#&*-/<=>@;,|';
    expect(filters(`a${word}`)[0]).toMatchObject({ match: 'contains', value: `a${word}` });
  });

  it('unescapes \\" inside a bare word', () => {
    expect(filters('say\\"hi')[0]).toMatchObject({ value: 'say"hi' });
  });

  it('reads a quoted phrase with spaces as one clause, resolving \\" and \\\\', () => {
    const [f] = filters('"two \\"big\\" words \\\\ here" next');
    expect(f).toMatchObject({ kind: 'message', match: 'contains', value: 'two "big" words \\ here' });
    expect(filters('"two words" next')).toHaveLength(2);
  });

  it('keeps other backslashes of a quoted string as written', () => {
    expect(filters('"C:\\temp"')[0]).toMatchObject({ value: 'C:\\temp' });
  });

  it('reads ~regex and ~"regex with spaces" as RE2 searches', () => {
    expect(filters('~^GET\\s/api')[0]).toMatchObject({ match: 'regex', value: '^GET\\s/api' });
    expect(filters('~"(?i)user \\d+ failed"')[0]).toMatchObject({ match: 'regex', value: '(?i)user \\d+ failed' });
  });

  it('negates any clause with a leading -', () => {
    expect(filters('-healthcheck -"GET /" -~^x')).toMatchObject([
      { value: 'healthcheck', negated: true, clause: '-healthcheck' },
      { value: 'GET /', negated: true },
      { match: 'regex', value: '^x', negated: true },
    ]);
  });

  it('splits clauses on any whitespace', () => {
    expect(filters(' a\tb\n c  ').map((f) => f.clause)).toEqual(['a', 'b', 'c']);
  });

  it('parses an empty query to no clauses', () => {
    expect(parse('   ')).toMatchObject({ filters: [], chart: null, selects: [] });
  });

  it('rejects an unclosed quote, naming the clause', () => {
    expect(failure('ok "never closed').message).toBe('Error in LQL clause `"never closed`: a quoted string is not closed');
  });

  it('rejects a word with a colon that is not a field filter, suggesting quotes', () => {
    expect(failure('12:30').message).toBe('Error in LQL clause `12:30`: to search for text containing `:`, put it in double quotes');
  });

  it('rejects a stray quote inside a word', () => {
    expect(failure('ab"c"').message).toContain('Error in LQL clause `ab"c"`');
  });

  it('rejects a ~ with no regex', () => {
    expect(failure('~').message).toBe('Error in LQL clause `~`: a regular expression must follow `~`');
  });

  it('rejects a lone -', () => {
    expect(failure('a -').message).toBe('Error in LQL clause `-`: nothing follows the `-`');
  });

  it('rejects text after a closing quote', () => {
    expect(failure('"ab"cd').message).toBe('Error in LQL clause `"ab"cd`: unexpected text after the closing quote: `cd`');
  });
});

describe('field filters', () => {
  it.each([
    ['m.status:500', '=', '500'],
    ['m.status:>500', '>', '500'],
    ['m.status:>=500', '>=', '500'],
    ['m.status:<500', '<', '500'],
    ['m.status:<=500', '<=', '500'],
    ['m.path:~^/api', '~', '^/api'],
    ['m.tags:@>prod', '@>', 'prod'],
    ['m.tags:@>~^pro', '@>~', '^pro'],
  ])('%s has operator %s', (text, op, value) => {
    expect(filters(text)[0]).toEqual({
      kind: 'field', path: 'metadata.' + text.slice(2, text.indexOf(':')), op, value: { text: value, quoted: false },
      clause: text, negated: false,
    });
  });

  it('expands m. to metadata. and leaves other paths top-level', () => {
    expect(filters('m.user.id:1 metadata.user.id:2 request.method:GET status:500 event_message:hi').map((f) => 'path' in f && f.path))
      .toEqual(['metadata.user.id', 'metadata.user.id', 'request.method', 'status', 'event_message']);
  });

  it('reads :NULL as an is-null filter, and -path:NULL as its negation', () => {
    expect(filters('m.x:NULL -m.y:NULL')).toMatchObject([
      { path: 'metadata.x', op: 'null', negated: false },
      { path: 'metadata.y', op: 'null', negated: true },
    ]);
  });

  it('reads a quoted value as text, never as NULL or a range', () => {
    expect(filters('m.x:"NULL" m.y:"1..5" m.msg:"two \\"words\\""')).toMatchObject([
      { op: '=', value: { text: 'NULL', quoted: true } },
      { op: '=', value: { text: '1..5', quoted: true } },
      { op: '=', value: { text: 'two "words"', quoted: true } },
    ]);
  });

  it('reads a..b as an inclusive range', () => {
    expect(filters('m.status:400..499 m.lat:-0.5..2.25')).toMatchObject([
      { op: 'range', from: { text: '400' }, to: { text: '499' } },
      { op: 'range', from: { text: '-0.5' }, to: { text: '2.25' } },
    ]);
  });

  it('keeps a brace range as one value for timestamp fields to read', () => {
    expect(filters('m.at:2026-11-{01..05}')[0]).toMatchObject({ op: '=', value: { text: '2026-11-{01..05}' } });
  });

  it('accepts values with safe punctuation (URLs, IPs, e-mail)', () => {
    expect(filters('m.url:/api/v1?x=1 m.ip:10.0.0.1 m.mail:a@b.io')).toMatchObject([
      { op: '=', value: { text: '/api/v1?x=1' } }, { op: '=', value: { text: '10.0.0.1' } }, { op: '=', value: { text: 'a@b.io' } },
    ]);
  });

  it('is case-sensitive: null is a value, not NULL', () => {
    expect(filters('m.x:null')[0]).toMatchObject({ op: '=', value: { text: 'null' } });
  });

  it('rejects a missing value', () => {
    expect(failure('m.status:>').message).toBe('Error in LQL clause `m.status:>`: a value must follow `:>`');
  });

  it('rejects NULL with a comparison operator', () => {
    expect(failure('m.x:>NULL').message).toContain('NULL only works with `:`');
  });

  it('rejects a range with a missing end', () => {
    expect(failure('m.x:1..').message).toContain('a range needs both ends');
  });
});

describe('chart clauses', () => {
  it('is null without c: clauses', () => {
    expect(parse('error').chart).toBeNull();
  });

  it('defaults to count(*) per minute', () => {
    expect(parse('c:group_by(t::minute)').chart).toMatchObject({ aggregate: 'count', path: null, period: 'minute' });
    expect(parse('c:count(*)').chart).toMatchObject({ aggregate: 'count', path: null, period: 'minute' });
  });

  it.each(['countd', 'sum', 'avg', 'min', 'max', 'p50', 'p95', 'p99'])('reads c:%s(path)', (fn) => {
    expect(parse(`c:${fn}(m.latency)`).chart).toMatchObject({ aggregate: fn, path: 'metadata.latency' });
  });

  it.each([
    ['second', 'second'], ['s', 'second'], ['minute', 'minute'], ['m', 'minute'],
    ['hour', 'hour'], ['h', 'hour'], ['day', 'day'], ['d', 'day'],
  ])('reads group_by(t::%s) as %s, also written chart: and timestamp::', (unit, period) => {
    expect(parse(`c:group_by(t::${unit})`).chart?.period).toBe(period);
    expect(parse(`chart:group_by(timestamp::${unit})`).chart?.period).toBe(period);
  });

  it('combines several c: clauses into one chart that remembers them', () => {
    expect(parse('c:sum(m.bytes) error c:group_by(t::h)').chart).toEqual({
      aggregate: 'sum', path: 'metadata.bytes', period: 'hour', clause: 'c:sum(m.bytes) c:group_by(t::h)',
    });
  });

  it('rejects a second aggregate or a second period', () => {
    expect(failure('c:sum(m.a) c:avg(m.a)').message).toBe(
      'Error in LQL clause `c:avg(m.a)`: the chart aggregate is already set by `c:sum(m.a)`',
    );
    expect(failure('c:group_by(t::h) c:group_by(t::d)').message).toContain('the chart period is already set by `c:group_by(t::h)`');
  });

  it('rejects unknown aggregates and count(path) / sum(*)', () => {
    expect(failure('c:median(m.a)').message).toContain('Error in LQL clause `c:median(m.a)`: expected an aggregate');
    expect(failure('c:count(m.a)').message).toContain('count takes `*`');
    expect(failure('c:sum(*)').message).toContain('sum needs a field path');
    expect(failure('c:group_by(t::week)').message).toContain('expected an aggregate');
  });

  it('rejects a negated chart clause', () => {
    expect(failure('-c:count(*)').message).toBe('Error in LQL clause `-c:count(*)`: chart clauses cannot be negated');
  });
});

describe('select clauses', () => {
  it('reads s:path, s:path@alias and s:*', () => {
    expect(parse('s:m.user.id s:status@code s:*').selects).toEqual([
      { kind: 'select', path: 'metadata.user.id', alias: null, clause: 's:m.user.id', negated: false },
      { kind: 'select', path: 'status', alias: 'code', clause: 's:status@code', negated: false },
      { kind: 'select', path: '*', alias: null, clause: 's:*', negated: false },
    ]);
  });

  it('rejects bad aliases and paths', () => {
    expect(failure('s:status@1x').message).toContain('the alias `1x` must be letters');
    expect(failure('s:*@all').message).toContain('`*` cannot take an alias');
    expect(failure('s:a..b').message).toContain('expected s:*, s:path or s:path@alias');
  });

  it('rejects a negated select', () => {
    expect(failure('-s:status').message).toContain('select clauses cannot be negated');
  });
});

describe('limits', () => {
  it('accepts 100 clauses and rejects 101', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    expect(filters(words(100))).toHaveLength(100);
    expect(failure(words(101)).message).toBe('Invalid LQL query: a query has at most 100 clauses, this one has 101');
  });

  it('accepts 50 selects and rejects 51', () => {
    const selects = (n: number) => Array.from({ length: n }, (_, i) => `s:f${i}`).join(' ');
    expect(parse(selects(50)).selects).toHaveLength(50);
    expect(failure(selects(51)).message).toBe('Invalid LQL query: a query selects at most 50 fields, this one selects 51');
  });

  it('parses a 20-clause query in well under a millisecond', () => {
    const query =
      'error "two words" ~(?i)fail -healthcheck m.status:>=500 m.status:<600 -m.user.id:NULL m.tags:@>prod ' +
      'm.tags:@>~^eu- m.lat:0.5..2 m.method:GET m.path:~^/api request.id:"a b" t:last@2h t:>2026-11-01 ' +
      'm.ok:true status:200 c:p95(m.lat) c:group_by(t::m) s:m.user.id@uid';
    const parsed = parse(query);
    expect(parsed.filters.length + parsed.selects.length + parsed.chart!.clause.split(' ').length).toBe(20);
    const runs = 20_000;
    for (let i = 0; i < 5000; i++) parse(query);
    const started = performance.now();
    for (let i = 0; i < runs; i++) parse(query);
    const microsPerParse = ((performance.now() - started) * 1000) / runs;
    console.log(`LQL parse, 20 clauses: ${microsPerParse.toFixed(1)} µs/parse`);
    expect(microsPerParse).toBeLessThan(1000);
  });
});
