import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { mrkdwnFilter } from '../../src/adapters/slack/filters/mrkdwn.filter.js';

const liquid = new Liquid({ strictFilters: true, strictVariables: true });
liquid.registerFilter(mrkdwnFilter.name, mrkdwnFilter.handler);

describe('mrkdwn filter', () => {
  describe.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here|x>', '&lt;!here|x&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<#C123|general>', '&lt;#C123|general&gt;'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['a & b &amp;', 'a &amp; b &amp;amp;'],
    ['ping @channel and @Here', 'ping @\u2060channel and @\u2060Here'],
    ['rtl \u202Eevil\u202C', 'rtl \uFFFDevil\uFFFD'],
    ['nul\u0000bell\u0007', 'nul\uFFFDbell\uFFFD'],
    ['crlf\r\nline', 'crlf\nline'],
    ['plain text, "quotes" and \\ stay', 'plain text, "quotes" and \\ stay'],
  ])('%j', (input, expected) => {
    it('is escaped so it mentions and links nothing', () => {
      expect(mrkdwnFilter.handler(input)).toBe(expected);
    });
  });

  it('renders null and numbers, and refuses objects', () => {
    expect(mrkdwnFilter.handler(null)).toBe('');
    expect(mrkdwnFilter.handler(42)).toBe('42');
    expect(() => mrkdwnFilter.handler({ a: 1 })).toThrow(/filter "mrkdwn" expects text, got object/);
  });

  it('works as a Liquid filter', async () => {
    // Act
    const out = await liquid.parseAndRender('{{ v | mrkdwn }}', { v: '<!channel> & co' });

    // Assess
    expect(out).toBe('&lt;!channel&gt; &amp; co');
  });
});
