import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../shared/events/timestamp.ts';

/** 2026-11-01T10:20:30Z in whole seconds. */
const SECONDS = Date.UTC(2026, 10, 1, 10, 20, 30) / 1000;
const MICROS = SECONDS * 1_000_000;

describe('parseTimestamp: unix numbers by digit count', () => {
  it('reads 10 digits as seconds', () => {
    expect(parseTimestamp(SECONDS)).toBe(MICROS);
  });

  it('reads 13 digits as milliseconds', () => {
    expect(parseTimestamp(SECONDS * 1000 + 123)).toBe(MICROS + 123_000);
  });

  it('reads 16 digits as microseconds', () => {
    expect(parseTimestamp(MICROS + 123_456)).toBe(MICROS + 123_456);
  });

  it('reads 19 digits as nanoseconds, to the microsecond a double can hold', () => {
    // A 19-digit number is not exact in a double; the result is within a microsecond.
    const parsed = parseTimestamp((MICROS + 123_456) * 1000);
    expect(parsed).not.toBeNull();
    expect(Math.abs((parsed as number) - (MICROS + 123_456))).toBeLessThanOrEqual(1);
  });

  it('keeps the fraction of seconds and milliseconds, rounded to the microsecond', () => {
    expect(parseTimestamp(SECONDS + 0.123456)).toBe(MICROS + 123_456);
    expect(parseTimestamp(SECONDS * 1000 + 0.5)).toBe(MICROS + 500);
    expect(parseTimestamp(MICROS + 0.6)).toBe(MICROS + 1);
  });

  it.each([0, 1, 123_456_789, 99_999_999_999, 123_456_789_012_34, 12_345_678_901_234_567, 1e20])(
    'refuses %d: its digit count is not 10, 13, 16 or 19',
    (value) => {
      expect(parseTimestamp(value)).toBeNull();
    },
  );

  it('refuses non-finite numbers', () => {
    expect(parseTimestamp(Number.NaN)).toBeNull();
    expect(parseTimestamp(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it('reads negative unix times before 1970 by the same digit counts', () => {
    expect(parseTimestamp(-1_000_000_000)).toBe(-1_000_000_000_000_000);
  });
});

describe('parseTimestamp: unix numbers written as strings', () => {
  it('reads digit strings like numbers', () => {
    expect(parseTimestamp(String(SECONDS))).toBe(MICROS);
    expect(parseTimestamp(String(SECONDS * 1000))).toBe(MICROS);
    expect(parseTimestamp(String(MICROS + 7))).toBe(MICROS + 7);
  });

  it('converts nanosecond strings exactly, truncating below the microsecond', () => {
    expect(parseTimestamp(`${MICROS + 123_456}999`)).toBe(MICROS + 123_456);
  });

  it('keeps string fractions exactly, up to the microsecond', () => {
    expect(parseTimestamp(`${SECONDS}.1234569`)).toBe(MICROS + 123_456);
    expect(parseTimestamp(`${SECONDS * 1000}.25`)).toBe(MICROS + 250);
  });

  it.each(['123456789', '12345678901', '1700000000.', '1700000000.1.2', '1700000000x', '17000 00000', '+1700000000'])(
    'refuses %j',
    (text) => {
      expect(parseTimestamp(text)).toBeNull();
    },
  );
});

describe('parseTimestamp: ISO 8601', () => {
  it('reads UTC with Z', () => {
    expect(parseTimestamp('2026-11-01T10:20:30Z')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01t10:20:30z')).toBe(MICROS);
  });

  it('treats a datetime without zone as UTC', () => {
    expect(parseTimestamp('2026-11-01T10:20:30')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01 10:20:30')).toBe(MICROS);
  });

  it('reads a date alone as midnight UTC, and a time without seconds', () => {
    expect(parseTimestamp('2026-11-01')).toBe(Date.UTC(2026, 10, 1) * 1000);
    expect(parseTimestamp('2026-11-01T10:20')).toBe(MICROS - 30_000_000);
  });

  it('applies offsets in every accepted form', () => {
    expect(parseTimestamp('2026-11-01T12:20:30+02:00')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01T12:20:30+0200')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01T12:20:30+02')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01T04:50:30-05:30')).toBe(MICROS);
    expect(parseTimestamp('2026-11-01T00:00:00+01:00')).toBe(Date.UTC(2026, 9, 31, 23) * 1000);
  });

  it('keeps fractional seconds to the microsecond, without going through Date', () => {
    expect(parseTimestamp('2026-11-01T10:20:30.1Z')).toBe(MICROS + 100_000);
    expect(parseTimestamp('2026-11-01T10:20:30.123456Z')).toBe(MICROS + 123_456);
    expect(parseTimestamp('2026-11-01T10:20:30.000001Z')).toBe(MICROS + 1);
    expect(parseTimestamp('2026-11-01T10:20:30,5Z')).toBe(MICROS + 500_000);
  });

  it('truncates nanosecond fractions (9 digits) to microseconds', () => {
    expect(parseTimestamp('2026-11-01T10:20:30.123456789Z')).toBe(MICROS + 123_456);
    expect(parseTimestamp('2026-11-01T10:20:30.123456789+01:00')).toBe(MICROS - 3_600_000_000 + 123_456);
  });

  it('refuses fractions of more than 9 digits', () => {
    expect(parseTimestamp('2026-11-01T10:20:30.1234567890Z')).toBeNull();
  });

  it('knows leap years', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) * 1000);
    expect(parseTimestamp('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29) * 1000);
    expect(parseTimestamp('2023-02-29T00:00:00Z')).toBeNull();
    expect(parseTimestamp('1900-02-29T00:00:00Z')).toBeNull();
  });

  it('accepts the whole BigQuery range, years 0001 to 9999', () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000);
    expect(parseTimestamp('9999-12-31T23:59:59Z')).toBe(253_402_300_799_000_000);
    expect(parseTimestamp('1969-12-31T23:59:59.5Z')).toBe(-500_000);
  });

  it('refuses years outside 0001..9999, also when an offset pushes the instant out', () => {
    expect(parseTimestamp('0000-01-01T00:00:00Z')).toBeNull();
    expect(parseTimestamp('0001-01-01T00:00:00+01:00')).toBeNull();
    expect(parseTimestamp('9999-12-31T23:30:00-01:00')).toBeNull();
    expect(parseTimestamp('+10000-01-01T00:00:00Z')).toBeNull();
  });

  it.each([
    '',
    'yesterday',
    'not a date at all',
    '2026-13-01T00:00:00Z',
    '2026-11-31T00:00:00Z',
    '2026-11-00',
    '2026-11-01T24:00:00Z',
    '2026-11-01T10:60:00Z',
    '2026-11-01T10:20:60Z',
    '2026-11-01T10:20:30.Z',
    '2026-11-01T10:20:30+2:00',
    '2026-11-01T10:20:30+24:00',
    '2026-11-01T10:20:30Zjunk',
    '2026-11-01T10:20:30 UTC',
    '2026-11-01X10:20:30Z',
    '2026/11/01',
    '26-11-01',
    ' 2026-11-01',
    'Sun, 01 Nov 2026 10:20:30 GMT',
  ])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });

  it('refuses values that are neither strings nor numbers', () => {
    for (const value of [undefined, null, true, {}, [], [SECONDS]]) expect(parseTimestamp(value)).toBeNull();
  });

  it('agrees with Date on millisecond instants across the range', () => {
    const min = Date.UTC(1, 0, 1);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        expect(parseTimestamp(new Date(ms).toISOString())).toBe(ms * 1000);
      }),
    );
  });
});
