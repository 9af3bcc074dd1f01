/**
 * Endpoints: saved queries with a name, run over HTTP with `@param` values. A SQL endpoint reads
 * the account's sources by name (through the SQL sandbox); an LQL endpoint searches one source,
 * named by `source_id`. Results are cached per endpoint and parameter values for
 * `cache_duration_seconds` (0: never cached).
 */

export const ENDPOINT_LANGUAGES = ['sql', 'lql'] as const;
export type EndpointLanguage = (typeof ENDPOINT_LANGUAGES)[number];

export interface Endpoint {
  id: string;
  account_id: string;
  /** Unique within the account. */
  name: string;
  query: string;
  language: EndpointLanguage;
  /** The source an LQL endpoint searches; null for SQL endpoints. */
  source_id: string | null;
  cache_duration_seconds: number;
  created_at: string;
  updated_at: string;
}

export type EndpointPatch = Partial<
  Pick<Endpoint, 'name' | 'query' | 'language' | 'source_id' | 'cache_duration_seconds' | 'updated_at'>
>;

/** Logflare's default: an endpoint's results are reused for an hour unless it says otherwise. */
export const DEFAULT_CACHE_SECONDS = 3600;
export const MAX_CACHE_SECONDS = 86_400;
