/**
 * Validated, normalized AWS Config events, and the one function that turns raw input into them.
 *
 * Outcomes are values, not exceptions: a record is `accepted` (a compliance change or a
 * configuration-item change), `skipped` (valid JSON that the event pattern does not select) or
 * `rejected` (with a reason that names the field and the rule it broke).
 */
import { type } from 'arktype';
import type { ResourceChange } from './alert-context.js';
import {
  type ComplianceType,
  complianceChangeDetailSchema,
  configurationItemDetailSchema,
  envelopeSchema,
  oversizedConfigurationItemDetailSchema,
  type RECONCILIATION_MODES,
  TIMESTAMP_DESCRIPTION,
} from './config-event.schema.js';
import {
  type AcceptedDetailType,
  COMPLIANCE_CHANGE,
  CONFIG_SOURCE,
  CONFIGURATION_ITEM_CHANGE,
  isConsumedEvent,
  RECONCILE_SOURCE,
} from './event-pattern.js';
import { normalizeResourceChange, normalizeTags } from './resource-record.js';
import { normalizeTimestamp, timestampProblem } from './timestamp.js';

export type { ComplianceType } from './config-event.schema.js';
/** Normalizes an accepted timestamp to `YYYY-MM-DDTHH:mm:ss.sssZ`; see src/domain/timestamp.ts. */
export { normalizeTimestamp } from './timestamp.js';

interface EventBase {
  /** EventBridge `id`: the idempotency key of the whole pipeline. */
  readonly eventId: string;
  /**
   * EventBridge `time`, normalized to `YYYY-MM-DDTHH:mm:ss.sssZ`: WHEN the record happened (the
   * notification was emitted). It decides the archive's `dt`, the day a record counts in, range
   * membership and "as of"; it never orders two evaluations (that is {@link orderOf}).
   */
  readonly eventTime: string;
  readonly account: string;
  readonly region: string;
  readonly source: string;
  readonly detailType: string;
  readonly resourceType: string;
  readonly resourceId: string;
}

/** A `Config Rules Compliance Change`. */
export interface ComplianceChange extends EventBase {
  readonly kind: 'compliance-change';
  readonly ruleName: string;
  readonly ruleArn: string | null;
  readonly newStatus: ComplianceType;
  /** Null on a first evaluation. */
  readonly oldStatus: ComplianceType | null;
  /** Trimmed; null when absent, null or blank. */
  readonly annotation: string | null;
  /**
   * `newEvaluationResult.evaluationResultIdentifier.orderingTimestamp`, normalized: the capture
   * time of the evaluated configuration item, months or years old on a rollout. It ORDERS the
   * evaluations of one state key (with `recordedTime` and the event id); it is not when they happened.
   */
  readonly orderingTimestamp: string;
  /** `newEvaluationResult.resultRecordedTime`, normalized. */
  readonly recordedTime: string;
  /** `notificationCreationTime`, normalized, or null. */
  readonly notificationTime: string | null;
  /**
   * Set on a record of the reconciler (source `config-monitor.reconcile`): the sync and its mode
   * (`baseline`: first sync of its account and region, alerts nothing; `drift`: EventBridge missed
   * the change; `gone`: AWS Config no longer reports the pair). Null on live events.
   */
  readonly reconciliation: Reconciliation | null;
}

export interface Reconciliation {
  readonly syncId: string;
  readonly mode: ReconciliationMode;
}

export type ReconciliationMode = (typeof RECONCILIATION_MODES)[number];

/** A `Config Configuration Item Change` (inline or oversized). */
export interface ConfigurationItemChange extends EventBase {
  readonly kind: 'configuration-item-change';
  readonly oversized: boolean;
  readonly resourceName: string | null;
  readonly arn: string | null;
  readonly changeType: string | null;
  readonly itemStatus: string | null;
  readonly captureTime: string | null;
  /** `bucket/key` of the full item for oversized notifications. */
  readonly s3Location: string | null;
  /**
   * `configurationItem.tags` (string entries, bounded: src/domain/resource-record.ts); null when the
   * notification carries no tags (an oversized one: its summary has none). Untrusted text.
   */
  readonly tags: Readonly<Record<string, string>> | null;
  /**
   * What changed (`configurationItemDiff`, `configurationItem.relatedEvents`), clipped; null when
   * the item has no capture time to place it. An oversized notification has its change type only.
   */
  readonly change: ResourceChange | null;
}

export type ConfigEvent = ComplianceChange | ConfigurationItemChange;

export type ParseOutcome =
  | { readonly status: 'accepted'; readonly event: ConfigEvent }
  | { readonly status: 'skipped'; readonly reason: string }
  | { readonly status: 'rejected'; readonly reason: string };

const NOT_EVENTBRIDGE = 'not an EventBridge event';

function describeNonEventBridge(value: Record<string, unknown>): string {
  if ('Type' in value && 'Message' in value) return `${NOT_EVENTBRIDGE}: looks like an SNS envelope`;
  if ('invokingEvent' in value || 'resultToken' in value) {
    return `${NOT_EVENTBRIDGE}: looks like a Config rule Lambda payload`;
  }
  const missing = ['id', 'source', 'detail-type', 'detail'].filter((k) => !(k in value));
  return `${NOT_EVENTBRIDGE}: missing ${missing.join(', ')}`;
}

/**
 * Validates one raw record (JSON text or an already parsed value).
 *
 * Cheap checks run first so that skipped events cost one `JSON.parse` and a few property reads.
 */
export function parseConfigEvent(input: string | unknown): ParseOutcome {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      return { status: 'rejected', reason: `bad JSON: ${(err as Error).message}` };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      status: 'rejected',
      reason: `not an object: got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    };
  }
  const raw = value as Record<string, unknown>;
  if (!('detail-type' in raw) || !('source' in raw) || !('detail' in raw) || !('id' in raw)) {
    return { status: 'rejected', reason: describeNonEventBridge(raw) };
  }
  if (typeof raw.source === 'string' && typeof raw['detail-type'] === 'string') {
    if (!isConsumedEvent(raw)) {
      return {
        status: 'skipped',
        reason:
          raw.source === CONFIG_SOURCE
            ? `detail-type "${raw['detail-type']}" is not monitored`
            : `source "${raw.source}" is not ${CONFIG_SOURCE}`,
      };
    }
  }
  const envelope = envelopeSchema(raw);
  if (envelope instanceof type.errors) {
    return { status: 'rejected', reason: envelope.map(messageOf).join('\n') };
  }

  // isConsumedEvent above let through only the accepted detail types: a string outside them fails
  // the envelope schema before this point.
  const detailType = envelope['detail-type'] as AcceptedDetailType;
  switch (detailType) {
    case COMPLIANCE_CHANGE: {
      const detail = complianceChangeDetailSchema(envelope.detail);
      if (detail instanceof type.errors) return { status: 'rejected', reason: prefixDetail(detail) };
      return { status: 'accepted', event: normalizeComplianceChange(envelope, detail) };
    }
    case CONFIGURATION_ITEM_CHANGE:
      return parseConfigurationItemChange(envelope);
    default: {
      const unknown: never = detailType;
      throw new Error(`no parser for detail type ${JSON.stringify(unknown)}`);
    }
  }
}

/** A `Config Configuration Item Change`: the oversized notification, else the inline item. */
function parseConfigurationItemChange(envelope: Env): ParseOutcome {
  const messageType = (envelope.detail as Record<string, unknown>).messageType;
  if (messageType === 'OversizedConfigurationItemChangeNotification') {
    const detail = oversizedConfigurationItemDetailSchema(envelope.detail);
    if (detail instanceof type.errors) return { status: 'rejected', reason: prefixDetail(detail) };
    const item = detail.configurationItemSummary;
    return {
      status: 'accepted',
      event: normalizeItem(envelope, item, {
        oversized: true,
        changeType: item.changeType ?? null,
        s3Location: detail.s3DeliverySummary?.s3BucketLocation ?? null,
        tags: null,
        diff: { changeType: item.changeType },
        relatedEvents: null,
      }),
    };
  }
  const detail = configurationItemDetailSchema(envelope.detail);
  if (detail instanceof type.errors) return { status: 'rejected', reason: prefixDetail(detail) };
  return {
    status: 'accepted',
    event: normalizeItem(envelope, detail.configurationItem, {
      oversized: false,
      changeType: changeTypeOf(detail.configurationItemDiff),
      s3Location: null,
      tags: normalizeTags(detail.configurationItem.tags),
      diff: detail.configurationItemDiff,
      relatedEvents: detail.configurationItem.relatedEvents,
    }),
  };
}

function prefixDetail(errors: InstanceType<typeof type.errors>): string {
  // arktype paths are relative to the validated value; name them from the event root.
  return errors
    .map((e) => (e.path.length > 0 ? `detail.${messageOf(e)}` : `detail ${messageOf(e)}`))
    .join('; ');
}

type ValidationError = InstanceType<typeof type.errors>[number];

/**
 * arktype's message, except for a timestamp: its field, the value and why it is refused (`…
 * orderingTimestamp must be an ISO 8601 timestamp: "2026-02-30T10:00:00Z" is not a real date
 * (2026-02 has 28 days)`), as the schema's context-free predicate cannot say why.
 */
function messageOf(error: ValidationError): string {
  if (error.code !== 'predicate' || error.expected !== TIMESTAMP_DESCRIPTION) return error.message;
  const value = error.data;
  if (typeof value !== 'string') return error.message;
  const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  // The clock may have moved past the bound since the check: say so rather than nothing.
  const problem = timestampProblem(value) ?? 'was more than a day ahead of the clock';
  return `${error.propString} must be ${TIMESTAMP_DESCRIPTION}: ${shown} ${problem}`;
}

function changeTypeOf(diff: object | null | undefined): string | null {
  const changeType = (diff as { changeType?: unknown } | null | undefined)?.changeType;
  return typeof changeType === 'string' ? changeType : null;
}

type Env = typeof envelopeSchema.infer;

// The normalized events are object literals with their keys in one order, not spreads of a common
// base: a spread costs about as much as the rest of the normalization.

function normalizeComplianceChange(
  envelope: Env,
  detail: typeof complianceChangeDetailSchema.infer,
): ComplianceChange {
  const result = detail.newEvaluationResult;
  const annotation = result.annotation?.trim();
  return {
    kind: 'compliance-change',
    eventId: envelope.id,
    eventTime: normalizeTimestamp(envelope.time),
    account: detail.awsAccountId ?? envelope.account,
    region: detail.awsRegion ?? envelope.region,
    source: envelope.source,
    detailType: envelope['detail-type'],
    resourceType: detail.resourceType,
    resourceId: detail.resourceId,
    ruleName: detail.configRuleName,
    ruleArn: detail.configRuleARN ?? null,
    newStatus: result.complianceType,
    oldStatus: detail.oldEvaluationResult?.complianceType ?? null,
    annotation: annotation ? annotation : null,
    orderingTimestamp: normalizeTimestamp(result.evaluationResultIdentifier.orderingTimestamp),
    recordedTime: normalizeTimestamp(result.resultRecordedTime),
    notificationTime: detail.notificationCreationTime
      ? normalizeTimestamp(detail.notificationCreationTime)
      : null,
    // Only the reconciler may mark a record: the field of any other source is ignored.
    reconciliation: envelope.source === RECONCILE_SOURCE ? (detail.reconciliation ?? null) : null,
  };
}

interface ItemCore {
  configurationItemCaptureTime?: string;
  configurationItemStatus?: string;
  awsAccountId?: string;
  awsRegion?: string;
  resourceType: string;
  resourceId?: string;
  resourceName?: string | null;
  ARN?: string | null;
}

function normalizeItem(
  envelope: Env,
  item: ItemCore,
  extra: {
    oversized: boolean;
    changeType: string | null;
    s3Location: string | null;
    tags: Readonly<Record<string, string>> | null;
    diff: unknown;
    relatedEvents: unknown;
  },
): ConfigurationItemChange {
  const captureTime = item.configurationItemCaptureTime
    ? normalizeTimestamp(item.configurationItemCaptureTime)
    : null;
  return {
    kind: 'configuration-item-change',
    eventId: envelope.id,
    eventTime: normalizeTimestamp(envelope.time),
    account: item.awsAccountId ?? envelope.account,
    region: item.awsRegion ?? envelope.region,
    source: envelope.source,
    detailType: envelope['detail-type'],
    resourceType: item.resourceType,
    resourceId: item.resourceId ?? item.ARN ?? item.resourceName ?? '',
    oversized: extra.oversized,
    resourceName: item.resourceName ?? null,
    arn: item.ARN ?? null,
    changeType: extra.changeType,
    itemStatus: item.configurationItemStatus ?? null,
    captureTime,
    s3Location: extra.s3Location,
    tags: extra.tags,
    change:
      captureTime === null ? null : normalizeResourceChange(captureTime, extra.diff, extra.relatedEvents),
  };
}

/**
 * Removes the random suffix AWS adds to rules deployed by a conformance pack
 * (`s3-bucket-versioning-enabled-conformance-pack-a1b2c3d4e` → `s3-bucket-versioning-enabled`),
 * so rules group across accounts in reports.
 */
export function baseRuleName(ruleName: string): string {
  return ruleName.replace(/-conformance-pack-[a-z0-9]+$/, '');
}
