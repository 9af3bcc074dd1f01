/**
 * A batch of accepted events on its way to the EventStore, held both ways a store may want it:
 * as objects, or as the JSON text of an array of them. The sink receives the text; a store that
 * parses JSON natively (DuckDB) takes it as is and the objects are never built, while a store
 * that needs objects (BigQuery rows) parses once, on first use.
 */
import type { LogEvent } from './model.ts';

export interface EventBatch {
  /** How many events the batch holds (known without parsing when the text came with a count). */
  size(): number;
  /** The events as objects; parsed (and checked) on the first call, if given as text. */
  events(): LogEvent[];
  /** The events as the JSON text of an array; serialised on the first call, if given as objects. */
  json(): string;
}

/** Wraps events already in memory. */
export function batchOf(events: LogEvent[]): EventBatch {
  let text: string | undefined;
  return { size: () => events.length, events: () => events, json: () => (text ??= JSON.stringify(events)) };
}

/**
 * Wraps the JSON text of an array of events; `parse` turns it into checked objects when asked.
 * `count` is how many events the text holds, if known; else it is counted by parsing.
 */
export function batchFromJson(text: string, parse: (text: string) => LogEvent[], count?: number): EventBatch {
  let events: LogEvent[] | undefined;
  const parsed = () => (events ??= parse(text));
  return { size: () => count ?? parsed().length, events: parsed, json: () => text };
}

/** What EventStore.insert accepts: a plain array, or a batch. */
export type Insertable = LogEvent[] | EventBatch;

export function asBatch(events: Insertable): EventBatch {
  return Array.isArray(events) ? batchOf(events) : events;
}
