/**
 * Counts the Firestore operations a process bills, at the one funnel every Firestore call of the
 * client library goes through (`Firestore#request` for unary calls, `Firestore#requestStream`
 * for streamed ones), so that every port built on Firestore is counted without wrapping each.
 *
 * Billing rules applied: each document a commit writes is a write (a delete, a delete); each
 * document a get returns (found or missing) is a read; a query bills one read per document it
 * returns and at least one; an aggregation query one read per 1,000 index entries, at least one
 * (Kindling's counter keys have far fewer shards, so one). Transactions' begin/rollback are free.
 *
 * Bench only: the two methods are internal to the client library, patched on its prototype.
 */
import { Firestore } from '@google-cloud/firestore';
import type { Readable } from 'node:stream';

export interface FirestoreOps {
  reads: number;
  writes: number;
  deletes: number;
  /** Calls by RPC name, to see where the operations come from. */
  calls: Record<string, number>;
}

interface Internals {
  request(method: string, request: Record<string, unknown>, ...rest: unknown[]): Promise<unknown>;
  requestStream(method: string, bidi: boolean, request: Record<string, unknown>, ...rest: unknown[]): Promise<Readable>;
}

const WRITING = new Set(['commit', 'batchWrite']);

export function installFirestoreMeter(): { ops: FirestoreOps; reset(): void } {
  const ops: FirestoreOps = { reads: 0, writes: 0, deletes: 0, calls: {} };
  const proto = Firestore.prototype as unknown as Internals;
  const request = proto.request;
  const requestStream = proto.requestStream;

  proto.request = function (this: Internals, method, body, ...rest) {
    ops.calls[method] = (ops.calls[method] ?? 0) + 1;
    if (WRITING.has(method)) {
      for (const write of (body.writes as { delete?: unknown }[] | undefined) ?? []) {
        if (write.delete) ops.deletes++;
        else ops.writes++;
      }
    }
    return request.call(this, method, body, ...rest);
  };

  proto.requestStream = async function (this: Internals, method, bidi, body, ...rest) {
    ops.calls[method] = (ops.calls[method] ?? 0) + 1;
    const stream = await requestStream.call(this, method, bidi, body, ...rest);
    if (method === 'runAggregationQuery') {
      ops.reads++;
    } else if (method === 'batchGetDocuments' || method === 'runQuery') {
      // The client hands the stream over paused: a 'data' listener sees each response without
      // starting the flow before the caller does.
      let documents = 0;
      stream.on('data', (response: { found?: unknown; missing?: unknown; document?: unknown }) => {
        if (response.found || response.missing || response.document) documents++;
      });
      stream.once('close', () => {
        ops.reads += method === 'runQuery' ? Math.max(1, documents) : documents;
      });
    }
    return stream;
  };

  return {
    ops,
    reset() {
      ops.reads = 0;
      ops.writes = 0;
      ops.deletes = 0;
      ops.calls = {};
    },
  };
}
