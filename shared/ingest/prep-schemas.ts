/**
 * What PrepPool sends its workers, and the shelf of schemas each worker keeps. The pool and the
 * worker each hold a shelf of the same size that drops the oldest schema first, and messages
 * arrive in the order sent, so the pool always knows which schemas a worker still has: it sends
 * a schema only when the worker's shelf lacks it, and its number every time.
 */
import type { SourceSchema } from '../events/model.ts';
import type { PrepRequest } from './prep.ts';

export interface PrepMessage {
  id: number;
  request: Omit<PrepRequest, 'schema' | 'body'> & { body: Uint8Array };
  schemaKey: number;
  /** Present when the worker's shelf does not hold `schemaKey` yet. */
  schema?: SourceSchema;
}

/** Schemas kept per worker: as many sources as are written to at once, with room to spare. */
export const SCHEMAS_KEPT = 64;

export class SchemaShelf<T> {
  private readonly kept = new Map<number, T>();

  constructor(private readonly size = SCHEMAS_KEPT) {}

  has(key: number): boolean {
    return this.kept.has(key);
  }

  get(key: number): T | undefined {
    return this.kept.get(key);
  }

  /** Keeps `value` under `key`, dropping the oldest kept beyond the shelf's size. */
  put(key: number, value: T): void {
    this.kept.set(key, value);
    if (this.kept.size > this.size) this.kept.delete(this.kept.keys().next().value!);
  }
}
