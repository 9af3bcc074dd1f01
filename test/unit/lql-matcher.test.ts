/** The in-memory matcher: LQL semantics on single events, NULL handling, RE2, arrays, time. */
import { describe, expect, it } from 'vitest';
import { bindQuery, matches, parseLql } from '../../shared/lql/index.ts';
import type { LogEvent, SourceSchema } from '../../shared/events/model.ts';

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
    ],
  },
];
const NOW = Date.UTC(2026, 10, 26, 15, 47, 23, 456);
const TS = Date.UTC(2026, 10, 26, 15, 0, 10) * 1000;

const event = (body: LogEvent['body'], event_message = 'GET /api/users 200', timestamp = TS): LogEvent => ({
  id: 'ev-1', timestamp, event_message, body,
});
const match = (text: string, e: LogEvent) => matches(bindQuery(parseLql(text, { now: NOW }), SCHEMA), e);

const API = event({ metadata: { status: 200, latency: 0.25, ok: true, level: 'info', tags: ['prod', 'eu-west'], codes: [1, 2] } });
const BARE = event({}, 'healthcheck');

describe('message filters', () => {
  it('matches substrings, case-sensitively', () => {
    expect(match('api users', API)).toBe(true);
    expect(match('API', API)).toBe(false);
    expect(match('"GET /api"', API)).toBe(true);
  });

  it('treats % and _ literally', () => {
    expect(match('50%', event({}, 'disk 50% full'))).toBe(true);
    expect(match('5_%', event({}, 'disk 50% full'))).toBe(false);
  });

  it('matches RE2 regexes partially, with (?i)', () => {
    expect(match('~users\\s\\d+', API)).toBe(true);
    expect(match('~^users', API)).toBe(false);
    expect(match('~(?i)^get', API)).toBe(true);
  });

  it('negates message filters', () => {
    expect(match('-healthcheck', API)).toBe(true);
    expect(match('-healthcheck', BARE)).toBe(false);
  });

  it('matches everything with no filter, ignoring chart and select clauses', () => {
    expect(match('', BARE)).toBe(true);
    expect(match('c:count(*) s:m.status', BARE)).toBe(true);
  });

  it('ANDs all filters', () => {
    expect(match('GET m.status:200', API)).toBe(true);
    expect(match('GET m.status:201', API)).toBe(false);
  });
});

describe('field filters', () => {
  it('compares numbers', () => {
    expect(match('m.status:200', API)).toBe(true);
    expect(match('m.status:>199 m.status:<201 m.status:>=200 m.status:<=200', API)).toBe(true);
    expect(match('m.latency:>0.2', API)).toBe(true);
    expect(match('m.latency:<0', API)).toBe(false);
  });

  it('matches inclusive ranges', () => {
    expect(match('m.status:200..299', API)).toBe(true);
    expect(match('m.status:100..200', API)).toBe(true);
    expect(match('m.status:201..299', API)).toBe(false);
    expect(match('m.latency:0.25..1', API)).toBe(true);
  });

  it('compares booleans and strings', () => {
    expect(match('m.ok:true', API)).toBe(true);
    expect(match('m.ok:false', API)).toBe(false);
    expect(match('m.level:info', API)).toBe(true);
    expect(match('m.level:inf', API)).toBe(false); // equality, not substring
    expect(match('m.level:>hello m.level:<j', API)).toBe(true);
  });

  it('orders text by code point, as SQL does', () => {
    // In UTF-16 '\u{1F600}' (surrogates 0xD83D…) sorts before '\uFFFD'; by code point it sorts after.
    expect(match('m.level:>\uFFFD', event({ metadata: { level: '\u{1F600}' } }))).toBe(true);
  });

  it('matches base columns exactly', () => {
    expect(match('event_message:healthcheck', BARE)).toBe(true);
    expect(match('event_message:health', BARE)).toBe(false);
    expect(match('id:ev-1', BARE)).toBe(true);
  });

  it('treats a missing field as NULL: no match, but negations match', () => {
    expect(match('m.status:200', BARE)).toBe(false);
    expect(match('-m.status:200', BARE)).toBe(true);
    expect(match('-m.status:200', API)).toBe(false);
    expect(match('-m.status:500', API)).toBe(true);
    expect(match('-m.level:~x', BARE)).toBe(true);
  });

  it('matches :NULL and -:NULL', () => {
    expect(match('m.status:NULL', BARE)).toBe(true);
    expect(match('m.status:NULL', API)).toBe(false);
    expect(match('-m.status:NULL', API)).toBe(true);
    expect(match('-m.status:NULL', BARE)).toBe(false);
  });

  it('treats a value of another type than the schema as NULL', () => {
    expect(match('m.status:NULL', event({ metadata: { status: 'two hundred' } }))).toBe(true);
  });
});

describe('arrays', () => {
  it('tests membership and element regexes', () => {
    expect(match('m.tags:@>prod', API)).toBe(true);
    expect(match('m.tags:@>pro', API)).toBe(false);
    expect(match('m.tags:@>~^eu-', API)).toBe(true);
    expect(match('m.codes:@>2', API)).toBe(true);
    expect(match('m.codes:@>3', API)).toBe(false);
  });

  it('negates with NULLs included, and treats a missing or empty array as NULL', () => {
    expect(match('-m.tags:@>prod', API)).toBe(false);
    expect(match('-m.tags:@>prod', BARE)).toBe(true);
    expect(match('m.tags:NULL', BARE)).toBe(true);
    expect(match('m.tags:NULL', event({ metadata: { tags: [] } }))).toBe(true);
    expect(match('-m.tags:NULL', API)).toBe(true);
  });
});

describe('timestamps', () => {
  it('applies span operators to the event timestamp', () => {
    expect(match('t:2026-11-26', API)).toBe(true);
    expect(match('t:2026-11-25', API)).toBe(false);
    expect(match('t:>2026-11-25 t:<2026-11-27', API)).toBe(true);
    expect(match('t:>2026-11-26', API)).toBe(false);
    expect(match('t:<=2026-11-26 t:>=2026-11-26', API)).toBe(true);
    expect(match('t:2026-11-26T15:00:10Z', API)).toBe(true);
    expect(match('t:2026-11-26T{14..15}:00:00', API)).toBe(false);
    expect(match('t:2026-11-26T{14..15}:00:10', API)).toBe(true);
    expect(match('-t:today', API)).toBe(false);
    expect(match('t:last@1h', API)).toBe(true);
    expect(match('t:last@30m', API)).toBe(false);
  });

  it('reads nested TIMESTAMP fields stored as ISO text, offsets included', () => {
    const at = (value: string) => event({ metadata: { at: value } });
    expect(match('m.at:2026-11-26T15:00:00Z', at('2026-11-26T17:00:00+02:00'))).toBe(true);
    expect(match('m.at:<2026-11-26T15:00:00Z', at('2026-11-26T15:00:00.000001Z'))).toBe(false);
    expect(match('m.at:2026-11-26', at('2026-11-26 08:00:00'))).toBe(true);
    expect(match('m.at:NULL', at('not a time'))).toBe(true);
  });
});
