/**
 * The ingest-time schema check: does a normalised event body fit its source's schema, need new
 * fields, or conflict with it? It runs for every event, so the common case (the event fits)
 * walks the body once against name indexes cached per schema and allocates nothing.
 */
import type { JsonObject, JsonValue, SchemaField, SourceSchema } from './model.ts';
import { SchemaConflict, inferFields, isInt64 } from './schema.ts';

export type SchemaCheck =
  | { status: 'fits' }
  /** `inferred` is the schema of the whole body, ready for mergeSchema (which adds no conflict). */
  | { status: 'extends'; inferred: SourceSchema }
  /** `reason` is the sentence to reject the event with. */
  | { status: 'conflict'; path: string; reason: string };

const FITS_RESULT: SchemaCheck = Object.freeze({ status: 'fits' });

const FITS = 0;
const EXTENDS = 1;
/** The value does not fit the field it was checked against. */
const MISMATCH = 2;
type Outcome = typeof FITS | typeof EXTENDS | typeof MISMATCH | SchemaConflict;

const NO_FIELDS: readonly SchemaField[] = Object.freeze([]);

interface FieldIndex {
  exact: Map<string, SchemaField>;
  /** Lower-cased name → name; built on the first miss only. */
  byLowerCase: Map<string, string> | null;
}

/** Schemas are never mutated (mergeSchema builds new arrays), so indexes stay valid. */
const indexes = new WeakMap<readonly SchemaField[], FieldIndex>();

/**
 * Checks a body produced by normaliseEvent against a source schema. Integers fit FLOAT fields;
 * a field whose name differs from a schema field's only in letter case is a conflict.
 */
export function checkEvent(schema: SourceSchema, body: JsonObject): SchemaCheck {
  const outcome = checkRecord(schema, body);
  if (outcome === FITS) return FITS_RESULT;
  if (outcome instanceof SchemaConflict) return conflictResult(outcome);
  // New fields may hold conflicts of their own (e.g. [1, "a"]); inference finds them.
  const inferred = inferFields(body);
  if (inferred instanceof SchemaConflict) return conflictResult(inferred);
  return { status: 'extends', inferred };
}

function conflictResult(conflict: SchemaConflict): SchemaCheck {
  return { status: 'conflict', path: conflict.path, reason: conflict.reason() };
}

function indexOf(fields: readonly SchemaField[]): FieldIndex {
  let index = indexes.get(fields);
  if (index === undefined) {
    const exact = new Map<string, SchemaField>();
    for (const field of fields) exact.set(field.name, field);
    index = { exact, byLowerCase: null };
    indexes.set(fields, index);
  }
  return index;
}

function sameNameIgnoringCase(index: FieldIndex, name: string): string | undefined {
  if (index.byLowerCase === null) {
    index.byLowerCase = new Map();
    for (const known of index.exact.keys()) index.byLowerCase.set(known.toLowerCase(), known);
  }
  return index.byLowerCase.get(name.toLowerCase());
}

/** Keeps scanning after a new field: a later field may still conflict. */
function checkRecord(fields: readonly SchemaField[], object: JsonObject): Outcome {
  const index = indexOf(fields);
  let outcome: Outcome = FITS;
  for (const name in object) {
    const value = object[name];
    if (value === null || value === undefined) continue;
    const field = index.exact.get(name);
    if (field === undefined) {
      const other = sameNameIgnoringCase(index, name);
      if (other !== undefined) return new SchemaConflict(name, other);
      outcome = EXTENDS;
      continue;
    }
    const result = checkValue(field, value);
    if (result === FITS) continue;
    if (result === EXTENDS) outcome = EXTENDS;
    else if (result === MISMATCH) return new SchemaConflict(name);
    else return result.within(name);
  }
  return outcome;
}

function checkValue(field: SchemaField, value: JsonValue): Outcome {
  if (!Array.isArray(value)) {
    return field.mode === 'REPEATED' || value === null ? MISMATCH : checkElement(field, value);
  }
  if (field.mode !== 'REPEATED') return MISMATCH;
  let outcome: Outcome = FITS;
  for (const element of value) {
    if (element === null) continue;
    if (Array.isArray(element)) return MISMATCH;
    const result = checkElement(field, element);
    if (result === FITS) continue;
    if (result !== EXTENDS) return result;
    outcome = EXTENDS;
  }
  return outcome;
}

function checkElement(field: SchemaField, value: string | number | boolean | JsonObject): Outcome {
  switch (typeof value) {
    case 'string':
      return field.type === 'STRING' ? FITS : MISMATCH;
    case 'number':
      return field.type === 'FLOAT' || (field.type === 'INTEGER' && isInt64(value)) ? FITS : MISMATCH;
    case 'boolean':
      return field.type === 'BOOLEAN' ? FITS : MISMATCH;
    default:
      return field.type === 'RECORD' ? checkRecord(field.fields ?? NO_FIELDS, value) : MISMATCH;
  }
}
