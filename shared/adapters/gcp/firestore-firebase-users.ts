/**
 * The Firestore MetaStore's links from Firebase Auth users to accounts:
 *   firebase_users/{encoded uid}   `{ uid, account_id }`
 * One document per user, read by id when a dashboard request arrives: no query, no index.
 */
import { z } from 'zod';
import type { Account } from '../../accounts/model.ts';
import { AccountRecord, parseStored } from '../meta-records.ts';
import { encodeDocId, type FirestoreDatabase } from './firestore.ts';

const UserLinkRecord = z.object({ uid: z.string(), account_id: z.string() });

export class FirestoreFirebaseUsers {
  constructor(private readonly database: FirestoreDatabase) {}

  private get db() {
    return this.database.firestore;
  }

  async link(uid: string, accountId: string): Promise<void> {
    await this.db.collection('firebase_users').doc(encodeDocId(uid)).set({ uid, account_id: accountId });
  }

  async findAccount(uid: string): Promise<Account | null> {
    const link = await this.db.collection('firebase_users').doc(encodeDocId(uid)).get();
    if (!link.exists) return null;
    const { account_id } = parseStored(UserLinkRecord, link.data(), 'Firebase user link');
    const account = await this.db.collection('accounts').doc(encodeDocId(account_id)).get();
    return account.exists ? parseStored(AccountRecord, account.data(), 'account') : null;
  }
}
