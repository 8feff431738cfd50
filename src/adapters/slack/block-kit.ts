/**
 * Block Kit safety: mrkdwn escaping of untrusted text and the message limits Slack enforces
 * (https://api.slack.com/reference/block-kit/blocks). Templates escape as they interpolate;
 * {@link enforceLimits} then checks the parsed message, whatever a template did, so a message that
 * leaves here is always accepted by Slack's size rules.
 */
import type { SlackBlock, SlackMessage } from '../../ports/message-sink.js';
import { TemplateOutputError } from './errors.js';

/** Slack's documented limits, and our byte budget for a whole payload ("well under 13 KB"). */
export const BLOCK_KIT_LIMITS = {
  blocks: 50,
  sectionFields: 10,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  /** Any other text object; also the top-level notification `text`. */
  text: 3000,
  messageBytes: 12_000,
} as const;

export const ELLIPSIS = '…';

/** Bidirectional overrides/isolates (U+202A–U+202E, U+2066–U+2069): they reorder what a reader sees. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** C0/C1 controls other than tab and newline, and the line/paragraph separators. */
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/g;
/** Words Slack may turn into group mentions even without angle brackets. */
const BARE_MENTIONS = /@(channel|here|everyone)\b/gi;
/**
 * Any character one of the replacements below could change. Most values (account ids, regions,
 * statuses, rule names, timestamps) contain none: one scan then spares the seven replacements,
 * which were most of the filter's cost.
 */
const MAY_NEED_ESCAPING =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069&<>@]/;

/**
 * Escapes untrusted text for mrkdwn (and plain_text, which Slack decodes the same way): `&`, `<`,
 * `>` become entities, so `<!channel>`, `<@U123>` or `<https://x|y>` show as typed and mention or
 * link nothing. Also neutralizes bare `@channel`/`@here`/`@everyone` (a word joiner after `@`),
 * shows bidi overrides and control characters as U+FFFD instead of letting them reorder or hide
 * text, and turns `\r\n`/`\r` into `\n`.
 */
export function escapeMrkdwn(text: string): string {
  if (!MAY_NEED_ESCAPING.test(text)) return text;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(BIDI_CONTROLS, '\uFFFD')
    .replace(CONTROLS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(BARE_MENTIONS, '@\u2060$1');
}

/**
 * Shortens `text` to at most `max` UTF-16 units, ending with `…` when cut. Never splits a
 * surrogate pair nor leaves half an HTML entity (`&am…`) behind.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  let head = text.slice(0, Math.max(cut, 0));
  head = head.replace(/&[#a-zA-Z0-9]{0,6}$/, '');
  return head + ELLIPSIS;
}

/** UTF-8 size of the JSON payload. */
export function messageBytes(message: SlackMessage): number {
  return Buffer.byteLength(JSON.stringify(message), 'utf8');
}

/** What {@link enforceLimits} had to change. */
import type { FittedMessage } from '../../ports/message-renderer.js';

export type { FittedMessage } from '../../ports/message-renderer.js';

/**
 * Validates the shape of a parsed message and makes it fit every limit: texts truncated visibly,
 * at most 10 fields a section and 10 elements a context, at most 50 blocks, and at most
 * `messageBytes` bytes in all — blocks that do not fit are replaced by one context block saying
 * how many were left out. A message that already fits is returned as is (the same object, not a
 * copy). Throws {@link TemplateOutputError} when the value is not `{ text, blocks }`.
 */
export function enforceLimits(
  value: unknown,
  template = 'message',
  limits: typeof BLOCK_KIT_LIMITS = BLOCK_KIT_LIMITS,
): FittedMessage {
  const raw = asMessage(value, template);
  // Fast path, what a template almost always produces: nothing to cut, so no copy to build (the
  // copy below would equal `raw`, key for key). Measures the bytes once.
  if (fitsLimits(raw, limits)) {
    const bytes = messageBytes(raw);
    if (bytes <= limits.messageBytes) return { message: raw, bytes, droppedBlocks: 0, truncatedTexts: 0 };
  }
  const counter = { truncated: 0 };
  const clip = (text: string, max: number) => {
    const out = truncateText(text, max);
    if (out !== text) counter.truncated += 1;
    return out;
  };
  let blocks = raw.blocks.map((block) => fitBlock(block, limits, clip));
  let dropped = 0;
  if (blocks.length > limits.blocks) {
    dropped = blocks.length - (limits.blocks - 1);
    blocks = blocks.slice(0, limits.blocks - 1);
  }
  let message: SlackMessage = {
    ...raw,
    text: clip(raw.text, limits.text),
    blocks: withNotice(blocks, dropped),
  };
  let bytes = messageBytes(message);
  // Over the byte budget: drop trailing blocks first (keeps the header and the summary), then, if
  // one block alone is too large (JSON escapes can make a 3000-character text ~18 KB), halve the
  // longest text until it fits.
  while (bytes > limits.messageBytes && blocks.length > 1) {
    blocks = blocks.slice(0, -1);
    dropped += 1;
    message = { ...message, blocks: withNotice(blocks, dropped) };
    bytes = messageBytes(message);
  }
  while (bytes > limits.messageBytes) {
    message = halveLongestText(message, clip);
    bytes = messageBytes(message);
  }
  return { message, bytes, droppedBlocks: dropped, truncatedTexts: counter.truncated };
}

/**
 * Lists every limit a message breaks, and every text with a raw `<` (which Slack would parse as a
 * mention or link). Empty for a message that {@link enforceLimits} produced from escaped text.
 */
export function limitViolations(message: SlackMessage, limits = BLOCK_KIT_LIMITS): string[] {
  const problems: string[] = [];
  if (message.blocks.length > limits.blocks)
    problems.push(`${message.blocks.length} blocks > ${limits.blocks}`);
  const bytes = messageBytes(message);
  if (bytes > limits.messageBytes) problems.push(`${bytes} bytes > ${limits.messageBytes}`);
  if (message.text.length > limits.text)
    problems.push(`fallback text ${message.text.length} > ${limits.text}`);
  message.blocks.forEach((block, i) => {
    const at = `block ${i} (${block.type})`;
    if (block.type === 'header' && textOf(block.text).length > limits.headerText) {
      problems.push(`${at}: header text > ${limits.headerText}`);
    }
    if (block.type === 'section') {
      if (textOf(block.text).length > limits.sectionText)
        problems.push(`${at}: text > ${limits.sectionText}`);
      const fields = Array.isArray(block.fields) ? block.fields : [];
      if (fields.length > limits.sectionFields) problems.push(`${at}: ${fields.length} fields`);
      for (const field of fields) {
        if (textOf(field).length > limits.fieldText) problems.push(`${at}: field text > ${limits.fieldText}`);
      }
    }
    if (block.type === 'context' && Array.isArray(block.elements)) {
      if (block.elements.length > limits.contextElements)
        problems.push(`${at}: ${block.elements.length} elements`);
    }
  });
  for (const text of allTexts(message)) {
    if (text.length > limits.text) problems.push(`a text of ${text.length} characters > ${limits.text}`);
    if (/<[!@#]/.test(text))
      problems.push(`unescaped mention or link in text: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return problems;
}

/** Every string under a `text` key (text objects) plus the fallback text. */
export function allTexts(message: SlackMessage): string[] {
  const out: string[] = [message.text];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'text' && typeof inner === 'string') out.push(inner);
        else walk(inner);
      }
    }
  };
  walk(message.blocks);
  return out;
}

type Clip = (text: string, max: number) => string;

/**
 * Whether {@link enforceLimits}' fitting would leave `message` as it is (byte budget aside): the
 * same checks as `fitBlock`/`fitText`/`fitNested`, reading only. False sends it the slow way.
 */
function fitsLimits(message: SlackMessage, limits: typeof BLOCK_KIT_LIMITS): boolean {
  if (message.text.length > limits.text || message.blocks.length > limits.blocks) return false;
  for (const block of message.blocks) {
    switch (block.type) {
      case 'header':
        if (!textFits(block.text, limits.headerText)) return false;
        break;
      case 'section': {
        if (block.text !== undefined && !textFits(block.text, limits.sectionText)) return false;
        const fields = block.fields;
        if (Array.isArray(fields)) {
          if (fields.length > limits.sectionFields) return false;
          for (const field of fields) if (!textFits(field, limits.fieldText)) return false;
        }
        break;
      }
      case 'context': {
        const elements = block.elements;
        if (Array.isArray(elements)) {
          if (elements.length > limits.contextElements) return false;
          for (const element of elements) if (!textFits(element, limits.text)) return false;
        }
        break;
      }
      default:
        if (!nestedFits(block, limits.text)) return false;
    }
  }
  return true;
}

/** {@link fitText} would return the value unchanged. */
function textFits(value: unknown, max: number): boolean {
  if (!value || typeof value !== 'object') return true;
  const text = (value as Record<string, unknown>).text;
  return typeof text !== 'string' || text.length <= max;
}

/**
 * {@link fitNested} would copy the value unchanged. A `__proto__` key (own, from JSON.parse)
 * goes the slow way: the copy's assignment drops it, and the fast path must not differ.
 */
function nestedFits(value: unknown, max: number): boolean {
  if (Array.isArray(value)) return value.every((v) => nestedFits(v, max));
  if (!value || typeof value !== 'object') return true;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return false;
    if (key === 'text' && typeof inner === 'string' ? inner.length > max : !nestedFits(inner, max))
      return false;
  }
  return true;
}

function asMessage(value: unknown, template: string): SlackMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new TemplateOutputError(template, `expected a JSON object, got ${describe(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.text !== 'string') {
    throw new TemplateOutputError(template, `"text" must be a string, got ${describe(record.text)}`);
  }
  if (!Array.isArray(record.blocks)) {
    throw new TemplateOutputError(template, `"blocks" must be an array, got ${describe(record.blocks)}`);
  }
  record.blocks.forEach((block, i) => {
    if (!block || typeof block !== 'object' || typeof (block as { type?: unknown }).type !== 'string') {
      throw new TemplateOutputError(template, `block ${i} must be an object with a string "type"`);
    }
  });
  return record as unknown as SlackMessage;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function fitBlock(block: SlackBlock, limits: typeof BLOCK_KIT_LIMITS, clip: Clip): SlackBlock {
  switch (block.type) {
    case 'header':
      return { ...block, text: fitText(block.text, limits.headerText, clip) };
    case 'section': {
      const out: Record<string, unknown> = { ...block };
      if (block.text !== undefined) out.text = fitText(block.text, limits.sectionText, clip);
      if (Array.isArray(block.fields)) {
        out.fields = block.fields
          .slice(0, limits.sectionFields)
          .map((field) => fitText(field, limits.fieldText, clip));
      }
      return out as SlackBlock;
    }
    case 'context':
      return Array.isArray(block.elements)
        ? {
            ...block,
            elements: block.elements
              .slice(0, limits.contextElements)
              .map((element) => fitText(element, limits.text, clip)),
          }
        : block;
    default:
      return fitNested(block, limits.text, clip) as SlackBlock;
  }
}

/** A text object with its text truncated; other values pass through. */
function fitText(value: unknown, max: number, clip: Clip): unknown {
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.text !== 'string') return value;
  return { ...record, text: clip(record.text, max) };
}

function fitNested(value: unknown, max: number, clip: Clip): unknown {
  if (Array.isArray(value)) return value.map((v) => fitNested(v, max, clip));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = key === 'text' && typeof inner === 'string' ? clip(inner, max) : fitNested(inner, max, clip);
  }
  return out;
}

function withNotice(blocks: readonly SlackBlock[], dropped: number): SlackBlock[] {
  if (dropped === 0) return [...blocks];
  return [
    ...blocks,
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `_${dropped} more block${dropped === 1 ? '' : 's'} not shown (Slack size limits)._`,
        },
      ],
    },
  ];
}

function halveLongestText(message: SlackMessage, clip: Clip): SlackMessage {
  let longest = message.text.length;
  for (const text of allTexts(message)) longest = Math.max(longest, text.length);
  const max = Math.max(Math.floor(longest / 2), 1);
  const shrink = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(shrink);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        key === 'text' && typeof inner === 'string' && inner.length > max ? clip(inner, max) : shrink(inner);
    }
    return out;
  };
  return {
    text: message.text.length > max ? clip(message.text, max) : message.text,
    blocks: shrink(message.blocks) as SlackBlock[],
  };
}

function textOf(value: unknown): string {
  return value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string'
    ? (value as { text: string }).text
    : '';
}
