/**
 * Accepted events as the group commit and the task codec carry them: serialised once, their
 * JSON texts joined by commas in one UTF-8 buffer, with where each event ends. One buffer per
 * request rather than a string per event: the ingest worker (prep.ts) makes it and hands it to
 * the event loop without a copy, and a task's body is put together from slices of these
 * buffers, never from strings.
 */
export interface SerialisedEvents {
  /** `e1,e2,…,en`: each event's JSON, in UTF-8. */
  utf8: Buffer;
  /** ends[i]: the byte just after event i. Event i starts after the comma at ends[i - 1]. */
  ends: Uint32Array;
}

const COMMA = Buffer.from(',');
const COMMA_BYTE = COMMA[0]!;

/**
 * Each text written straight into one buffer of its own: joining them first built a rope of
 * strings that encoding then had to flatten (both showed in the ingest worker's profile), and a
 * buffer of its own, unlike a small one from Node's shared pool, moves between threads uncopied.
 */
export function serialiseEvents(json: string[]): SerialisedEvents {
  const ends = new Uint32Array(json.length);
  let end = -1;
  for (let i = 0; i < json.length; i++) {
    end += 1 + Buffer.byteLength(json[i]!, 'utf8');
    ends[i] = end;
  }
  const utf8 = Buffer.allocUnsafeSlow(Math.max(0, end));
  let at = 0;
  for (let i = 0; i < json.length; i++) {
    if (i > 0) utf8[at++] = COMMA_BYTE;
    at += utf8.write(json[i]!, at, 'utf8');
  }
  return { utf8, ends };
}

/** The UTF-8 bytes of the events themselves, commas not counted: what usage metering counts. */
export function eventBytes(events: SerialisedEvents): number {
  return events.ends.length === 0 ? 0 : events.utf8.length - (events.ends.length - 1);
}

/** The events parsed back into values (source rules, which copy events, need objects). */
export function parseSerialised(events: SerialisedEvents): unknown[] {
  return JSON.parse(`[${events.utf8.toString('utf8')}]`) as unknown[];
}

/** Several runs of serialised events read as one sequence: the size of each, the bytes of a range. */
export class EventSequence {
  readonly length: number;
  /** For each event of the sequence, its run and its index in that run. */
  private readonly runOf: Uint32Array;
  private readonly indexInRun: Uint32Array;

  constructor(private readonly runs: SerialisedEvents[]) {
    this.length = runs.reduce((sum, run) => sum + run.ends.length, 0);
    this.runOf = new Uint32Array(this.length);
    this.indexInRun = new Uint32Array(this.length);
    let at = 0;
    runs.forEach((run, r) => {
      for (let k = 0; k < run.ends.length; k++, at++) {
        this.runOf[at] = r;
        this.indexInRun[at] = k;
      }
    });
  }

  /** Event i's size in bytes. */
  size(i: number): number {
    const run = this.runs[this.runOf[i]!]!;
    const k = this.indexInRun[i]!;
    return run.ends[k]! - startOf(run, k);
  }

  /** Events [start, end) joined by commas: views of the runs' buffers and commas, to concatenate. */
  slices(start: number, end: number): Buffer[] {
    const parts: Buffer[] = [];
    for (let i = start; i < end; ) {
      const run = this.runs[this.runOf[i]!]!;
      const first = this.indexInRun[i]!;
      const last = Math.min(run.ends.length, first + (end - i)) - 1;
      if (parts.length > 0) parts.push(COMMA);
      parts.push(run.utf8.subarray(startOf(run, first), run.ends[last]));
      i += last - first + 1;
    }
    return parts;
  }
}

function startOf(run: SerialisedEvents, k: number): number {
  return k === 0 ? 0 : run.ends[k - 1]! + 1;
}
