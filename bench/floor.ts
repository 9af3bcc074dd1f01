/**
 * The floor of bench:ingest: the CPU per event of the steps that any design of the local twin
 * must take for an acknowledged event, each measured alone in this process with nothing else
 * around it. What is left between the floor and the twin's measured CPU per event is overhead
 * a design can still win back; the floor itself it cannot.
 *
 * The steps, beyond what the bare server already does (receive and parse the body):
 * - serialise the stored events (id and timestamp added) for the task;
 * - insert the events into a DuckDB table of the twin's layout, parsed by DuckDB (`from_json`),
 *   which is the commit an acknowledgement waits for;
 * - checkpoint the database, which writes the inserted rows into its file.
 * An outbox row (compressed, written, deleted once delivered) is not among them: the twin's queue
 * writes one only for a task its sink cannot take at once (see LocalTaskQueue.deliverAtOnce).
 * Tasks are 1,000 events, about what the twin's group commit forms under the bench load.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { JsonValue, LogEvent } from '../shared/events/model.ts';
import { checkEvent, inferSchema, normaliseEvent } from '../shared/events/index.ts';
import { RecentIds } from '../shared/adapters/local/recent-ids.ts';
import { DEDUPE_WINDOW } from '../shared/adapters/local/event-store.ts';

export interface FloorStep {
  step: string;
  microsPerEvent: number;
}

/** `start` plus every step's CPU per event. */
export function totalMicros(steps: FloorStep[], start = 0): number {
  return steps.reduce((sum, { microsPerEvent }) => sum + microsPerEvent, start);
}

const TASK_EVENTS = 1_000;
const TASKS = 200;

/** CPU time (user + system, all threads of this process) of `work`, in µs per event. */
async function cpuPerEvent(events: number, work: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / events;
}

async function runTimes(statement: DuckDBPreparedStatement, times: number, bind: (i: number) => void): Promise<void> {
  for (let i = 0; i < times; i++) {
    bind(i);
    await statement.run();
  }
}

/** Measures the floor for events shaped like those of `requestBody` (`{"batch": [...]}`), in a database under `dir`. */
export async function measureFloor(requestBody: string, dir: string): Promise<FloorStep[]> {
  const raws = (JSON.parse(requestBody) as { batch: Array<{ message: string; timestamp: number } & Record<string, unknown>> }).batch;
  const stored = Array.from({ length: TASK_EVENTS }, (_, i) => {
    const { message, timestamp, ...body } = raws[i % raws.length]!;
    return { id: randomUUID(), timestamp: timestamp * 1000, event_message: message, body };
  });
  const steps: FloorStep[] = [];

  let text = '';
  steps.push({
    step: 'serialise the stored events',
    microsPerEvent: await cpuPerEvent(TASK_EVENTS * TASKS, () => {
      for (let i = 0; i < TASKS; i++) text = JSON.stringify(stored);
    }),
  });
  const bytes = Buffer.from(text);

  const file = path.join(dir, 'floor.duckdb');
  const instance = await DuckDBInstance.create(file, { checkpoint_threshold: '1GB' });
  const connection: DuckDBConnection = await instance.connect();
  try {
    await connection.run('CREATE TABLE events (id VARCHAR NOT NULL, timestamp TIMESTAMP NOT NULL, event_message VARCHAR, body JSON)');

    const insert = await connection.prepare(
      `INSERT INTO events SELECT id, make_timestamp(timestamp), event_message, body FROM ` +
        `(SELECT unnest(from_json(decode($1::BLOB), '[{"id": "VARCHAR", "timestamp": "BIGINT", "event_message": "VARCHAR", "body": "JSON"}]'), recursive := true))`,
    );
    steps.push({
      step: 'insert into DuckDB',
      microsPerEvent: await cpuPerEvent(TASK_EVENTS * TASKS, () => runTimes(insert, TASKS, () => insert.bindBlob(1, bytes))),
    });
    steps.push({
      step: 'checkpoint',
      microsPerEvent: await cpuPerEvent(TASK_EVENTS * TASKS, async () => {
        await connection.run('CHECKPOINT');
      }),
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return steps;
}

/**
 * What the contract asks of every event beyond the floor, as Kindling does it, each measured
 * alone like the floor's steps: normalise (an id for each event without one, the timestamp, the
 * message and the field-name rules), check the body against the source's schema, and look the id
 * up among the recent ones (the local twin's dedupe). A design could do these faster than
 * Kindling does, but it could not skip them.
 */
export async function measureRequired(requestBody: string): Promise<FloorStep[]> {
  const raws = (JSON.parse(requestBody) as { batch: JsonValue[] }).batch;
  const count = TASK_EVENTS * TASKS;
  const context = { now: Date.now(), newId: randomUUID };
  const normalise = (raw: JsonValue): LogEvent => {
    const result = normaliseEvent(raw, context);
    if (!result.ok) throw new Error(result.reason);
    return result.event;
  };
  const steps: FloorStep[] = [];
  steps.push({
    step: 'normalise, with a new id',
    microsPerEvent: await cpuPerEvent(count, () => {
      for (let i = 0; i < count; i++) normalise(raws[i % raws.length]!);
    }),
  });
  const events = Array.from({ length: TASK_EVENTS }, (_, i) => normalise(raws[i % raws.length]!));
  const schema = inferSchema(events[0]!.body);
  steps.push({
    step: 'check against the schema',
    microsPerEvent: await cpuPerEvent(count, () => {
      for (let i = 0; i < count; i++) {
        if (checkEvent(schema, events[i % TASK_EVENTS]!.body).status !== 'fits') throw new Error('The bench event does not fit its schema.');
      }
    }),
  });
  const recent = new RecentIds(DEDUPE_WINDOW);
  steps.push({
    step: 'dedupe look-up',
    microsPerEvent: await cpuPerEvent(count, () => {
      for (let i = 0; i < count; i++) recent.add((i * 2654435761) | 0, i);
    }),
  });
  return steps;
}
