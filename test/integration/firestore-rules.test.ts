/**
 * firestore.rules on the official emulator, through @firebase/rules-unit-testing: for every
 * collection Kindling's Firestore adapters use, no client (signed out, signed in to the account
 * the documents belong to, or to another account) may read one document, list the collection,
 * create, change or delete anything. The documents exist (written with rules disabled), so every
 * refusal is the rules' doing, not a missing document's.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { setLogLevel } from 'firebase/firestore';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testProjectId } from '../support/firestore-emulator.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const emulatorHost = inject('firestoreEmulatorHost');

const OWN = 'account-alice';
const FOREIGN = 'account-bob';

/** One document per collection the adapters use, under the given account where they nest. */
function documents(accountId: string, uid: string): Record<string, string> {
  const account = `accounts/${accountId}`;
  return {
    accounts: account,
    sources: `${account}/sources/source-1`,
    source_names: `${account}/source_names/my-app`,
    rejected: `${account}/sources/source-1/rejected/rejected-1`,
    usage_reports: `${account}/usage_reports/2026-01-05`,
    endpoints: `${account}/endpoints/endpoint-1`,
    endpoint_names: `${account}/endpoint_names/errors`,
    rules: `${account}/rules/rule-1`,
    api_keys: `api_keys/hash-of-${accountId}`,
    counters: `counters/src:${accountId}:s:1764240000/shards/instance-1`,
    shards: `counters/acct:${accountId}:events:d:2026-01-05/shards/instance-2`,
    firebase_users: `firebase_users/${uid}`,
  };
}

/** What the adapters store there, roughly: enough that a read has something to refuse. */
function content(accountId: string): Record<string, unknown> {
  return { id: 'x', account_id: accountId, name: 'my-app', n: 1, period: '2026-01-05', hash: 'abc' };
}

/** Every `collection('…')` the Firestore adapters name. */
function collectionsInAdapters(): Set<string> {
  const dir = path.join(ROOT, 'shared/adapters/gcp');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    for (const match of text.matchAll(/\.collection\(\s*'([^']+)'\s*\)/g)) names.add(match[1]!);
  }
  return names;
}

const parentCollection = (docPath: string) => docPath.slice(0, docPath.lastIndexOf('/'));

describe.skipIf(emulatorHost === undefined)('firestore.rules', () => {
  let env: RulesTestEnvironment;

  beforeAll(async () => {
    // Every refusal is expected here; the SDK would log each one as an error.
    setLogLevel('silent');
    const [host, port] = emulatorHost!.split(':');
    env = await initializeTestEnvironment({
      projectId: `demo-${testProjectId()}`,
      firestore: { host: host!, port: Number(port), rules: readFileSync(path.join(ROOT, 'firestore.rules'), 'utf8') },
    });
    await env.withSecurityRulesDisabled(async (admin) => {
      for (const [accountId, uid] of [
        [OWN, 'alice'],
        [FOREIGN, 'bob'],
      ] as const) {
        for (const docPath of Object.values(documents(accountId, uid))) {
          await admin.firestore().doc(docPath).set(content(accountId));
        }
      }
    });
  });

  afterAll(async () => {
    await env?.cleanup();
  });

  it('covers every collection the Firestore adapters use', () => {
    const covered = new Set(Object.values(documents(OWN, 'alice')).flatMap((docPath) => docPath.split('/').filter((_, i) => i % 2 === 0)));
    for (const name of collectionsInAdapters()) expect(covered, `collection "${name}"`).toContain(name);
  });

  it('has the documents in place (read with rules disabled)', async () => {
    await env.withSecurityRulesDisabled(async (admin) => {
      for (const docPath of Object.values(documents(OWN, 'alice'))) {
        expect((await admin.firestore().doc(docPath).get()).exists, docPath).toBe(true);
      }
    });
  });

  const clients: [string, () => RulesTestContext][] = [
    ['a signed-out client', () => env.unauthenticatedContext()],
    ['the signed-in user of the account', () => env.authenticatedContext('alice', { email: 'alice@example.com', email_verified: true })],
    ['a signed-in user of another account', () => env.authenticatedContext('bob', { email: 'bob@example.com', email_verified: true })],
  ];

  describe.each(clients)('%s', (_who, client) => {
    const cases = Object.entries(documents(OWN, 'alice'));

    it.each(cases)('may not read or list %s', async (_name, docPath) => {
      const db = client().firestore();
      await assertFails(db.doc(docPath).get());
      await assertFails(db.collection(parentCollection(docPath)).get());
      await assertFails(db.collection(parentCollection(docPath)).where('account_id', '==', OWN).get());
    });

    it.each(cases)('may not create, change or delete in %s', async (_name, docPath) => {
      const db = client().firestore();
      await assertFails(db.collection(parentCollection(docPath)).doc('new-document').set({ account_id: OWN }));
      await assertFails(db.doc(docPath).set({ account_id: OWN, name: 'mine now' }));
      await assertFails(db.doc(docPath).update({ n: 1_000_000 }));
      await assertFails(db.doc(docPath).delete());
    });

    it("may not read the other account's documents either", async () => {
      const db = client().firestore();
      for (const docPath of Object.values(documents(FOREIGN, 'bob'))) await assertFails(db.doc(docPath).get());
    });

    it('may not query across accounts through a collection group', async () => {
      const db = client().firestore();
      for (const group of ['sources', 'usage_reports', 'shards', 'rejected']) {
        await assertFails(db.collectionGroup(group).get());
      }
    });
  });

  it('left every document as it was', async () => {
    await env.withSecurityRulesDisabled(async (admin) => {
      for (const docPath of Object.values(documents(OWN, 'alice'))) {
        await assertSucceeds(admin.firestore().doc(docPath).get());
        expect((await admin.firestore().doc(docPath).get()).data(), docPath).toEqual(content(OWN));
      }
      expect((await admin.firestore().doc('accounts/account-alice/sources/new-document').get()).exists).toBe(false);
    });
  });
});
