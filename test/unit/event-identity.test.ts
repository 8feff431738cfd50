/**
 * The event fingerprint is stored with every event (the id claim): its value for a given event must
 * never change between versions, or a redelivery after an upgrade would look like a conflicting
 * duplicate.
 */
import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ComplianceChange,
  type ConfigEvent,
  type ConfigurationItemChange,
  parseConfigEvent,
} from '../../src/domain/config-event.js';
import { eventFingerprint } from '../../src/domain/event-identity.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';

/** The fingerprint as first defined (and stored since): SHA-256 of the JSON list, first 16 bytes. */
function storedFormula(event: ConfigEvent): string {
  const parts =
    event.kind === 'compliance-change'
      ? [event.ruleName, event.newStatus, event.orderingTimestamp, event.recordedTime]
      : [event.changeType, event.itemStatus, event.captureTime];
  const list = [event.kind, event.account, event.region, event.resourceType, event.resourceId, ...parts];
  return hash('sha256', JSON.stringify(list), 'buffer').subarray(0, 16).toString('base64url');
}

function parsed(text: string) {
  const outcome = parseConfigEvent(text);
  if (outcome.status !== 'accepted') throw new Error(`expected accepted, got ${outcome.status}`);
  return outcome.event;
}

describe('eventFingerprint', () => {
  it.each([
    ['compliance-change', 'first-evaluation', '4vIaMCpgG0KvEjXRLq203w'],
    ['compliance-change', 'resolution-conformance-pack', expect.stringMatching(/^[\w-]{22}$/)],
  ])(
    'is the stored value of %s/%s (SHA-256 of the JSON list, 16 bytes, base64url)',
    (kind, variant, value) => {
      expect(eventFingerprint(parsed(fixtureText(kind, variant)))).toEqual(value);
    },
  );

  it('gives equal events the same fingerprint and other content another, computed once or again', () => {
    // Prepare
    const text = JSON.stringify(
      complianceEvent({ id: 'x', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
    );
    const other = JSON.stringify(
      complianceEvent({ id: 'x', resourceId: 'b', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' }),
    );
    const event = parsed(text);

    // Act
    const first = eventFingerprint(event);
    const again = eventFingerprint(event);

    // Assess
    expect(again).toBe(first);
    expect(eventFingerprint(parsed(text))).toBe(first);
    expect(eventFingerprint(parsed(other))).not.toBe(first);
  });

  // Texts that JSON escapes (quotes, backslashes, control characters, lone and paired surrogates),
  // and text that looks like the list's own punctuation.
  const hostile = [
    'a"b',
    'a\\b',
    'tab\there',
    '\u0000',
    '\u001f',
    'lone \ud800',
    'lone \udc00',
    'pair 😀',
    '","',
    'null',
    ',[]',
    'é',
  ];

  it.each(hostile)('is the formula stored since the first version, for a field of %j', (text) => {
    // Prepare
    const compliance = parsed(
      JSON.stringify(complianceEvent({ id: 'x', newStatus: 'NON_COMPLIANT', at: '2026-11-20T10:00:00Z' })),
    ) as ComplianceChange;
    const item = parsed(
      fixtureText('configuration-item', 'inline-item-tags-diff'),
    ) as ConfigurationItemChange;
    const variants: ConfigEvent[] = [
      ...(
        [
          'account',
          'region',
          'resourceType',
          'resourceId',
          'ruleName',
          'newStatus',
          'orderingTimestamp',
          'recordedTime',
        ] as const
      ).map((field) => ({ ...compliance, [field]: text }) as ComplianceChange),
      ...(
        [
          'account',
          'region',
          'resourceType',
          'resourceId',
          'changeType',
          'itemStatus',
          'captureTime',
        ] as const
      ).map((field) => ({ ...item, [field]: text }) as ConfigurationItemChange),
      { ...item, changeType: null, itemStatus: null, captureTime: null },
      { ...item, resourceId: text, changeType: null },
    ];

    // Act
    const fingerprints = variants.map(eventFingerprint);

    // Assess
    expect(fingerprints).toEqual(variants.map(storedFormula));
    expect(new Set(fingerprints).size).toBe(variants.length);
  });

  it('is the formula stored since the first version, for the fixtures', () => {
    const events = [
      fixtureText('compliance-change', 'first-evaluation'),
      fixtureText('compliance-change', 'resolution-conformance-pack'),
      fixtureText('compliance-change', 'account-resource-annotation-newline'),
      fixtureText('configuration-item', 'inline-item-tags-diff'),
      fixtureText('configuration-item', 'oversized'),
    ].map(parsed);
    expect(events.map(eventFingerprint)).toEqual(events.map(storedFormula));
  });
});
