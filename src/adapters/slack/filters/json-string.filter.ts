import { filterText } from './filter-input.js';

/**
 * `{{ value | json_string }}` — the value as a JSON string literal, quotes included. Every string
 * a template puts into its JSON goes through it, so a quote, backslash or newline in the data can
 * never break the JSON (null and missing values become `""`, never `null` or nothing).
 */
export const jsonStringFilter = {
  name: 'json_string',
  handler: (value: unknown): string => JSON.stringify(filterText(value, 'json_string')),
} as const;
