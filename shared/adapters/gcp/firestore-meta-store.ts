/**
 * The MetaStore on Firestore. Layout:
 *   accounts/{accountId}                                  the account
 *   accounts/{accountId}/sources/{sourceId}               a source (schema as JSON text)
 *   accounts/{accountId}/source_names/{encoded name}      claims a name for one source id
 *   accounts/{accountId}/sources/{sourceId}/rejected/{id} a rejected event
 *   accounts/{accountId}/usage_reports/{period}           a usage report (firestore-usage-reports.ts)
 *   accounts/{accountId}/endpoints/{id}, endpoint_names/… endpoints (firestore-endpoints.ts)
 *   accounts/{accountId}/rules/{ruleId}                   a source rule (firestore-rules.ts)
 *   firebase_users/{uid}                                  a dashboard user's account (firestore-firebase-users.ts)
 *   api_keys/{hash}                                       a key, found by hash in one read
 * Firestore has no unique constraints, so a source's name is claimed by a document created in
 * the same transaction as the source; concurrent creators of one name cannot both commit.
 *
 * Rejected events are not trimmed by count (that would cost a query per write). Each carries
 * `expire_at`, REJECTED_RETENTION_DAYS after it was rejected, for a Firestore TTL policy on the
 * `rejected` collection group to delete; listing reads only the newest `limit` anyway.
 */
import { Timestamp, type DocumentReference, type Transaction } from '@google-cloud/firestore';
import type { Account, ApiKey, Source, SourcePatch } from '../../accounts/model.ts';
import type { RejectedEvent, SourceSchema } from '../../events/model.ts';
import type { IdPage, MetaStore } from '../../ports.ts';
import {
  AccountRecord,
  ApiKeyRecord,
  StoredRejected,
  StoredSource,
  accountExists,
  applySourcePatch,
  keyHashTaken,
  nameTaken,
  parseStored,
  sourceExists,
  sourceToStored,
} from '../meta-records.ts';
import {
  TRANSACTION_ATTEMPTS,
  batches,
  encodeDocId,
  isAlreadyExists,
  type FirestoreDatabase,
} from './firestore.ts';
import { FirestoreUsageReports } from './firestore-usage-reports.ts';
import { FirestoreEndpoints } from './firestore-endpoints.ts';
import { FirestoreRules } from './firestore-rules.ts';
import { FirestoreFirebaseUsers } from './firestore-firebase-users.ts';

export const REJECTED_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

const readSource = (value: unknown) => parseStored(StoredSource, value, 'source');
const readKey = (value: unknown) => parseStored(ApiKeyRecord, value, 'API key');

export class FirestoreMetaStore implements MetaStore {
  readonly usageReports: FirestoreUsageReports;
  readonly endpoints: FirestoreEndpoints;
  readonly rules: FirestoreRules;
  readonly firebaseUsers: FirestoreFirebaseUsers;

  constructor(private readonly database: FirestoreDatabase) {
    this.usageReports = new FirestoreUsageReports(database);
    this.endpoints = new FirestoreEndpoints(database);
    this.rules = new FirestoreRules(database);
    this.firebaseUsers = new FirestoreFirebaseUsers(database);
  }

  private get db() {
    return this.database.firestore;
  }

  private account(accountId: string) {
    return this.db.collection('accounts').doc(encodeDocId(accountId));
  }

  private source(accountId: string, sourceId: string) {
    return this.account(accountId).collection('sources').doc(encodeDocId(sourceId));
  }

  private nameClaim(accountId: string, name: string): DocumentReference {
    return this.account(accountId).collection('source_names').doc(encodeDocId(name));
  }

  private rejected(accountId: string, sourceId: string) {
    return this.source(accountId, sourceId).collection('rejected');
  }

  async createAccount(account: Account): Promise<void> {
    try {
      await this.account(account.id).create(account);
    } catch (error) {
      throw isAlreadyExists(error) ? accountExists(account.id) : error;
    }
  }

  async getAccount(id: string): Promise<Account | null> {
    const snapshot = await this.account(id).get();
    return snapshot.exists ? parseStored(AccountRecord, snapshot.data(), 'account') : null;
  }

  async listAccounts(page: IdPage): Promise<Account[]> {
    let query = this.db.collection('accounts').orderBy('id');
    if (page.after !== undefined) query = query.startAfter(page.after);
    const snapshot = await query.limit(page.limit).get();
    return snapshot.docs.map((doc) => parseStored(AccountRecord, doc.data(), 'account'));
  }

  async putApiKey(key: ApiKey): Promise<void> {
    const keys = this.db.collection('api_keys');
    const ref = keys.doc(encodeDocId(key.hash));
    await this.db.runTransaction(async (tx) => {
      const holder = await tx.get(ref);
      const sameId = await tx.get(keys.where('id', '==', key.id));
      if (holder.exists && holder.get('id') !== key.id) throw keyHashTaken();
      // A key whose hash changed leaves its old document behind unless removed here.
      for (const stale of sameId.docs) if (stale.id !== ref.id) tx.delete(stale.ref);
      tx.set(ref, key);
    });
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | null> {
    const snapshot = await this.db.collection('api_keys').doc(encodeDocId(hash)).get();
    return snapshot.exists ? readKey(snapshot.data()) : null;
  }

  async listApiKeys(accountId: string): Promise<ApiKey[]> {
    const snapshot = await this.db.collection('api_keys').where('account_id', '==', accountId).get();
    const keys = snapshot.docs.map((doc) => readKey(doc.data()));
    return keys.sort((a, b) => compare(a.created_at, b.created_at) || compare(a.id, b.id));
  }

  async deleteApiKey(accountId: string, id: string): Promise<boolean> {
    return this.db.runTransaction(async (tx) => {
      const found = await tx.get(this.db.collection('api_keys').where('id', '==', id));
      const owned = found.docs.filter((doc) => doc.get('account_id') === accountId);
      for (const doc of owned) tx.delete(doc.ref);
      return owned.length > 0;
    });
  }

  async createSource(source: Source): Promise<void> {
    const ref = this.source(source.account_id, source.id);
    const claim = this.nameClaim(source.account_id, source.name);
    try {
      await this.db.runTransaction(async (tx) => {
        const [claimed, existing] = await tx.getAll(claim, ref);
        if (claimed!.exists) throw nameTaken(source.name);
        if (existing!.exists) throw sourceExists(source.id);
        tx.create(ref, sourceToStored(source));
        tx.create(claim, { source_id: source.id });
      });
    } catch (error) {
      // A racing creator committed first: our `create` of the claim found it present.
      throw isAlreadyExists(error) ? nameTaken(source.name) : error;
    }
  }

  async getSource(accountId: string, id: string): Promise<Source | null> {
    const snapshot = await this.source(accountId, id).get();
    return snapshot.exists ? readSource(snapshot.data()) : null;
  }

  async findSourceByName(accountId: string, name: string): Promise<Source | null> {
    const sources = this.account(accountId).collection('sources');
    const snapshot = await sources.where('name', '==', name).limit(1).get();
    const [doc] = snapshot.docs;
    return doc === undefined ? null : readSource(doc.data());
  }

  async listSources(accountId: string): Promise<Source[]> {
    const snapshot = await this.account(accountId).collection('sources').orderBy('name').get();
    return snapshot.docs.map((doc) => readSource(doc.data()));
  }

  async updateSource(accountId: string, id: string, patch: SourcePatch): Promise<Source | null> {
    const ref = this.source(accountId, id);
    return this.db.runTransaction(async (tx) => {
      const current = await this.readInTransaction(tx, ref);
      if (current === null) return null;
      const next = applySourcePatch(current, patch);
      if (next.name !== current.name) {
        const claim = this.nameClaim(accountId, next.name);
        if ((await tx.get(claim)).exists) throw nameTaken(next.name);
        tx.delete(this.nameClaim(accountId, current.name));
        tx.create(claim, { source_id: id });
      }
      tx.set(ref, sourceToStored(next));
      return next;
    });
  }

  async deleteSource(accountId: string, id: string): Promise<boolean> {
    const ref = this.source(accountId, id);
    const deleted = await this.db.runTransaction(async (tx) => {
      const current = await this.readInTransaction(tx, ref);
      if (current === null) return false;
      tx.delete(ref);
      tx.delete(this.nameClaim(accountId, current.name));
      return true;
    });
    // Subcollections outlive their parent document in Firestore; remove them explicitly.
    if (deleted) await this.db.recursiveDelete(this.rejected(accountId, id));
    return deleted;
  }

  /** `update` may run more than once: Firestore retries a transaction that lost a race. */
  async updateSourceSchema(
    accountId: string,
    sourceId: string,
    update: (current: SourceSchema) => SourceSchema,
  ): Promise<SourceSchema | null> {
    const ref = this.source(accountId, sourceId);
    return this.db.runTransaction(
      async (tx) => {
        const current = await this.readInTransaction(tx, ref);
        if (current === null) return null;
        const next = update(current.schema);
        tx.update(ref, { schema: JSON.stringify(next) });
        return next;
      },
      { maxAttempts: TRANSACTION_ATTEMPTS },
    );
  }

  async addRejected(accountId: string, events: RejectedEvent[]): Promise<void> {
    const documents = events.map((event) => ({
      ref: this.rejected(accountId, event.source_id).doc(),
      data: {
        ...event,
        event: JSON.stringify(event.event),
        expire_at: Timestamp.fromMillis(Date.parse(event.rejected_at) + REJECTED_RETENTION_DAYS * DAY_MS),
      },
    }));
    const groups = batches(documents, ({ data }) => data.event.length + data.reason.length + 200);
    await Promise.all(
      groups.map((group) => {
        const batch = this.db.batch();
        for (const { ref, data } of group) batch.create(ref, data);
        return batch.commit();
      }),
    );
  }

  async listRejected(accountId: string, sourceId: string, limit: number): Promise<RejectedEvent[]> {
    if (limit <= 0) return [];
    const snapshot = await this.rejected(accountId, sourceId).orderBy('rejected_at', 'desc').limit(limit).get();
    return snapshot.docs.map((doc) => parseStored(StoredRejected, doc.data(), 'rejected event'));
  }

  /** The client belongs to the composition root, which closes it after every store. */
  async close(): Promise<void> {}

  private async readInTransaction(tx: Transaction, ref: DocumentReference): Promise<Source | null> {
    const snapshot = await tx.get(ref);
    return snapshot.exists ? readSource(snapshot.data()) : null;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
