/**
 * OTLP attribute values (AnyValue, KeyValue lists) as plain JSON values, in the spelling
 * OTLP/JSON uses and decodeLogsRequest also produces (`stringValue`, `intValue`, `kvlistValue`
 * ...). A value that is not an AnyValue makes the whole request malformed (400), as OTLP/HTTP
 * asks of data that cannot be decoded.
 *
 * Decisions beyond CONTRACT.md:
 * - `intValue` becomes a number when it is a safe integer (|n| < 2^53), else its decimal text,
 *   so large ids are never silently rounded.
 * - `doubleValue` NaN and ±Infinity have no JSON form and are dropped, like an empty value.
 * - `bytesValue` is kept as its base64 text.
 * - An empty AnyValue is null (dropped by normalisation); for a repeated key the last one wins;
 *   a KeyValue with an empty key is skipped.
 */
import { badRequest } from '../../errors.ts';
import type { JsonObject, JsonValue } from '../../events/model.ts';
import { MAX_NESTING_DEPTH } from '../body.ts';

/** The attributes of a KeyValue list as an object (null when there are none). */
export function attributesObject(list: unknown, path: string, depth = 0): JsonObject | null {
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list)) throw badRequest(`${path} must be a list of KeyValue.`);
  if (depth > MAX_NESTING_DEPTH) throw tooDeep(path);
  const object: JsonObject = {};
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    if (!isRecord(entry) || (entry.key != null && typeof entry.key !== 'string')) {
      throw badRequest(`${path}[${i}] must be a KeyValue with a string key.`);
    }
    // An empty key (omitted on the wire, being proto3's default) names no field: skipped.
    if (typeof entry.key !== 'string' || entry.key === '') continue;
    const value = anyValue(entry.value, `${path}[${i}].value`, depth + 1);
    // defineProperty: a key named __proto__ is data, not the object's prototype.
    Object.defineProperty(object, entry.key, { value, enumerable: true, writable: true, configurable: true });
  }
  return Object.keys(object).length > 0 ? object : null;
}

export function anyValue(value: unknown, path: string, depth = 0): JsonValue {
  if (value === undefined || value === null) return null;
  if (!isRecord(value)) throw badRequest(`${path} must be an AnyValue object.`);
  if (depth > MAX_NESTING_DEPTH) throw tooDeep(path);
  if (value.stringValue != null) return typed(value.stringValue, 'string', `${path}.stringValue`);
  if (value.boolValue != null) return typed(value.boolValue, 'boolean', `${path}.boolValue`);
  if (value.intValue != null) return intValue(value.intValue, `${path}.intValue`);
  if (value.doubleValue != null) return doubleValue(value.doubleValue, `${path}.doubleValue`);
  if (value.bytesValue != null) return typed(value.bytesValue, 'string', `${path}.bytesValue`);
  if (value.arrayValue != null) return arrayValue(value.arrayValue, `${path}.arrayValue`, depth);
  if (value.kvlistValue != null) {
    const kvlist = value.kvlistValue;
    if (!isRecord(kvlist)) throw badRequest(`${path}.kvlistValue must be an object.`);
    return attributesObject(kvlist.values, `${path}.kvlistValue.values`, depth + 1) ?? null;
  }
  return null;
}

function arrayValue(array: unknown, path: string, depth: number): JsonValue {
  if (!isRecord(array)) throw badRequest(`${path} must be an object.`);
  const values = array.values;
  if (values === undefined || values === null) return null;
  if (!Array.isArray(values)) throw badRequest(`${path}.values must be a list of AnyValue.`);
  return values.map((element, i) => anyValue(element, `${path}.values[${i}]`, depth + 1));
}

function typed(value: unknown, type: 'string' | 'boolean', path: string): JsonValue {
  if (typeof value !== type) throw badRequest(`${path} must be a ${type}.`);
  return value as string | boolean;
}

function intValue(value: unknown, path: string): JsonValue {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value;
  }
  throw badRequest(`${path} must be an integer (a number or a decimal string).`);
}

function doubleValue(value: unknown, path: string): JsonValue {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string' && DOUBLE_TEXT.test(value)) number = Number(value);
  else throw badRequest(`${path} must be a number.`);
  return Number.isFinite(number) ? number : null;
}

/** The proto3 JSON spellings of a double: a number literal, or NaN and ±Infinity as text. */
const DOUBLE_TEXT = /^(?:NaN|-?Infinity|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/;

function tooDeep(path: string): Error {
  return badRequest(`${path} is nested too deep: at most ${MAX_NESTING_DEPTH} levels are accepted.`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
