import { escapeMrkdwn } from '../block-kit.js';
import { filterText } from './filter-input.js';

/**
 * `{{ value | mrkdwn }}` — escapes untrusted text for Slack (`&`, `<`, `>`, bare @channel, bidi and
 * control characters); see {@link escapeMrkdwn}. Apply to every value that came from an event.
 */
export const mrkdwnFilter = {
  name: 'mrkdwn',
  handler: (value: unknown): string => escapeMrkdwn(filterText(value, 'mrkdwn')),
} as const;
