/**
 * Timestamp values of LQL: ISO dates and datetimes, unix seconds/ms/µs, brace ranges
 * (`2026-11-{01..05}`), `a..b` ranges and the relative shorthands (`now`, `today`,
 * `this@week`, `last@3h`, …), each turned into a TimeSpan. All calendar math is UTC;
 * relative values resolve against the caller's `now`, never the system clock.
 */
import type { TimeSpan } from './ast.ts';

/** A malformed timestamp value; callers add which clause and which field it came from. */
export class TimeValueError extends Error {}

type Unit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/** Whether a span came from text with a zone, without one (read as UTC), or needs none. */
type Zone = 'zoned' | 'naive' | 'absolute';
type ZonedSpan = TimeSpan & { zone: Zone };

const US_PER_MS = 1000;
const MS: Record<'second' | 'minute' | 'hour' | 'day' | 'week', number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?)?$/;
const BRACE = /\{(\d+)\.\.(\d+)\}/g;
const SHORTHAND = /^(?:(now|today|yesterday)|this@([a-z]+)|last@(\d{0,4})([a-z]+))$/;
const UNITS: Record<string, Unit> = {
  s: 'second', second: 'second', seconds: 'second',
  m: 'minute', minute: 'minute', minutes: 'minute',
  h: 'hour', hour: 'hour', hours: 'hour',
  d: 'day', day: 'day', days: 'day',
  w: 'week', week: 'week', weeks: 'week',
  mm: 'month', month: 'month', months: 'month',
  y: 'year', year: 'year', years: 'year',
};

const fail = (message: string): never => {
  throw new TimeValueError(message);
};

/** A whole timestamp filter value: a single value, a brace range, or `a..b`. */
export function parseTimeSpan(text: string, nowMs: number): TimeSpan {
  const dots = topLevelDots(text);
  if (dots >= 0) {
    if (text.includes('{')) fail(`a brace range can't be combined with \`..\` in '${text}'`);
    const from = parseSingle(text.slice(0, dots), nowMs);
    const to = parseSingle(text.slice(dots + 2), nowMs);
    if ((from.zone === 'zoned' && to.zone === 'naive') || (from.zone === 'naive' && to.zone === 'zoned')) {
      fail(`both ends of a range must have a time zone, or neither: '${text}'`);
    }
    return ordered(from.start, to.end, text);
  }
  if (text.includes('{') || text.includes('}')) return braceSpan(text);
  const { start, end } = parseSingle(text, nowMs);
  return { start, end };
}

/** Microseconds of a stored ISO 8601 timestamp (zone-less means UTC), or null if it is not one. */
export function parseInstant(text: string): number | null {
  try {
    return parseIso(text)?.start ?? null;
  } catch {
    return null;
  }
}

/** Where a `..` outside braces starts, or -1. */
function topLevelDots(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}') depth--;
    else if (depth === 0 && text[i] === '.' && text[i + 1] === '.') return i;
  }
  return -1;
}

function ordered(start: number, end: number, text: string): TimeSpan {
  if (end <= start) fail(`the range '${text}' ends before it starts`);
  return { start, end };
}

/** `2026-11-{01..05}`: the left numbers make the first value, the right ones the last. */
function braceSpan(text: string): TimeSpan {
  const first = text.replace(BRACE, '$1');
  const last = text.replace(BRACE, '$2');
  if (first.includes('{') || first.includes('}')) {
    fail(`malformed brace range in '${text}'; write it as 2026-11-{01..05}`);
  }
  const from = parseIso(first) ?? fail(`a brace range must be a date or a datetime, got '${text}'`);
  const to = parseIso(last) ?? fail(`a brace range must be a date or a datetime, got '${text}'`);
  return ordered(from.start, to.end, text);
}

function parseSingle(text: string, nowMs: number): ZonedSpan {
  if (/^\d+$/.test(text)) return unixSpan(text);
  const iso = parseIso(text);
  if (iso) return iso;
  const shorthand = SHORTHAND.exec(text);
  if (shorthand) return { ...shorthandSpan(shorthand, nowMs, text), zone: 'absolute' };
  return fail(
    `expected a date (2026-11-01), a datetime (2026-11-01T10:00:00Z), a unix timestamp or a ` +
      `shorthand (now, today, yesterday, this@day, last@3h), got '${text}'`,
  );
}

function unixSpan(text: string): ZonedSpan {
  const scale = ({ 10: 1_000_000, 13: 1000, 16: 1 } as Record<number, number>)[text.length];
  if (scale === undefined) {
    const digits = `10 (seconds), 13 (milliseconds) or 16 (microseconds) digits`;
    fail(`a unix timestamp has ${digits}, got ${text.length}: '${text}'`);
  }
  const start = Number(text) * scale!;
  return { start, end: start + 1, zone: 'absolute' };
}

/** A date is its whole UTC day; a datetime is one microsecond. Null when `text` isn't ISO-shaped. */
function parseIso(text: string): ZonedSpan | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dayMs = utcMs(year, month - 1, day);
  const check = new Date(dayMs);
  if (month < 1 || month > 12 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    fail(`'${text}' is not a valid date`);
  }
  if (m[4] === undefined) {
    return { start: dayMs * US_PER_MS, end: (dayMs + MS.day) * US_PER_MS, zone: 'naive' };
  }
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (hour > 23 || minute > 59 || second > 59) fail(`'${text}' is not a valid time of day`);
  const fraction = Number((m[7] ?? '').padEnd(6, '0'));
  const zone = m[8];
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const [hh, mm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (hh > 23 || mm > 59) fail(`'${zone}' is not a valid UTC offset`);
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hh * 60 + mm);
  }
  const ms = dayMs + hour * MS.hour + minute * MS.minute + second * MS.second - offsetMinutes * MS.minute;
  const start = ms * US_PER_MS + fraction;
  return { start, end: start + 1, zone: zone ? 'zoned' : 'naive' };
}

function shorthandSpan(m: RegExpExecArray, nowMs: number, text: string): TimeSpan {
  const nowUs = nowMs * US_PER_MS;
  const today = truncate(nowMs, 'day');
  switch (m[1]) {
    case 'now':
      return { start: nowUs, end: nowUs + 1 };
    case 'today':
      return { start: today * US_PER_MS, end: (today + MS.day) * US_PER_MS };
    case 'yesterday':
      return { start: (today - MS.day) * US_PER_MS, end: today * US_PER_MS };
  }
  if (m[2] !== undefined) {
    return { start: truncate(nowMs, unitOf(m[2], text)) * US_PER_MS, end: nowUs + 1 };
  }
  const unit = unitOf(m[4]!, text);
  const amount = m[3] ? Number(m[3]) : 1;
  // As Logflare does: seconds to hours start on their own boundary, longer units on a day's.
  const base = truncate(nowMs, unit === 'second' || unit === 'minute' || unit === 'hour' ? unit : 'day');
  return { start: shift(base, -amount, unit) * US_PER_MS, end: nowUs + 1 };
}

function unitOf(word: string, text: string): Unit {
  return UNITS[word] ?? fail(`unknown unit '${word}' in '${text}'; use s, m, h, d, w, mm (months) or y`);
}

/** Date.UTC without its two-digit-year quirk. */
function utcMs(year: number, monthIndex: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime();
}

function truncate(ms: number, unit: Unit): number {
  const date = new Date(ms);
  switch (unit) {
    case 'week': {
      const day = truncate(ms, 'day');
      return day - ((date.getUTCDay() + 6) % 7) * MS.day; // weeks start on Monday
    }
    case 'month':
      return utcMs(date.getUTCFullYear(), date.getUTCMonth(), 1);
    case 'year':
      return utcMs(date.getUTCFullYear(), 0, 1);
    default:
      return Math.floor(ms / MS[unit]) * MS[unit];
  }
}

/** Moves by whole units; months and years keep the day of month, clamped to the month's end. */
function shift(ms: number, amount: number, unit: Unit): number {
  if (unit !== 'month' && unit !== 'year') return ms + amount * MS[unit];
  const date = new Date(ms);
  const months = date.getUTCMonth() + amount * (unit === 'year' ? 12 : 1);
  const year = date.getUTCFullYear() + Math.floor(months / 12);
  const month = ((months % 12) + 12) % 12;
  const lastDay = new Date(utcMs(year, month + 1, 1) - MS.day).getUTCDate();
  return utcMs(year, month, Math.min(date.getUTCDate(), lastDay)) + (ms - truncate(ms, 'day'));
}
