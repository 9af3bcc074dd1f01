/**
 * Sources: creation and changes (with their validation), and a short-lived cache of source
 * records so that ingest resolves `?source=` without a MetaStore read per request.
 */
import { z } from 'zod';
import type { Account, Source, SourcePatch } from './model.ts';
import type { Clock, EventStore, Ids, MetaStore } from '../ports.ts';
import type { SourceSchema } from '../events/model.ts';
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
