/**
 * The sink task payload: a batch of accepted events of one source, as JSON, gzip-compressed where
 * the queue asks (Cloud Tasks: a 100 KB task cap, bytes billed; the local queue takes the JSON
 * as it is). A batch is split until each body fits the queue's cap; a
 * single event that cannot fit Cloud Tasks' is the caller's to reject before it is
 * acknowledged, so that the twin accepts exactly what GCP would. A body says how it is
 * compressed by its first bytes, so the sink needs no other word of it.
 */
import { promisify } from 'node:util';
import { gunzip, gzip, gzipSync, constants } from 'node:zlib';
import { z } from 'zod';
import type { LogEvent, SourceSchema, SchemaField } from '../events/model.ts';
import { batchFromUtf8, batchOf, type EventBatch } from '../events/batch.ts';
import type { QueuedTask, TaskFormat } from '../ports.ts';
import { EventSequence, type SerialisedEvents } from './serialised.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const GZIP_OPTIONS = { level: 4 };
/** Room for the batch envelope (ids and schema) around the events. */
const ENVELOPE_ALLOWANCE = 0.9;
/** Where `envelope` ends the header and starts the events: a key no header field can hold. */
const EVENTS_KEY = ',"events":[';

const SchemaFieldSchema: z.ZodType<SchemaField> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.enum(['STRING', 'INTEGER', 'FLOAT', 'BOOLEAN', 'TIMESTAMP', 'RECORD']),
    mode: z.enum(['NULLABLE', 'REQUIRED', 'REPEATED']),
    fields: z.array(SchemaFieldSchema).optional(),
  }),
);

const LogEventSchema = z.object({
  id: z.string().min(1),
  timestamp: z.number().int(),
  event_message: z.string(),
  body: z.record(z.string(), z.any()),
});

const HeaderSchema = z.object({
  batch_id: z.string().min(1),
  account_id: z.string().min(1),
  source_id: z.string().min(1),
  schema: z.array(SchemaFieldSchema),
  /** How many events follow; lets a store split what it wrote by batch without parsing. */
  count: z.number().int().nonnegative().optional(),
});

const SinkBatchSchema = HeaderSchema.extend({ events: z.array(LogEventSchema) });

/** A decoded task: its header checked, its events as a batch parsed only if a store asks. */
export interface DecodedTask extends BatchHeader {
  batch_id: string;
  events: EventBatch;
}

export interface BatchHeader {
  account_id: string;
  source_id: string;
  /** The source schema the events were checked against; the sink makes the table match it. */
  schema: SourceSchema;
}

/**
 * Packs events (serialised once, by the pipeline or the ingest worker) into as few tasks as fit
 * `format.maxBytes` each. Each task is named by a fresh batch id, so re-enqueueing the same task
 * is idempotent.
 */
export async function encodeTasks(
  header: BatchHeader,
  runs: SerialisedEvents[],
  format: TaskFormat,
  newBatchId: () => string,
): Promise<QueuedTask[]> {
  const events = new EventSequence(runs);
  const tasks: QueuedTask[] = [];
  // Log lines compress about 4-10x; start optimistic and halve a chunk that does not fit.
  const rawBudget = format.compression === 'none' ? format.maxBytes : format.maxBytes * 4;
  let start = 0;
  while (start < events.length) {
    let end = start;
    let size = 0;
    while (end < events.length && (end === start || size + events.size(end) <= rawBudget)) {
      size += events.size(end) + 1;
      end++;
    }
    await packRange(header, events, start, end, format, newBatchId, tasks);
    start = end;
  }
  return tasks;
}

async function packRange(
  header: BatchHeader,
  events: EventSequence,
  start: number,
  end: number,
  format: TaskFormat,
  newBatchId: () => string,
  tasks: QueuedTask[],
): Promise<void> {
  const name = newBatchId();
  const plain = envelope(header, name, end - start, events.slices(start, end));
  const body = await compress(plain, format.compression);
  if (body.length <= format.maxBytes) {
    tasks.push({ name, body });
    return;
  }
  if (end - start === 1) {
    throw new RangeError(`One event takes ${body.length} bytes, over the ${format.maxBytes}-byte task limit`);
  }
  const middle = start + Math.floor((end - start) / 2);
  await packRange(header, events, start, middle, format, newBatchId, tasks);
  await packRange(header, events, middle, end, format, newBatchId, tasks);
}

function compress(plain: Buffer, compression: TaskFormat['compression']): Promise<Buffer> | Buffer {
  switch (compression) {
    case 'gzip':
      return gzipAsync(plain, GZIP_OPTIONS);
    case 'none':
      return plain;
  }
}

/** The body's bytes uncompressed: gzip by its magic number (1f 8b), anything else as it is. */
function decompress(body: Buffer): Promise<Buffer> | Buffer {
  return body[0] === 0x1f && body[1] === 0x8b ? gunzipAsync(body) : body;
}

const EVENTS_END = Buffer.from(']}');

/** The task's JSON: the header, then the events array, put together from the events' own bytes. */
function envelope(header: BatchHeader, batchId: string, count: number, events: Buffer[]): Buffer {
  const head = JSON.stringify({
    batch_id: batchId,
    account_id: header.account_id,
    source_id: header.source_id,
    schema: header.schema,
    count,
  });
  return Buffer.concat([Buffer.from(`${head.slice(0, -1)}${EVENTS_KEY}`, 'utf8'), ...events, EVENTS_END]);
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

/**
 * Reads a task body; throws a ZodError or a zlib/JSON error when it is not a sink batch. Only the
 * header is parsed here: the events stay JSON text until a store asks for objects, and are
 * checked then (a store that parses the text natively checks their shape itself). A body that
 * `envelope` did not write is parsed whole.
 */
export async function decodeTask(body: Buffer): Promise<DecodedTask> {
  const bytes = await decompress(body);
  const split = bytes.indexOf(EVENTS_KEY);
  if (split > 0 && bytes.length >= 2 && bytes[bytes.length - 2] === 0x5d && bytes[bytes.length - 1] === 0x7d) {
    const header = HeaderSchema.safeParse(parseOrUndefined(`${bytes.toString('utf8', 0, split)}}`));
    if (header.success) {
      const { count, ...fields } = header.data;
      // `[...]`: from the events key's bracket to the byte before the closing brace.
      return { ...fields, events: batchFromUtf8(bytes.subarray(split + EVENTS_KEY.length - 1, -1), parseEvents, count) };
    }
  }
  const { count: _count, events: parsed, ...fields } = SinkBatchSchema.parse(JSON.parse(bytes.toString('utf8')));
  return { ...fields, events: batchOf(parsed as LogEvent[]) };
}

function parseEvents(text: string): LogEvent[] {
  return z.array(LogEventSchema).parse(JSON.parse(text)) as LogEvent[];
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
