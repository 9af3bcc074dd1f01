/**
 * Source rules: managing them, and routing at ingest. `copies` runs in memory on every ingest
 * request, so the account's rules are cached for a few seconds (no MetaStore read per request)
 * and each rule's LQL is bound against the source's current schema and matched with the same
 * matcher semantics the SQL has. A copy is checked against its sink's schema (growing it as
 * ingest would); a copy that conflicts is kept as a rejected event of the sink.
 */
import { ShortCache } from '../short-cache.ts';
import type { Source } from '../accounts/model.ts';
import type { SourceDirectory } from '../accounts/sources.ts';
import { badRequest, KindlingError, notFound } from '../errors.ts';
import { checkEvent } from '../events/index.ts';
import type { LogEvent, RejectedEvent, SourceSchema } from '../events/model.ts';
import { presentEvent } from '../events/present.ts';
import { bindQuery, matches, parseLql, type BoundQuery } from '../lql/index.ts';
import type { Clock, Ids, MetaStore } from '../ports.ts';
import type { SourceRule } from './model.ts';

/** A newly created or deleted rule is seen by other instances within this time. */
const CACHE_MS = 5_000;
const MAX_CACHED_ACCOUNTS = 10_000;

export interface RuleCopy {
  sink: Source;
  events: LogEvent[];
}

export interface NewRule {
  source: string;
  sink: string;
  lql_string: string;
}

export class RuleService {
  private readonly cache: ShortCache<SourceRule[]>;

  constructor(private readonly deps: { meta: MetaStore; sources: SourceDirectory; clock: Clock; ids: Ids }) {
    this.cache = new ShortCache(deps.clock, () => CACHE_MS, MAX_CACHED_ACCOUNTS);
  }

  async create(accountId: string, input: NewRule): Promise<SourceRule> {
    const { sources, clock, ids, meta } = this.deps;
    const [source, sink] = [await sources.resolve(accountId, input.source), await sources.resolve(accountId, input.sink)];
    if (source.id === sink.id) throw badRequest('A rule cannot copy a source into itself: `sink` must be another source.');
    this.check(input.lql_string, source.schema);
    const rule: SourceRule = {
      id: ids.uuid(),
      account_id: accountId,
      source_id: source.id,
      sink_id: sink.id,
      lql_string: input.lql_string,
      created_at: new Date(clock.now()).toISOString(),
    };
    await meta.rules.create(rule);
    this.cache.delete(accountId);
    return rule;
  }

  list(accountId: string): Promise<SourceRule[]> {
    return this.deps.meta.rules.list(accountId);
  }

  async delete(accountId: string, id: string): Promise<void> {
    if (!(await this.deps.meta.rules.delete(accountId, id))) throw notFound('Rule');
    this.cache.delete(accountId);
  }

  /** Whether `source` has rules, so that a caller holding events as JSON parses them only then. */
  async hasRules(source: Source): Promise<boolean> {
    return (await this.rulesOf(source.account_id)).some((rule) => rule.source_id === source.id);
  }

  /** The copies `events` (just accepted into `source`) make under the source's rules. */
  async copies(source: Source, events: LogEvent[]): Promise<RuleCopy[]> {
    if (events.length === 0) return [];
    const rules = (await this.rulesOf(source.account_id)).filter((rule) => rule.source_id === source.id);
    const bySink = new Map<string, BoundQuery[]>();
    for (const rule of rules) {
      const query = this.tryBind(rule.lql_string, source.schema);
      if (query !== null) bySink.set(rule.sink_id, [...(bySink.get(rule.sink_id) ?? []), query]);
    }
    const copies: RuleCopy[] = [];
    for (const [sinkId, queries] of bySink) {
      // Each event once per sink, in the order it came, however many of the sink's rules match it.
      const routed = events.filter((event) => queries.some((query) => matches(query, event)));
      if (routed.length === 0) continue;
      const sink = await this.sink(source.account_id, sinkId);
      if (sink !== null) copies.push(await this.fit(sink, routed));
    }
    return copies.filter((copy) => copy.events.length > 0);
  }

  /** Parses and binds a rule's LQL; filters only. Throws the LQL error (400) naming the clause. */
  private bind(lql: string, schema: SourceSchema): BoundQuery {
    const parsed = parseLql(lql, { now: this.deps.clock.now() });
    if (parsed.chart || parsed.selects.length > 0) {
      throw badRequest('A rule routes events by LQL filters only; remove its chart (c:) and select (s:) clauses.');
    }
    if (parsed.filters.length === 0) throw badRequest('A rule needs at least one LQL filter.');
    return bindQuery(parsed, schema);
  }

  /**
   * Refuses (400) LQL that is wrong whatever the source holds. A path the source has not seen
   * yet is fine: the rule starts to match once events carry that field.
   */
  private check(lql: string, schema: SourceSchema): void {
    try {
      this.bind(lql, schema);
    } catch (error) {
      if (error instanceof KindlingError && /not present in source schema/.test(error.message)) return;
      throw error;
    }
  }

  /** Null while the rule names a field the source has not seen yet. */
  private tryBind(lql: string, schema: SourceSchema): BoundQuery | null {
    try {
      return this.bind(lql, schema);
    } catch (error) {
      if (error instanceof KindlingError) return null;
      throw error;
    }
  }

  private rulesOf(accountId: string): Promise<SourceRule[]> {
    return this.cache.get(accountId, () => this.deps.meta.rules.list(accountId));
  }

  /** Null when the sink was deleted after the rule was made. */
  private async sink(accountId: string, sinkId: string): Promise<Source | null> {
    try {
      return await this.deps.sources.byId(accountId, sinkId);
    } catch (error) {
      if (error instanceof KindlingError && error.status === 404) return null;
      throw error;
    }
  }

  /** The copies that fit the sink's schema (grown for new fields); the others kept as rejected. */
  private async fit(sink: Source, events: LogEvent[]): Promise<RuleCopy> {
    const { meta, sources, clock } = this.deps;
    const extending = events.flatMap((event) => {
      const check = checkEvent(sink.schema, event.body);
      return check.status === 'extends' ? [{ body: event.body, inferred: check.inferred }] : [];
    });
    const target = extending.length > 0 ? await sources.growSchema(sink, extending) : sink;
    const fitting: LogEvent[] = [];
    const rejected: RejectedEvent[] = [];
    const at = new Date(clock.now()).toISOString();
    for (const event of events) {
      const check = checkEvent(target.schema, event.body);
      if (check.status === 'fits') fitting.push(event);
      else {
        const reason = check.status === 'conflict' ? check.reason : 'The event does not fit the sink schema.';
        rejected.push({ source_id: sink.id, reason: `Copied by a rule: ${reason}`, event: presentEvent(event), rejected_at: at });
      }
    }
    if (rejected.length > 0) await meta.addRejected(sink.account_id, rejected);
    return { sink: target, events: fitting };
  }
}
