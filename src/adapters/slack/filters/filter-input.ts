/** Shared input coercion of the custom Liquid filters: missing text is empty, never "undefined". */

/** Text of a filter input: strings as is, numbers and booleans printed, null/undefined empty. */
export function filterText(value: unknown, filter: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new TypeError(
    `filter "${filter}" expects text, got ${Array.isArray(value) ? 'an array' : typeof value}`,
  );
}
