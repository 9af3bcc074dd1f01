/** LQL timestamp filters: absolute values, unix times, brace ranges, ranges and shorthands. */
import { describe, expect, it } from 'vitest';
import { parseLql, type TimestampFilter } from '../../shared/lql/index.ts';

/** Thursday 2026-11-26 15:47:23.456 UTC. */
const NOW = Date.UTC(2026, 10, 26, 15, 47, 23, 456);
const us = (iso: string) => Date.parse(iso) * 1000;
const NOW_US = NOW * 1000;

const filter = (text: string, now = NOW) => parseLql(text, { now }).filters[0] as TimestampFilter;
const span = (value: string, now = NOW) => filter(`t:${value}`, now).span;
const error = (value: string) => {
  try {
    filter(`t:${value}`);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`t:${value} was accepted`);
};

describe('absolute timestamp values', () => {
  it('reads a date as its whole UTC day', () => {
    expect(span('2026-11-01')).toEqual({ start: us('2026-11-01T00:00:00Z'), end: us('2026-11-02T00:00:00Z') });
  });

  it('reads a zone-less datetime as UTC, one microsecond wide', () => {
    expect(span('2026-11-01T10:00:00')).toEqual({ start: us('2026-11-01T10:00:00Z'), end: us('2026-11-01T10:00:00Z') + 1 });
  });

  it('applies Z and ±hh:mm offsets', () => {
    expect(span('2026-11-01T10:00:00Z').start).toBe(us('2026-11-01T10:00:00Z'));
    expect(span('2026-11-01T10:00:00+02:00').start).toBe(us('2026-11-01T08:00:00Z'));
    expect(span('2026-11-01T10:00:00-05:30').start).toBe(us('2026-11-01T15:30:00Z'));
  });

  it('keeps fractional seconds to the microsecond', () => {
    expect(span('2026-11-01T10:00:00.123456Z').start).toBe(us('2026-11-01T10:00:00Z') + 123_456);
    expect(span('2026-11-01T10:00:00.5').start).toBe(us('2026-11-01T10:00:00Z') + 500_000);
  });

  it('reads unix seconds, milliseconds and microseconds by their digit count', () => {
    expect(span('1764000000').start).toBe(1_764_000_000_000_000);
    expect(span('1764000000123').start).toBe(1_764_000_000_123_000);
    expect(span('1764000000123456')).toEqual({ start: 1_764_000_000_123_456, end: 1_764_000_000_123_457 });
  });

  it('reads a quoted value like a bare one', () => {
    expect(span('"2026-11-01"')).toEqual(span('2026-11-01'));
  });

  it('accepts timestamp: as well as t:', () => {
    expect(filter('timestamp:>2026-11-01')).toMatchObject({ kind: 'timestamp', op: '>', span: span('2026-11-01') });
  });

  it.each(['>', '>=', '<', '<='])('keeps the operator %s', (op) => {
    expect(filter(`t:${op}2026-11-01`).op).toBe(op);
  });

  it('reads -t: as a negated filter', () => {
    expect(filter('-t:today')).toMatchObject({ negated: true, clause: '-t:today' });
  });
});

describe('ranges', () => {
  it('spans from the start of the first value to the end of the last (inclusive)', () => {
    expect(span('2026-11-01..2026-11-03')).toEqual({ start: us('2026-11-01T00:00:00Z'), end: us('2026-11-04T00:00:00Z') });
    expect(span('2026-11-01T10:00:00Z..2026-11-01T11:00:00Z')).toEqual({
      start: us('2026-11-01T10:00:00Z'), end: us('2026-11-01T11:00:00Z') + 1,
    });
    expect(span('1764000000..1764003600')).toEqual({ start: 1_764_000_000_000_000, end: 1_764_003_600_000_001 });
  });

  it('reads brace ranges on the date', () => {
    expect(span('2026-11-{01..05}')).toEqual({ start: us('2026-11-01T00:00:00Z'), end: us('2026-11-06T00:00:00Z') });
  });

  it('reads brace ranges on the time', () => {
    expect(span('2026-11-01T{10..12}:00:00')).toEqual({ start: us('2026-11-01T10:00:00Z'), end: us('2026-11-01T12:00:00Z') + 1 });
  });

  it('requires both ends to have a zone, or neither', () => {
    expect(error('2026-11-01T10:00:00Z..2026-11-01T11:00:00')).toBe(
      'Error in LQL clause `t:2026-11-01T10:00:00Z..2026-11-01T11:00:00`: Error while parsing timestamp filter value: ' +
        "both ends of a range must have a time zone, or neither: '2026-11-01T10:00:00Z..2026-11-01T11:00:00'",
    );
    expect(span('2026-11-01T10:00:00+01:00..2026-11-01T11:00:00Z').start).toBe(us('2026-11-01T09:00:00Z'));
  });

  it('rejects a range that ends before it starts', () => {
    expect(error('2026-11-05..2026-11-01')).toContain('ends before it starts');
    expect(error('2026-11-{05..01}')).toContain('ends before it starts');
  });

  it('rejects a brace range combined with ..', () => {
    expect(error('2026-11-{01..02}..2026-11-05')).toContain("a brace range can't be combined with `..`");
  });
});

describe('shorthands', () => {
  it('reads now as the injected instant', () => {
    expect(span('now')).toEqual({ start: NOW_US, end: NOW_US + 1 });
  });

  it('reads today and yesterday as whole UTC days', () => {
    expect(span('today')).toEqual({ start: us('2026-11-26T00:00:00Z'), end: us('2026-11-27T00:00:00Z') });
    expect(span('yesterday')).toEqual({ start: us('2026-11-25T00:00:00Z'), end: us('2026-11-26T00:00:00Z') });
  });

  it.each([
    ['second', '2026-11-26T15:47:23Z'],
    ['minute', '2026-11-26T15:47:00Z'],
    ['hour', '2026-11-26T15:00:00Z'],
    ['day', '2026-11-26T00:00:00Z'],
    ['week', '2026-11-23T00:00:00Z'],
    ['month', '2026-11-01T00:00:00Z'],
    ['year', '2026-01-01T00:00:00Z'],
  ])('reads this@%s as from the start of the period until now', (unit, start) => {
    expect(span(`this@${unit}`)).toEqual({ start: us(start), end: NOW_US + 1 });
  });

  it.each([
    ['last@30s', '2026-11-26T15:46:53Z'],
    ['last@5m', '2026-11-26T15:42:00Z'],
    ['last@5minutes', '2026-11-26T15:42:00Z'],
    ['last@h', '2026-11-26T14:00:00Z'],
    ['last@24hours', '2026-11-25T15:00:00Z'],
    ['last@2d', '2026-11-24T00:00:00Z'],
    ['last@1w', '2026-11-19T00:00:00Z'],
    ['last@2mm', '2026-09-26T00:00:00Z'],
    ['last@1month', '2026-10-26T00:00:00Z'],
    ['last@1y', '2025-11-26T00:00:00Z'],
    ['last@1000days', '2024-03-01T00:00:00Z'],
  ])('reads %s with its start truncated', (value, start) => {
    expect(span(value)).toEqual({ start: us(start), end: NOW_US + 1 });
  });

  it('distinguishes m (minutes) from mm (months)', () => {
    expect(span('last@3m').start).toBe(us('2026-11-26T15:44:00Z'));
    expect(span('last@3mm').start).toBe(us('2026-08-26T00:00:00Z'));
  });

  it('clamps month arithmetic to the end of a shorter month', () => {
    expect(span('last@1mm', Date.UTC(2026, 2, 31, 8)).start).toBe(us('2026-02-28T00:00:00Z'));
  });

  it('uses Monday as the first day of the week', () => {
    expect(span('this@week', Date.UTC(2026, 10, 29, 23)).start).toBe(us('2026-11-23T00:00:00Z')); // a Sunday
    expect(span('this@week', Date.UTC(2026, 10, 30, 1)).start).toBe(us('2026-11-30T00:00:00Z')); // a Monday
  });

  it('rejects an unknown unit and more than 4 digits', () => {
    expect(error('last@2q')).toContain("unknown unit 'q' in 'last@2q'");
    expect(error('last@12345h')).toContain("got 'last@12345h'");
  });
});

describe('malformed values', () => {
  it.each([
    ['12345', "a unix timestamp has 10 (seconds), 13 (milliseconds) or 16 (microseconds) digits, got 5: '12345'"],
    ['2026-13-01', "'2026-13-01' is not a valid date"],
    ['2026-02-30', "'2026-02-30' is not a valid date"],
    ['2026-11-01T25:00:00', "'2026-11-01T25:00:00' is not a valid time of day"],
    ['soon', "got 'soon'"],
    ['2026-11-01T10:00', "got '2026-11-01T10:00'"],
  ])('rejects t:%s', (value, detail) => {
    const message = error(value);
    expect(message.startsWith(`Error in LQL clause \`t:${value}\`: Error while parsing timestamp filter value: `)).toBe(true);
    expect(message).toContain(detail);
  });

  it('rejects operators that do not apply to timestamps, and NULL', () => {
    expect(error('~2026')).toContain('the operator `:~` does not apply to timestamps');
    expect(error('NULL')).toContain("got 'NULL'");
  });

  it('rejects a missing value', () => {
    expect(error('>')).toContain('a value must follow the operator');
  });
});
