import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { fixture } from '../helpers/fixtures.js';

type Json = Record<string, unknown>;
const change = fixture<Json>('compliance-change', 'first-evaluation');
const withId = (id: string) => ({ ...change, detail: { ...(change.detail as Json), resourceId: id } });
const sha = (s: string) => `sha256:${createHash('sha256').update(s, 'utf8').digest('hex')}`;

describe('partitionKeyFor', () => {
  it.each([1, 256])('keeps a %i-character id', (n) => {
    expect(partitionKeyFor(withId('a'.repeat(n)), '')).toBe('a'.repeat(n));
  });
  it.each([257, 768])('hashes a %i-character id', (n) => {
    expect(partitionKeyFor(withId('a'.repeat(n)), '')).toBe(sha('a'.repeat(n)));
  });
  it('counts characters, not bytes or UTF-16 units', () => {
    expect(partitionKeyFor(withId('é'.repeat(256)), '')).toBe('é'.repeat(256));
    expect(partitionKeyFor(withId('😀'.repeat(256)), '')).toBe('😀'.repeat(256));
    expect(partitionKeyFor(withId('😀'.repeat(257)), '')).toBe(sha('😀'.repeat(257)));
  });
});
