/**
 * Source schemas: inferring the typed shape of an event body, merging it into a source's
 * schema (which only grows), and listing a schema's paths. Pure functions in BigQuery's
 * vocabulary; the ingest-time check of an event against a schema is in schema-check.ts.
 *
 * Column names are case-insensitive in BigQuery and DuckDB, so a field whose name differs from
 * another's only in letter case (`Level` next to `level`) is a conflict, never a new column.
 */
import { badRequest } from '../errors.ts';
import type { FieldMode, FieldType, JsonObject, JsonValue, SchemaField, SourceSchema } from './model.ts';

/** The reason an event is rejected when a field's value does not fit the field's type. */
export function typeErrorMessage(path: string): string {
  return `Type error! Field \`${path}\` has an unexpected type.`;
}

/** The reason an event is rejected when a field name clashes with another by letter case. */
export function caseClashMessage(path: string, otherPath: string): string {
  return `Field \`${path}\` differs from field \`${otherPath}\` only in letter case; column names are case-insensitive.`;
}

/** A schema conflict: where, and (for a letter-case clash) the name it clashes with. */
export class SchemaConflict {
  constructor(
    public path: string,
    public otherPath?: string,
  ) {}

  /** Adds the name of the enclosing record in front of both paths. */
  within(name: string): this {
    this.path = `${name}.${this.path}`;
    if (this.otherPath !== undefined) this.otherPath = `${name}.${this.otherPath}`;
    return this;
  }

  reason(): string {
    return this.otherPath === undefined ? typeErrorMessage(this.path) : caseClashMessage(this.path, this.otherPath);
  }
}

/** INTEGER columns are INT64: an integral double outside that range must be a FLOAT. */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -9_223_372_036_854_775_808 && value < 9_223_372_036_854_775_808;
}

/**
 * The schema of one event body. Values that carry no type (null, `{}`, `[]`) add no field.
 * Throws a 400 KindlingError when the body cannot be typed: mixed element types in an array
 * (integers mixed with floats are FLOAT), an array of arrays, or names clashing by letter case.
 */
export function inferSchema(body: JsonObject): SourceSchema {
  const inferred = inferFields(body);
  if (inferred instanceof SchemaConflict) throw badRequest(inferred.reason(), { path: inferred.path });
  return inferred;
}

/** As inferSchema, with the conflict returned instead of thrown. */
export function inferFields(object: JsonObject): SchemaField[] | SchemaConflict {
  const fields: SchemaField[] = [];
  let seen: Map<string, string> | null = null;
  for (const name in object) {
    const field = inferField(name, object[name]);
    if (field === null) continue;
    if (field instanceof SchemaConflict) return field;
    seen ??= new Map();
    const lower = name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) return new SchemaConflict(name, other);
    seen.set(lower, name);
    fields.push(field);
  }
  return fields;
}

/** Null when the value carries no type. A conflict's path starts with `name`. */
function inferField(name: string, value: JsonValue | undefined): SchemaField | SchemaConflict | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) return inferElement(name, value, 'NULLABLE');
  let merged: SchemaField | null = null;
  for (const element of value) {
    if (element === null) continue;
    if (Array.isArray(element)) return new SchemaConflict(name);
    const field = inferElement(name, element, 'REPEATED');
    if (field === null) continue;
    if (field instanceof SchemaConflict) return field;
    if (merged === null) {
      merged = field;
      continue;
    }
    const conflicts: SchemaConflict[] = [];
    merged = mergeField(merged, field, true, conflicts);
    if (conflicts[0] !== undefined) return conflicts[0];
  }
  return merged;
}

function inferElement(name: string, value: JsonValue, mode: FieldMode): SchemaField | SchemaConflict | null {
  switch (typeof value) {
    case 'string':
      return { name, type: 'STRING', mode };
    case 'boolean':
      return { name, type: 'BOOLEAN', mode };
    case 'number':
      return { name, type: isInt64(value) ? 'INTEGER' : 'FLOAT', mode };
    default: {
      const fields = inferFields(value as JsonObject);
      if (fields instanceof SchemaConflict) return fields.within(name);
      return fields.length === 0 ? null : { name, type: 'RECORD', mode, fields };
    }
  }
}

/**
 * Merges an incoming schema (usually inferred from an event) into a source's schema: new
 * fields are appended in incoming order, records merge recursively, INTEGER into FLOAT is
 * fine. Any other type or mode difference is a conflict (reported as a dotted path) and the
 * existing field stays. Inputs are not modified; unchanged parts are shared, and when nothing
 * is added the result is `existing` itself.
 */
export function mergeSchema(
  existing: SourceSchema,
  incoming: SourceSchema,
): { schema: SourceSchema; added: boolean; conflicts: string[] } {
  const found: SchemaConflict[] = [];
  const schema = mergeFields(existing, incoming, false, found);
  return { schema, added: schema !== existing, conflicts: found.map((conflict) => conflict.path) };
}

/** `widen`: INTEGER and FLOAT unify to FLOAT both ways (elements of one array). */
function mergeFields(
  existing: SchemaField[],
  incoming: SchemaField[],
  widen: boolean,
  conflicts: SchemaConflict[],
): SchemaField[] {
  let result: SchemaField[] | null = null;
  const positions = new Map<string, number>();
  const lowerNames = new Map<string, string>();
  existing.forEach((field, position) => {
    positions.set(field.name, position);
    lowerNames.set(field.name.toLowerCase(), field.name);
  });
  for (const field of incoming) {
    const position = positions.get(field.name);
    if (position === undefined) {
      const lower = field.name.toLowerCase();
      const other = lowerNames.get(lower);
      if (other !== undefined) {
        conflicts.push(new SchemaConflict(field.name, other));
        continue;
      }
      result ??= existing.slice();
      positions.set(field.name, result.length);
      lowerNames.set(lower, field.name);
      result.push(field);
      continue;
    }
    const current = (result ?? existing)[position] as SchemaField;
    const merged = mergeField(current, field, widen, conflicts);
    if (merged !== current) {
      result ??= existing.slice();
      result[position] = merged;
    }
  }
  return result ?? existing;
}

function mergeField(
  existing: SchemaField,
  incoming: SchemaField,
  widen: boolean,
  conflicts: SchemaConflict[],
): SchemaField {
  if (existing.mode !== incoming.mode) {
    conflicts.push(new SchemaConflict(existing.name));
    return existing;
  }
  if (existing.type === incoming.type) {
    if (existing.type !== 'RECORD') return existing;
    const inner: SchemaConflict[] = [];
    const base = existing.fields ?? [];
    const fields = mergeFields(base, incoming.fields ?? [], widen, inner);
    for (const conflict of inner) conflicts.push(conflict.within(existing.name));
    return fields === base ? existing : { ...existing, fields };
  }
  if (existing.type === 'FLOAT' && incoming.type === 'INTEGER') return existing;
  if (widen && existing.type === 'INTEGER' && incoming.type === 'FLOAT') return { ...existing, type: 'FLOAT' };
  conflicts.push(new SchemaConflict(existing.name));
  return existing;
}

/** One path of a schema, as LQL and the schema API name it. */
export interface SchemaPath {
  path: string;
  type: FieldType;
  mode: FieldMode;
}

/** Every field of a schema, records before their fields, in schema order. */
export function flattenSchema(schema: SourceSchema): SchemaPath[] {
  const paths: SchemaPath[] = [];
  const visit = (fields: SchemaField[], prefix: string): void => {
    for (const field of fields) {
      const path = prefix + field.name;
      paths.push({ path, type: field.type, mode: field.mode });
      if (field.fields !== undefined) visit(field.fields, `${path}.`);
    }
  };
  visit(schema, '');
  return paths;
}
