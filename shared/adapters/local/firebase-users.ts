/** The local MetaStore's links from Firebase Auth users to accounts: `meta_firebase_users`. */
import type { Account } from '../../accounts/model.ts';
import { AccountRecord, parseStored } from '../meta-records.ts';
import type { LocalDatabase } from './database.ts';

export const FIREBASE_USER_TABLE = `CREATE TABLE IF NOT EXISTS meta_firebase_users (
  uid VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL)`;

export class LocalFirebaseUsers {
  constructor(private readonly db: LocalDatabase) {}

  async link(uid: string, accountId: string): Promise<void> {
    await this.db.transaction((connection) =>
      connection.run(
        `INSERT INTO meta_firebase_users (uid, account_id) VALUES ($uid, $accountId)
         ON CONFLICT (uid) DO UPDATE SET account_id = excluded.account_id`,
        { uid, accountId },
      ),
    );
  }

  async findAccount(uid: string): Promise<Account | null> {
    const [row] = await this.db.read(async (connection) =>
      (
        await connection.runAndReadAll(
          `SELECT a.* FROM meta_firebase_users u JOIN meta_accounts a ON a.id = u.account_id WHERE u.uid = $uid`,
          { uid },
        )
      ).getRowObjectsJS(),
    );
    return row === undefined ? null : parseStored(AccountRecord, row, 'account');
  }
}
