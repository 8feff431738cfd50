/**
 * Factories for archive tests: real-shaped `Config Rules Compliance Change` EventBridge events and
 * the Kinesis / Firehose records that carry them.
 */
import type { FirehoseTransformationEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { fixture } from './fixtures.js';

export type Status = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE' | 'INSUFFICIENT_DATA';

export interface ComplianceEventSpec {
  readonly id: string;
  readonly account?: string;
  readonly region?: string;
  readonly rule?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly newStatus: Status;
  readonly oldStatus?: Status | null;
  /** ISO; the orderingTimestamp (the archive's ordering_time). */
  readonly at: string;
  /** ISO; defaults to `at` + 1 s. */
  readonly recordedAt?: string;
  /**
   * ISO; the EventBridge `time` (the archive's event_time: when it counts). Defaults to
   * `recordedAt`, as for a live change; a rollout's is far after `at`.
   */
  readonly time?: string;
  readonly annotation?: string | null;
}

/** One EventBridge compliance-change event (as a plain object) built on the first-evaluation fixture. */
export function complianceEvent(spec: ComplianceEventSpec): Record<string, unknown> {
  const event = fixture<any>('compliance-change', 'first-evaluation');
  const account = spec.account ?? '111122223333';
  const region = spec.region ?? 'eu-west-1';
  const rule = spec.rule ?? 's3-bucket-versioning-enabled';
  const resourceType = spec.resourceType ?? 'AWS::S3::Bucket';
  const resourceId = spec.resourceId ?? 'my-data-bucket';
  const recordedAt = spec.recordedAt ?? new Date(Date.parse(spec.at) + 1000).toISOString();
  event.id = spec.id;
  event.account = account;
  event.region = region;
  event.time = spec.time ?? recordedAt;
  const detail = event.detail;
  detail.awsAccountId = account;
  detail.awsRegion = region;
  detail.configRuleName = rule;
  detail.configRuleARN = `arn:aws:config:${region}:${account}:config-rule/config-rule-${rule.length}`;
  detail.resourceType = resourceType;
  detail.resourceId = resourceId;
  detail.notificationCreationTime = spec.time ?? recordedAt;
  const qualifier = { configRuleName: rule, resourceType, resourceId };
  detail.newEvaluationResult = {
    evaluationResultIdentifier: { evaluationResultQualifier: qualifier, orderingTimestamp: spec.at },
    complianceType: spec.newStatus,
    resultRecordedTime: recordedAt,
    configRuleInvokedTime: recordedAt,
    ...(spec.annotation !== undefined ? { annotation: spec.annotation } : {}),
  };
  if (spec.oldStatus) {
    detail.oldEvaluationResult = {
      evaluationResultIdentifier: { evaluationResultQualifier: qualifier, orderingTimestamp: spec.at },
      complianceType: spec.oldStatus,
      resultRecordedTime: recordedAt,
      configRuleInvokedTime: recordedAt,
    };
  }
  return event;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A Kinesis stream event (the Lambda event-source shape) carrying the given texts. */
export function kinesisEvent(texts: readonly string[], firstSequence = 0): KinesisStreamEvent {
  return {
    Records: texts.map(
      (text, i): KinesisStreamRecord => ({
        awsRegion: 'eu-west-1',
        eventID: `shardId-000000000000:${firstSequence + i}`,
        eventName: 'aws:kinesis:record',
        eventSource: 'aws:kinesis',
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:999999999999:stream/config-events',
        eventVersion: '1.0',
        invokeIdentityArn: 'arn:aws:iam::999999999999:role/consumer',
        kinesis: {
          approximateArrivalTimestamp: 1_790_000_000,
          data: b64(text),
          kinesisSchemaVersion: '1.0',
          partitionKey: 'pk',
          sequenceNumber: String(49_000_000_000 + firstSequence + i),
        },
      }),
    ),
  };
}

/** A Firehose data-transformation event with a Kinesis stream as the source. */
export function firehoseEvent(texts: readonly string[]): FirehoseTransformationEvent {
  return {
    invocationId: 'invocation-1',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:999999999999:deliverystream/config-archive',
    sourceKinesisStreamArn: 'arn:aws:kinesis:eu-west-1:999999999999:stream/config-events',
    region: 'eu-west-1',
    records: texts.map((text, i) => ({
      recordId: `record-${i}`,
      approximateArrivalTimestamp: 1_790_000_000_000,
      data: b64(text),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: 'pk',
        approximateArrivalTimestamp: 1_790_000_000_000,
        sequenceNumber: String(49_000_000_000 + i),
        subsequenceNumber: '0',
      },
    })),
  };
}
