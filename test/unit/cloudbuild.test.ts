/**
 * cloudbuild.yaml, read as Cloud Build reads it: every function functions/routes.ts registers is
 * deployed (gen2, nodejs22, the right target, region and memory from substitutions, min instances
 * 0, its own service account, an environment the config accepts), only the public ones are
 * publicly invokable, ingest can group-commit, tests run before anything is deployed, and
 * Firebase Hosting sends every public route to the function that serves it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/routes.ts';
import { buildApp } from '../../functions/http/app.ts';
import { loadConfig } from '../../shared/config.ts';
import type { AppContext } from '../../shared/context.ts';
import {
  BUILT_INS,
  ROOT,
  loadCloudBuild,
  runsAfter,
  stepCommand,
  substitute,
  substitutionsUsed,
  type BuildStep,
} from '../support/cloudbuild.ts';

const build = loadCloudBuild();
const values = { ...BUILT_INS, ...build.substitutions };
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
/** Reached by users and machines from the internet; every other function is private. */
const PUBLIC: FunctionName[] = ['ingest', 'api', 'web'];

function deployStep(name: string): BuildStep {
  const steps = build.steps.filter((step) => step.args[0] === 'functions' && step.args[1] === 'deploy' && step.args[2] === name);
  expect(steps, `deploy steps for ${name}`).toHaveLength(1);
  return steps[0]!;
}

/** The value of `--flag=value` in a step's args (substituted), or undefined. */
function flag(step: BuildStep, name: string): string | undefined {
  const found = step.args.filter((arg) => arg.startsWith(`${name}=`));
  expect(found.length, `${name} given at most once`).toBeLessThanOrEqual(1);
  return found[0] === undefined ? undefined : substitute(found[0].slice(name.length + 1), values);
}

/** The environment a function is deployed with: its env vars, and secrets as placeholders. */
function environment(step: BuildStep): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (flag(step, '--set-env-vars') ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  for (const pair of (flag(step, '--set-secrets') ?? '').split(',').filter(Boolean)) {
    env[pair.slice(0, pair.indexOf('='))] = 'secret-from-secret-manager';
  }
  return env;
}

const runUrl = (service: string) => `https://${service}-${BUILT_INS.PROJECT_NUMBER}.${values._REGION}.run.app`;
const account = (name: string) => `kindling-${name}@${BUILT_INS.PROJECT_ID}.iam.gserviceaccount.com`;

describe('cloudbuild.yaml: functions', () => {
  it('deploys every function functions/routes.ts registers, and no other', () => {
    const deployed = build.steps.filter((s) => s.args[0] === 'functions' && s.args[1] === 'deploy').map((s) => s.args[2]);
    expect(deployed.sort()).toEqual([...NAMES].sort());
  });

  it.each(NAMES)('deploys %s as a gen2 nodejs22 function with its own target, region, memory and identity', (name) => {
    const step = deployStep(name);
    expect(step.entrypoint).toBe('gcloud');
    expect(step.args).toContain('--gen2');
    expect(step.args).toContain('--trigger-http');
    expect(flag(step, '--runtime')).toBe('nodejs22');
    expect(flag(step, '--entry-point')).toBe(name);
    expect(step.args).toContain('--region=$_REGION');
    expect(step.args).toContain('--memory=$_MEMORY');
    expect(flag(step, '--min-instances')).toBe('0');
    expect(flag(step, '--source')).toBe('.');
    expect(flag(step, '--service-account')).toBe(account(name));
  });

  it.each(NAMES)('gives %s an environment the GCP configuration accepts', (name) => {
    const env = environment(deployStep(name));
    const config = loadConfig(env);
    expect(config.KINDLING_BACKEND).toBe('gcp');
    expect(config.GCP_PROJECT).toBe(BUILT_INS.PROJECT_ID);
    expect(config.SINK_URL).toBe(runUrl('sink'));
    expect(config.TASKS_SERVICE_ACCOUNT).toBe(account('tasks'));
    expect(config.BILLING_URL).toBe(runUrl('billing'));
    expect(config.SCHEDULER_SERVICE_ACCOUNT).toBe(account('scheduler'));
    expect(config.FIREBASE_AUTH_EMULATOR_HOST).toBeUndefined();
  });

  it.each(NAMES)('makes %s publicly invokable only if it is a public function', (name) => {
    const step = deployStep(name);
    const isPublic = PUBLIC.includes(name);
    expect(step.args.includes('--allow-unauthenticated')).toBe(isPublic);
    expect(step.args.includes('--no-allow-unauthenticated')).toBe(!isPublic);
    // Trusting Cloud Run's check of the caller only makes sense where Cloud Run checks callers.
    if (loadConfig(environment(step)).TRUST_CLOUD_RUN_IAM) expect(isPublic).toBe(false);
  });

  it('keeps sink, billing and admin private, the sink and billing behind their callers', () => {
    for (const name of ['sink', 'billing', 'admin']) expect(deployStep(name).args).toContain('--no-allow-unauthenticated');
    for (const name of ['sink', 'billing']) expect(loadConfig(environment(deployStep(name))).TRUST_CLOUD_RUN_IAM).toBe(true);
    expect(environment(deployStep('admin')).KINDLING_ADMIN_TOKEN).toBeDefined();
    expect(environment(deployStep('billing')).KINDLING_ADMIN_TOKEN).toBeDefined();
  });

  it('lets ingest take many requests per instance so that group commit has company', () => {
    const step = deployStep('ingest');
    expect(Number(flag(step, '--concurrency'))).toBeGreaterThan(1);
    // Cloud Run functions need a whole CPU for concurrency above 1.
    expect(Number(flag(step, '--cpu'))).toBeGreaterThanOrEqual(1);
  });

  it('gives every function that takes concurrent requests a whole CPU', () => {
    for (const name of NAMES) {
      const step = deployStep(name);
      if (Number(flag(step, '--concurrency') ?? '1') > 1) expect(Number(flag(step, '--cpu')), name).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('cloudbuild.yaml: order and substitutions', () => {
  it('runs the whole test suite, with the emulator available, before anything is deployed or changed', () => {
    const test = build.steps.find((step) => step.id === 'test')!;
    expect(stepCommand(test)).toMatch(/\bvitest run\b/);
    expect(test.env).toContain('CI=true');
    expect(test.name).toMatch(/^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:emulators$/);
    const install = build.steps.find((step) => step.id === 'install')!;
    expect(stepCommand(install)).toMatch(/^npm ci\b/);
    expect(runsAfter(build, 'test')).toContain('install');

    const changing = build.steps.filter((step) => !['install', 'test', 'typecheck', 'build'].includes(step.id));
    expect(changing.length).toBeGreaterThan(NAMES.length);
    for (const step of changing) {
      for (const check of ['test', 'typecheck', 'build']) expect(runsAfter(build, step.id), step.id).toContain(check);
    }
    expect(stepCommand(build.steps.find((step) => step.id === 'typecheck')!)).toBe('npm run typecheck');
  });

  it('declares every substitution it uses and uses every one it declares', () => {
    const text = readFileSync(path.join(ROOT, 'cloudbuild.yaml'), 'utf8').replace(/^\s*#.*$/gm, '');
    const used = new Set(substitutionsUsed(text));
    for (const name of used) expect(name in values, `${name} is declared or built in`).toBe(true);
    for (const name of Object.keys(build.substitutions)) {
      expect(name.startsWith('_')).toBe(true);
      expect(used.has(name), `${name} is used`).toBe(true);
    }
  });

  it('escapes every shell variable of its scripts from substitution', () => {
    for (const step of build.steps) expect(() => substitute(stepCommand(step), values), step.id).not.toThrow();
  });

  it('runs as the dedicated deployer account', () => {
    expect(build.serviceAccount).toBe('projects/$PROJECT_ID/serviceAccounts/kindling-deployer@$PROJECT_ID.iam.gserviceaccount.com');
    expect(build.options.logging).toBe('CLOUD_LOGGING_ONLY');
  });
});

describe('cloudbuild.yaml: infrastructure', () => {
  const script = (id: string) => substitute(stepCommand(build.steps.find((step) => step.id === id)!), values);

  it('creates or updates the Cloud Tasks queue with its rate and retry configuration', () => {
    const text = script('tasks-queue');
    expect(text).toContain(`gcloud tasks queues describe ${values._QUEUE} --location=${values._REGION}`);
    expect(text).toMatch(/gcloud tasks queues \$verb /);
    for (const setting of ['--max-dispatches-per-second=500', '--max-attempts=', '--min-backoff=', '--max-backoff=']) {
      expect(text).toContain(setting);
    }
  });

  it("calls the billing report daily with kindling-scheduler's OIDC token for the billing function's URL", () => {
    const text = script('billing-schedule');
    expect(text).toContain(`--oidc-service-account-email=${account('scheduler')}`);
    expect(text).toContain('--oidc-token-audience=$billing');
    expect(text).toContain('--uri=$billing/billing/report');
    expect(text).toContain(`billing=${runUrl('billing')}`);
    expect(text).toContain(`--schedule='${values._BILLING_SCHEDULE}'`);
    expect(values._BILLING_SCHEDULE).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(text).toMatch(/scheduler jobs create http kindling-billing-report/);
    expect(text).toMatch(/scheduler jobs update http kindling-billing-report/);
  });

  it('lets each Google caller invoke its own private function only', () => {
    const text = script('invokers');
    expect(text).toMatch(new RegExp(`add-invoker-policy-binding sink [^\\n]*\\n?[^\\n]*serviceAccount:${account('tasks')}`));
    expect(text).toMatch(new RegExp(`add-invoker-policy-binding billing [^\\n]*\\n?[^\\n]*serviceAccount:${account('scheduler')}`));
    expect(text).not.toContain('allUsers');
  });

  it('makes sure the BigQuery dataset exists', () => {
    const text = script('bigquery-dataset');
    expect(text).toContain(`bq --project_id=${BUILT_INS.PROJECT_ID} show --dataset ${BUILT_INS.PROJECT_ID}:${values._DATASET}`);
    expect(text).toContain(`--location=${values._BIGQUERY_LOCATION} mk --dataset`);
  });

  it('deploys the Firestore rules and indexes that firebase.json names', () => {
    expect(script('firebase')).toMatch(/firebase-tools@\d+ deploy --only firestore,hosting --project=demo-project --non-interactive/);
    const firebase = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8'));
    expect(firebase.firestore).toEqual({ rules: 'firestore.rules', indexes: 'firestore.indexes.json' });
    expect(existsSync(path.join(ROOT, firebase.firestore.rules))).toBe(true);
    expect(existsSync(path.join(ROOT, firebase.firestore.indexes))).toBe(true);
  });
});

describe('firebase.json: Hosting, one origin for the dashboard, the API and ingest', () => {
  interface Rewrite {
    source: string;
    run: { serviceId: string; region: string };
  }
  const hosting = JSON.parse(readFileSync(path.join(ROOT, 'firebase.json'), 'utf8')).hosting as {
    public: string;
    ignore: string[];
    rewrites: Rewrite[];
  };

  /** Firebase Hosting's glob: `**` any number of segments, `*` one segment. */
  const matches = (glob: string, urlPath: string) =>
    new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`).test(urlPath);
  const target = (urlPath: string) => hosting.rewrites.find((rewrite) => matches(rewrite.source, urlPath))?.run.serviceId;
  const stub = { config: loadConfig({}) } as AppContext;

  it.each(PUBLIC)('sends every route of %s to that function', (name) => {
    const routes = buildApp(stub, FUNCTIONS[name]).routes.filter((route) => route.path !== '/health');
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) {
      const sample = route.path.replace(/:\w+/g, 'x').replace(/\*/g, 'x');
      expect(target(sample), `${route.method} ${route.path}`).toBe(name);
    }
  });

  it('sends nothing to a private function, and publishes no file from the build output', () => {
    const targets = new Set(hosting.rewrites.map((rewrite) => rewrite.run.serviceId));
    for (const name of targets) expect(PUBLIC).toContain(name);
    expect(hosting.ignore).toEqual(['**']);
  });

  it('rewrites to the region the build deploys to', () => {
    for (const rewrite of hosting.rewrites) expect(rewrite.run.region).toBe('us-central1');
    const step = build.steps.find((s) => s.id === 'firebase')!;
    expect(substitute(stepCommand(step), { ...values, _REGION: 'europe-west1' })).toContain(
      `sed -i 's/"region": "us-central1"/"region": "europe-west1"/' firebase.json`,
    );
  });
});
