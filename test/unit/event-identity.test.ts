/**
 * The event fingerprint is stored with every event (the id claim): its value for a given event must
 * never change between versions, or a redelivery after an upgrade would look like a conflicting
 * duplicate. Its cache must not change an answer.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { eventFingerprint } from '../../src/domain/event-identity.js';
import { complianceEvent } from '../helpers/archive-events.js';
import { fixtureText } from '../helpers/fixtures.js';

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
    const cached = eventFingerprint(event);

    // Assess
    expect(cached).toBe(first);
    expect(eventFingerprint(parsed(text))).toBe(first);
    expect(eventFingerprint(parsed(other))).not.toBe(first);
  });
});
