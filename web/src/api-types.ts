/**
 * The shapes of the public REST API as the dashboard reads them (see CONTRACT.md); the dashboard
 * knows the server only through these.
 */

export interface Account {
  id: string;
  name?: string;
  plan: string;
  limits: Record<string, number>;
}

export interface Source {
  id: string;
  token: string;
  name: string;
  rate_limit_per_second: number | null;
  retention_days: number | null;
  created_at: string;
}

/** `{ id, timestamp, event_message, ...fields }`, timestamp ISO 8601 UTC. */
export type ApiEvent = { id: string; timestamp: string; event_message: string } & Record<string, unknown>;

export interface EventPage {
  result: ApiEvent[];
  next_cursor: string | null;
}

export interface ChartPoint {
  timestamp: string;
  value: number | null;
}

export interface SchemaPath {
  path: string;
  type: 'STRING' | 'INTEGER' | 'FLOAT' | 'BOOLEAN' | 'TIMESTAMP' | 'RECORD';
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
}

export interface AccessToken {
  id: string;
  scopes: string[];
  source_id: string | null;
  description: string | null;
  created_at: string;
}

export interface Endpoint {
  id: string;
  name: string;
  query: string;
  language: 'sql' | 'lql';
  /** The id of the source an LQL endpoint searches; null for SQL. */
  source?: string | null;
  cache_duration_seconds?: number;
}

export interface UsageDay {
  date: string;
  events: number;
  bytes: number;
  query_bytes: number;
}

export interface BillingSummary {
  plan: string;
  period: { from: string; to: string };
  usage: { events: number; bytes: number; query_bytes: number };
  included_events: number;
  price_per_million_events: number;
  estimated_charge: number;
  currency: string;
}

export interface UsageReport {
  period: string;
  events: number;
  bytes: number;
  query_bytes: number;
  amount: number;
  final: boolean;
}

export type Row = Record<string, unknown>;
