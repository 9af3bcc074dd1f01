/**
 * cloudbuild.yaml as Cloud Build reads it: the parsed steps, the order they run in (`waitFor`),
 * and substitution of `$_NAME`, `${_NAME}` and built-ins, with `$$` left as one `$`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** A YAML value as cloudbuild.yaml uses them: scalars are read as strings, as Cloud Build does. */
export type Yaml = string | Yaml[] | { [key: string]: Yaml };

/** Parses with every scalar kept as its text (`'250'` and `250` alike), as Cloud Build reads it. */
function parseYaml(source: string): Yaml {
  return parse(source, { schema: 'failsafe', strict: true, uniqueKeys: true }) as Yaml;
}

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface BuildStep {
  id: string;
  name: string;
  entrypoint?: string;
  args: string[];
  env: string[];
  /** As written: undefined means "after every earlier step". */
  waitFor?: string[];
}

export interface CloudBuild {
  substitutions: Record<string, string>;
  steps: BuildStep[];
  serviceAccount?: string;
  options: Record<string, Yaml>;
}

/** Built-in substitutions the file may use, with the values tests give them. */
export const BUILT_INS: Record<string, string> = { PROJECT_ID: 'demo-project', PROJECT_NUMBER: '123456789012' };

function strings(value: Yaml | undefined, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new Error(`${what} must be a list of strings.`);
  return value as string[];
}

function record(value: Yaml | undefined, what: string): Record<string, Yaml> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a mapping.`);
  return value;
}

export function loadCloudBuild(file = path.join(ROOT, 'cloudbuild.yaml')): CloudBuild {
  const doc = record(parseYaml(readFileSync(file, 'utf8')), 'The document');
  const substitutions = record(doc.substitutions, 'substitutions') as Record<string, string>;
  const steps = (doc.steps as Yaml[]).map((raw, index): BuildStep => {
    const step = record(raw, `Step ${index}`);
    return {
      id: String(step.id),
      name: String(step.name),
      entrypoint: step.entrypoint === undefined ? undefined : String(step.entrypoint),
      args: strings(step.args, `Step ${String(step.id)} args`),
      env: strings(step.env, `Step ${String(step.id)} env`),
      waitFor: step.waitFor === undefined ? undefined : strings(step.waitFor, `Step ${String(step.id)} waitFor`),
    };
  });
  return {
    substitutions,
    steps,
    serviceAccount: doc.serviceAccount === undefined ? undefined : String(doc.serviceAccount),
    options: record(doc.options, 'options'),
  };
}

/** Every substitution name a text uses (`_NAME` and built-ins alike), `$$` excluded. */
export function substitutionsUsed(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\$\$|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** The text after Cloud Build's substitution; an unknown name throws, as Cloud Build refuses it. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare)!;
    if (!(name in values)) throw new Error(`"${whole}" is no substitution Cloud Build knows.`);
    return values[name]!;
  });
}

/** The ids of every step `id` runs after, directly or not, by Cloud Build's waitFor rules. */
export function runsAfter(build: CloudBuild, id: string): Set<string> {
  const index = build.steps.findIndex((step) => step.id === id);
  if (index < 0) throw new Error(`No step ${id}.`);
  const step = build.steps[index]!;
  const direct =
    step.waitFor === undefined ? build.steps.slice(0, index).map((earlier) => earlier.id) : step.waitFor.filter((w) => w !== '-');
  const all = new Set<string>();
  for (const before of direct) {
    all.add(before);
    for (const earlier of runsAfter(build, before)) all.add(earlier);
  }
  return all;
}

/** The shell text a step runs: a `bash -c` script, or its entrypoint and args as one line. */
export function stepCommand(step: BuildStep): string {
  if (step.entrypoint === 'bash' && step.args[0] === '-c') return step.args[1]!;
  return [step.entrypoint ?? '', ...step.args].join(' ');
}
