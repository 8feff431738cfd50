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
