/**
 * Event timestamps: turns what a client sent as `timestamp` into microseconds since the Unix
 * epoch (UTC), or null when it cannot be read (the caller then uses the ingest time).
 *
 * Accepted:
 * - ISO 8601 / RFC 3339 extended format: `YYYY-MM-DD`, optionally `T` (or `t` or a space) and
 *   `hh:mm[:ss[.fraction]]`, optionally a zone `Z` or `±hh[:mm]` / `±hhmm`; no zone means UTC.
 *   The fraction has 1 to 9 digits (`.` or `,`); digits past the sixth are truncated, as
 *   BigQuery stores microseconds. Parsed by hand: `Date` would drop everything below 1 ms.
 *   Leap seconds (`:60`) and `24:00` are refused.
 * - Unix time as a number, read by the digit count of its integer part: 10 digits = seconds,
 *   13 = milliseconds, 16 = microseconds, 19 = nanoseconds; any other count is refused (so a
 *   9-digit second count from before 2001-09-09 is not accepted, as in Logflare). Fractions are
 *   kept and rounded to the nearest microsecond (a double cannot hold them exactly).
 * - The same unix time written as a string of digits (optionally `-` and a `.fraction`),
 *   because several log shippers quote it; strings are converted exactly, truncating below 1 µs.
 * Anything outside the years 0001..9999 (BigQuery's TIMESTAMP range) is refused.
 */

const MICROS_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86_400;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in whole seconds (exact in a double). */
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

export function parseTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return fromUnixNumber(value);
  if (typeof value !== 'string') return null;
  // An ISO date always has `-` at index 4; a unix time string has a digit there.
  return isDigit(value.charCodeAt(4)) ? fromUnixString(value) : fromIso(value);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function inRange(micros: number): number | null {
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS ? micros : null;
}

function fromUnixNumber(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  const magnitude = Math.abs(value);
  let micros: number;
  if (magnitude >= 1e9 && magnitude < 1e10) micros = value * 1e6;
  else if (magnitude >= 1e12 && magnitude < 1e13) micros = value * 1e3;
  else if (magnitude >= 1e15 && magnitude < 1e16) micros = value;
  else if (magnitude >= 1e18 && magnitude < 1e19) micros = value / 1e3;
  else return null;
  // `|| 0` turns a -0 from rounding into 0.
  return inRange(Math.round(micros) || 0);
}

/** A string of 10/13/16/19 digits, optionally signed and with a fraction. */
function fromUnixString(text: string): number | null {
  const negative = text.charCodeAt(0) === 45;
  const start = negative ? 1 : 0;
  let dot = text.length;
  for (let i = start; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 46 && dot === text.length && i > start && i < text.length - 1) dot = i;
    else if (!isDigit(code)) return null;
  }
  const integer = text.slice(start, dot);
  const fraction = dot < text.length ? text.slice(dot + 1) : '';
  let micros: number;
  switch (integer.length) {
    case 10:
      micros = Number(integer) * MICROS_PER_SECOND + fractionDigits(fraction, 6);
      break;
    case 13:
      micros = Number(integer) * 1000 + fractionDigits(fraction, 3);
      break;
    case 16:
      micros = Number(integer);
      break;
    case 19:
      micros = Number(integer.slice(0, 16));
      break;
    default:
      return null;
  }
  return inRange(negative ? -micros || 0 : micros);
}

/** The first `count` digits of a fraction as an integer, right-padded with zeros. */
function fractionDigits(fraction: string, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    value = value * 10 + (i < fraction.length ? fraction.charCodeAt(i) - 48 : 0);
  }
  return value;
}

/** `count` digits at `at` as a number, or -1 if any is missing or not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

function fromIso(text: string): number | null {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  let seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY;
  let micros = 0;
  if (text.length > 10) {
    const separator = text.charCodeAt(10);
    if (separator !== 84 && separator !== 116 && separator !== 32) return null;
    const hour = digitsAt(text, 11, 2);
    const minute = digitsAt(text, 14, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || text.charCodeAt(13) !== 58) return null;
    seconds += hour * 3600 + minute * 60;
    let at = 16;
    if (text.charCodeAt(at) === 58) {
      const second = digitsAt(text, at + 1, 2);
      if (second < 0 || second > 59) return null;
      seconds += second;
      at += 3;
      const mark = text.charCodeAt(at);
      if (mark === 46 || mark === 44) {
        let end = at + 1;
        while (end < text.length && isDigit(text.charCodeAt(end))) end++;
        const digits = end - at - 1;
        if (digits < 1 || digits > 9) return null;
        micros = fractionDigits(text.slice(at + 1, end), 6);
        at = end;
      }
    }
    const offset = zoneOffsetSeconds(text, at);
    if (offset === null) return null;
    seconds -= offset;
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return null;
  return seconds * MICROS_PER_SECOND + micros;
}

/** The zone designator from `at` to the end of the text, as seconds east of UTC. */
function zoneOffsetSeconds(text: string, at: number): number | null {
  const rest = text.length - at;
  if (rest === 0) return 0;
  const sign = text.charCodeAt(at);
  if (sign === 90 || sign === 122) return rest === 1 ? 0 : null;
  if (sign !== 43 && sign !== 45) return null;
  const hours = digitsAt(text, at + 1, 2);
  let minutes = 0;
  if (rest === 6 && text.charCodeAt(at + 3) === 58) minutes = digitsAt(text, at + 4, 2);
  else if (rest === 5) minutes = digitsAt(text, at + 3, 2);
  else if (rest !== 3) return null;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null;
  const offset = hours * 3600 + minutes * 60;
  return sign === 45 ? -offset : offset;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
