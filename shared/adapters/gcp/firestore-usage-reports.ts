/**
 * The Firestore MetaStore's usage reports: `accounts/{accountId}/usage_reports/{period}`.
 * Putting a report is a transaction that reads the stored one first, so a final report is never
 * replaced, even by two report runs racing on different instances.
 */
import type { UsageReport } from '../../billing/model.ts';
import type { PeriodRange } from '../../ports.ts';
import { UsageReportRecord, parseStored } from '../meta-records.ts';
import { encodeDocId, type FirestoreDatabase } from './firestore.ts';

const readReport = (value: unknown) => parseStored(UsageReportRecord, value, 'usage report');

export class FirestoreUsageReports {
  constructor(private readonly database: FirestoreDatabase) {}

  private reports(accountId: string) {
    return this.database.firestore.collection('accounts').doc(encodeDocId(accountId)).collection('usage_reports');
  }

  put(report: UsageReport): Promise<UsageReport> {
    const ref = this.reports(report.account_id).doc(encodeDocId(report.period));
    return this.database.firestore.runTransaction(async (tx) => {
      const stored = await tx.get(ref);
      if (stored.exists) {
        const existing = readReport(stored.data());
        if (existing.final) return existing;
      }
      tx.set(ref, report);
      return report;
    });
  }

  async list(accountId: string, range: PeriodRange = {}): Promise<UsageReport[]> {
    let query = this.reports(accountId).orderBy('period');
    if (range.from !== undefined) query = query.where('period', '>=', range.from);
    if (range.to !== undefined) query = query.where('period', '<=', range.to);
    const snapshot = await query.get();
    return snapshot.docs.map((doc) => readReport(doc.data()));
  }

  markDelivered(accountId: string, period: string, deliveredAt: string): Promise<boolean> {
    const ref = this.reports(accountId).doc(encodeDocId(period));
    return this.database.firestore.runTransaction(async (tx) => {
      if (!(await tx.get(ref)).exists) return false;
      tx.update(ref, { delivered_at: deliveredAt });
      return true;
    });
  }
}
