/**
 * Event normalisation: turns one raw event, as a client sent it, into a LogEvent — base columns
 * picked out, keys made column-safe, empty values dropped — or says in a sentence why the event
 * cannot be stored. Runs once per ingested event, so the walk allocates only what changes: a
 * nested object or array with nothing to clean is the client's own, shared, not copied.
 *
 * Decisions beyond CONTRACT.md:
 * - `event_message` takes the first of `message`, `event_message`, `log_entry` that is present
 *   and not null; a non-string value is stored as its JSON text (`42`, `true`, `{"a":1}`); with
 *   none of them, `event_message` is "". All three keys leave the body either way.
 * - `id`: a non-empty string is kept, a finite number becomes its decimal string; anything else
 *   gets a new id. `id` and `timestamp` never stay in the body, even when unusable.
 * - Two keys of one object that normalise to the same name ("a b", "a_b"): the later one wins,
 *   as with a repeated key in JSON.
 * - A top-level key that would name a base column (`ID`, `Timestamp`, `event-message`: column
 *   names are case-insensitive in BigQuery and DuckDB) gets a leading `_`, so no data is lost.
 * - Inside arrays, null elements are dropped, and so are elements that become `{}` or `[]`;
 *   `""` elements are kept (they are values of a string array, not missing fields).
 * - Numbers JSON cannot carry (a literal like 1e999 parses to Infinity) reject the event.
 * - NUL and other control characters in strings are kept as they are.
 * - A lone UTF-16 surrogate (JSON can carry one as `\ud800`) becomes U+FFFD: stored text is
 *   UTF-8, which cannot hold one, and DuckDB's and BigQuery's JSON readers refuse it.
 */
import { normaliseKey } from './keys.ts';
import type { JsonObject, JsonValue, LogEvent } from './model.ts';
import { parseTimestamp } from './timestamp.ts';

/** BigQuery allows at most 15 levels of nested RECORD; a top-level object field is level 1. */
export const MAX_RECORD_DEPTH = 15;

/** Past this depth the walk stops even for subtrees that would turn out empty: stack safety. */
const MAX_WALK_DEPTH = 64;

export interface NormaliseContext {
  /** Ingest time, milliseconds since the Unix epoch; the timestamp of events without one. */
  now: number;
  newId: () => string;
}

export type NormaliseResult = { ok: true; event: LogEvent } | { ok: false; reason: string };

type Problem = 'too_deep' | 'nested_array' | 'non_finite';

/** Why a value cannot be stored, with the path to it (collected innermost first). */
class Unstorable {
  readonly reversedPath: string[] = [];
  constructor(readonly problem: Problem) {}

  reason(): string {
    const path = this.reversedPath.reverse().join('.');
    switch (this.problem) {
      case 'too_deep':
        return `Field \`${path}\` is nested too deep: at most ${MAX_RECORD_DEPTH} levels of nested objects can be stored.`;
      case 'nested_array':
        return `Field \`${path}\` holds an array of arrays, which cannot be stored; wrap the inner arrays in objects.`;
      case 'non_finite':
        return `Field \`${path}\` holds a number too large to store.`;
    }
  }
}

/** Marks a value that is dropped (null, "", {}, []). */
const DROP = Symbol('drop');

type Normalised = JsonValue | typeof DROP | Unstorable;

export function normaliseEvent(raw: JsonValue, ctx: NormaliseContext): NormaliseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, reason: 'Event must be a JSON object.' };
  }
  const body: JsonObject = {};
  for (const key in raw) {
    if (isBaseKey(key)) continue;
    const value = normaliseValue(raw[key] as JsonValue, 0);
    if (value === DROP) continue;
    const name = topLevelName(normaliseKey(key));
    if (value instanceof Unstorable) {
      value.reversedPath.push(name);
      return { ok: false, reason: value.reason() };
    }
    setField(body, name, value);
  }
  const message = eventMessage(raw);
  if (message === null) return { ok: false, reason: 'The event message is nested too deep to store.' };
  return {
    ok: true,
    event: {
      id: eventId(raw.id, ctx),
      timestamp: parseTimestamp(raw.timestamp) ?? Math.round(ctx.now * 1000),
      event_message: message,
      body,
    },
  };
}

function isBaseKey(key: string): boolean {
  return key === 'message' || key === 'event_message' || key === 'log_entry' || key === 'id' || key === 'timestamp';
}

function topLevelName(name: string): string {
  const length = name.length;
  if (length !== 2 && length !== 9 && length !== 13) return name;
  const lower = name.toLowerCase();
  return lower === 'id' || lower === 'timestamp' || lower === 'event_message' ? '_' + name : name;
}

function eventId(value: JsonValue | undefined, ctx: NormaliseContext): string {
  if (typeof value === 'string' && value !== '') return wellFormed(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return ctx.newId();
}

/** The string with each lone surrogate replaced by U+FFFD; the same string when it has none. */
function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}

/** Null when the message is a value too deeply nested to write as JSON text. */
function eventMessage(raw: JsonObject): string | null {
  let value = raw.message;
  if (value === undefined || value === null) value = raw.event_message;
  if (value === undefined || value === null) value = raw.log_entry;
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return wellFormed(value);
  try {
    return JSON.stringify(value);
  } catch {
    return null;
  }
}

/** `depth`: how many objects enclose `value` below the event's top level. */
function normaliseValue(value: JsonValue | undefined, depth: number): Normalised {
  switch (typeof value) {
    case 'string':
      return value === '' ? DROP : wellFormed(value);
    case 'number':
      return Number.isFinite(value) ? value : new Unstorable('non_finite');
    case 'boolean':
      return value;
    case 'object':
      if (value === null) return DROP;
      return Array.isArray(value) ? normaliseArray(value, depth) : normaliseObject(value, depth + 1);
    default:
      return DROP;
  }
}

/**
 * An object whose keys are all column-safe and whose values all stay as they are (the usual
 * case) is returned as it is, not copied: the walk allocates only where something changes.
 */
function normaliseObject(object: JsonObject, depth: number): Normalised {
  if (depth > MAX_WALK_DEPTH) return new Unstorable('too_deep');
  /** The copy, begun at the first key or value that changes; null while nothing has. */
  let out: JsonObject | null = null;
  let unchanged = 0;
  let fields = 0;
  for (const key in object) {
    const raw = object[key];
    const value = normaliseValue(raw, depth);
    if (value instanceof Unstorable) {
      value.reversedPath.push(normaliseKey(key));
      return value;
    }
    const name = value === DROP ? key : normaliseKey(key);
    if (out === null) {
      if (value === raw && name === key) {
        unchanged++;
        continue;
      }
      out = copyFirst(object, unchanged);
      fields = unchanged;
    }
    if (value === DROP) continue;
    setField(out, name, value);
    fields++;
  }
  if (out === null ? unchanged === 0 : fields === 0) return DROP;
  return depth > MAX_RECORD_DEPTH ? new Unstorable('too_deep') : (out ?? object);
}

/** A new object with the first `count` fields of `object`. */
function copyFirst(object: JsonObject, count: number): JsonObject {
  const copy: JsonObject = {};
  if (count === 0) return copy;
  let copied = 0;
  for (const key in object) {
    setField(copy, key, object[key]!);
    if (++copied === count) break;
  }
  return copy;
}

/** Like normaliseObject, an array none of whose elements change is returned as it is. */
function normaliseArray(array: JsonValue[], depth: number): Normalised {
  let out: JsonValue[] | null = null;
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    const value = element === '' ? element : normaliseValue(element, depth);
    if (value instanceof Unstorable) return value;
    if (Array.isArray(value)) return new Unstorable('nested_array');
    if (out === null) {
      if (value === element) continue;
      out = array.slice(0, i);
    }
    if (value !== DROP) out.push(value);
  }
  const result = out ?? array;
  return result.length === 0 ? DROP : result;
}

/** Plain assignment of `__proto__` would set the object's prototype instead of a field. */
function setField(object: JsonObject, name: string, value: JsonValue): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[name] = value;
  }
}
