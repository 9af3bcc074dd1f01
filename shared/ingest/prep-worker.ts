/** A PrepPool worker: answers each PrepRequest with prepareEvents, by the request's number. */
import { randomUUID } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { prepareEvents, type Prepared, type PrepRequest } from './prep.ts';

parentPort!.on('message', ({ id, request }: { id: number; request: PrepRequest }) => {
  let prepared: Prepared;
  try {
    prepared = prepareEvents(request, randomUUID);
  } catch {
    prepared = { taken: false };
  }
  parentPort!.postMessage({ id, prepared });
});
