/** Every custom Liquid filter the Slack templates may use (the engine registers exactly these). */
import { clipFilter } from './clip.filter.js';
import { codeSpanFilter } from './code-span.filter.js';
import { jsonStringFilter } from './json-string.filter.js';
import { mrkdwnFilter } from './mrkdwn.filter.js';
import { thousandsFilter } from './thousands.filter.js';

export interface LiquidFilter {
  readonly name: string;
  readonly handler: (value: unknown, ...args: unknown[]) => string;
}

export const SLACK_FILTERS: readonly LiquidFilter[] = [
  mrkdwnFilter,
  clipFilter,
  jsonStringFilter,
  thousandsFilter,
  codeSpanFilter,
];
