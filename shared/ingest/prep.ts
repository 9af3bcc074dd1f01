/**
 * The part of an ingest request that needs nothing but the request and the source's schema:
 * decode and parse the body, normalise each event, serialise it, check its size and its fit
 * with the schema. Plain and synchronous, so that it can run on a worker thread (PrepPool) while
 * the event loop serves other requests. Only the common case is answered here, every event
 * accepted as it is; anything else (a body error, a rejected event, a new field) is left to the
 * full pipeline on the event loop, which gives it its exact error, rejection or schema growth.
 */
import type { SourceSchema } from '../events/model.ts';
import { parseIngestBody } from './body.ts';
import { readEvent } from './pipeline.ts';
import { serialiseEvents, type SerialisedEvents } from './serialised.ts';

export interface PrepRequest {
  body: Uint8Array;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  schema: SourceSchema;
  /** The request's time (ms), for events without a timestamp. */
  now: number;
  maxTaskBytes: number;
}

/** Every event accepted, serialised; or `taken: false` for the full path. */
export type Prepared = { taken: true; events: SerialisedEvents } | { taken: false };

export function prepareEvents(request: PrepRequest, newId: () => string): Prepared {
  let raws;
  try {
    raws = parseIngestBody({
      body: Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength),
      contentType: request.contentType,
      contentEncoding: request.contentEncoding,
    });
  } catch {
    return { taken: false };
  }
  const context = { now: request.now, newId };
  const json: string[] = [];
  for (const raw of raws) {
    const reading = readEvent(raw, context, request.schema, request.maxTaskBytes);
    if (reading.status !== 'fits') return { taken: false };
    json.push(reading.json);
  }
  return { taken: true, events: serialiseEvents(json) };
}
