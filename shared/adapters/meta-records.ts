/**
 * How the MetaStore adapters read back what they stored: one zod schema per record, shared by
 * the DuckDB and Firestore adapters so that both hand the domain exactly the same shapes.
 * Schemas and rejected events are stored as JSON text in both stores (Firestore cannot hold
 * nested arrays, and a text field costs one index entry instead of one per nested value).
 */
import { z } from 'zod';
import { SCOPES, type Account, type ApiKey, type Source, type SourcePatch } from '../accounts/model.ts';
import { conflict } from '../errors.ts';
import type { RejectedEvent, SchemaField, SourceSchema } from '../events/model.ts';
import type { UsageReport } from '../billing/model.ts';

/** DuckDB returns BIGINT columns as bigint; Firestore returns numbers. */
const integer = z.union([z.number().int(), z.bigint().transform(Number)]);

/** A JSON text column holding a value of `schema`. */
export function jsonText<T>(schema: z.ZodType<T>) {
  return z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.issues.push({ code: 'custom', message: 'Stored value is not valid JSON.', input: text });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const SchemaFieldRecord: z.ZodType<SchemaField> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.enum(['STRING', 'INTEGER', 'FLOAT', 'BOOLEAN', 'TIMESTAMP', 'RECORD']),
    mode: z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']),
    fields: z.array(SchemaFieldRecord).optional(),
  }),
);

export const SourceSchemaRecord: z.ZodType<SourceSchema> = z.array(SchemaFieldRecord);

export const AccountRecord: z.ZodType<Account> = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string(),
  created_at: z.string(),
});

export const StoredSource: z.ZodType<Source, unknown> = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  rate_limit_per_second: integer.nullable(),
  retention_days: integer.nullable(),
  schema: jsonText(SourceSchemaRecord),
  created_at: z.string(),
});

export const ApiKeyRecord: z.ZodType<ApiKey> = z.object({
  id: z.string(),
  account_id: z.string(),
  hash: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  source_id: z.string().nullable(),
  description: z.string().nullable(),
  created_at: z.string(),
});

export const StoredRejected: z.ZodType<RejectedEvent, unknown> = z.object({
  source_id: z.string(),
  reason: z.string(),
  event: jsonText(z.json()),
  rejected_at: z.string(),
});

export const UsageReportRecord: z.ZodType<UsageReport, unknown> = z.object({
  account_id: z.string(),
  period: z.string(),
  plan: z.string(),
  events: integer,
  bytes: integer,
  query_bytes: integer,
  amount: z.number(),
  final: z.boolean(),
  computed_at: z.string(),
  delivered_at: z.string().nullable(),
});

/** The stored form of a source: everything as is, but the schema as JSON text. */
export function sourceToStored(source: Source) {
  return { ...source, schema: JSON.stringify(source.schema) };
}

/** Parses one stored record, naming the store and record on failure (data corruption, not user error). */
export function parseStored<T>(schema: z.ZodType<T, unknown>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`Stored ${what} is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The source after `patch`; keys the patch leaves undefined keep their value. */
export function applySourcePatch(source: Source, patch: SourcePatch): Source {
  return {
    ...source,
    name: patch.name ?? source.name,
    rate_limit_per_second:
      patch.rate_limit_per_second === undefined ? source.rate_limit_per_second : patch.rate_limit_per_second,
    retention_days: patch.retention_days === undefined ? source.retention_days : patch.retention_days,
  };
}

export const nameTaken = (name: string) => conflict(`A source named "${name}" already exists.`);
export const sourceExists = (id: string) => conflict(`A source with id "${id}" already exists.`);
export const accountExists = (id: string) => conflict(`An account with id "${id}" already exists.`);
export const keyHashTaken = () => conflict('Another API key already has this hash.');
