/**
 * Stand-ins for `gcloud`, `bq` and `npx` on PATH, for running deployment scripts in tests without
 * a cloud: each call is logged, and `describe`/`show` answer from a state directory that
 * `create`/`mk` fill (failing, as the real tools do, on what already exists; `update` fails on
 * what does not; a service account is the same whether named by id or by email). Every other
 * command succeeds and changes nothing. A `--data-file=-` is read from stdin, as the real tool
 * reads it.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const FAKE = `#!/usr/bin/env bash
set -u
tool=$(basename "$0")
printf '%s\\n' "$tool $*" >> "$FAKE_LOG"
# Read a data file given on stdin, as the real tool does: a writer piping into a stand-in that
# exited first would die of SIGPIPE (under pipefail, a failed script) now and then.
case " $* " in *' --data-file=- '*) cat > /dev/null ;; esac
verb=''; noun="$tool"; name=''
for arg in "$@"; do
  case "$arg" in -*) continue ;; esac
  if [ -z "$verb" ]; then
    case "$arg" in describe|create|update|show|mk) verb=$arg ;; *) noun="$noun-$arg" ;; esac
  elif [ -z "$name" ] && [ "$arg" != http ]; then
    name=$arg
  fi
done
# A service account is named by its id on create and by its email elsewhere.
name=\${name%%@*}
state="$FAKE_STATE/$noun--$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_')"
case "$verb" in
  describe|show) [ -e "$state" ]; exit $? ;;
  create|mk) if [ -e "$state" ]; then echo "ALREADY_EXISTS: $name" >&2; exit 1; fi; : > "$state" ;;
  update) if [ ! -e "$state" ]; then echo "NOT_FOUND: $name" >&2; exit 1; fi ;;
esac
exit 0
`;

export interface FakeCli {
  /** Put this first on PATH. */
  bin: string;
  env: Record<string, string>;
  /** Every call so far, one line each: `gcloud tasks queues create …`. */
  calls(): string[];
  clearCalls(): void;
  remove(): void;
}

export function fakeCli(): FakeCli {
  const dir = mkdtempSync(path.join(tmpdir(), 'kindling-fake-cli-'));
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'calls.log');
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(log, '');
  for (const tool of ['gcloud', 'bq', 'npx']) {
    writeFileSync(path.join(bin, tool), FAKE);
    chmodSync(path.join(bin, tool), 0o755);
  }
  return {
    bin,
    env: { FAKE_LOG: log, FAKE_STATE: state },
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    clearCalls: () => writeFileSync(log, ''),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
