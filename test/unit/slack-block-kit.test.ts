import { describe, expect, it } from 'vitest';
import {
  allTexts,
  BLOCK_KIT_LIMITS,
  enforceLimits,
  escapeMrkdwn,
  limitViolations,
  messageBytes,
  truncateText,
} from '../../src/adapters/slack/block-kit.js';
import { TemplateOutputError } from '../../src/adapters/slack/errors.js';
import type { SlackBlock } from '../../src/ports/message-sink.js';

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('escapeMrkdwn', () => {
  it('leaves no raw angle bracket, so nothing is a mention or link', () => {
    // Act
    const out = escapeMrkdwn('<!channel> <@U123> <!here|x> <https://x.example|y> <#C1>');

    // Assess
    expect(out).not.toMatch(/[<>]/);
    expect(out).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;!here|x&gt; &lt;https://x.example|y&gt; &lt;#C1&gt;',
    );
  });
});

describe('truncateText', () => {
  it('does not leave half an entity before the ellipsis', () => {
    expect(truncateText('ab &amp; cd', 6)).toBe('ab …');
  });
});

describe('enforceLimits', () => {
  it('truncates a header to 150 and a section text to 3000, visibly', () => {
    // Prepare
    const message = {
      text: 'x'.repeat(5000),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(400) } },
        section('s'.repeat(5000)),
      ],
    };

    // Act
    const { message: fitted, truncatedTexts } = enforceLimits(message);

    // Assess
    const [header, body] = fitted.blocks as [any, any];
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith('…')).toBe(true);
    expect(body.text.text).toHaveLength(3000);
    expect(fitted.text).toHaveLength(3000);
    expect(truncatedTexts).toBe(3);
    expect(limitViolations(fitted)).toEqual([]);
  });

  it('keeps at most 10 fields a section (2000 characters each) and 10 context elements', () => {
    // Prepare
    const field = { type: 'mrkdwn', text: 'f'.repeat(900) };
    const message = {
      text: 't',
      blocks: [
        { type: 'section', fields: Array.from({ length: 14 }, () => field) },
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'g'.repeat(2500) }] },
        { type: 'context', elements: Array.from({ length: 12 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      ],
    };

    // Act
    const { message: fitted } = enforceLimits(message);

    // Assess
    const [s, long, c] = fitted.blocks as [any, any, any];
    expect(s.fields).toHaveLength(10);
    expect(long.fields[0].text).toHaveLength(2000);
    expect(c.elements).toHaveLength(10);
  });

  it('keeps at most 50 blocks and says how many were left out', () => {
    // Prepare
    const message = { text: 't', blocks: Array.from({ length: 80 }, (_, i) => section(`block ${i}`)) };

    // Act
    const { message: fitted, droppedBlocks } = enforceLimits(message);

    // Assess
    expect(fitted.blocks).toHaveLength(50);
    expect(droppedBlocks).toBe(31);
    expect(JSON.stringify(fitted.blocks.at(-1))).toContain('31 more blocks not shown');
  });

  it('keeps the whole payload under the byte budget, dropping trailing blocks first', () => {
    // Prepare: 40 sections of 2,900 characters ≈ 116 KB
    const message = {
      text: 't',
      blocks: Array.from({ length: 40 }, (_, i) => section(`${i}`.padEnd(2900, 'x'))),
    };

    // Act
    const { message: fitted, bytes, droppedBlocks } = enforceLimits(message);

    // Assess
    expect(bytes).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBytes);
    expect(messageBytes(fitted)).toBe(bytes);
    expect(droppedBlocks).toBeGreaterThan(30);
    expect(limitViolations(fitted)).toEqual([]);
  });

  it('shrinks a single block whose JSON escapes exceed the budget', () => {
    // Prepare: control characters cost 6 bytes each in JSON
    const message = { text: 't', blocks: [section('\u0001'.repeat(3000))] };

    // Act
    const { bytes, message: fitted } = enforceLimits(message);

    // Assess
    expect(bytes).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBytes);
    expect(allTexts(fitted)[1]!.endsWith('…')).toBe(true);
  });

  it.each([
    ['a string', '"x"'],
    ['no text', { blocks: [] }],
    ['blocks not an array', { text: 't', blocks: {} }],
    ['a block without type', { text: 't', blocks: [{}] }],
  ])('refuses %s with a TemplateOutputError', (_name, value) => {
    expect(() => enforceLimits(value, 'x')).toThrow(TemplateOutputError);
  });

  it('reports unescaped mentions', () => {
    expect(limitViolations({ text: 'hi <!channel>', blocks: [] })).toEqual([
      'unescaped mention or link in text: "hi <!channel>"',
    ]);
  });
});
