/**
 * cloudbuild.yaml's shell steps run for real (bash, after Cloud Build's substitution) against
 * stand-ins of gcloud, bq and npx: on a fresh project they create the dataset, the queue and the
 * billing job; run again they update what exists and create nothing, so a re-deploy is safe.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_INS, ROOT, loadCloudBuild, stepCommand, substitute } from '../support/cloudbuild.ts';
import { fakeCli, type FakeCli } from '../support/fake-cli.ts';

const build = loadCloudBuild();
const values = { ...BUILT_INS, ...build.substitutions, _REGION: 'europe-west1' };
const scripted = build.steps.filter((step) => step.entrypoint === 'bash' && step.id !== 'test');

let cli: FakeCli;
let workspace: string;

beforeAll(() => {
  cli = fakeCli();
  workspace = mkdtempSync(path.join(tmpdir(), 'kindling-workspace-'));
  copyFileSync(path.join(ROOT, 'firebase.json'), path.join(workspace, 'firebase.json'));
});

afterAll(() => {
  cli.remove();
  rmSync(workspace, { recursive: true, force: true });
});

/** Runs every scripted step in file order, as Cloud Build would in /workspace. */
function deployOnce(): void {
  for (const step of scripted) {
    const result = spawnSync('bash', ['-c', substitute(stepCommand(step), values)], {
      cwd: workspace,
      env: { ...process.env, ...cli.env, PATH: `${cli.bin}${path.delimiter}${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(result.status, `step ${step.id} failed:\n${result.stderr}`).toBe(0);
  }
}

describe('cloudbuild.yaml shell steps', () => {
  it('covers the dataset, the queue, the invokers, the billing job and Firebase', () => {
    expect(scripted.map((step) => step.id).sort()).toEqual(
      ['bigquery-dataset', 'billing-schedule', 'firebase', 'invokers', 'tasks-queue'].sort(),
    );
  });

  it('creates what a fresh project lacks', () => {
    cli.clearCalls();
    deployOnce();
    const calls = cli.calls();
    expect(calls).toContainEqual(expect.stringMatching(/^bq .* mk --dataset .* demo-project:kindling$/));
    expect(calls).toContainEqual(expect.stringMatching(/^gcloud tasks queues create kindling-ingest --location=europe-west1 /));
    expect(calls).toContainEqual(
      expect.stringMatching(/^gcloud scheduler jobs create http kindling-billing-report .*--schedule=15 0 \* \* \* /),
    );
    expect(calls).toContainEqual(
      expect.stringMatching(
        /--oidc-service-account-email=kindling-scheduler@demo-project\.iam\.gserviceaccount\.com --oidc-token-audience=https:\/\/billing-123456789012\.europe-west1\.run\.app /,
      ),
    );
    expect(calls).toContainEqual(
      'gcloud functions add-invoker-policy-binding sink --region=europe-west1 --member=serviceAccount:kindling-tasks@demo-project.iam.gserviceaccount.com',
    );
    expect(calls).toContainEqual(expect.stringMatching(/^npx --yes firebase-tools@\d+ deploy --only firestore,hosting --project=demo-project /));
  });

  it('points Hosting at the region deployed to', () => {
    const hosting = JSON.parse(readFileSync(path.join(workspace, 'firebase.json'), 'utf8')).hosting;
    expect(new Set(hosting.rewrites.map((rewrite: { run: { region: string } }) => rewrite.run.region))).toEqual(
      new Set(['europe-west1']),
    );
  });

  it('updates, and creates nothing, when run again', () => {
    cli.clearCalls();
    deployOnce();
    const calls = cli.calls();
    expect(calls.filter((call) => / (create|mk) /.test(call))).toEqual([]);
    expect(calls).toContainEqual(expect.stringMatching(/^gcloud tasks queues update kindling-ingest --location=europe-west1 /));
    expect(calls).toContainEqual(expect.stringMatching(/^gcloud scheduler jobs update http kindling-billing-report /));
  });
});
