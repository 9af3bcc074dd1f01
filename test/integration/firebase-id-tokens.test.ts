/**
 * Dashboard sign-in on GCP: the API takes a Firebase ID token as its bearer credential, checks it
 * with firebase-admin's `verifyIdToken` and acts for the account the user is linked to; API keys
 * keep working beside it. firebase-admin runs in Auth emulator mode (FIREBASE_AUTH_EMULATOR_HOST,
 * set in this test process only): it accepts the emulator's unsigned tokens but still checks
 * their project, issuer, times and subject, and asks the emulator (a fake of its user lookup)
 * whether the user is disabled or revoked.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FirebaseIdTokens } from '../../shared/adapters/gcp/firebase-id-tokens.ts';
import { GoogleServiceCallers } from '../../shared/adapters/gcp/google-service-callers.ts';
import { createAccount } from '../../shared/accounts/provision.ts';
import type { AppContext } from '../../shared/context.ts';
import { loadConfig } from '../../shared/config.ts';
import { buildApp, type KindlingApp } from '../../functions/http/app.ts';
import { FUNCTIONS } from '../../functions/routes.ts';
import type { HttpFake } from '../support/fakes/http-fake.ts';
import { OPERATOR_TOKEN, emulatorIdToken, fakeAuthEmulator, gcpAuthContext } from '../support/gcp-auth.ts';

const PROJECT = 'demo-kindling-auth';
const nowS = () => Math.floor(Date.now() / 1000);

let emulator: HttpFake;
let idTokens: FirebaseIdTokens;

beforeAll(async () => {
  emulator = fakeAuthEmulator(PROJECT, [
    { uid: 'alice' },
    { uid: 'bob' },
    { uid: 'carol' },
    { uid: 'disabled-dan', disabled: true },
    { uid: 'revoked-rita', validSince: nowS() + 60 },
  ]);
  await emulator.listen();
  vi.stubEnv('FIREBASE_AUTH_EMULATOR_HOST', new URL(emulator.url).host);
  idTokens = new FirebaseIdTokens(PROJECT);
});

afterAll(async () => {
  await idTokens?.close();
  await emulator?.close();
  vi.unstubAllEnvs();
});

describe('FirebaseIdTokens (firebase-admin verifyIdToken)', () => {
  it("answers the token's user", async () => {
    expect(await idTokens.verify(emulatorIdToken(PROJECT, 'alice'))).toEqual({ uid: 'alice', email: 'alice@example.com' });
    expect(emulator.count('accounts.lookup')).toBeGreaterThan(0);
  });

  it.each([
    ['another project', { aud: 'someone-else', iss: 'https://securetoken.google.com/someone-else' }],
    ['another issuer', { iss: 'https://accounts.google.com' }],
    ['an expired token', { iat: nowS() - 7200, auth_time: nowS() - 7200, exp: nowS() - 3600 }],
    ['an empty subject', { sub: '' }],
  ])('refuses %s', async (_what, claims) => {
    expect(await idTokens.verify(emulatorIdToken(PROJECT, 'alice', claims))).toBeNull();
  });

  it('refuses a disabled user, a revoked token and a user the emulator does not know', async () => {
    expect(await idTokens.verify(emulatorIdToken(PROJECT, 'disabled-dan'))).toBeNull();
    expect(await idTokens.verify(emulatorIdToken(PROJECT, 'revoked-rita'))).toBeNull();
    expect(await idTokens.verify(emulatorIdToken(PROJECT, 'nobody'))).toBeNull();
  });

  it('refuses what is not a JWT at all', async () => {
    expect(await idTokens.verify('not-a-token')).toBeNull();
    expect(await idTokens.verify('a.b.c')).toBeNull();
  });

  it('will not run with the emulator switch on Cloud Run', () => {
    expect(() => loadConfig({ FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099', K_SERVICE: 'api' })).toThrow(
      /FIREBASE_AUTH_EMULATOR_HOST/,
    );
  });
});

describe('the API with Firebase sign-in', () => {
  let ctx: AppContext;
  let api: KindlingApp;
  let admin: KindlingApp;
  let ingest: KindlingApp;
  let aliceAccount: string;
  let bobKey: string;
  let dottedKey: string;

  const call = (app: KindlingApp, method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
    app.fetch(
      new Request(`http://kindling.test${url}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const link = (accountId: string, uid: string) =>
    call(admin, 'PUT', `/admin/accounts/${accountId}/firebase-users/${uid}`, bearer(OPERATOR_TOKEN));

  beforeAll(async () => {
    ctx = await gcpAuthContext({}, { idTokens, serviceCallers: new GoogleServiceCallers({ certificates: async () => ({}) }) });
    api = buildApp(ctx, FUNCTIONS.api);
    admin = buildApp(ctx, FUNCTIONS.admin);
    ingest = buildApp(ctx, FUNCTIONS.ingest);
    aliceAccount = (await createAccount(ctx, { name: 'Alice Ltd', plan: 'free' })).account.id;
    const bob = await createAccount(ctx, { name: 'Bob Inc', plan: 'free' });
    bobKey = bob.secret;
    // An operator may pick any text as a key; one shaped like a JWT must still work as a key.
    dottedKey = 'operator.chosen.key';
    await createAccount(ctx, { name: 'Dotted', plan: 'free', secret: dottedKey });
    expect((await link(aliceAccount, 'alice')).status).toBe(204);
    expect((await link(bob.account.id, 'bob')).status).toBe(204);
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it("serves a signed-in user their own account, with every scope on it", async () => {
    const response = await call(api, 'GET', '/api/account', bearer(emulatorIdToken(PROJECT, 'alice')));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: aliceAccount, name: 'Alice Ltd' });
    const created = await call(api, 'POST', '/api/sources', bearer(emulatorIdToken(PROJECT, 'alice')), { name: 'alice-app' });
    expect(created.status).toBe(201);
  });

  it("never shows one user another account's sources", async () => {
    const sources = await call(api, 'GET', '/api/sources', bearer(emulatorIdToken(PROJECT, 'bob')));
    expect(sources.status).toBe(200);
    expect(JSON.stringify(await sources.json())).not.toContain('alice-app');
    const aliceSources = (await (await call(api, 'GET', '/api/sources', bearer(emulatorIdToken(PROJECT, 'alice')))).json()) as {
      id: string;
    }[];
    const foreign = await call(api, 'GET', `/api/sources/${aliceSources[0]!.id}`, bearer(emulatorIdToken(PROJECT, 'bob')));
    expect(foreign.status).toBe(404);
  });

  it('answers 403 to a valid user no account is linked to, until the operator links one', async () => {
    const before = await call(api, 'GET', '/api/account', bearer(emulatorIdToken(PROJECT, 'carol')));
    expect(before.status).toBe(403);
    expect(await before.json()).toMatchObject({ error: 'forbidden' });
    expect((await link(aliceAccount, 'carol')).status).toBe(204);
    const after = await call(api, 'GET', '/api/account', bearer(emulatorIdToken(PROJECT, 'carol')));
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ id: aliceAccount });
  });

  it('lets only the operator link users, and only to accounts that exist', async () => {
    const byUser = await call(admin, 'PUT', `/admin/accounts/${aliceAccount}/firebase-users/mallory`, bearer(emulatorIdToken(PROJECT, 'alice')));
    expect(byUser.status).toBe(401);
    const byKey = await call(admin, 'PUT', `/admin/accounts/${aliceAccount}/firebase-users/mallory`, bearer(bobKey));
    expect(byKey.status).toBe(401);
    expect((await link('00000000-0000-4000-8000-00000000dead', 'mallory')).status).toBe(404);
  });

  it('answers 401 to a token that fails verification, and to none', async () => {
    for (const token of [
      emulatorIdToken('someone-else', 'alice'),
      emulatorIdToken(PROJECT, 'disabled-dan'),
      emulatorIdToken(PROJECT, 'alice', { exp: nowS() - 600, iat: nowS() - 4000, auth_time: nowS() - 4000 }),
    ]) {
      const response = await call(api, 'GET', '/api/account', bearer(token));
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'Unauthorized' });
    }
    expect((await call(api, 'GET', '/api/account')).status).toBe(401);
  });

  it('keeps API keys working, in every place a key may be presented, JWT-shaped ones included', async () => {
    expect((await call(api, 'GET', '/api/account', bearer(bobKey))).status).toBe(200);
    expect((await call(api, 'GET', '/api/account', { 'x-api-key': bobKey })).status).toBe(200);
    expect((await call(api, 'GET', `/api/account?api_key=${bobKey}`)).status).toBe(200);
    const dotted = await call(api, 'GET', '/api/account', bearer(dottedKey));
    expect(dotted.status).toBe(200);
    expect(await dotted.json()).toMatchObject({ name: 'Dotted' });
  });

  it('takes a signed-in user on the ingest routes too', async () => {
    const response = await call(
      ingest,
      'POST',
      '/logs?source_name=alice-app',
      bearer(emulatorIdToken(PROJECT, 'alice')),
      { message: 'from the dashboard' },
    );
    expect(response.status).toBe(200);
  });
});
