import { truncateText } from '../block-kit.js';
import { filterText } from './filter-input.js';

/**
 * `{{ value | clip: 200 }}` — visible truncation to at most N characters, ending with `…`. Clip
 * before `mrkdwn`, so the cut never falls inside an entity the escaping adds.
 */
export const clipFilter = {
  name: 'clip',
  handler: (value: unknown, max: unknown): string => {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
      throw new TypeError(`filter "clip" expects a positive integer length, got ${String(max)}`);
    }
    return truncateText(filterText(value, 'clip'), max);
  },
} as const;
