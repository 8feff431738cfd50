import { escapeMrkdwn, truncateText } from '../block-kit.js';
import { filterText } from './filter-input.js';

/** U+02CB MODIFIER LETTER GRAVE ACCENT: looks like a backtick, ends no code span. */
const GRAVE = '\u02CB';
/** U+21B5 DOWNWARDS ARROW WITH CORNER LEFTWARDS: a newline shown, not taken. */
const NEWLINE = '\u21B5';

/**
 * `{{ value | code_span: 100 }}` — untrusted text as one inline code span (`` `text` ``) of at most
 * N characters inside the backticks: escaped as {@link escapeMrkdwn} does, backticks shown as `ˋ`
 * (a backtick in the data would end the span and let `*bold*`, `_x_` or `:emoji:` apply to what
 * follows), newlines as `↵` (a span does not cross lines), and cut after the escaping, never inside
 * an entity. Empty text is `(empty)`, outside backticks.
 */
export const codeSpanFilter = {
  name: 'code_span',
  handler: (value: unknown, max: unknown): string => {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new TypeError(`filter "code_span" expects a positive integer length, got ${String(max)}`);
    }
    const text = filterText(value, 'code_span');
    if (text === '') return '_(empty)_';
    const inert = escapeMrkdwn(text.replace(/`/g, GRAVE).replace(/\r\n?|\n/g, NEWLINE));
    return `\`${truncateText(inert, max)}\``;
  },
} as const;
