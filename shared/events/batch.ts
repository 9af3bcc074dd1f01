/**
 * A batch of accepted events on its way to the EventStore, held every way a store may want it:
 * as objects, or as the JSON text of an array of them, as a string or as UTF-8 bytes. The sink
 * receives bytes; a store that parses JSON natively (DuckDB) takes them as they are and neither
 * a string nor the objects are ever built, while a store that needs objects (BigQuery rows)
 * parses once, on first use.
 */
import type { LogEvent } from './model.ts';

export interface EventBatch {
  /** How many events the batch holds (known without parsing when the text came with a count). */
  size(): number;
  /** The events as objects; parsed (and checked) on the first call, if given as text. */
  events(): LogEvent[];
  /** The events as the JSON text of an array; serialised on the first call, if given as objects. */
  json(): string;
  /** That JSON text as UTF-8 bytes; encoded on the first call, if not given as bytes. */
  utf8(): Buffer;
}

/** Wraps events already in memory. */
export function batchOf(events: LogEvent[]): EventBatch {
  let text: string | undefined;
  let bytes: Buffer | undefined;
  const json = () => (text ??= JSON.stringify(events));
  return { size: () => events.length, events: () => events, json, utf8: () => (bytes ??= Buffer.from(json(), 'utf8')) };
}

/**
 * Wraps the JSON text of an array of events; `parse` turns it into checked objects when asked.
 * `count` is how many events the text holds, if known; else it is counted by parsing.
 */
export function batchFromJson(text: string, parse: (text: string) => LogEvent[], count?: number): EventBatch {
  return textBatch(text, undefined, parse, count);
}

/** Wraps the UTF-8 bytes of the JSON text of an array of events, as batchFromJson wraps text. */
export function batchFromUtf8(bytes: Buffer, parse: (text: string) => LogEvent[], count?: number): EventBatch {
  return textBatch(undefined, bytes, parse, count);
}

/** A batch given as text, bytes or both; each other form is made on its first use. */
function textBatch(
  text: string | undefined,
  bytes: Buffer | undefined,
  parse: (text: string) => LogEvent[],
  count: number | undefined,
): EventBatch {
  let events: LogEvent[] | undefined;
  const json = () => (text ??= bytes!.toString('utf8'));
  const parsed = () => (events ??= parse(json()));
  return { size: () => count ?? parsed().length, events: parsed, json, utf8: () => (bytes ??= Buffer.from(text!, 'utf8')) };
}

/** What EventStore.insert accepts: a plain array, or a batch. */
export type Insertable = LogEvent[] | EventBatch;

export function asBatch(events: Insertable): EventBatch {
  return Array.isArray(events) ? batchOf(events) : events;
}
