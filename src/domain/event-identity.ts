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
  return base64urlOfFirstSixteen(hash('sha256', listJson(event), 'binary'));
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
const CODES: readonly number[] = Array.from(BASE64URL, (c) => c.charCodeAt(0));

/** The base64url character of 6 bits. */
function code(bits: number): number {
  return CODES[bits & 63] as number;
}

/**
 * `Buffer.subarray(0, 16).toString('base64url')` of a digest given as latin1 (`binary`) text (a
 * character a byte): its 22 characters, written at once. The Buffer, its view and its encoding cost more than
 * the hash itself; slicing a base64url digest instead would keep the whole digest alive in every
 * stored fingerprint (a sliced string), for the garbage collector to copy.
 */
function base64urlOfFirstSixteen(digest: string): string {
  // Five groups of 3 bytes → 4 characters each, then the 16th byte → 2 characters (no padding).
  const a = (digest.charCodeAt(0) << 16) | (digest.charCodeAt(1) << 8) | digest.charCodeAt(2);
  const b = (digest.charCodeAt(3) << 16) | (digest.charCodeAt(4) << 8) | digest.charCodeAt(5);
  const c = (digest.charCodeAt(6) << 16) | (digest.charCodeAt(7) << 8) | digest.charCodeAt(8);
  const d = (digest.charCodeAt(9) << 16) | (digest.charCodeAt(10) << 8) | digest.charCodeAt(11);
  const e = (digest.charCodeAt(12) << 16) | (digest.charCodeAt(13) << 8) | digest.charCodeAt(14);
  const f = digest.charCodeAt(15);
  // biome-ignore format: one group of four characters a line
  return String.fromCharCode(
    code(a >>> 18), code(a >>> 12), code(a >>> 6), code(a),
    code(b >>> 18), code(b >>> 12), code(b >>> 6), code(b),
    code(c >>> 18), code(c >>> 12), code(c >>> 6), code(c),
    code(d >>> 18), code(d >>> 12), code(d >>> 6), code(d),
    code(e >>> 18), code(e >>> 12), code(e >>> 6), code(e),
    code(f >>> 2), code(f << 4),
  );
}

/** The reason a conflicting duplicate is rejected with. */
export function conflictingDuplicateReason(eventId: string): string {
  return `conflicting duplicate: event id ${JSON.stringify(eventId.length > 80 ? `${eventId.slice(0, 80)}…` : eventId)} was already received with other content (another resource, rule, status or order); the first one received is kept`;
}
