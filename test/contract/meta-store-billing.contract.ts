/** The billing part of the MetaStore contract: listing accounts, and usage reports (final ones kept). */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { UsageReport } from '../../shared/billing/model.ts';
import type { MetaStore } from '../../shared/ports.ts';
import { account } from './meta-store.fixtures.ts';

const report = (accountId: string, period: string, overrides: Partial<UsageReport> = {}): UsageReport => ({
  account_id: accountId,
  period,
  plan: 'metered',
  events: 2 ** 40 + 1,
  bytes: 123_456_789_012,
  query_bytes: 7,
  amount: 549_755.813_888,
  final: false,
  computed_at: '2026-01-02T03:04:05.678Z',
  delivered_at: null,
  ...overrides,
});

/** `store` answers the store of the running test. */
export function describeBillingContract(store: () => MetaStore): void {
  describe('listing accounts', () => {
    it('pages through every account ordered by id', async () => {
      const accounts = Array.from({ length: 5 }, () => account());
      for (const created of accounts) await store().createAccount(created);
      const sorted = [...accounts].sort((a, b) => (a.id < b.id ? -1 : 1));
      const first = await store().listAccounts({ limit: 2 });
      expect(first).toEqual(sorted.slice(0, 2));
      expect(await store().listAccounts({ after: first[1]!.id, limit: 2 })).toEqual(sorted.slice(2, 4));
      expect(await store().listAccounts({ after: sorted[3]!.id, limit: 2 })).toEqual(sorted.slice(4));
      expect(await store().listAccounts({ after: sorted[4]!.id, limit: 2 })).toEqual([]);
    });
  });

  describe('usage reports', () => {
    it('round-trips a report, large counts and fractional amounts included', async () => {
      const stored = report(randomUUID(), '2026-01-05');
      expect(await store().usageReports.put(stored)).toEqual(stored);
      expect(await store().usageReports.list(stored.account_id)).toEqual([stored]);
    });

    it('replaces a provisional report with a later computation', async () => {
      const owner = randomUUID();
      await store().usageReports.put(report(owner, '2026-01-05', { events: 10 }));
      const later = report(owner, '2026-01-05', { events: 25, computed_at: '2026-01-05T12:00:00.000Z' });
      expect(await store().usageReports.put(later)).toEqual(later);
      const final = report(owner, '2026-01-05', { events: 30, final: true });
      expect(await store().usageReports.put(final)).toEqual(final);
      expect(await store().usageReports.list(owner)).toEqual([final]);
    });

    it('never overwrites a final report, and answers with the stored one', async () => {
      const owner = randomUUID();
      const final = report(owner, '2026-01-05', { events: 30, amount: 0.000015, final: true });
      await store().usageReports.put(final);
      expect(await store().usageReports.put(report(owner, '2026-01-05', { events: 99, final: true }))).toEqual(final);
      expect(await store().usageReports.put(report(owner, '2026-01-05', { events: 1 }))).toEqual(final);
      expect(await store().usageReports.list(owner)).toEqual([final]);
    });

    it("lists one account's reports oldest first, within an inclusive range", async () => {
      const owner = randomUUID();
      const periods = ['2026-02-01', '2026-01-30', '2026-01-31', '2026-01-29'];
      for (const period of periods) await store().usageReports.put(report(owner, period));
      await store().usageReports.put(report(randomUUID(), '2026-01-31'));
      const listed = (range?: { from?: string; to?: string }) =>
        store()
          .usageReports.list(owner, range)
          .then((reports) => reports.map((r) => r.period));
      expect(await listed()).toEqual(['2026-01-29', '2026-01-30', '2026-01-31', '2026-02-01']);
      expect(await listed({ from: '2026-01-30', to: '2026-01-31' })).toEqual(['2026-01-30', '2026-01-31']);
      expect(await listed({ from: '2026-01-31' })).toEqual(['2026-01-31', '2026-02-01']);
      expect(await listed({ to: '2026-01-29' })).toEqual(['2026-01-29']);
      expect(await store().usageReports.list(randomUUID())).toEqual([]);
    });

    it('records a delivery, and keeps it when the final report is put again', async () => {
      const owner = randomUUID();
      const final = report(owner, '2026-01-05', { final: true });
      await store().usageReports.put(final);
      expect(await store().usageReports.markDelivered(owner, '2026-01-05', '2026-01-06T00:10:00.000Z')).toBe(true);
      const delivered = { ...final, delivered_at: '2026-01-06T00:10:00.000Z' };
      expect(await store().usageReports.put(final)).toEqual(delivered);
      expect(await store().usageReports.list(owner)).toEqual([delivered]);
      expect(await store().usageReports.markDelivered(owner, '2026-01-06', '2026-01-07T00:10:00.000Z')).toBe(false);
      expect(await store().usageReports.markDelivered(randomUUID(), '2026-01-05', '2026-01-07T00:10:00.000Z')).toBe(false);
    });
  });
}
