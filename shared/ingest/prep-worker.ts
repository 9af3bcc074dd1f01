/**
 * A PrepPool worker: answers each PrepRequest with prepareEvents, by the request's number,
 * against the source's schema from its shelf (prep-schemas.ts). The events' buffers are moved
 * to the event loop, not copied, when nothing else shares their memory (a small Buffer lives in
 * a pool of others).
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import type { SourceSchema } from '../events/model.ts';
import { prepareEvents, type Prepared } from './prep.ts';
import { SchemaShelf, type PrepMessage } from './prep-schemas.ts';
import type { SerialisedEvents } from './serialised.ts';

const schemas = new SchemaShelf<SourceSchema>();

parentPort!.on('message', ({ id, request, schemaKey, schema }: PrepMessage) => {
  if (schema) schemas.put(schemaKey, schema);
  const kept = schemas.get(schemaKey);
  let prepared: Prepared;
  try {
    prepared = kept ? prepareEvents({ ...request, schema: kept }, randomUUID) : { taken: false };
  } catch {
    prepared = { taken: false };
  }
  parentPort!.postMessage({ id, prepared }, prepared.taken ? movable(prepared.events) : []);
});

function movable({ utf8, ends }: SerialisedEvents): ArrayBuffer[] {
  const own = utf8.byteOffset === 0 && utf8.byteLength === utf8.buffer.byteLength;
  return own ? [utf8.buffer as ArrayBuffer, ends.buffer as ArrayBuffer] : [ends.buffer as ArrayBuffer];
}
