/**
 * Accounts, sources and API keys as the MetaStore keeps them. Dates are ISO 8601 UTC strings so
 * that the same record round-trips through Firestore and DuckDB unchanged.
 */
import type { SourceSchema } from '../events/model.ts';

export interface Account {
  id: string;
  name: string;
  /** A plan name from the configured plans (see shared/billing once it exists). */
  plan: string;
  created_at: string;
}

export interface Source {
  id: string;
  account_id: string;
  /** Unique within the account. */
  name: string;
  rate_limit_per_second: number | null;
  retention_days: number | null;
  /** The inferred schema of the events' fields beyond id, timestamp and event_message. */
  schema: SourceSchema;
  created_at: string;
}

export type SourcePatch = Partial<Pick<Source, 'name' | 'rate_limit_per_second' | 'retention_days'>>;

export const SCOPES = ['ingest', 'query', 'private'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * An API key or access token. The secret itself is never stored: `hash` is its SHA-256 (hex),
 * which is also how a presented key is looked up.
 */
export interface ApiKey {
  id: string;
  account_id: string;
  hash: string;
  scopes: Scope[];
  /** When set, the key acts on this one source only. */
  source_id: string | null;
  description: string | null;
  created_at: string;
}
