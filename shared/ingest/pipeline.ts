/**
 * The ingest pipeline of one request: normalise each raw event, check it against the source's
 * inferred schema (growing the schema for new fields), keep the rejected ones with their
 * reason, and hand the accepted ones (with the copies source rules make of them) to the group
 * commit. Resolves once they are durable.
 */
import type { Source } from '../accounts/model.ts';
import type { SourceDirectory } from '../accounts/sources.ts';
import type { JsonValue, LogEvent, RejectedEvent, SourceSchema } from '../events/model.ts';
import type { Clock, Ids, MetaStore } from '../ports.ts';
import { checkEvent, normaliseEvent, typeErrorMessage, type NormaliseContext } from '../events/index.ts';
import { fitsInTask } from './task-codec.ts';
import type { GroupCommit } from './group-commit.ts';
import type { RuleCopy } from '../rules/index.ts';
import { eventBytes, parseSerialised, serialiseEvents, type SerialisedEvents } from './serialised.ts';

export interface Rejection {
  index: number;
  reason: string;
}

export interface IngestOutcome {
  accepted: number;
  /** UTF-8 bytes of the accepted events as stored (normalised JSON), for usage metering. */
  acceptedBytes: number;
  rejected: Rejection[];
}

export interface IngestDeps {
  meta: MetaStore;
  sources: SourceDirectory;
  commit: GroupCommit;
  clock: Clock;
  ids: Ids;
  maxTaskBytes: number;
  /** Source rules: the copies accepted events make into other sources (never routed again). */
  rules?: { copies(source: Source, events: LogEvent[]): Promise<RuleCopy[]>; hasRules(source: Source): Promise<boolean> };
}

interface Extending {
  index: number;
  event: LogEvent;
  json: string;
  inferred: SourceSchema;
}

/** One raw event read against a schema: rejected with its reason, or as stored, fitting or extending it. */
export type EventReading =
  | { status: 'rejected'; reason: string }
  | { status: 'fits'; event: LogEvent; json: string }
  | { status: 'extends'; event: LogEvent; json: string; inferred: SourceSchema };

/**
 * The per-event step of ingest, shared by the pipeline and prepareEvents (prep.ts): normalise,
 * serialise once (for the size check, the task and metering), check the size and the schema.
 */
export function readEvent(raw: JsonValue, context: NormaliseContext, schema: SourceSchema, maxTaskBytes: number): EventReading {
  const normalised = normaliseEvent(raw, context);
  if (!normalised.ok) return { status: 'rejected', reason: normalised.reason };
  const { event } = normalised;
  const json = JSON.stringify(event);
  if (!fitsInTask(json, maxTaskBytes)) {
    return { status: 'rejected', reason: `Event is too large: it must compress to under ${maxTaskBytes} bytes.` };
  }
  const check = checkEvent(schema, event.body);
  if (check.status === 'fits') return { status: 'fits', event, json };
  if (check.status === 'extends') return { status: 'extends', event, json, inferred: check.inferred };
  return { status: 'rejected', reason: check.reason };
}

export class Ingestor {
  constructor(private readonly deps: IngestDeps) {}

  async ingest(source: Source, raws: JsonValue[]): Promise<IngestOutcome> {
    const { clock, ids, maxTaskBytes } = this.deps;
    const context = { now: clock.now(), newId: () => ids.uuid() };
    const accepted: LogEvent[] = [];
    /** Each accepted event's JSON, serialised once by readEvent. */
    const acceptedJson: string[] = [];
    const extending: Extending[] = [];
    const rejected: Rejection[] = [];

    for (let index = 0; index < raws.length; index++) {
      const reading = readEvent(raws[index]!, context, source.schema, maxTaskBytes);
      if (reading.status === 'fits') {
        accepted.push(reading.event);
        acceptedJson.push(reading.json);
      } else if (reading.status === 'extends') {
        extending.push({ index, event: reading.event, json: reading.json, inferred: reading.inferred });
      } else {
        rejected.push({ index, reason: reading.reason });
      }
    }

    let target = source;
    if (extending.length > 0) {
      const growth = extending.map(({ event, inferred }) => ({ body: event.body, inferred }));
      target = await this.deps.sources.growSchema(source, growth);
      for (const { index, event, json } of extending) {
        const check = checkEvent(target.schema, event.body);
        if (check.status === 'fits') {
          accepted.push(event);
          acceptedJson.push(json);
        } else rejected.push({ index, reason: check.status === 'conflict' ? check.reason : typeErrorMessage('body') });
      }
    }

    if (rejected.length > 0) await this.keepRejected(source, raws, rejected);
    const copies = this.deps.rules ? await this.deps.rules.copies(target, accepted) : [];
    const events = serialiseEvents(acceptedJson);
    await this.commit(target, events, copies);
    return { accepted: accepted.length, acceptedBytes: eventBytes(events), rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  /**
   * A request whose events were all accepted as they are by prepareEvents (prep.ts), serialised:
   * only the commit (with the copies source rules make) is left. Resolves once durable.
   */
  async ingestPrepared(source: Source, events: SerialisedEvents): Promise<IngestOutcome> {
    const { rules } = this.deps;
    const routed = rules !== undefined && (await rules.hasRules(source));
    const copies = routed ? await rules.copies(source, parseSerialised(events) as LogEvent[]) : [];
    await this.commit(source, events, copies);
    return { accepted: events.ends.length, acceptedBytes: eventBytes(events), rejected: [] };
  }

  /** One group commit for the events and their copies: a 200 means both are durable. */
  private async commit(target: Source, events: SerialisedEvents, copies: RuleCopy[]): Promise<void> {
    await Promise.all([
      this.deps.commit.submit(target, events),
      ...copies.map((copy) => this.deps.commit.submit(copy.sink, serialiseEvents(copy.events.map((event) => JSON.stringify(event))))),
    ]);
  }

  private async keepRejected(source: Source, raws: JsonValue[], rejections: Rejection[]): Promise<void> {
    const rejectedAt = new Date(this.deps.clock.now()).toISOString();
    const kept: RejectedEvent[] = rejections.map(({ index, reason }) => ({
      source_id: source.id,
      reason,
      event: raws[index]!,
      rejected_at: rejectedAt,
    }));
    await this.deps.meta.addRejected(source.account_id, kept);
  }
}
