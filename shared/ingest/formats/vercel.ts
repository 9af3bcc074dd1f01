/**
 * The `/logs/vercel` format: Vercel log drain entries (a JSON array, or NDJSON when the drain is
 * set to that encoding), one event each. The whole entry is the event's `metadata`; its `id`
 * (unique per log line) is the event id, so a redelivered batch is deduplicated; its
 * `timestamp` (milliseconds) is the event time.
 *
 * Decisions beyond CONTRACT.md:
 * - `event_message`: an entry with a log line (`message`: lambda, edge and build output) keeps
 *   that line, after its source: `lambda | user 42 signed in`. A request entry without one is
 *   summarised as `source | status | host | path | client IP | user agent` from its `proxy`
 *   (falling back to the entry's own `statusCode`, `host` and `path`), with whichever parts it
 *   has, as Logflare does.
 * - `proxy.userAgent` is an array in Vercel's schema; it is joined into one string (", ") so
 *   that the field keeps one type whatever a drain sends.
 */
import type { JsonObject, JsonValue } from '../../events/model.ts';

export function vercelEvents(entries: JsonValue[]): JsonValue[] {
  return entries.map(vercelEvent);
}

function vercelEvent(entry: JsonValue): JsonValue {
  if (!isObject(entry)) return entry;
  const metadata = withUserAgentText(entry);
  const event: JsonObject = { message: vercelMessage(metadata), metadata };
  if (typeof entry.id === 'string' || typeof entry.id === 'number') event.id = entry.id;
  if (entry.timestamp !== undefined) event.timestamp = entry.timestamp;
  return event;
}

function vercelMessage(entry: JsonObject): string {
  const source = typeof entry.source === 'string' && entry.source !== '' ? entry.source : 'vercel';
  if (typeof entry.message === 'string' && entry.message !== '') return `${source} | ${entry.message}`;
  const proxy = isObject(entry.proxy) ? entry.proxy : {};
  return [
    source,
    proxy.statusCode ?? entry.statusCode,
    proxy.host ?? entry.host,
    proxy.path ?? entry.path,
    proxy.clientIp,
    proxy.userAgent,
  ]
    .filter((part) => (typeof part === 'string' && part !== '') || typeof part === 'number')
    .join(' | ');
}

function withUserAgentText(entry: JsonObject): JsonObject {
  const proxy = entry.proxy;
  if (!isObject(proxy) || !Array.isArray(proxy.userAgent)) return entry;
  const userAgent = proxy.userAgent.filter((part) => typeof part === 'string').join(', ');
  return { ...entry, proxy: { ...proxy, userAgent } };
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
