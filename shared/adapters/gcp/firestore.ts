/**
 * The one Firestore client of a process, created on first use and shared by the Firestore
 * adapters, plus the small rules every Firestore adapter follows (document ids, batch limits).
 */
import { Firestore } from '@google-cloud/firestore';

export interface FirestoreSettings {
  projectId: string;
  /** `(default)` unless the project uses a named database. */
  databaseId: string;
  /**
   * `host:port` of a Firestore emulator, for tests that run several emulated projects in one
   * process. Without it the client decides: FIRESTORE_EMULATOR_HOST if set, else Google.
   */
  emulatorHost?: string;
}

export class FirestoreDatabase {
  private client: Firestore | null = null;

  constructor(private readonly settings: FirestoreSettings) {}

  /** The client, created on first use: constructing one opens no connection yet. */
  get firestore(): Firestore {
    if (this.client === null) {
      const { projectId, databaseId, emulatorHost } = this.settings;
      this.client = new Firestore({
        projectId,
        databaseId,
        ...(emulatorHost === undefined ? {} : { host: emulatorHost, ssl: false }),
      });
    }
    return this.client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.terminate();
  }
}

/**
 * Attempts per transaction. The client's default of 5 is too few when many sink instances
 * race to widen one source's schema: each contended attempt aborts all but one writer.
 */
export const TRANSACTION_ATTEMPTS = 25;

/** A write batch holds at most 500 writes; a commit at most 10 MiB (we leave headroom). */
export const BATCH_MAX_WRITES = 500;
export const BATCH_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A document id for arbitrary text, injective and always valid: ids cannot contain '/', be
 * '.' or '..', or look like `__name__`. Letters, digits, '-' and ':' stay readable; every
 * other UTF-8 byte (including '%', '.', '_' and '/') becomes %XX.
 */
export function encodeDocId(text: string): string {
  if (text === '') return '%';
  let id = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    id += /^[A-Za-z0-9:-]$/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return id;
}

/** Splits items into groups that each fit one batch: ≤ 500 writes and ≤ BATCH_MAX_BYTES. */
export function batches<T>(items: T[], size: (item: T) => number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (current.length > 0 && (current.length === BATCH_MAX_WRITES || bytes + itemBytes > BATCH_MAX_BYTES)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += itemBytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** gRPC status ALREADY_EXISTS: a `create()` found the document present. */
export function isAlreadyExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 6;
}
