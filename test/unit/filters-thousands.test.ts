import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { thousandsFilter } from '../../src/adapters/slack/filters/thousands.filter.js';

const liquid = new Liquid({ strictFilters: true, strictVariables: true });
liquid.registerFilter(thousandsFilter.name, thousandsFilter.handler);

describe('thousands filter', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [20_000, '20,000'],
    [1_234_567, '1,234,567'],
    ['42', '42'],
  ])('%j → %s', (input, expected) => {
    expect(thousandsFilter.handler(input)).toBe(expected);
  });

  it.each([[null], ['many'], [Number.NaN], [{}]])('refuses %j', (input) => {
    expect(() => thousandsFilter.handler(input)).toThrow(/filter "thousands" expects a number/);
  });

  it('works as a Liquid filter', async () => {
    expect(await liquid.parseAndRender('{{ n | thousands }}', { n: 20000 })).toBe('20,000');
  });
});
