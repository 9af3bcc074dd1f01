/**
 * The sink task payload: a batch of accepted events of one source, JSON then gzip. Cloud Tasks
 * documents a 100 KB task cap in one place, so a batch is split until each compressed body
 * fits; a single event that cannot fit is the caller's to reject before it is acknowledged.
 */
import { promisify } from 'node:util';
import { gunzip, gzip, gzipSync, constants } from 'node:zlib';
import { z } from 'zod';
import type { LogEvent, SourceSchema, SchemaField } from '../events/model.ts';
import type { QueuedTask } from '../ports.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const GZIP_OPTIONS = { level: 4 };
/** Room for the batch envelope (ids and schema) around the events. */
const ENVELOPE_ALLOWANCE = 0.9;

export interface SinkBatch {
  batch_id: string;
  account_id: string;
  source_id: string;
  /** The source schema the events were checked against; the sink makes the table match it. */
  schema: SourceSchema;
  events: LogEvent[];
}

const SchemaFieldSchema: z.ZodType<SchemaField> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.enum(['STRING', 'INTEGER', 'FLOAT', 'BOOLEAN', 'TIMESTAMP', 'RECORD']),
    mode: z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']),
    fields: z.array(SchemaFieldSchema).optional(),
  }),
);

const SinkBatchSchema = z.object({
  batch_id: z.string().min(1),
  account_id: z.string().min(1),
  source_id: z.string().min(1),
  schema: z.array(SchemaFieldSchema),
  events: z.array(
    z.object({
      id: z.string().min(1),
      timestamp: z.number().int(),
      event_message: z.string(),
      body: z.record(z.string(), z.any()),
    }),
  ),
});

export interface BatchHeader {
  account_id: string;
  source_id: string;
  schema: SourceSchema;
}

/**
 * Packs events (each already serialised as JSON, once, by the pipeline) into as few tasks as fit
 * `maxBytes` each (compressed). Each task is named by a fresh batch id, so re-enqueueing the
 * same task is idempotent.
 */
export async function encodeTasks(
  header: BatchHeader,
  serialised: string[],
  maxBytes: number,
  newBatchId: () => string,
): Promise<QueuedTask[]> {
  const tasks: QueuedTask[] = [];
  // Log lines compress about 4-10x; start optimistic and halve a chunk that does not fit.
  const rawBudget = maxBytes * 4;
  let start = 0;
  while (start < serialised.length) {
    let end = start;
    let size = 0;
    while (end < serialised.length && (end === start || size + serialised[end]!.length <= rawBudget)) {
      size += serialised[end]!.length + 1;
      end++;
    }
    await packRange(header, serialised, start, end, maxBytes, newBatchId, tasks);
    start = end;
  }
  return tasks;
}

async function packRange(
  header: BatchHeader,
  serialised: string[],
  start: number,
  end: number,
  maxBytes: number,
  newBatchId: () => string,
  tasks: QueuedTask[],
): Promise<void> {
  const name = newBatchId();
  const body = await gzipAsync(envelope(header, name, serialised.slice(start, end)), GZIP_OPTIONS);
  if (body.length <= maxBytes) {
    tasks.push({ name, body });
    return;
  }
  if (end - start === 1) {
    throw new RangeError(`One event compresses to ${body.length} bytes, over the ${maxBytes}-byte task limit`);
  }
  const middle = start + Math.floor((end - start) / 2);
  await packRange(header, serialised, start, middle, maxBytes, newBatchId, tasks);
  await packRange(header, serialised, middle, end, maxBytes, newBatchId, tasks);
}

function envelope(header: BatchHeader, batchId: string, events: string[]): string {
  const head = JSON.stringify({
    batch_id: batchId,
    account_id: header.account_id,
    source_id: header.source_id,
    schema: header.schema,
  });
  return `${head.slice(0, -1)},"events":[${events.join(',')}]}`;
}

/**
 * Whether one event (its JSON), on its own, fits in a task. Cheap for ordinary events: only one
 * whose JSON is near the limit is measured in UTF-8 and compressed to find out.
 */
export function fitsInTask(json: string, maxBytes: number): boolean {
  const room = maxBytes * ENVELOPE_ALLOWANCE;
  // A UTF-16 unit is at most 3 bytes of UTF-8.
  if (json.length * 3 < room || Buffer.byteLength(json, 'utf8') < room) return true;
  return gzipSync(json, { level: constants.Z_BEST_SPEED }).length < room;
}

/** Parses a task body; throws a ZodError or a zlib/JSON error when it is not a SinkBatch. */
export async function decodeTask(body: Buffer): Promise<SinkBatch> {
  const json = body[0] === 0x1f && body[1] === 0x8b ? await gunzipAsync(body) : body;
  return SinkBatchSchema.parse(JSON.parse(json.toString('utf8'))) as SinkBatch;
}
