/** The HTTP bodies of endpoint management, validated at the edge. */
import { z } from 'zod';
import { MAX_SQL_LENGTH } from '../sql/index.ts';
import { ENDPOINT_LANGUAGES, MAX_CACHE_SECONDS } from './model.ts';

const Name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const NewEndpointBody = z.object({
  name: Name,
  query: z.string().trim().min(1, 'must not be empty').max(MAX_SQL_LENGTH),
  language: z.enum(ENDPOINT_LANGUAGES).default('sql'),
  /** LQL endpoints: the source (id or name) the query searches. */
  source: z.string().min(1).nullable().optional(),
  cache_duration_seconds: z.number().int().min(0).max(MAX_CACHE_SECONDS).optional(),
});

export const EndpointPatchBody = NewEndpointBody.partial().extend({ language: z.enum(ENDPOINT_LANGUAGES).optional() });

export type NewEndpoint = z.infer<typeof NewEndpointBody>;
export type EndpointChanges = z.infer<typeof EndpointPatchBody>;

/** Parameter values from a query string or a flat JSON object: strings, numbers and booleans. */
export const ParamsBody = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));
