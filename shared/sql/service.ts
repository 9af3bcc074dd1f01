/**
 * Running an account's SQL: the account's sources are its tables (by name: exact, else the one
 * source whose name matches ignoring case), the sandbox turns the query into SQL over their
 * relations, the store runs it within the limits, and the bytes it scanned are metered as the
 * account's query bytes. Another account's sources are simply unknown tables.
 */
import type { Source } from '../accounts/model.ts';
import { badRequest } from '../errors.ts';
import type { JsonObject } from '../events/model.ts';
import type { EventStore, MetaStore, SqlLimits } from '../ports.ts';
import { sandboxSql } from './sandbox.ts';

export interface QueryMeter {
  meterQueryBytes(accountId: string, bytes: number): void;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = { maxBytes: 10_000_000_000, maxRows: 10_000, timeoutMs: 30_000 };

export interface SqlRunOptions {
  /** Values for the query's @parameters. */
  params?: Record<string, string>;
  /** When set, the only source the caller may read (a source-bound access token). */
  onlySourceId?: string | null;
}

export class SqlService {
  constructor(
    private readonly deps: { meta: MetaStore; events: EventStore; meter: QueryMeter; limits?: SqlLimits },
  ) {}

  async run(accountId: string, sql: string, options: SqlRunOptions = {}): Promise<JsonObject[]> {
    const { meta, events, meter } = this.deps;
    const all = await meta.listSources(accountId);
    const visible = options.onlySourceId ? all.filter((source) => source.id === options.onlySourceId) : all;
    const read = new Map<string, Source>();
    const sandboxed = sandboxSql(sql, {
      dialect: events.dialect,
      relation: (name) => {
        const source = byName(visible, name);
        if (!source) return null;
        read.set(name, source);
        return events.relationSql({ accountId, sourceId: source.id }, source.schema);
      },
    });
    const given = options.params ?? {};
    const missing = sandboxed.params.filter((name) => given[name] === undefined);
    if (missing.length > 0) {
      throw badRequest(`No value for the query parameter${missing.length > 1 ? 's' : ''} ${missing.map((n) => `@${n}`).join(', ')}.`);
    }
    const params = Object.fromEntries(sandboxed.params.map((name) => [name, given[name]!]));
    const sources = [...read].map(([name, source]) => ({ ref: { accountId, sourceId: source.id }, name }));
    const result = await events.runQuery({ sql: sandboxed.sql, params, sources }, this.deps.limits ?? DEFAULT_SQL_LIMITS);
    meter.meterQueryBytes(accountId, result.bytesScanned);
    return result.rows;
  }

  /** Checks `sql` against the account's sources without running it; returns its @parameters. */
  async check(accountId: string, sql: string): Promise<string[]> {
    const sources = await this.deps.meta.listSources(accountId);
    const relation = (name: string) => (byName(sources, name) ? 'SELECT 1' : null);
    return sandboxSql(sql, { dialect: this.deps.events.dialect, relation }).params;
  }
}

function byName<T extends { name: string }>(sources: T[], name: string): T | undefined {
  const exact = sources.find((source) => source.name === name);
  if (exact) return exact;
  const folded = sources.filter((source) => source.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}
