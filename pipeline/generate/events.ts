/**
 * Builds AWS Config events exactly as EventBridge delivers them (the shapes of the real captures
 * in test/events/), from the generator's compact descriptions.
 */
import type { ComplianceType } from '../../src/domain/config-event.js';
import {
  COMPLIANCE_CHANGE,
  CONFIG_SOURCE,
  CONFIGURATION_ITEM_CHANGE,
} from '../../src/domain/event-pattern.js';

/** An EventBridge event as delivered to a target (JSON). */
export interface EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export type Status = ComplianceType;

/** One evaluation result as Config reports it. */
export interface Evaluation {
  /** When Config evaluated it, epoch ms (the notification follows within seconds). */
  readonly at: number;
  /**
   * orderingTimestamp, epoch ms: the capture time of the configuration item evaluated. A rollout
   * (a rule or pack deployed over existing resources) evaluates items captured days to years
   * before `at`, and re-evaluating an unchanged item repeats its orderingTimestamp
   * (https://docs.aws.amazon.com/config/latest/APIReference/API_EvaluationResultIdentifier.html).
   */
  readonly orderingAt: number;
  /** Periodic rules report whole seconds; change-triggered ones milliseconds. */
  readonly wholeSeconds: boolean;
  readonly status: Status;
  readonly annotation: string | null;
  /** resultRecordedTime, epoch ms. */
  readonly recordedAt: number;
}

export interface RuleDeployment {
  readonly ruleName: string;
  readonly ruleArn: string;
}

export interface ResourceRef {
  readonly account: string;
  /** The region the evaluation and the event carry (home region for global resources). */
  readonly region: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly arn: string;
  readonly global: boolean;
}

/** `2026-11-20T10:15:20.512Z`, or `2026-11-20T10:15:20Z` when whole seconds. */
export function isoTime(ms: number, wholeSeconds = false): string {
  const iso = new Date(ms).toISOString();
  return wholeSeconds ? `${iso.slice(0, 19)}Z` : iso;
}

function evaluationResult(rule: RuleDeployment, resource: ResourceRef, evaluation: Evaluation) {
  return {
    evaluationResultIdentifier: {
      evaluationResultQualifier: {
        configRuleName: rule.ruleName,
        resourceType: resource.resourceType,
        resourceId: resource.resourceId,
      },
      orderingTimestamp: isoTime(evaluation.orderingAt, evaluation.wholeSeconds),
    },
    complianceType: evaluation.status,
    resultRecordedTime: isoTime(evaluation.recordedAt),
    configRuleInvokedTime: isoTime(evaluation.recordedAt - 350),
    // Config omits the annotation of compliant results, and sends it otherwise.
    ...(evaluation.annotation === null ? {} : { annotation: evaluation.annotation }),
  };
}

/** A `Config Rules Compliance Change` event; `previous` absent on a first evaluation. */
export function complianceChangeEvent(
  id: string,
  rule: RuleDeployment,
  resource: ResourceRef,
  evaluation: Evaluation,
  previous: Evaluation | undefined,
  notifiedAt: number,
): EventBridgeEvent {
  return {
    version: '0',
    id,
    'detail-type': COMPLIANCE_CHANGE,
    source: CONFIG_SOURCE,
    account: resource.account,
    time: isoTime(notifiedAt, true),
    region: resource.region,
    resources: [],
    detail: {
      resourceId: resource.resourceId,
      awsRegion: resource.region,
      awsAccountId: resource.account,
      configRuleName: rule.ruleName,
      recordVersion: '1.0',
      configRuleARN: rule.ruleArn,
      messageType: 'ComplianceChangeNotification',
      newEvaluationResult: evaluationResult(rule, resource, evaluation),
      ...(previous ? { oldEvaluationResult: evaluationResult(rule, resource, previous) } : {}),
      notificationCreationTime: isoTime(notifiedAt),
      resourceType: resource.resourceType,
    },
  };
}

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE';

const ITEM_STATUS: Record<ChangeType, string> = {
  CREATE: 'ResourceDiscovered',
  UPDATE: 'OK',
  DELETE: 'ResourceDeleted',
};

/** One `configurationItemDiff.changedProperties` entry, as AWS Config writes it. */
export interface ChangedPropertyValue {
  readonly previousValue: unknown;
  readonly updatedValue: unknown;
  readonly changeType: ChangeType;
}

/** What an inline item change carries beyond the item's identity. */
export interface ItemChangeDetail {
  /** Property path → change (`Configuration.BucketVersioningConfiguration.Status`). */
  readonly changedProperties?: Readonly<Record<string, ChangedPropertyValue>>;
  /** CloudTrail event ids of the API calls that made the change. */
  readonly relatedEvents?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

/** A `Config Configuration Item Change` event, inline or (for large items) oversized. */
export function configurationItemEvent(
  id: string,
  resource: ResourceRef,
  changeType: ChangeType,
  capturedAt: number,
  notifiedAt: number,
  oversized: boolean,
  change: ItemChangeDetail = {},
): EventBridgeEvent {
  const core = {
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: isoTime(capturedAt),
    configurationStateId: capturedAt,
    awsAccountId: resource.account,
    configurationItemStatus: ITEM_STATUS[changeType],
    resourceType: resource.resourceType,
    resourceId: resource.resourceId,
    resourceName: resource.resourceId,
    ARN: resource.arn,
    awsRegion: resource.global ? 'global' : resource.region,
    availabilityZone: 'Not Applicable',
    configurationStateMd5Hash: '',
  };
  const notificationCreationTime = isoTime(notifiedAt);
  const detail = oversized
    ? {
        configurationItemSummary: { changeType, ...core },
        s3DeliverySummary: {
          s3BucketLocation: `config-bucket-${resource.account}/AWSLogs/${resource.account}/Config/${core.awsRegion}/${isoTime(capturedAt).slice(0, 10).replaceAll('-', '/')}/OversizedChangeNotification/${resource.resourceType}/${resource.resourceId}/${capturedAt}.json.gz`,
          errorCode: null,
          errorMessage: null,
        },
        notificationCreationTime,
        messageType: 'OversizedConfigurationItemChangeNotification',
        recordVersion: '1.0',
      }
    : {
        recordVersion: '1.3',
        messageType: 'ConfigurationItemChangeNotification',
        configurationItemDiff: { changedProperties: change.changedProperties ?? {}, changeType },
        notificationCreationTime,
        configurationItem: {
          relatedEvents: change.relatedEvents ?? [],
          relationships: [],
          configuration: changeType === 'DELETE' ? null : { generated: true },
          supplementaryConfiguration: {},
          tags: change.tags ?? {},
          ...core,
        },
      };
  return {
    version: '0',
    id,
    'detail-type': CONFIGURATION_ITEM_CHANGE,
    source: CONFIG_SOURCE,
    account: resource.account,
    time: isoTime(notifiedAt, true),
    region: resource.region,
    resources: [resource.arn],
    detail,
  };
}
