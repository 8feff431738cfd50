import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { codeSpanFilter } from '../../src/adapters/slack/filters/code-span.filter.js';

const liquid = new Liquid({ strictFilters: true, strictVariables: true });
liquid.registerFilter(codeSpanFilter.name, codeSpanFilter.handler);

describe('code_span filter', () => {
  it.each([
    ['Configuration.Acl', '`Configuration.Acl`'],
    ['*bold* _it_ ~st~ :skull:', '`*bold* _it_ ~st~ :skull:`'],
    ['a`b`c', '`aˋbˋc`'],
    ['line\nnext\r\nlast', '`line↵next↵last`'],
    ['<!channel> & <@U1>', '`&lt;!channel&gt; &amp; &lt;@U1&gt;`'],
    ['@here', '`@\u2060here`'],
    ['', '_(empty)_'],
  ])('code_span(%j) → %j', (input, expected) => {
    expect(codeSpanFilter.handler(input, 100)).toBe(expected);
  });

  it('cuts after escaping, never inside an entity, and keeps the span closed', () => {
    // Prepare: 50 ampersands escape to 250 characters
    const input = '&'.repeat(50);

    // Act
    const out = codeSpanFilter.handler(input, 23);

    // Assess
    expect(out).toBe(`\`${'&amp;'.repeat(4)}…\``);
    expect(out.length).toBeLessThanOrEqual(25);
  });

  it('works in a template and refuses a bad length', () => {
    expect(liquid.parseAndRenderSync('{{ v | code_span: 5 }}', { v: 'abcdefgh' })).toBe('`abcd…`');
    expect(() => codeSpanFilter.handler('x', 0)).toThrow(/positive integer/);
  });
});
