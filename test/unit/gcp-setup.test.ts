/**
 * scripts/gcp-setup.sh: its dry run prints every command a fresh project gets and runs none;
 * the commands enable what the deployment uses and give each service account only the roles its
 * function's code needs; a real run (against stand-ins of gcloud and bq) is safe to repeat.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/routes.ts';
import { ROOT, loadCloudBuild } from '../support/cloudbuild.ts';
import { fakeCli, type FakeCli } from '../support/fake-cli.ts';

const SCRIPT = path.join(ROOT, 'scripts/gcp-setup.sh');
const PROJECT = 'demo-project';
const sa = (name: string) => `kindling-${name}@${PROJECT}.iam.gserviceaccount.com`;

let cli: FakeCli;
beforeEach(() => {
  cli = fakeCli();
});
afterEach(() => cli.remove());

function setup(...args: string[]) {
  return spawnSync('bash', [SCRIPT, ...args], {
    env: { ...process.env, ...cli.env, PATH: `${cli.bin}${path.delimiter}${process.env.PATH}` },
    encoding: 'utf8',
  });
}

/** The printed commands as argument lists, split by bash itself. */
function commands(output: string): string[][] {
  const split = spawnSync(
    'bash',
    ['-c', 'while IFS= read -r line; do eval "set -- $line"; printf "%s\\037" "$@"; printf "\\036"; done'],
    { input: output, encoding: 'utf8' },
  );
  return split.stdout
    .split('\u001e')
    .filter(Boolean)
    .map((line) => line.split('\u001f').filter((word) => word !== ''));
}

function dryRun(...extra: string[]): string[][] {
  const result = setup('--project', PROJECT, '--dry-run', ...extra);
  expect(result.status, result.stderr).toBe(0);
  return commands(result.stdout);
}

/** Who gets which role where: `<where> <role>` per account, from the printed commands. */
function grants(printed: string[][]): Map<string, Set<string>> {
  const byAccount = new Map<string, Set<string>>();
  const add = (member: string, grant: string) => {
    const account = member.replace(/^serviceAccount:/, '');
    byAccount.set(account, (byAccount.get(account) ?? new Set()).add(grant));
  };
  const option = (words: string[], name: string) => words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
  for (const words of printed) {
    const line = words.join(' ');
    const member = option(words, 'member');
    const role = option(words, 'role');
    if (line.startsWith('gcloud projects add-iam-policy-binding')) add(member!, `project ${role}`);
    else if (line.startsWith('gcloud tasks queues add-iam-policy-binding')) add(member!, `queue:${words[4]} ${role}`);
    else if (line.startsWith('gcloud iam service-accounts add-iam-policy-binding')) add(member!, `account:${words[4]} ${role}`);
    else if (line.startsWith('gcloud secrets add-iam-policy-binding')) add(member!, `secret:${words[3]} ${role}`);
    else if (words[0] === 'bq' && words.includes('query')) {
      const match = /^GRANT `([^`]+)` ON SCHEMA `([^`]+)` TO "([^"]+)"$/.exec(words.at(-1)!);
      expect(match, line).not.toBeNull();
      add(match![3]!, `dataset:${match![2]} ${match![1]}`);
    }
  }
  return byAccount;
}

describe('gcp-setup.sh --dry-run', () => {
  it('prints gcloud and bq commands and runs none of them', () => {
    const printed = dryRun();
    expect(printed.length).toBeGreaterThan(20);
    for (const words of printed) expect(['gcloud', 'bq']).toContain(words[0]);
    expect(cli.calls()).toEqual([]);
  });

  it('refuses to run without a project', () => {
    const result = setup('--dry-run');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Missing --project');
    expect(result.stdout).toBe('');
  });

  it('enables every API the deployment uses', () => {
    const enable = dryRun().find((words) => words.slice(0, 3).join(' ') === 'gcloud services enable')!;
    for (const api of [
      'cloudfunctions', 'run', 'cloudbuild', 'artifactregistry', 'cloudtasks', 'cloudscheduler', 'bigquery', 'bigquerystorage',
      'firestore', 'firebaserules', 'firebasehosting', 'identitytoolkit', 'secretmanager',
    ]) {
      expect(enable).toContain(`${api}.googleapis.com`);
    }
  });

  it('creates the Firestore database, the dataset and the queue in the places asked for', () => {
    const lines = dryRun('--region', 'europe-west1', '--dataset', 'logs', '--bigquery-location', 'EU').map((w) => w.join(' '));
    expect(lines).toContain(
      `gcloud firestore databases create --project=${PROJECT} --database=(default) --location=europe-west1 --type=firestore-native`,
    );
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^bq --project_id=${PROJECT} --location=EU mk --dataset .* ${PROJECT}:logs$`)));
    expect(lines).toContain(`gcloud tasks queues create kindling-ingest --project=${PROJECT} --location=europe-west1`);
  });

  it('creates the account each deployed function runs as, each Google caller signs as, and the deployer', () => {
    const created = dryRun()
      .filter((words) => words.slice(0, 4).join(' ') === 'gcloud iam service-accounts create')
      .map((words) => words[4]);
    const build = loadCloudBuild();
    const runtime = build.steps
      .flatMap((step) => step.args)
      .filter((arg) => arg.startsWith('--service-account='))
      .map((arg) => /kindling-[a-z]+/.exec(arg)![0]);
    expect(new Set(runtime)).toEqual(new Set(Object.keys(FUNCTIONS).map((name) => `kindling-${name}`)));
    expect(created.sort()).toEqual([...runtime, 'kindling-tasks', 'kindling-scheduler', 'kindling-deployer'].sort());
  });

  it("grants each function's account exactly the roles its code needs", () => {
    const byAccount = grants(dryRun());
    const dataset = `dataset:${PROJECT}.kindling`;
    expect(byAccount.get(sa('ingest'))).toEqual(
      new Set(['project roles/datastore.user', 'queue:kindling-ingest roles/cloudtasks.enqueuer', `account:${sa('tasks')} roles/iam.serviceAccountUser`]),
    );
    expect(byAccount.get(sa('sink'))).toEqual(new Set(['project roles/datastore.user', `${dataset} roles/bigquery.dataEditor`]));
    expect(byAccount.get(sa('api'))).toEqual(
      new Set(['project roles/datastore.user', 'project roles/bigquery.jobUser', `${dataset} roles/bigquery.dataEditor`]),
    );
    for (const name of ['admin', 'billing']) {
      expect(byAccount.get(sa(name))).toEqual(
        new Set(['project roles/datastore.user', 'secret:kindling-admin-token roles/secretmanager.secretAccessor']),
      );
    }
    // The dashboard only serves files; the callers' accounts are let in by cloudbuild.yaml, on one function each.
    for (const name of ['web', 'tasks', 'scheduler']) expect(byAccount.get(sa(name)), name).toBeUndefined();
  });

  it('never grants an owner, editor or admin role to a runtime account', () => {
    for (const [account, roles] of grants(dryRun())) {
      if (account === sa('deployer')) continue;
      for (const grant of roles) expect(grant, account).not.toMatch(/roles\/(owner|editor|[\w.]*admin)\b/i);
    }
  });

  it('lets the deployer do what each cloudbuild.yaml step does, as the accounts it deploys with', () => {
    const deployer = grants(dryRun()).get(sa('deployer'))!;
    for (const role of [
      'cloudfunctions.developer', 'run.admin', 'cloudbuild.builds.builder', 'cloudtasks.queueAdmin', 'cloudscheduler.admin',
      'bigquery.user', 'firebaserules.admin', 'datastore.indexAdmin', 'firebasehosting.admin', 'logging.logWriter',
    ]) {
      expect(deployer).toContain(`project roles/${role}`);
    }
    for (const name of [...Object.keys(FUNCTIONS), 'scheduler', 'deployer']) {
      expect(deployer).toContain(`account:${sa(name)} roles/iam.serviceAccountUser`);
    }
    expect([...deployer].filter((grant) => grant.includes('owner') || grant.includes('editor'))).toEqual([]);
  });
});

describe('gcp-setup.sh, run', () => {
  it('creates on a fresh project and only re-grants when run again', () => {
    const first = setup('--project', PROJECT);
    expect(first.status, first.stderr).toBe(0);
    const created = cli.calls().filter((call) => / (create|mk) /.test(call));
    expect(created.length).toBe(4 + 9);
    expect(first.stdout).toContain('gcloud builds submit');

    cli.clearCalls();
    const second = setup('--project', PROJECT);
    expect(second.status, second.stderr).toBe(0);
    expect(cli.calls().filter((call) => / (create|mk) /.test(call))).toEqual([]);
    expect(cli.calls().filter((call) => call.includes('add-iam-policy-binding')).length).toBeGreaterThan(10);
  });
});
