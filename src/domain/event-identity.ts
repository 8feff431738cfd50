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
 * A short hash (base64url, 16 bytes) of what the event says happened. Not cached: a caller that
 * needs it more than once for one event keeps it (the consumer computes it once per record and hands
 * it to `EventStore.claim` and `markDone`). A WeakMap by event cost about as much as the hash, most
 * of it in the garbage collector, which visits every entry (bench:consumer).
 */
export function eventFingerprint(event: ConfigEvent): string {
  // JSON of the list: two lists give the same text only if they are equal. Stored fingerprints
  // must stay comparable: the same SHA-256 (one-shot `hash`, no Hash object), its first 16 bytes.
  return firstSixteenBytes(hash('sha256', listJson(event), 'base64url'));
}

/**
 * The list texts of {@link listJson} in which no part needed escaping: each element a string
 * without quote, backslash, control character or surrogate (or null). Sound as a check of the text
 * built from the parts: an element holds no quote, so the text has exactly the quotes the list puts
 * around its parts; a part with a quote would add some, or split itself in two elements.
 */
const PLAIN_COMPLIANCE_LIST = /^\["compliance-change"(?:,"[^"\\\u0000-\u001f\ud800-\udfff]*"){8}\]$/;
const PLAIN_ITEM_LIST =
  /^\["configuration-item-change"(?:,"[^"\\\u0000-\u001f\ud800-\udfff]*"){4}(?:,(?:null|"[^"\\\u0000-\u001f\ud800-\udfff]*")){3}\]$/;

function quoted(value: string | null): string {
  return value === null ? 'null' : `"${value}"`;
}

/**
 * `JSON.stringify` of the list of what the event says happened. Its text is built directly and
 * checked (what AWS sends needs no escaping): the list and its serialization cost more than the hash.
 */
function listJson(event: ConfigEvent): string {
  const { account, region, resourceType, resourceId } = event;
  switch (event.kind) {
    case 'compliance-change': {
      const { ruleName, newStatus, orderingTimestamp, recordedTime } = event;
      const text = `["compliance-change","${account}","${region}","${resourceType}","${resourceId}","${ruleName}","${newStatus}","${orderingTimestamp}","${recordedTime}"]`;
      if (PLAIN_COMPLIANCE_LIST.test(text)) return text;
      return JSON.stringify([
        event.kind,
        account,
        region,
        resourceType,
        resourceId,
        ruleName,
        newStatus,
        orderingTimestamp,
        recordedTime,
      ]);
    }
    case 'configuration-item-change': {
      const { changeType, itemStatus, captureTime } = event;
      const text = `["configuration-item-change","${account}","${region}","${resourceType}","${resourceId}",${quoted(changeType)},${quoted(itemStatus)},${quoted(captureTime)}]`;
      if (PLAIN_ITEM_LIST.test(text)) return text;
      return JSON.stringify([
        event.kind,
        account,
        region,
        resourceType,
        resourceId,
        changeType,
        itemStatus,
        captureTime,
      ]);
    }
    default: {
      const unknown: never = event;
      throw new Error(`no fingerprint for event kind ${JSON.stringify(unknown)}`);
    }
  }
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * By char code of a digest's 22nd base64url character (6 bits: digest bits 126–131), the 22nd
 * character of its first 16 bytes alone (bits 126–127, then four zero bits).
 */
const LAST_OF_SIXTEEN: string[] = [];
for (let v = 0; v < 64; v++) LAST_OF_SIXTEEN[BASE64URL.charCodeAt(v)] = BASE64URL[v & 0b110000] as string;

/**
 * The base64url text of the first 16 bytes of a digest, from the text of the whole digest: the same
 * 22 characters as `Buffer.subarray(0, 16).toString('base64url')`, without the Buffer, the view and
 * the second encoding (together about twice the hash itself, per event, in bench:consumer).
 */
function firstSixteenBytes(digest: string): string {
  return digest.slice(0, 21) + (LAST_OF_SIXTEEN[digest.charCodeAt(21)] as string);
}

/** The reason a conflicting duplicate is rejected with. */
export function conflictingDuplicateReason(eventId: string): string {
  return `conflicting duplicate: event id ${JSON.stringify(eventId.length > 80 ? `${eventId.slice(0, 80)}…` : eventId)} was already received with other content (another resource, rule, status or order); the first one received is kept`;
}
