/**
 * `@param` values in LQL endpoint queries: found outside quoted strings only, and written in as
 * one quoted LQL value each (plain unsigned numbers bare), so a value never changes the query's
 * clauses — checked by parsing the result.
 */
import { describe, expect, it } from 'vitest';
import { bindLqlParameters, lqlParameters } from '../../shared/endpoints/index.ts';
import { parseLql } from '../../shared/lql/index.ts';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

describe('LQL endpoint parameters', () => {
  it('finds parameters outside quoted strings, each once, not inside e-mail addresses', () => {
    expect(lqlParameters('m.status:@status "mail@example.com" user@example.com @term m.x:@status -m.y:@y_2')).toEqual([
      'status', 'term', 'y_2',
    ]);
  });

  it('writes values in as quoted values, numbers bare', () => {
    expect(bindLqlParameters('m.user:@name m.status:>=@min m.n:@lo..@hi', { name: 'ana', min: '500', lo: '1', hi: '2.5' })).toBe(
      'm.user:"ana" m.status:>=500 m.n:1..2.5',
    );
  });

  it('refuses (400) a parameter without a value', () => {
    expect(() => bindLqlParameters('m.user:@name', {})).toThrow(/@name/);
  });

  it.each([
    'two words',
    'x" -m.status:500 "',
    '\\" m.a:1',
    'a..b',
    '-5',
    'c:count(*)',
    't:last@1h',
    '~.*',
  ])('keeps %j one value of one clause', (value) => {
    const query = parseLql(bindLqlParameters('m.user:@name', { name: value }), { now: NOW });
    expect(query.filters).toEqual([
      expect.objectContaining({ kind: 'field', path: 'metadata.user', op: '=', negated: false, value: { text: value, quoted: true } }),
    ]);
    expect(query.chart).toBeNull();
    expect(query.selects).toEqual([]);
    const phrase = parseLql(bindLqlParameters('@term', { term: value }), { now: NOW });
    expect(phrase.filters).toEqual([expect.objectContaining({ kind: 'message', match: 'contains', value, negated: false })]);
  });
});
