import { describe, expect, it } from 'vitest';
import { type ConfigurationItemChange, parseConfigEvent } from '../../src/domain/config-event.js';
import {
  MAX_CHANGED_PROPERTIES,
  MAX_CHANGES,
  MAX_TAGS,
  MAX_VALUE_CHARS,
  mergeResourceRecord,
  type ResourceObservation,
} from '../../src/domain/resource-record.js';
import { fixture, fixtureText } from '../helpers/fixtures.js';

function item(raw: unknown): ConfigurationItemChange {
  const outcome = parseConfigEvent(raw);
  if (outcome.status !== 'accepted' || outcome.event.kind !== 'configuration-item-change') {
    throw new Error(`not an accepted item change: ${JSON.stringify(outcome)}`);
  }
  return outcome.event;
}

describe('configuration item changes: tags, diff and related events', () => {
  it('parses the tags, the changed properties (values as compact JSON) and the CloudTrail event ids', () => {
    // Act
    const event = item(fixtureText('configuration-item', 'inline-item-tags-diff'));

    // Assess
    expect(event.tags).toEqual({ Name: 'web', 'data-class': 'pii', team: 'payments' });
    expect(event.change).toEqual({
      captureTime: '2026-11-20T10:13:59.212Z',
      changeType: 'UPDATE',
      changedProperties: [
        {
          path: 'Configuration.IpPermissions.0',
          changeType: 'CREATE',
          previousValue: null,
          updatedValue: '{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":["0.0.0.0/0"]}',
        },
        {
          path: 'Configuration.Description',
          changeType: 'UPDATE',
          previousValue: '"web tier"',
          updatedValue: '"web tier (temp)"',
        },
      ],
      relatedEvents: ['8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'],
    });
  });

  it('an oversized notification has its change type, no properties and no tags', () => {
    const event = item(fixtureText('configuration-item', 'oversized'));
    expect(event.tags).toBeNull();
    expect(event.change).toMatchObject({ changedProperties: [], relatedEvents: [] });
  });

  it('bounds hostile items: non-string tags dropped, values clipped, at most the limits kept', () => {
    // Prepare
    const raw = fixture<Record<string, any>>('configuration-item', 'inline-item-tags-diff');
    const tags: Record<string, unknown> = { n: 1, nested: { a: 1 } };
    for (let i = 0; i < 80; i++) tags[`k${i.toString().padStart(2, '0')}`] = 'v'.repeat(1000);
    raw.detail.configurationItem.tags = tags;
    const props: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++)
      props[`<!channel>${i}`] = { updatedValue: 'x'.repeat(10_000), changeType: 'UPDATE' };
    raw.detail.configurationItemDiff = { changeType: 'UPDATE', changedProperties: props };
    raw.detail.configurationItem.relatedEvents = [1, null, ...Array.from({ length: 30 }, (_, i) => `e-${i}`)];

    // Act
    const event = item(raw);

    // Assess
    expect(Object.keys(event.tags ?? {})).toHaveLength(MAX_TAGS);
    expect(Object.values(event.tags ?? {}).every((v) => v.length <= 256)).toBe(true);
    expect(event.tags?.n).toBeUndefined();
    expect(event.change?.changedProperties).toHaveLength(MAX_CHANGED_PROPERTIES);
    expect(event.change?.changedProperties[0]?.path).toBe('<!channel>0');
    expect(event.change?.changedProperties[0]?.updatedValue?.length).toBe(MAX_VALUE_CHARS);
    expect(event.change?.relatedEvents).toHaveLength(10);
  });

  it('still accepts an item whose tags or relatedEvents have an unexpected shape', () => {
    const raw = fixture<Record<string, any>>('configuration-item', 'inline-item-tags-diff');
    raw.detail.configurationItem.tags = null;
    raw.detail.configurationItem.relatedEvents = null;
    raw.detail.configurationItemDiff = null;
    const event = item(raw);
    expect(event.tags).toBeNull();
    expect(event.change).toMatchObject({ changeType: null, changedProperties: [], relatedEvents: [] });
  });
});

describe('mergeResourceRecord', () => {
  const key = {
    account: '123456789012',
    region: 'eu-west-1',
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'b',
  };
  const observation = (
    minute: number,
    tags: Record<string, string> | null,
    eventId = `e-${minute}`,
  ): ResourceObservation => ({
    ...key,
    eventId,
    tags,
    change: {
      captureTime: `2024-05-01T10:${minute.toString().padStart(2, '0')}:00.000Z`,
      changeType: 'UPDATE',
      changedProperties: [],
      relatedEvents: [eventId],
    },
  });

  /** A deterministic shuffle (Fisher–Yates over a linear congruential generator). */
  function shuffled<T>(items: readonly T[], seed: number): T[] {
    const out = [...items];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  it('keeps the tags of the newest item and the newest five changes, whatever the order and the repeats', () => {
    // Prepare: 9 observations, the newest (minute 8) without tags (oversized)
    const all = Array.from({ length: 9 }, (_, i) => observation(i, i === 8 ? null : { v: String(i) }));

    // Act: one at a time in 20 orders, with every observation delivered twice
    const results = Array.from({ length: 20 }, (_, seed) => {
      let record = mergeResourceRecord(key, undefined, []).record;
      for (const o of shuffled([...all, ...all], seed + 1))
        record = mergeResourceRecord(key, record, [o]).record;
      return record;
    });

    // Assess
    for (const record of results) {
      expect(record.tags).toEqual({ v: '7' });
      expect(record.changes.map((c) => c.eventId)).toEqual(['e-8', 'e-7', 'e-6', 'e-5', 'e-4']);
      expect(record.changes).toHaveLength(MAX_CHANGES);
    }
  });

  it('reports no change for a redelivery or an observation older than the five kept', () => {
    const five = Array.from({ length: 5 }, (_, i) => observation(i + 10, { v: String(i) }));
    const { record } = mergeResourceRecord(key, undefined, five);
    expect(mergeResourceRecord(key, record, five).changed).toBe(false);
    expect(mergeResourceRecord(key, record, [observation(1, { v: 'old' })]).changed).toBe(false);
    expect(mergeResourceRecord(key, record, [observation(20, null)]).changed).toBe(true);
  });

  it('keeps one change per capture time, the greater event id, in any order', () => {
    const a = observation(1, { v: 'a' }, 'id-a');
    const b = observation(1, { v: 'b' }, 'id-b');
    const ab = mergeResourceRecord(key, mergeResourceRecord(key, undefined, [a]).record, [b]).record;
    const ba = mergeResourceRecord(key, mergeResourceRecord(key, undefined, [b]).record, [a]).record;
    expect(ab).toEqual(ba);
    expect(ab.changes.map((c) => c.eventId)).toEqual(['id-b']);
    expect(ab.tags).toEqual({ v: 'b' });
  });
});
