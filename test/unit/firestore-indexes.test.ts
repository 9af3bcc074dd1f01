/**
 * firestore.indexes.json against the queries the Firestore adapters make. Each query below is
 * one the code makes today; the test reads the adapters' `.where(…)`/`.orderBy(…)` calls, so a
 * new or changed query fails here until it is listed, and a query on more than one field (which
 * Firestore serves only from a composite index) must have its index in the file. Field overrides
 * (index exemptions, the TTL policy) must not take away an index a query needs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADAPTERS = path.join(ROOT, 'shared/adapters/gcp');

interface Query {
  file: string;
  collectionGroup: string;
  /** Fields in filter/order order, with `==` for equality filters. */
  fields: { field: string; equality: boolean }[];
}

const eq = (field: string) => ({ field, equality: true });
const range = (field: string) => ({ field, equality: false });

const QUERIES: Query[] = [
  { file: 'firestore-meta-store.ts', collectionGroup: 'accounts', fields: [range('id')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'api_keys', fields: [eq('id')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'api_keys', fields: [eq('account_id')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'api_keys', fields: [eq('id')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'sources', fields: [eq('name')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'sources', fields: [range('name')] },
  { file: 'firestore-meta-store.ts', collectionGroup: 'rejected', fields: [range('rejected_at')] },
  { file: 'firestore-endpoints.ts', collectionGroup: 'endpoints', fields: [range('name')] },
  // orderBy and both bounds on the same field: one single-field index serves it.
  { file: 'firestore-usage-reports.ts', collectionGroup: 'usage_reports', fields: [range('period'), range('period'), range('period')] },
];

interface IndexFile {
  indexes: { collectionGroup: string; queryScope: string; fields: { fieldPath: string }[] }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: unknown[] }[];
}

const indexFile = JSON.parse(readFileSync(path.join(ROOT, 'firestore.indexes.json'), 'utf8')) as IndexFile;

/** Every field named by a `.where('f', …)` or `.orderBy('f', …)` call, per adapter file. */
function fieldsQueried(): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const file of readdirSync(ADAPTERS).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(path.join(ADAPTERS, file), 'utf8');
    const fields = [...text.matchAll(/\.(?:where|orderBy)\(\s*'([^']+)'/g)].map((match) => match[1]!);
    if (fields.length > 0) byFile.set(file, fields.sort());
  }
  return byFile;
}

describe('firestore.indexes.json', () => {
  it('knows every query the Firestore adapters make', () => {
    const listed = new Map<string, string[]>();
    for (const query of QUERIES) listed.set(query.file, [...(listed.get(query.file) ?? []), ...query.fields.map((f) => f.field)]);
    for (const fields of listed.values()) fields.sort();
    expect(fieldsQueried()).toEqual(listed);
  });

  it('has a composite index for every query on more than one field', () => {
    for (const query of QUERIES) {
      const distinct = [...new Set(query.fields.map((f) => f.field))];
      if (distinct.length < 2) continue;
      const found = indexFile.indexes.some(
        (index) =>
          index.collectionGroup === query.collectionGroup &&
          distinct.every((field) => index.fields.some((indexed) => indexed.fieldPath === field)),
      );
      expect(found, `${query.collectionGroup}: ${distinct.join(', ')}`).toBe(true);
    }
  });

  it('exempts from indexing no field that a query filters or orders by', () => {
    for (const override of indexFile.fieldOverrides) {
      if (override.indexes.length > 0) continue;
      const used = QUERIES.some(
        (query) => query.collectionGroup === override.collectionGroup && query.fields.some((f) => f.field === override.fieldPath),
      );
      expect(used, `${override.collectionGroup}.${override.fieldPath}`).toBe(false);
    }
  });

  it("expires rejected events by the field the adapter writes (a TTL policy, unindexed)", () => {
    const ttl = indexFile.fieldOverrides.filter((override) => override.ttl);
    expect(ttl).toEqual([{ collectionGroup: 'rejected', fieldPath: 'expire_at', ttl: true, indexes: [] }]);
    const adapter = readFileSync(path.join(ADAPTERS, 'firestore-meta-store.ts'), 'utf8');
    expect(adapter).toMatch(/expire_at: Timestamp\.fromMillis\(/);
  });
});
