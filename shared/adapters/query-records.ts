/**
 * How the MetaStore adapters read back stored endpoints and source rules: one zod schema per
 * record, shared by the DuckDB and Firestore adapters, and the conflicts both report alike.
 */
import { z } from 'zod';
import { ENDPOINT_LANGUAGES, type Endpoint, type EndpointPatch } from '../endpoints/model.ts';
import { conflict } from '../errors.ts';
import type { SourceRule } from '../rules/model.ts';

/** DuckDB returns BIGINT columns as bigint; Firestore returns numbers. */
const integer = z.union([z.number().int(), z.bigint().transform(Number)]);

export const EndpointRecord: z.ZodType<Endpoint, unknown> = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  query: z.string(),
  language: z.enum(ENDPOINT_LANGUAGES),
  source_id: z.string().nullable(),
  cache_duration_seconds: integer,
  created_at: z.string(),
  updated_at: z.string(),
});

export const RuleRecord: z.ZodType<SourceRule> = z.object({
  id: z.string(),
  account_id: z.string(),
  source_id: z.string(),
  sink_id: z.string(),
  lql_string: z.string(),
  created_at: z.string(),
});

/** The endpoint after `patch`; keys the patch leaves undefined keep their value. */
export function applyEndpointPatch(endpoint: Endpoint, patch: EndpointPatch): Endpoint {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  return { ...endpoint, ...defined };
}

export const endpointNameTaken = (name: string) => conflict(`An endpoint named "${name}" already exists.`);
export const endpointExists = (id: string) => conflict(`An endpoint with id "${id}" already exists.`);
export const ruleExists = (id: string) => conflict(`A rule with id "${id}" already exists.`);
