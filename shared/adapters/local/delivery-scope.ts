/**
 * Which outbox task is being delivered, seen from inside the sink's call into the event store:
 * the local twin settles a task (deletes its outbox row) in the very transaction that writes its
 * events, so a crash can never leave them written and the task queued, or the task gone and
 * them unwritten. The queue opens the scope around its handler; the store finds it there. Both
 * are adapters over the one local database; the ports between them (TaskHandler, EventStore)
 * stay as they are.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { runPrepared } from './database.ts';

export interface Delivery {
  /** The outbox row's name. */
  readonly name: string;
  /** Set once a committed transaction deleted the row: the queue has nothing left to do. */
  settled: boolean;
}

export const deliveryScope = new AsyncLocalStorage<Delivery>();

/** Deletes delivered tasks' outbox rows, inside whatever transaction `connection` is in. */
export async function deleteOutboxRows(connection: DuckDBConnection, names: string[]): Promise<void> {
  await runPrepared(connection, 'DELETE FROM outbox WHERE name IN (SELECT unnest($names))', { names: listValue(names) }, {
    names: LIST(VARCHAR),
  });
}
