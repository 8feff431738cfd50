import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { jsonStringFilter } from '../../src/adapters/slack/filters/json-string.filter.js';
import { HOSTILE } from '../helpers/alerts.js';

const liquid = new Liquid({ strictFilters: true, strictVariables: true });
liquid.registerFilter(jsonStringFilter.name, jsonStringFilter.handler);

describe('json_string filter', () => {
  it.each([
    ['quotes', 'say "hi"'],
    ['backslashes', 'C:\\path\\'],
    ['newlines', 'a\nb\r\nc'],
    ['controls', '\u0000\u0001\u001f'],
    ['separators', '\u2028\u2029'],
    ['hostile', HOSTILE],
  ])('round-trips %s through JSON', (_name, value) => {
    // Act
    const literal = jsonStringFilter.handler(value);

    // Assess
    expect(JSON.parse(`{"v": ${literal}}`)).toEqual({ v: value });
  });

  it('turns null and undefined into an empty string, never into bare tokens', () => {
    expect(jsonStringFilter.handler(null)).toBe('""');
    expect(jsonStringFilter.handler(undefined)).toBe('""');
    expect(jsonStringFilter.handler(7)).toBe('"7"');
  });

  it('keeps a Liquid-built JSON document valid whatever the data', async () => {
    // Act
    const out = await liquid.parseAndRender('{ "text": {{ v | json_string }} }', { v: `"}, "x": 1, {"` });

    // Assess
    expect(JSON.parse(out)).toEqual({ text: `"}, "x": 1, {"` });
  });
});
