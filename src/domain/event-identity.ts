/**
 * What makes two records one event. An event id is one event: a redelivery carries the same id
 * and the same content, and is a duplicate. A record with an id already received but other
 * content (another resource, rule, status or order) is a conflicting duplicate: the first one
 * received wins and the other is rejected with a reason, never applied.
 *
 * The fingerprint covers what an event says happened, not when it was sent: a redelivery, or a
 * sync re-run that derives the same id from the same key and order, may carry another `time`,
 * notification time or sync id and is still the same event.
 */
import { hash } from 'node:crypto';
import type { ConfigEvent } from './config-event.js';

/**
 * Fingerprints already computed, by event object. The consumer needs an event's fingerprint three
 * times (the batch's repeats, the claim, the stored item): a SHA-256 of its JSON each time was a
 * quarter of the consumer's CPU (bench:consumer). An event is not changed once parsed, and the
 * map holds it weakly, so the cache neither changes an answer nor keeps an event alive.
 */
const computed = new WeakMap<ConfigEvent, string>();

/** A short hash (base64url, 16 bytes) of what the event says happened. */
export function eventFingerprint(event: ConfigEvent): string {
  let fingerprint = computed.get(event);
  if (fingerprint === undefined) {
    fingerprint = fingerprintOf(event);
    computed.set(event, fingerprint);
  }
  return fingerprint;
}

function fingerprintOf(event: ConfigEvent): string {
  const parts: (string | null)[] = [
    event.kind,
    event.account,
    event.region,
    event.resourceType,
    event.resourceId,
  ];
  switch (event.kind) {
    case 'compliance-change':
      parts.push(event.ruleName, event.newStatus, event.orderingTimestamp, event.recordedTime);
      break;
    case 'configuration-item-change':
      parts.push(event.changeType, event.itemStatus, event.captureTime);
      break;
    default: {
      const unknown: never = event;
      throw new Error(`no fingerprint for event kind ${JSON.stringify(unknown)}`);
    }
  }
  // JSON of the list: two lists give the same text only if they are equal. Stored fingerprints
  // must stay comparable: the same SHA-256 (one-shot `hash`, no Hash object), its first 16 bytes.
  return hash('sha256', JSON.stringify(parts), 'buffer').subarray(0, 16).toString('base64url');
}

/** The reason a conflicting duplicate is rejected with. */
export function conflictingDuplicateReason(eventId: string): string {
  return `conflicting duplicate: event id ${JSON.stringify(eventId.length > 80 ? `${eventId.slice(0, 80)}…` : eventId)} was already received with other content (another resource, rule, status or order); the first one received is kept`;
}
