/**
 * What the pipeline remembers of a resource from its configuration item changes: the tags of its
 * newest item and its last few changes, so that the notifier can route an alert by resource tag
 * and say which change caused a violation (src/domain/alert-context.ts). Pure: the consumer feeds it
 * the item changes it receives, the hot store keeps the merged record.
 *
 * Everything here comes from other accounts and is untrusted: tag keys and values, property paths
 * and values, CloudTrail event ids are clipped to bounds (so a hostile item cannot grow a stored
 * record or a message without limit) and are never interpreted; the renderer escapes them.
 *
 * Merging is order-independent and idempotent: a record is the union of the observations merged
 * into it, reduced by rules that do not depend on arrival order (the newest tags by capture time,
 * the newest {@link MAX_CHANGES} changes by capture time, one per capture time), so a redelivered
 * or reordered item change leaves the same record.
 */
import type { ChangedProperty, ResourceChange } from './alert-context.js';

/** Changes kept per resource (the newest by capture time). */
export const MAX_CHANGES = 5;
/** Changed properties kept per change, in AWS Config's order (a message shows the first few). */
export const MAX_CHANGED_PROPERTIES = 20;
/** Characters of a previous or updated value kept, as compact JSON. */
export const MAX_VALUE_CHARS = 256;
/** Characters of a property path kept. */
export const MAX_PATH_CHARS = 256;
/** CloudTrail event ids kept per change. */
export const MAX_RELATED_EVENTS = 10;
/** AWS allows 50 tags a resource, keys of 128 and values of 256 characters. */
export const MAX_TAGS = 50;
export const MAX_TAG_KEY_CHARS = 128;
export const MAX_TAG_VALUE_CHARS = 256;

/** A resource as AWS Config names it. */
export interface ResourceKey {
  readonly account: string;
  readonly region: string;
  readonly resourceType: string;
  readonly resourceId: string;
}

/** One change of a resource, with the event that reported it (the tie-break of equal capture times). */
export interface RecordedChange {
  readonly eventId: string;
  readonly change: ResourceChange;
}

/** The hot store's record of one resource. */
export interface ResourceRecord extends ResourceKey {
  /** Tags of the newest item (by capture time) that carried its tags; null when none did. */
  readonly tags: Readonly<Record<string, string>> | null;
  /** Capture time and event id of the item the tags come from. */
  readonly tagsFrom: { readonly captureTime: string; readonly eventId: string } | null;
  /** The newest changes by capture time, newest first, at most {@link MAX_CHANGES}, one per capture time. */
  readonly changes: readonly RecordedChange[];
}

/** What one configuration item change tells of its resource. */
export interface ResourceObservation extends ResourceKey {
  readonly eventId: string;
  /** Null when the notification does not carry the item's tags (an oversized item). */
  readonly tags: Readonly<Record<string, string>> | null;
  readonly change: ResourceChange;
}

/** A stable text identity of a resource, for maps (the unit separator cannot occur in AWS names). */
export function resourceKeyId(key: ResourceKey): string {
  return `${key.account}\u001f${key.region}\u001f${key.resourceType}\u001f${key.resourceId}`;
}

/** Text clipped to `max` characters with a visible `…`, never inside a surrogate pair. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A value as compact JSON text, clipped; null when absent. */
export function compactJson(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // a cycle cannot come from JSON input; be safe anyway
  }
  return text === undefined ? null : clipText(text, MAX_VALUE_CHARS);
}

/**
 * `configurationItem.tags` as a map of strings, bounded: entries whose value is not a string are
 * left out, keys and values clipped, at most {@link MAX_TAGS} (in key order, so the choice does not
 * depend on how the JSON was written). Null when the item carries no tags object.
 */
export function normalizeTags(raw: unknown): Readonly<Record<string, string>> | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const entries = Object.entries(raw as Record<string, unknown>)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0].length > 0)
    .map(([k, v]) => [clipText(k, MAX_TAG_KEY_CHARS), clipText(v, MAX_TAG_VALUE_CHARS)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_TAGS);
  // A null-prototype object: a tag named `__proto__` or `constructor` is a plain key.
  const tags: Record<string, string> = Object.create(null);
  for (const [k, v] of entries) tags[k] = v;
  return tags;
}

/**
 * The change an item notification reports: `configurationItemDiff` (its change type and changed
 * properties, values as clipped compact JSON) and `configurationItem.relatedEvents` (CloudTrail
 * event ids), bounded as the constants above say.
 */
export function normalizeResourceChange(
  captureTime: string,
  diff: unknown,
  relatedEvents: unknown,
): ResourceChange {
  const d = typeof diff === 'object' && diff !== null ? (diff as Record<string, unknown>) : {};
  const changeType = typeof d.changeType === 'string' ? clipText(d.changeType, 32) : null;
  const changedProperties: ChangedProperty[] = [];
  const props = d.changedProperties;
  if (typeof props === 'object' && props !== null && !Array.isArray(props)) {
    for (const [path, value] of Object.entries(props as Record<string, unknown>)) {
      if (changedProperties.length >= MAX_CHANGED_PROPERTIES) break;
      const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
      changedProperties.push({
        path: clipText(path, MAX_PATH_CHARS),
        changeType: typeof v.changeType === 'string' ? clipText(v.changeType, 32) : '',
        previousValue: compactJson(v.previousValue),
        updatedValue: compactJson(v.updatedValue),
      });
    }
  }
  const events = Array.isArray(relatedEvents)
    ? relatedEvents
        .filter((e): e is string => typeof e === 'string' && e.length > 0)
        .slice(0, MAX_RELATED_EVENTS)
        .map((e) => clipText(e, 128))
    : [];
  return { captureTime, changeType, changedProperties, relatedEvents: events };
}

/** Whether `a` is newer than `b`: later capture time, then greater event id. */
function newer(a: { captureTime: string; eventId: string }, b: { captureTime: string; eventId: string }) {
  return a.captureTime > b.captureTime || (a.captureTime === b.captureTime && a.eventId > b.eventId);
}

/**
 * The record after `observations` (of this resource) are merged into `stored`. Order-independent
 * and idempotent (see the module comment); `changed` is false when the result equals `stored`, so
 * a redelivery costs no write.
 */
export function mergeResourceRecord(
  key: ResourceKey,
  stored: ResourceRecord | undefined,
  observations: readonly ResourceObservation[],
): { record: ResourceRecord; changed: boolean } {
  let tags = stored?.tags ?? null;
  let tagsFrom = stored?.tagsFrom ?? null;
  const byTime = new Map<string, RecordedChange>();
  for (const c of stored?.changes ?? []) byTime.set(c.change.captureTime, c);
  let changed = stored === undefined;
  for (const o of observations) {
    const at = { captureTime: o.change.captureTime, eventId: o.eventId };
    if (o.tags !== null && (tagsFrom === null || newer(at, tagsFrom))) {
      tags = o.tags;
      tagsFrom = at;
      changed = true;
    }
    const kept = byTime.get(at.captureTime);
    if (kept === undefined || o.eventId > kept.eventId) {
      byTime.set(at.captureTime, { eventId: o.eventId, change: o.change });
      changed = true;
    }
  }
  const changes = [...byTime.values()]
    .sort((a, b) => (a.change.captureTime < b.change.captureTime ? 1 : -1))
    .slice(0, MAX_CHANGES);
  // A change older than the newest five was added and dropped again: nothing to write.
  if (!changed || (stored && sameChanges(stored.changes, changes) && tagsFrom === stored.tagsFrom)) {
    return { record: stored ?? { ...key, tags, tagsFrom, changes }, changed: stored === undefined };
  }
  return {
    record: {
      account: key.account,
      region: key.region,
      resourceType: key.resourceType,
      resourceId: key.resourceId,
      tags,
      tagsFrom,
      changes,
    },
    changed: true,
  };
}

function sameChanges(a: readonly RecordedChange[], b: readonly RecordedChange[]): boolean {
  return a.length === b.length && a.every((c, i) => c.eventId === b[i]?.eventId);
}

/** The change of a record captured at `captureTime` (an evaluation's orderingTimestamp), or null. */
export function changeAt(record: ResourceRecord | undefined, captureTime: string): ResourceChange | null {
  return record?.changes.find((c) => c.change.captureTime === captureTime)?.change ?? null;
}
