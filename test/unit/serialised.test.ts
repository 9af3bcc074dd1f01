/**
 * Serialised events: one UTF-8 buffer per run with where each event ends, read as one sequence
 * across runs, so that a task can take any range of events as slices of those buffers.
 */
import { describe, expect, it } from 'vitest';
import { EventSequence, eventBytes, parseSerialised, serialiseEvents } from '../../shared/ingest/serialised.ts';

const json = (values: unknown[]) => values.map((value) => JSON.stringify(value));
const joined = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

describe('serialised events', () => {
  it('joins the events by commas and knows where each ends, in bytes, non-ASCII included', () => {
    const texts = json([{ a: 1 }, { s: 'ключ 🔑' }, { s: ',' }]);
    const events = serialiseEvents(texts);
    expect(events.utf8.toString('utf8')).toBe(texts.join(','));
    expect([...events.ends]).toEqual([7, 8 + Buffer.byteLength(texts[1]!), events.utf8.length]);
    expect(eventBytes(events)).toBe(texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
    expect(parseSerialised(events)).toEqual([{ a: 1 }, { s: 'ключ 🔑' }, { s: ',' }]);
  });

  it('has no bytes and no events when empty', () => {
    const events = serialiseEvents([]);
    expect(events.ends).toHaveLength(0);
    expect(eventBytes(events)).toBe(0);
    expect(parseSerialised(events)).toEqual([]);
  });

  it('reads several runs as one sequence: sizes, and any range as valid JSON array content', () => {
    const runs = [json([{ n: 0 }, { n: 1 }, { n: 2 }]), json([{ n: 3 }]), json([{ n: 4, s: 'é' }, { n: 5 }])];
    const sequence = new EventSequence(runs.map(serialiseEvents));
    const all = runs.flat();
    expect(sequence.length).toBe(6);
    expect(all.map((_, i) => sequence.size(i))).toEqual(all.map((text) => Buffer.byteLength(text)));
    for (let start = 0; start < all.length; start++) {
      for (let end = start + 1; end <= all.length; end++) {
        expect(JSON.parse(`[${joined(sequence.slices(start, end))}]`)).toEqual(all.slice(start, end).map((text) => JSON.parse(text)));
      }
    }
  });

  it('slices views of the runs, not copies', () => {
    const run = serialiseEvents(json([{ n: 0 }, { n: 1 }]));
    const [slice] = new EventSequence([run]).slices(1, 2);
    expect(slice!.buffer).toBe(run.utf8.buffer);
  });
});
