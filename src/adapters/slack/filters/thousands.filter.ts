/** `{{ 20000 | thousands }}` → `20,000`: counts in messages, formatted the same everywhere. */
export const thousandsFilter = {
  name: 'thousands',
  handler: (value: unknown): string => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new TypeError(
        `filter "thousands" expects a number, got ${JSON.stringify(value) ?? typeof value}`,
      );
    }
    return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
  },
} as const;
