/** The Firestore MetaStore's source rules: `accounts/{accountId}/rules/{ruleId}`. */
import type { SourceRule } from '../../rules/model.ts';
import { parseStored } from '../meta-records.ts';
import { RuleRecord, ruleExists } from '../query-records.ts';
import { encodeDocId, isAlreadyExists, type FirestoreDatabase } from './firestore.ts';

export class FirestoreRules {
  constructor(private readonly database: FirestoreDatabase) {}

  private rules(accountId: string) {
    return this.database.firestore.collection('accounts').doc(encodeDocId(accountId)).collection('rules');
  }

  async create(rule: SourceRule): Promise<void> {
    try {
      await this.rules(rule.account_id).doc(encodeDocId(rule.id)).create(rule);
    } catch (error) {
      throw isAlreadyExists(error) ? ruleExists(rule.id) : error;
    }
  }

  async list(accountId: string): Promise<SourceRule[]> {
    const snapshot = await this.rules(accountId).get();
    const rules = snapshot.docs.map((doc) => parseStored(RuleRecord, doc.data(), 'rule'));
    return rules.sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
  }

  delete(accountId: string, id: string): Promise<boolean> {
    const ref = this.rules(accountId).doc(encodeDocId(id));
    return this.database.firestore.runTransaction(async (tx) => {
      if (!(await tx.get(ref)).exists) return false;
      tx.delete(ref);
      return true;
    });
  }
}
