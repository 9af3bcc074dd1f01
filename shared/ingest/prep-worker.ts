/**
 * A PrepPool worker: answers each PrepRequest with prepareEvents, by the request's number. The
 * events' buffers are moved to the event loop, not copied, when nothing else shares their memory
 * (a small Buffer lives in a pool of others).
 */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { prepareEvents, type Prepared, type PrepRequest } from './prep.ts';
import type { SerialisedEvents } from './serialised.ts';

parentPort!.on('message', ({ id, request }: { id: number; request: PrepRequest }) => {
  let prepared: Prepared;
  try {
    prepared = prepareEvents(request, randomUUID);
  } catch {
    prepared = { taken: false };
  }
  parentPort!.postMessage({ id, prepared }, prepared.taken ? movable(prepared.events) : []);
});

function movable({ utf8, ends }: SerialisedEvents): ArrayBuffer[] {
  const own = utf8.byteOffset === 0 && utf8.byteLength === utf8.buffer.byteLength;
  return own ? [utf8.buffer as ArrayBuffer, ends.buffer as ArrayBuffer] : [ends.buffer as ArrayBuffer];
}
