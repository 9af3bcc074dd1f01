/**
 * The endpoints' result cache, in this instance's memory: results keyed by endpoint version
 * (id and update time, so an edit starts afresh), the caller's source restriction and the
 * parameter values the query uses, each kept for its endpoint's cache_duration_seconds. At
 * most MAX_ENTRIES results are kept; the oldest goes first.
 */
import type { Clock } from '../ports.ts';
import type { Endpoint } from './model.ts';

const MAX_ENTRIES = 500;

interface Entry {
  value: unknown;
  expiresAt: number;
}

export class EndpointCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  static key(endpoint: Endpoint, scope: string | null, params: Record<string, string>): string {
    const values = Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return JSON.stringify([endpoint.id, endpoint.updated_at, scope, values]);
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.clock.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: unknown, seconds: number): void {
    if (seconds <= 0) return;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.clock.now() + seconds * 1000 });
  }
}
