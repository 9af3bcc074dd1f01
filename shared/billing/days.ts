/**
 * UTC days as billing names them (`YYYY-MM-DD`): parsing, stepping and the calendar month a
 * day belongs to.
 */

export const DAY_MS = 86_400_000;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The day itself when `text` is a real calendar date in `YYYY-MM-DD` form, else null. */
export function parseDay(text: string): string | null {
  if (!DAY_PATTERN.test(text)) return null;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  return Number.isNaN(ms) || utcDay(ms) !== text ? null : text;
}

/** Milliseconds since the epoch at the day's first instant. */
export function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, days: number): string {
  return utcDay(dayStart(day) + days * DAY_MS);
}

/** Every day from `from` to `to`, both included, oldest first. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

export function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

export function monthEnd(day: string): string {
  const [year, month] = day.split('-').map(Number);
  return utcDay(Date.UTC(year!, month!, 0));
}
