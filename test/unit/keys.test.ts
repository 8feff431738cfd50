/** Hot-store key builders: DynamoDB key size limits for Config's longest names, spread, and stability. */
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  accountDayKey,
  DAY_SHARDS,
  dayOf,
  dayShardKey,
  dayShardKeys,
  dayShardOf,
  eventIdProblem,
  eventPk,
  eventTimeSortKey,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  statePk,
  stateSk,
  utf8Length,
} from '../../src/adapters/dynamodb/keys.js';

const KEY = {
  account: '111122223333',
  region: 'ap-southeast-2',
  ruleName: 's3-bucket-versioning-enabled',
  resourceType: 'AWS::S3::Bucket',
  resourceId: 'my-data-bucket',
};

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('state keys stay within DynamoDB limits', () => {
  // Config allows resource ids of 768 characters; a UTF-16 unit is at most 3 UTF-8 bytes, an emoji 4 per pair.
  describe.each([
    ['768 ASCII characters', 'a'.repeat(768)],
    ['768 two-byte characters', '\u00e9'.repeat(768)],
    ['768 three-byte characters', '\u20ac'.repeat(768)],
    ['384 four-byte emoji (768 UTF-16 units)', '\u{1F512}'.repeat(384)],
    ['a long ARN-like id', `arn:aws:ssm:eu-west-1:111122223333:document/${'d/'.repeat(360)}x`],
  ])('resource id: %s', (_name, resourceId) => {
    it('gives a sort key of at most 1024 UTF-8 bytes, distinct from a near-identical id', () => {
      // Prepare
      const twin = `${resourceId.slice(0, -1)}z`;

      // Act
      const sk = stateSk({ ...KEY, resourceId });
      const twinSk = stateSk({ ...KEY, resourceId: twin });

      // Assess
      expect(utf8Length(sk)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
      expect(sk.startsWith('AWS::S3::Bucket#')).toBe(true);
      expect(sk).not.toBe(twinSk);
      expect(stateSk({ ...KEY, resourceId })).toBe(sk); // deterministic: readers find what writers wrote
    });
  });

  it('keeps short resource ids readable and hashes only past the limit', () => {
    expect(stateSk(KEY)).toBe('AWS::S3::Bucket#my-data-bucket');
    const fits = 'a'.repeat(MAX_SORT_KEY_BYTES - 'AWS::S3::Bucket#'.length);
    expect(stateSk({ ...KEY, resourceId: fits })).toBe(`AWS::S3::Bucket#${fits}`);
    expect(stateSk({ ...KEY, resourceId: `${fits}a` })).toMatch(/^AWS::S3::Bucket#H#[0-9a-f]{64}$/);
  });

  it('hashes type and id together when even the resource type is too long', () => {
    const sk = stateSk({ ...KEY, resourceType: 'T'.repeat(2000), resourceId: 'x' });
    expect(sk).toMatch(/^%H#[0-9a-f]{64}$/);
  });

  // Hostile records can carry any text in the resource type and id: a collision made two
  // resources share one state, and a violation of one was judged stale and never alerted.
  it.each([
    [
      'a # in the resource type',
      { resourceType: 'A#B', resourceId: 'C' },
      { resourceType: 'A', resourceId: 'B#C' },
    ],
    [
      'a % in the resource type',
      { resourceType: 'A%23B', resourceId: 'C' },
      { resourceType: 'A#B', resourceId: 'C' },
    ],
    [
      'an id that looks like the hashed form',
      { resourceType: 'T', resourceId: `H#${sha256('x'.repeat(1100))}` },
      { resourceType: 'T', resourceId: 'x'.repeat(1100) },
    ],
    [
      'an id starting with %',
      { resourceType: 'T', resourceId: '%H#x' },
      { resourceType: 'T', resourceId: 'H#x' },
    ],
    [
      'a type that reads as the type-and-id hash',
      { resourceType: 'H', resourceId: sha256(`${'T'.repeat(2000)}\u001fx`) },
      { resourceType: 'T'.repeat(2000), resourceId: 'x' },
    ],
  ])('never gives two resources one key: %s', (_name, a, b) => {
    expect(stateSk(a)).not.toBe(stateSk(b));
  });

  it('keeps the keys of real resource types and ids unchanged', () => {
    expect(stateSk({ resourceType: 'AWS::EC2::SecurityGroup', resourceId: 'sg-0123' })).toBe(
      'AWS::EC2::SecurityGroup#sg-0123',
    );
    expect(stateSk({ resourceType: 'AWS::IAM::Policy', resourceId: 'arn:aws:iam::1:policy/a%b' })).toBe(
      'AWS::IAM::Policy#arn:aws:iam::1:policy/a%b',
    );
  });

  it.each([
    ['a 128-character rule name (the AWS maximum)', 'r'.repeat(128)],
    ['a 256-character rule name of three-byte characters (the schema maximum)', '\u20ac'.repeat(256)],
    ['a conformance-pack rule name', 's3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v'],
  ])('gives a partition key under 2048 bytes for %s', (_name, ruleName) => {
    const pk = statePk({ ...KEY, ruleName });
    expect(utf8Length(pk)).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
    expect(pk).toBe(`111122223333#ap-southeast-2#${ruleName}`);
  });
});

describe('event keys', () => {
  it('builds the table key and both index keys from the event', () => {
    expect(eventPk('5b9aa2a5')).toBe('EVT#5b9aa2a5');
    expect(dayOf('2026-11-20T23:59:59.999Z')).toBe('2026-11-20');
    expect(accountDayKey('111122223333', '2026-11-20')).toBe('111122223333#2026-11-20');
    expect(eventTimeSortKey('2026-11-20T10:15:31.000Z', 'abc')).toBe('2026-11-20T10:15:31.000Z#abc');
    expect(dayShardKey('2026-11-20', 3)).toBe('2026-11-20#03');
    expect(dayShardKeys('2026-11-20')).toEqual([
      '2026-11-20#00',
      '2026-11-20#01',
      '2026-11-20#02',
      '2026-11-20#03',
      '2026-11-20#04',
      '2026-11-20#05',
      '2026-11-20#06',
      '2026-11-20#07',
    ]);
  });

  it('orders sort keys by time, so bare ISO bounds select a half-open range', () => {
    // Prepare
    const start = '2026-11-20T10:00:00.000Z';
    const end = '2026-11-20T11:00:00.000Z';
    const at = (t: string) => eventTimeSortKey(t, 'ffffffff-ffff');

    // Act
    const inRange = (sk: string) => sk >= start && sk < end;

    // Assess
    expect(inRange(at(start))).toBe(true);
    expect(inRange(at('2026-11-20T10:59:59.999Z'))).toBe(true);
    expect(inRange(at(end))).toBe(false);
    expect(inRange(at('2026-11-20T09:59:59.999Z'))).toBe(false);
  });

  it('spreads a day over every shard evenly and stably', () => {
    // Prepare
    const ids = Array.from({ length: 16_000 }, () => randomUUID());

    // Act
    const counts = new Array<number>(DAY_SHARDS).fill(0);
    for (const id of ids) counts[dayShardOf(id)] = (counts[dayShardOf(id)] ?? 0) + 1;

    // Assess
    for (const count of counts) expect(Math.abs(count - 2_000)).toBeLessThan(300);
    expect(dayShardOf('5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21')).toBe(
      dayShardOf('5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21'),
    );
    // Fixed value: the shard of an id must never change between releases (readers and old items rely on it).
    expect([
      dayShardOf('5b9aa2a5-4c0b-0b1b-0b4b-4e8a1f4d3d21'),
      dayShardOf('e3f0a1b2-7c8d-4e5f-9a0b-1c2d3e4f5a6b'),
    ]).toEqual([4, 5]);
  });

  it('accepts EventBridge ids and refuses ids too long for the keys', () => {
    expect(eventIdProblem(randomUUID())).toBeNull();
    expect(eventIdProblem('\u20ac'.repeat(171))).toBe('id is 513 UTF-8 bytes; at most 512 allowed');
    expect(utf8Length(eventPk('x'.repeat(512)))).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
    expect(utf8Length(eventTimeSortKey('2026-11-20T10:00:00.000Z', 'x'.repeat(512)))).toBeLessThanOrEqual(
      MAX_SORT_KEY_BYTES,
    );
  });
});
