import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { clipFilter } from '../../src/adapters/slack/filters/clip.filter.js';

const liquid = new Liquid({ strictFilters: true, strictVariables: true });
liquid.registerFilter(clipFilter.name, clipFilter.handler);

describe('clip filter', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['abcdefghijk', 10, 'abcdefghi…'],
    ['', 3, ''],
  ])('clip(%j, %i) → %j', (input, max, expected) => {
    expect(clipFilter.handler(input, max)).toBe(expected);
  });

  it('never splits a surrogate pair', () => {
    // Prepare: '🚨' is two UTF-16 units
    const input = 'ab🚨cdef';

    // Act
    const out = clipFilter.handler(input, 4);

    // Assess
    expect(out).toBe('ab…');
    expect(out.length).toBeLessThanOrEqual(4);
  });

  it('keeps the result within the limit for 10,000 characters', () => {
    const out = clipFilter.handler('x'.repeat(10_000), 300);
    expect(out).toHaveLength(300);
    expect(out.endsWith('…')).toBe(true);
  });

  it('refuses a missing or non-positive length', () => {
    expect(() => clipFilter.handler('x', undefined)).toThrow(/positive integer length, got undefined/);
    expect(() => clipFilter.handler('x', 0)).toThrow(/got 0/);
  });

  it('works as a Liquid filter', async () => {
    expect(await liquid.parseAndRender('{{ v | clip: 5 }}', { v: 'abcdefgh' })).toBe('abcd…');
  });
});
