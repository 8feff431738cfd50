/**
 * arktype schemas for the AWS Config events that EventBridge delivers.
 *
 * Built from AWS's documented shapes ("Monitoring AWS Config with Amazon EventBridge",
 * "Example Configuration Item Change Notification", "Example Oversized Configuration Item Change
 * Notification") and widened where real captures differ:
 * - `oldEvaluationResult` is absent on a first evaluation;
 * - `annotation` may be absent, null, or start with a newline;
 * - timestamps come with and without milliseconds (and are real instants in a sane range, see
 *   `timestamp.ts`);
 * - `resources` may be empty;
 * - configuration-item events may carry account and region only inside `configurationItem`.
 *
 * Undeclared keys are allowed (AWS adds fields over time) and no morphs are used: morphs clone the
 * input, the consumer's largest cost per event when they were used (`npm run bench:consumer`); these
 * schemas only validate, and `normalize*` in `config-event.ts` builds the domain value by hand.
 */

import { type } from 'arktype';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, RULE_NAME_DESCRIPTION, RULE_NAME_PATTERN } from './aws-names.js';
import { isTimestamp } from './timestamp.js';

/** What {@link isoTimestamp} expects; the reason of a failure says why (`messageOf` in config-event.ts). */
export const TIMESTAMP_DESCRIPTION = 'an ISO 8601 timestamp';

/**
 * A real instant in ISO 8601 with a zone, within the accepted range (src/domain/timestamp.ts):
 * impossible dates are refused, never rolled over as `Date.parse` does. The predicate takes no
 * traversal context on purpose: a context-free schema lets arktype use its fast `allows` path
 * (measurably faster per event than a `ctx.mustBe` predicate); the reason of a failure is written
 * afterwards, from the value, by `timestampProblem`.
 */
export const isoTimestamp = type('string').narrow(isTimestamp).describe(TIMESTAMP_DESCRIPTION);

export const accountId = type(ACCOUNT_ID_PATTERN).describe('a 12-digit AWS account id');

export const ruleName = type(RULE_NAME_PATTERN).describe(RULE_NAME_DESCRIPTION);
export const regionName = type(REGION_PATTERN).describe('an AWS region name');

export const COMPLIANCE_TYPES = [
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
] as const;
export const complianceType = type.enumerated(...COMPLIANCE_TYPES);

/** Fields EventBridge puts on every event. */
export const envelopeSchema = type({
  'version?': 'string',
  id: 'string > 0',
  'detail-type': 'string',
  source: 'string',
  account: accountId,
  time: isoTimestamp,
  region: regionName,
  'resources?': 'string[]',
  detail: 'object',
});

const evaluationResultSchema = type({
  evaluationResultIdentifier: {
    evaluationResultQualifier: {
      configRuleName: ruleName,
      resourceType: 'string > 0',
      resourceId: 'string > 0',
    },
    orderingTimestamp: isoTimestamp,
  },
  complianceType,
  resultRecordedTime: isoTimestamp,
  'configRuleInvokedTime?': isoTimestamp,
  'annotation?': 'string | null',
});

/** The reconciliation modes of a record the reconciler writes (src/use-cases/reconcile.ts). */
export const RECONCILIATION_MODES = ['baseline', 'drift', 'gone'] as const;

/**
 * `detail.reconciliation` of a record of the reconciler (source `config-monitor.reconcile`): the
 * sync that wrote it and why. Ignored on any other source.
 */
export const reconciliationSchema = type({
  syncId: '0 < string <= 128',
  mode: type.enumerated(...RECONCILIATION_MODES),
});

/** `detail` of `Config Rules Compliance Change` (messageType `ComplianceChangeNotification`). */
export const complianceChangeDetailSchema = type({
  resourceId: 'string > 0',
  'awsRegion?': regionName,
  'awsAccountId?': accountId,
  configRuleName: ruleName,
  'configRuleARN?': 'string',
  'recordVersion?': 'string',
  messageType: "'ComplianceChangeNotification'",
  newEvaluationResult: evaluationResultSchema,
  'oldEvaluationResult?': evaluationResultSchema.or('null'),
  'notificationCreationTime?': isoTimestamp,
  resourceType: 'string > 0',
  'reconciliation?': reconciliationSchema,
});

const configurationItemCore = {
  'configurationItemCaptureTime?': isoTimestamp,
  'configurationItemStatus?': 'string',
  'awsAccountId?': accountId,
  // IAM and other global resources report "global".
  'awsRegion?': regionName.or("'global'"),
  resourceType: 'string > 0',
  'resourceId?': 'string',
  'resourceName?': 'string | null',
  'ARN?': 'string | null',
  'configurationStateId?': 'number | string',
} as const;

/** `detail` of `Config Configuration Item Change` with the item inline. */
export const configurationItemDetailSchema = type({
  messageType: "'ConfigurationItemChangeNotification'",
  'notificationCreationTime?': isoTimestamp,
  'configurationItemDiff?': 'object | null',
  configurationItem: {
    ...configurationItemCore,
    // Read leniently (normalizeItem keeps the string entries only): a tag or event of an unexpected
    // shape must not quarantine an item change the pipeline has always accepted.
    'tags?': 'object | null',
    'relatedEvents?': 'unknown[] | null',
  },
});

/** `detail` of `Config Configuration Item Change` when the item was too large to inline. */
export const oversizedConfigurationItemDetailSchema = type({
  messageType: "'OversizedConfigurationItemChangeNotification'",
  'notificationCreationTime?': isoTimestamp,
  configurationItemSummary: {
    ...configurationItemCore,
    'changeType?': 'string',
  },
  's3DeliverySummary?': {
    's3BucketLocation?': 'string | null',
    'errorCode?': 'string | null',
    'errorMessage?': 'string | null',
  },
});

export type Envelope = typeof envelopeSchema.infer;
export type ComplianceChangeDetail = typeof complianceChangeDetailSchema.infer;
export type ConfigurationItemDetail = typeof configurationItemDetailSchema.infer;
export type OversizedConfigurationItemDetail = typeof oversizedConfigurationItemDetailSchema.infer;
export type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Fast paths
// ---------------------------------------------------------------------------------------------
//
// The schemas' checks written out for the consumer's hot path: each `…Allows` is true only when its
// schema accepts the value, and false when it may not (the caller then runs the schema, which
// decides and says why). They check what the schema checks, as its compiled `allows` does
// (`key in data` for a present key, arktype's "object" domain, `Array.isArray`), without its
// generic traversal: with arktype for every record, validation was a fifth of the consumer's CPU
// (bench:consumer). test/unit/config-event-fast-path.test.ts holds each to its schema.

/** arktype's `object` domain: functions included. */
function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isNonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1;
}

function isTimestampText(value: unknown): boolean {
  return typeof value === 'string' && isTimestamp(value);
}

function isAccountId(value: unknown): boolean {
  return typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
}

function isRegionName(value: unknown): boolean {
  return typeof value === 'string' && REGION_PATTERN.test(value);
}

function isRuleName(value: unknown): boolean {
  return typeof value === 'string' && RULE_NAME_PATTERN.test(value);
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === 'string';
}

/** An optional key: absent, or present (`in`, as arktype checks it) with a value `valid` says. */
function absentOr(data: object, key: string, value: unknown, valid: boolean): boolean {
  return value === undefined ? !(key in data) : valid;
}

/** {@link envelopeSchema}'s check. */
export function envelopeAllows(data: Record<string, unknown>): boolean {
  const { id, source, account, time, region, detail, version, resources } = data;
  return (
    isAccountId(account) &&
    isObject(detail) &&
    typeof data['detail-type'] === 'string' &&
    isNonEmptyString(id) &&
    isRegionName(region) &&
    typeof source === 'string' &&
    isTimestampText(time) &&
    absentOr(data, 'resources', resources, isStringArray(resources)) &&
    absentOr(data, 'version', version, typeof version === 'string')
  );
}

/** As arktype's `string[]`: every index below the length (a hole is `undefined`, not a string). */
function isStringArray(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== 'string') return false;
  return true;
}

/**
 * `evaluationResultSchema`'s check. `ruleName` is the detail's `configRuleName`, already checked:
 * a qualifier naming the same text needs no second pattern test.
 */
function evaluationResultAllows(data: unknown, ruleName: string): boolean {
  if (!isObject(data)) return false;
  const { evaluationResultIdentifier: identifier, complianceType, resultRecordedTime } = data;
  if (!isObject(identifier)) return false;
  const qualifier = identifier.evaluationResultQualifier;
  if (!isObject(qualifier)) return false;
  const { configRuleInvokedTime, annotation } = data;
  return (
    (qualifier.configRuleName === ruleName || isRuleName(qualifier.configRuleName)) &&
    isNonEmptyString(qualifier.resourceId) &&
    isNonEmptyString(qualifier.resourceType) &&
    isTimestampText(identifier.orderingTimestamp) &&
    (complianceType === 'COMPLIANT' ||
      complianceType === 'NON_COMPLIANT' ||
      complianceType === 'NOT_APPLICABLE' ||
      complianceType === 'INSUFFICIENT_DATA') &&
    isTimestampText(resultRecordedTime) &&
    absentOr(data, 'annotation', annotation, isStringOrNull(annotation)) &&
    absentOr(data, 'configRuleInvokedTime', configRuleInvokedTime, isTimestampText(configRuleInvokedTime))
  );
}

/** {@link complianceChangeDetailSchema}'s check. */
export function complianceChangeDetailAllows(detail: object): boolean {
  const data = detail as Record<string, unknown>;
  const { configRuleName, messageType, newEvaluationResult, resourceId, resourceType } = data;
  if (!isRuleName(configRuleName)) return false;
  const ruleName = configRuleName as string;
  const { awsAccountId, awsRegion, configRuleARN, notificationCreationTime, oldEvaluationResult } = data;
  const { reconciliation, recordVersion } = data;
  return (
    messageType === 'ComplianceChangeNotification' &&
    evaluationResultAllows(newEvaluationResult, ruleName) &&
    isNonEmptyString(resourceId) &&
    isNonEmptyString(resourceType) &&
    absentOr(data, 'awsAccountId', awsAccountId, isAccountId(awsAccountId)) &&
    absentOr(data, 'awsRegion', awsRegion, isRegionName(awsRegion)) &&
    absentOr(data, 'configRuleARN', configRuleARN, typeof configRuleARN === 'string') &&
    absentOr(
      data,
      'notificationCreationTime',
      notificationCreationTime,
      isTimestampText(notificationCreationTime),
    ) &&
    absentOr(
      data,
      'oldEvaluationResult',
      oldEvaluationResult,
      oldEvaluationResult === null || evaluationResultAllows(oldEvaluationResult, ruleName),
    ) &&
    absentOr(data, 'reconciliation', reconciliation, reconciliationAllows(reconciliation)) &&
    absentOr(data, 'recordVersion', recordVersion, typeof recordVersion === 'string')
  );
}

function reconciliationAllows(data: unknown): boolean {
  if (!isObject(data)) return false;
  const { mode, syncId } = data;
  return (
    (mode === 'baseline' || mode === 'drift' || mode === 'gone') &&
    typeof syncId === 'string' &&
    syncId.length <= 128 &&
    syncId.length >= 1
  );
}

/** {@link configurationItemDetailSchema}'s check. */
export function configurationItemDetailAllows(detail: object): boolean {
  const data = detail as Record<string, unknown>;
  const {
    configurationItem: item,
    messageType,
    configurationItemDiff: diff,
    notificationCreationTime,
  } = data;
  if (messageType !== 'ConfigurationItemChangeNotification' || !isObject(item)) return false;
  const { tags, relatedEvents } = item;
  return (
    itemCoreAllows(item) &&
    absentOr(item, 'relatedEvents', relatedEvents, relatedEvents === null || Array.isArray(relatedEvents)) &&
    absentOr(item, 'tags', tags, tags === null || isObject(tags)) &&
    absentOr(data, 'configurationItemDiff', diff, diff === null || isObject(diff)) &&
    absentOr(
      data,
      'notificationCreationTime',
      notificationCreationTime,
      isTimestampText(notificationCreationTime),
    )
  );
}

/** The checks of `configurationItemCore`. */
function itemCoreAllows(item: Record<string, unknown>): boolean {
  const { resourceType, ARN, awsAccountId, awsRegion, configurationItemCaptureTime: captureTime } = item;
  const { configurationItemStatus: status, configurationStateId: stateId, resourceId, resourceName } = item;
  return (
    isNonEmptyString(resourceType) &&
    absentOr(item, 'ARN', ARN, isStringOrNull(ARN)) &&
    absentOr(item, 'awsAccountId', awsAccountId, isAccountId(awsAccountId)) &&
    absentOr(item, 'awsRegion', awsRegion, isRegionName(awsRegion) || awsRegion === 'global') &&
    absentOr(item, 'configurationItemCaptureTime', captureTime, isTimestampText(captureTime)) &&
    absentOr(item, 'configurationItemStatus', status, typeof status === 'string') &&
    absentOr(
      item,
      'configurationStateId',
      stateId,
      typeof stateId === 'string' || (typeof stateId === 'number' && !Number.isNaN(stateId)),
    ) &&
    absentOr(item, 'resourceId', resourceId, typeof resourceId === 'string') &&
    absentOr(item, 'resourceName', resourceName, isStringOrNull(resourceName))
  );
}
