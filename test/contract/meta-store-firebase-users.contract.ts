/** The Firebase-user part of the MetaStore contract: which account a dashboard user signs in to. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MetaStore } from '../../shared/ports.ts';
import { account } from './meta-store.fixtures.ts';

/** `store` answers the store of the running test. */
export function describeFirebaseUserContract(store: () => MetaStore): void {
  describe('Firebase users', () => {
    it("finds the account a user is linked to, and nobody else's", async () => {
      const [mine, theirs] = [account({ name: 'Mine' }), account({ name: 'Theirs' })];
      await store().createAccount(mine);
      await store().createAccount(theirs);
      await store().firebaseUsers.link('uid-alice', mine.id);
      await store().firebaseUsers.link('uid-bob', theirs.id);
      expect(await store().firebaseUsers.findAccount('uid-alice')).toEqual(mine);
      expect(await store().firebaseUsers.findAccount('uid-bob')).toEqual(theirs);
    });

    it('answers null for a user never linked', async () => {
      await store().createAccount(account());
      expect(await store().firebaseUsers.findAccount(`uid-${randomUUID()}`)).toBeNull();
    });

    it('moves a user linked again to the new account', async () => {
      const [first, second] = [account(), account()];
      await store().createAccount(first);
      await store().createAccount(second);
      await store().firebaseUsers.link('uid-mover', first.id);
      await store().firebaseUsers.link('uid-mover', second.id);
      expect(await store().firebaseUsers.findAccount('uid-mover')).toEqual(second);
    });

    it('answers null when the linked account does not exist', async () => {
      await store().firebaseUsers.link('uid-orphan', randomUUID());
      expect(await store().firebaseUsers.findAccount('uid-orphan')).toBeNull();
    });

    it('keeps uids that differ only in characters document ids cannot hold apart', async () => {
      const [slash, dot] = [account(), account()];
      await store().createAccount(slash);
      await store().createAccount(dot);
      await store().firebaseUsers.link('a/b', slash.id);
      await store().firebaseUsers.link('a.b', dot.id);
      expect(await store().firebaseUsers.findAccount('a/b')).toEqual(slash);
      expect(await store().firebaseUsers.findAccount('a.b')).toEqual(dot);
      expect(await store().firebaseUsers.findAccount('a')).toBeNull();
    });
  });
}
