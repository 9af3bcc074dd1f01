/**
 * The events context's public face: the event model, normalisation of raw events into
 * LogEvents, and the source schema (inference, merge, ingest-time check, flattened paths).
 * Other contexts import from here, not from the files behind it.
 */
export { BASE_COLUMNS } from './model.ts';
export type {
  FieldMode,
  FieldType,
  JsonObject,
  JsonValue,
  LogEvent,
  RejectedEvent,
  SchemaField,
  SourceSchema,
} from './model.ts';
export { MAX_COLUMN_NAME_LENGTH, normaliseKey } from './keys.ts';
export { parseTimestamp } from './timestamp.ts';
export { MAX_RECORD_DEPTH, normaliseEvent } from './normalise.ts';
export type { NormaliseContext, NormaliseResult } from './normalise.ts';
export { caseClashMessage, flattenSchema, inferSchema, mergeSchema, typeErrorMessage } from './schema.ts';
export type { SchemaPath } from './schema.ts';
export { checkEvent } from './schema-check.ts';
export type { SchemaCheck } from './schema-check.ts';
