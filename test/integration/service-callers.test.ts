/**
 * The sink takes Cloud Tasks' calls only, and the billing report Cloud Scheduler's (or the
 * operator's): each checks a Google-signed OIDC token, here signed with a locally generated RSA
 * key that the verifier is given as Google's certificate set, so no Google endpoint is involved.
 * Behind Cloud Run's invoker check the token arrives with its signature removed; that is trusted
 * only where configured, and its claims are still checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleServiceCallers } from '../../shared/adapters/gcp/google-service-callers.ts';
import { createAccount } from '../../shared/accounts/provision.ts';
import type { AppContext } from '../../shared/context.ts';
import { loadConfig } from '../../shared/config.ts';
import { openPorts } from '../../shared/composition.ts';
import type { IdTokenVerifier } from '../../shared/ports.ts';
import { encodeTasks } from '../../shared/ingest/task-codec.ts';
import { serialiseEvents } from '../../shared/ingest/serialised.ts';
import { buildApp, type KindlingApp } from '../../functions/http/app.ts';
import { FUNCTIONS } from '../../functions/routes.ts';
import { OPERATOR_TOKEN, gcpAuthContext, googleSigner, signatureRemoved } from '../support/gcp-auth.ts';

const SINK_URL = 'https://sink-123456789012.europe-west1.run.app';
const BILLING_URL = 'https://billing-123456789012.europe-west1.run.app';
const TASKS = 'kindling-tasks@demo-project.iam.gserviceaccount.com';
const SCHEDULER = 'kindling-scheduler@demo-project.iam.gserviceaccount.com';
const nowS = () => Math.floor(Date.now() / 1000);

const google = googleSigner();
const impostor = googleSigner();
const strict = new GoogleServiceCallers({ certificates: google.certificates });
const behindCloudRun = new GoogleServiceCallers({ certificates: google.certificates, trustCloudRunIam: true });

describe('GoogleServiceCallers', () => {
  it("answers the caller's email for a current token for the audience", async () => {
    expect(await strict.verify(google.token(SINK_URL, TASKS), SINK_URL)).toBe(TASKS);
    expect(await strict.verify(google.token(SINK_URL, TASKS, { iss: 'accounts.google.com' }), SINK_URL)).toBe(TASKS);
  });

  it.each([
    ['another audience', () => google.token(BILLING_URL, TASKS)],
    ['another issuer', () => google.token(SINK_URL, TASKS, { iss: 'https://securetoken.google.com/demo-project' })],
    ['an expired token', () => google.token(SINK_URL, TASKS, { iat: nowS() - 7200, exp: nowS() - 3600 })],
    ['a token issued in the future', () => google.token(SINK_URL, TASKS, { iat: nowS() + 3600, exp: nowS() + 7200 })],
    ['a token living more than a day', () => google.token(SINK_URL, TASKS, { exp: nowS() + 3 * 86_400 })],
    ['an unverified email', () => google.token(SINK_URL, TASKS, { email_verified: false })],
    ['no email', () => google.token(SINK_URL, TASKS, { email: undefined })],
    ['a signature by another key', () => impostor.token(SINK_URL, TASKS, {}, 'local-test-key')],
    ['an unknown key id', () => google.token(SINK_URL, TASKS, {}, 'another-key')],
    ['an unsigned token', () => `${google.token(SINK_URL, TASKS).split('.').slice(0, 2).join('.')}.`],
    ['a removed signature, where no invoker check ran', () => signatureRemoved(google.token(SINK_URL, TASKS))],
    ['no JWT at all', () => 'just-a-key'],
  ])('refuses %s', async (_what, token) => {
    expect(await strict.verify(token(), SINK_URL)).toBeNull();
  });

  it("behind Cloud Run's invoker check, accepts a removed signature and still checks every claim", async () => {
    expect(await behindCloudRun.verify(signatureRemoved(google.token(SINK_URL, TASKS)), SINK_URL)).toBe(TASKS);
    for (const claims of [
      { aud: BILLING_URL },
      { iss: 'https://evil.example' },
      { iat: nowS() - 7200, exp: nowS() - 3600 },
      { exp: nowS() + 3 * 86_400 },
      { email_verified: false },
    ]) {
      expect(await behindCloudRun.verify(signatureRemoved(google.token(SINK_URL, TASKS, claims)), SINK_URL), JSON.stringify(claims)).toBeNull();
    }
    expect(await behindCloudRun.verify('e30.bm90IGpzb24.SIGNATURE_REMOVED_BY_GOOGLE', SINK_URL)).toBeNull();
    // A signature that is present is checked, invoker check or not.
    expect(await behindCloudRun.verify(impostor.token(SINK_URL, TASKS, {}, 'local-test-key'), SINK_URL)).toBeNull();
  });

  it('fails loudly (not as a refusal) when the certificates cannot be had', async () => {
    const offline = new GoogleServiceCallers({
      certificates: async () => {
        throw new Error('network down');
      },
    });
    await expect(offline.verify(google.token(SINK_URL, TASKS), SINK_URL)).rejects.toThrow('network down');
  });
});

const noUsers: IdTokenVerifier = { verify: async () => null, close: async () => {} };

describe('the sink and billing functions', () => {
  let ctx: AppContext;
  let sink: KindlingApp;
  let billing: KindlingApp;
  let task: Buffer;

  const post = (app: KindlingApp, url: string, authorization: string | null, body: BodyInit | null) =>
    app.fetch(
      new Request(url, {
        method: 'POST',
        headers: {
          ...(authorization === null ? {} : { authorization: `Bearer ${authorization}` }),
          'content-type': 'application/json',
        },
        body,
      }),
    );
  const deliver = (token: string | null, path = '/') => post(sink, `${SINK_URL}${path}`, token, new Uint8Array(task));
  const report = (token: string | null) => post(billing, `${BILLING_URL}/billing/report`, token, '{}');

  beforeAll(async () => {
    ctx = await gcpAuthContext(
      {
        SINK_URL,
        TASKS_SERVICE_ACCOUNT: TASKS,
        BILLING_URL,
        SCHEDULER_SERVICE_ACCOUNT: SCHEDULER,
      },
      { idTokens: noUsers, serviceCallers: behindCloudRun },
    );
    sink = buildApp(ctx, FUNCTIONS.sink);
    billing = buildApp(ctx, FUNCTIONS.billing);
    const { account } = await createAccount(ctx, { name: 'Acme', plan: 'free' });
    const source = await ctx.sources.create(account, { name: 'app' });
    const event = { id: 'event-1', timestamp: Date.now() * 1000, event_message: 'delivered by Cloud Tasks', body: {} };
    const tasks = await encodeTasks({ account_id: account.id, source_id: source.id, schema: [] }, [serialiseEvents([JSON.stringify(event)])], { maxBytes: 100_000, compression: 'gzip' }, () => 'batch-1');
    expect(tasks).toHaveLength(1);
    task = tasks[0]!.body;
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it("refuses a delivery without Cloud Tasks' token, or with anyone else's", async () => {
    expect((await deliver(null)).status).toBe(401);
    expect((await deliver(google.token(SINK_URL, SCHEDULER))).status).toBe(403);
    expect((await deliver(google.token(BILLING_URL, TASKS))).status).toBe(401);
    expect((await deliver(impostor.token(SINK_URL, TASKS, {}, 'local-test-key'))).status).toBe(401);
    expect((await deliver(OPERATOR_TOKEN)).status).toBe(401);
  });

  it("writes a batch Cloud Tasks delivers with its token, signed or as Cloud Run passes it on", async () => {
    const signed = await deliver(google.token(SINK_URL, TASKS));
    expect(signed.status).toBe(200);
    const passedOn = await deliver(signatureRemoved(google.token(SINK_URL, TASKS)), '/sink');
    expect(passedOn.status).toBe(200);
    const [account] = await ctx.meta.listAccounts({ limit: 10 });
    const [source] = await ctx.meta.listSources(account!.id);
    const events = await ctx.events.listEvents({ accountId: account!.id, sourceId: source!.id }, source!.schema, { limit: 10 });
    expect(events.map((event) => event.event_message)).toEqual(['delivered by Cloud Tasks']);
  });

  it("runs the report for Cloud Scheduler's token and for the operator, for no one else", async () => {
    const scheduled = await report(signatureRemoved(google.token(BILLING_URL, SCHEDULER)));
    expect(scheduled.status).toBe(200);
    expect(await scheduled.json()).toMatchObject({ result: [expect.objectContaining({ final: true })] });
    expect((await report(OPERATOR_TOKEN)).status).toBe(200);

    expect((await report(null)).status).toBe(401);
    expect((await report(google.token(BILLING_URL, TASKS))).status).toBe(401);
    expect((await report(google.token(SINK_URL, SCHEDULER))).status).toBe(401);
    expect((await report('not-the-operator-token')).status).toBe(401);
  });
});

describe('the sink where no verifier is configured (the local twin)', () => {
  it('refuses every call, signed or not', async () => {
    const ctx = await gcpAuthContext({ SINK_URL, TASKS_SERVICE_ACCOUNT: TASKS }, { idTokens: noUsers, serviceCallers: strict });
    try {
      const local = { ...ctx, verifiers: undefined };
      const sink = buildApp(local, FUNCTIONS.sink);
      const response = await sink.fetch(
        new Request(`${SINK_URL}/`, { method: 'POST', headers: { authorization: `Bearer ${google.token(SINK_URL, TASKS)}` }, body: '{}' }),
      );
      expect(response.status).toBe(401);
    } finally {
      await ctx.close();
    }
  });
});

describe('the GCP composition root', () => {
  it("plugs in the verifiers, trusting Cloud Run's check only where configured", async () => {
    const env = { KINDLING_BACKEND: 'gcp', GCP_PROJECT: 'demo-project', SINK_URL, TASKS_SERVICE_ACCOUNT: TASKS };
    const passedOn = signatureRemoved(google.token(SINK_URL, TASKS));
    for (const [trust, expected] of [
      ['true', TASKS],
      ['false', null],
    ] as const) {
      const ports = await openPorts(loadConfig({ ...env, TRUST_CLOUD_RUN_IAM: trust }));
      try {
        expect(ports.verifiers?.idTokens).toBeDefined();
        expect(await ports.verifiers!.serviceCallers.verify(passedOn, SINK_URL)).toBe(expected);
      } finally {
        await ports.dispose();
      }
    }
  });
});
