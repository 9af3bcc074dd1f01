/**
 * Endpoints: creating, changing and running saved queries. A query is checked when it is saved
 * (SQL through the sandbox against the account's sources; LQL against its source's schema when
 * it has no parameters), and run with the caller's `@param` values bound as values, through the
 * result cache.
 */
import type { SourceDirectory } from '../accounts/sources.ts';
import { isUuid } from '../accounts/sources.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { isoFromMicros, presentEvent } from '../events/present.ts';
import type { JsonObject, JsonValue } from '../events/model.ts';
import { bindQuery, chartWindow, parseLql, timeBounds, type BoundQuery } from '../lql/index.ts';
import type { Clock, EventStore, Ids, MetaStore } from '../ports.ts';
import type { SqlService } from '../sql/index.ts';
import type { EndpointChanges, NewEndpoint } from './bodies.ts';
import { EndpointCache } from './cache.ts';
import { bindLqlParameters, lqlParameters } from './lql-params.ts';
import { DEFAULT_CACHE_SECONDS, type Endpoint } from './model.ts';

/** An LQL endpoint answers at most this many events, newest first. */
export const LQL_RESULT_LIMIT = 1000;
/** Without a `t:` clause, an LQL endpoint searches the last 7 days, as the events API does. */
const DEFAULT_RANGE_MICROS = 7 * 24 * 3600 * 1_000_000;

export interface EndpointDeps {
  meta: MetaStore;
  events: EventStore;
  sources: SourceDirectory;
  sql: SqlService;
  clock: Clock;
  ids: Ids;
}

export class EndpointService {
  private readonly cache: EndpointCache;

  constructor(private readonly deps: EndpointDeps) {
    this.cache = new EndpointCache(deps.clock);
  }

  async create(accountId: string, input: NewEndpoint): Promise<Endpoint> {
    const now = new Date(this.deps.clock.now()).toISOString();
    const endpoint: Endpoint = {
      id: this.deps.ids.uuid(),
      account_id: accountId,
      name: input.name,
      query: input.query,
      language: input.language,
      source_id: await this.sourceOf(accountId, input.language, input.source),
      cache_duration_seconds: input.cache_duration_seconds ?? DEFAULT_CACHE_SECONDS,
      created_at: now,
      updated_at: now,
    };
    await this.check(endpoint);
    await this.deps.meta.endpoints.create(endpoint);
    return endpoint;
  }

  list(accountId: string): Promise<Endpoint[]> {
    return this.deps.meta.endpoints.list(accountId);
  }

  /** By id, or by name when no endpoint has that id; 404 when neither matches. */
  async get(accountId: string, idOrName: string): Promise<Endpoint> {
    const byId = isUuid(idOrName) ? await this.deps.meta.endpoints.get(accountId, idOrName) : null;
    const endpoint = byId ?? (await this.deps.meta.endpoints.findByName(accountId, idOrName));
    if (!endpoint) throw notFound('Endpoint');
    return endpoint;
  }

  async update(accountId: string, idOrName: string, changes: EndpointChanges): Promise<Endpoint> {
    if (Object.values(changes).every((value) => value === undefined)) {
      throw badRequest('Nothing to change: give name, query, language, source or cache_duration_seconds.');
    }
    const current = await this.get(accountId, idOrName);
    const language = changes.language ?? current.language;
    const source = changes.source !== undefined ? changes.source : language === current.language ? current.source_id : undefined;
    const next: Endpoint = {
      ...current,
      name: changes.name ?? current.name,
      query: changes.query ?? current.query,
      language,
      source_id: await this.sourceOf(accountId, language, source),
      cache_duration_seconds: changes.cache_duration_seconds ?? current.cache_duration_seconds,
      updated_at: new Date(this.deps.clock.now()).toISOString(),
    };
    await this.check(next);
    const { name, query, source_id, cache_duration_seconds, updated_at } = next;
    const stored = await this.deps.meta.endpoints.update(accountId, current.id, {
      name, query, language, source_id, cache_duration_seconds, updated_at,
    });
    if (!stored) throw notFound('Endpoint');
    return stored;
  }

  async delete(accountId: string, idOrName: string): Promise<void> {
    const endpoint = await this.get(accountId, idOrName);
    if (!(await this.deps.meta.endpoints.delete(accountId, endpoint.id))) throw notFound('Endpoint');
  }

  /**
   * The endpoint's result for these parameter values (values it does not use are ignored).
   * `onlySourceId`: the caller's key is limited to that source.
   */
  async run(accountId: string, idOrName: string, values: Record<string, string>, onlySourceId: string | null): Promise<JsonValue[]> {
    const endpoint = await this.get(accountId, idOrName);
    const used = endpoint.language === 'sql' ? await this.deps.sql.check(accountId, endpoint.query) : lqlParameters(endpoint.query);
    const params: Record<string, string> = {};
    for (const name of used) {
      const value = values[name];
      if (value === undefined) throw badRequest(`No value for the query parameter @${name}.`);
      params[name] = value;
    }
    const key = EndpointCache.key(endpoint, onlySourceId, params);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached as JsonValue[];
    const result =
      endpoint.language === 'sql'
        ? await this.deps.sql.run(accountId, endpoint.query, { params, onlySourceId })
        : await this.runLql(endpoint, params, onlySourceId);
    this.cache.set(key, result, endpoint.cache_duration_seconds);
    return result;
  }

  private async runLql(endpoint: Endpoint, params: Record<string, string>, onlySourceId: string | null): Promise<JsonValue[]> {
    const { events, sources, clock } = this.deps;
    const source = await sources.byId(endpoint.account_id, endpoint.source_id!);
    if (onlySourceId !== null && onlySourceId !== source.id) throw forbidden('This key is limited to another source.');
    const query = bindQuery(parseLql(bindLqlParameters(endpoint.query, params), { now: clock.now() }), source.schema);
    const ref = { accountId: source.account_id, sourceId: source.id };
    if (query.chart) {
      const points = await events.chart(ref, query, chartWindow(query));
      return points.map((point) => ({ timestamp: isoFromMicros(point.timestamp), value: point.value }));
    }
    const { from, to } = timeBounds(query);
    const found = await events.listEvents(ref, source.schema, {
      limit: LQL_RESULT_LIMIT,
      from: from ?? to - DEFAULT_RANGE_MICROS,
      to,
      filter: query,
    });
    return found.map((event) => selected(query, presentEvent(event)));
  }

  /** The source id an endpoint of `language` keeps: an LQL endpoint's must exist, SQL has none. */
  private async sourceOf(accountId: string, language: Endpoint['language'], source: string | null | undefined): Promise<string | null> {
    if (language === 'sql') {
      if (source) throw badRequest('A SQL endpoint names its sources in its query; `source` is for LQL endpoints.');
      return null;
    }
    if (!source) throw badRequest('An LQL endpoint needs `source`: the id or name of the source it searches.');
    return (await this.deps.sources.resolve(accountId, source)).id;
  }

  /** Refuses (400) a query that cannot run: SQL the sandbox refuses, LQL its source cannot bind. */
  private async check(endpoint: Endpoint): Promise<void> {
    if (endpoint.language === 'sql') {
      await this.deps.sql.check(endpoint.account_id, endpoint.query);
      return;
    }
    // With parameters, what the query means depends on their values: it is checked when run.
    if (lqlParameters(endpoint.query).length > 0) return;
    const source = await this.deps.sources.byId(endpoint.account_id, endpoint.source_id!);
    bindQuery(parseLql(endpoint.query, { now: this.deps.clock.now() }), source.schema);
  }
}

/** The event as `s:` clauses select it (all of it without them, or for `s:*`). */
function selected(query: BoundQuery, event: JsonObject): JsonObject {
  if (query.selects.length === 0 || query.selects.some((select) => select.wildcard)) return event;
  const out: JsonObject = {};
  for (const select of query.selects) {
    if (select.wildcard) continue;
    let value: JsonValue | undefined = event;
    for (const segment of select.column.path) {
      value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[segment] : undefined;
    }
    out[select.alias] = value ?? null;
  }
  return out;
}
