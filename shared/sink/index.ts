/**
 * The sink: takes one delivered task (a batch of one source's accepted events) and writes it to
 * the EventStore, idempotently by event id, so a redelivered task stores nothing twice. Rows the
 * store refuses for good are kept as rejected events; a transient failure propagates so the queue
 * delivers the task again.
 */
import type { RejectedEvent } from '../events/model.ts';
import type { Clock, EventStore, MetaStore } from '../ports.ts';
import type { SourceDirectory } from '../accounts/sources.ts';
import { ZodError } from 'zod';
import { KindlingError } from '../errors.ts';
import { decodeTask } from '../ingest/task-codec.ts';

export interface SinkOutcome {
  inserted: number;
  failed: number;
  /** True when the source no longer exists and the batch was dropped. */
  orphaned: boolean;
}

export interface SinkDeps {
  meta: MetaStore;
  events: EventStore;
  sources: SourceDirectory;
  clock: Clock;
}

export class Sink {
  constructor(private readonly deps: SinkDeps) {}

  async deliver(body: Buffer): Promise<SinkOutcome> {
    const batch = await decodeTask(body).catch(() => {
      throw new KindlingError(400, 'bad_task', 'The task body is not a valid Kindling batch.');
    });
    const exists = await this.deps.sources.byId(batch.account_id, batch.source_id).then(
      () => true,
      (error: unknown) => {
        if (error instanceof KindlingError && error.status === 404) return false;
        throw error;
      },
    );
    if (!exists) return { inserted: 0, failed: 0, orphaned: true };

    const ref = { accountId: batch.account_id, sourceId: batch.source_id };
    await this.deps.events.ensureTable(ref, batch.schema);
    const outcome = await this.deps.events.insert(ref, batch.schema, batch.events).catch((error: unknown) => {
      // Events that do not parse are a bad task, not a transient failure: retrying cannot help.
      if (error instanceof SyntaxError || error instanceof ZodError) {
        throw new KindlingError(400, 'bad_task', 'The task body is not a valid Kindling batch.');
      }
      throw error;
    });
    if (outcome.failed.length > 0) {
      const byId = new Map(batch.events.events().map((event) => [event.id, event]));
      const rejectedAt = new Date(this.deps.clock.now()).toISOString();
      const kept: RejectedEvent[] = outcome.failed.map(({ id, reason }) => ({
        source_id: batch.source_id,
        reason,
        event: (byId.get(id) as unknown as RejectedEvent['event']) ?? { id },
        rejected_at: rejectedAt,
      }));
      await this.deps.meta.addRejected(batch.account_id, kept);
    }
    return { inserted: outcome.inserted, failed: outcome.failed.length, orphaned: false };
  }
}
