/**
 * Sources: creation and changes (with their validation), schema growth as new fields arrive,
 * and a short-lived cache of source records so that ingest resolves `?source=` without a
 * MetaStore read per request.
 */
import { z } from 'zod';
import type { Account, Source, SourcePatch } from './model.ts';
import type { Clock, EventStore, Ids, MetaStore } from '../ports.ts';
import type { JsonObject, SourceSchema } from '../events/model.ts';
import { checkEvent, mergeSchema } from '../events/index.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { planOf } from '../billing/plans.ts';
import { ShortCache } from '../short-cache.ts';

/** Found sources are kept for a few seconds; misses briefly, so a new source is seen soon. */
const CACHE_MS = 5_000;
const MISS_CACHE_MS = 1_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

const SourceName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const NewSourceBody = z.object({
  name: SourceName,
  rate_limit_per_second: z.number().int().positive().nullable().optional(),
  retention_days: z.number().int().positive().max(3650).nullable().optional(),
});

export const SourcePatchBody = NewSourceBody.partial();

export type NewSource = z.infer<typeof NewSourceBody>;

function checkRetention(days: number | null | undefined, max: number): void {
  if (days != null && days > max) throw badRequest(`retention_days can be at most ${max} on this plan.`);
}

export class SourceDirectory {

  private readonly cache: ShortCache<Source | null>;
  /** Per source id, the schema update this instance has under way (see growSchema). */
  private readonly growing = new Map<string, Promise<Source>>();

  constructor(
    private readonly meta: MetaStore,
    private readonly events: EventStore,
    private readonly clock: Clock,
    private readonly ids: Ids,
  ) {
    this.cache = new ShortCache(clock, (source) => (source ? CACHE_MS : MISS_CACHE_MS));
  }

  /** A source by id or by name within the account; 404 when neither matches. */
  async resolve(accountId: string, idOrName: string): Promise<Source> {
    const byId = isUuid(idOrName) ? await this.cached(accountId, 'id', idOrName) : null;
    const source = byId ?? (await this.cached(accountId, 'name', idOrName));
    if (!source) throw notFound('Source');
    return source;
  }

  async byId(accountId: string, id: string): Promise<Source> {
    const source = isUuid(id) ? await this.cached(accountId, 'id', id) : null;
    if (!source) throw notFound('Source');
    return source;
  }

  async byName(accountId: string, name: string): Promise<Source> {
    const source = await this.cached(accountId, 'name', name);
    if (!source) throw notFound('Source');
    return source;
  }

  async create(account: Account, input: NewSource): Promise<Source> {
    const { limits } = planOf(account.plan);
    checkRetention(input.retention_days, limits.max_retention_days);
    const existing = await this.meta.listSources(account.id);
    if (existing.length >= limits.max_sources) {
      throw forbidden(`The ${account.plan} plan allows at most ${limits.max_sources} sources.`);
    }
    const source: Source = {
      id: this.ids.uuid(),
      account_id: account.id,
      name: input.name,
      rate_limit_per_second: input.rate_limit_per_second ?? null,
      retention_days: input.retention_days ?? null,
      schema: [],
      created_at: new Date(this.clock.now()).toISOString(),
    };
    await this.meta.createSource(source);
    await this.events.ensureTable({ accountId: account.id, sourceId: source.id }, []);
    return this.remember(source, source.schema);
  }

  async update(account: Account, id: string, patch: SourcePatch): Promise<Source> {
    if (Object.keys(patch).length === 0) throw badRequest('Nothing to change: give name, rate_limit_per_second or retention_days.');
    checkRetention(patch.retention_days, planOf(account.plan).limits.max_retention_days);
    const accountId = account.id;
    const updated = isUuid(id) ? await this.meta.updateSource(accountId, id, patch) : null;
    if (!updated) throw notFound('Source');
    this.cache.clear();
    return updated;
  }

  async delete(accountId: string, id: string): Promise<void> {
    const deleted = isUuid(id) && (await this.meta.deleteSource(accountId, id));
    if (!deleted) throw notFound('Source');
    this.cache.clear();
    await this.events.dropTable({ accountId, sourceId: id });
  }

  /**
   * Returns the source with a schema grown for `growth`: event bodies with the schema each brings
   * beyond the source's. The stored schema is updated atomically, unless an update already under
   * way on this instance brings those fields: one update per source at a time, and a caller
   * arriving meanwhile waits for it and checks its bodies again. Without that, a burst of requests
   * with the same new fields (each connection's first batch to a new source) queued one metadata
   * transaction each; under the bench load the last waited ~2 s, and so did other sources' first
   * requests queued behind them on the metadata writer.
   */
  async growSchema(source: Source, growth: { body: JsonObject; inferred: SourceSchema }[]): Promise<Source> {
    let current = source;
    for (let underWay = this.growing.get(source.id); underWay; underWay = this.growing.get(source.id)) {
      current = await underWay.catch(() => current);
      if (!growth.some(({ body }) => checkEvent(current.schema, body).status === 'extends')) return current;
    }
    const update = this.writeSchema(current, growth).finally(() => this.growing.delete(source.id));
    this.growing.set(source.id, update);
    return update;
  }

  private async writeSchema(source: Source, growth: { inferred: SourceSchema }[]): Promise<Source> {
    const stored = await this.meta.updateSourceSchema(source.account_id, source.id, (current) =>
      growth.reduce((schema, { inferred }) => mergeSchema(schema, inferred).schema, current),
    );
    return this.remember(source, stored ?? source.schema);
  }

  /** Records a schema this instance has just stored, so the next events check against it. */
  remember(source: Source, schema: SourceSchema): Source {
    const updated = { ...source, schema };
    this.cache.set(`${source.account_id}/id/${source.id}`, updated);
    this.cache.set(`${source.account_id}/name/${source.name}`, updated);
    return updated;
  }

  private cached(accountId: string, by: 'id' | 'name', value: string): Promise<Source | null> {
    return this.cache.get(`${accountId}/${by}/${value}`, () =>
      by === 'id' ? this.meta.getSource(accountId, value) : this.meta.findSourceByName(accountId, value),
    );
  }
}
