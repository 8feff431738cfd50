import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FLAPPING_ENV, LAMBDA_ENV } from '../../src/config.js';
import { FLAPPING_DEFAULTS } from '../../src/domain/flapping.js';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge, acknowledgeTableIndexes } from '../nag.js';

/**
 * Event source mapping settings, in the spirit of Solutions Constructs'
 * `lambda-event-source-mapping-defaults.ts`, sized for this consumer:
 *
 * - batchSize 100 / window 1 s: an event costs the consumer a handful of conditional DynamoDB
 *   writes (~5-10 ms), so 100 records take ~1 s — far from the timeout, small enough that a bisected
 *   retry redoes little work, and large enough to amortise the invocation overhead (1 invocation per
 *   100 events instead of per event). The 1 s window bounds the extra latency a quiet stream adds
 *   before a Slack alert, while a storm fills batches of 100 immediately.
 * - parallelizationFactor 2: Lambda keeps the order of records with the same partition key (the
 *   resource id) at any factor, so two batches per shard double the drain rate in a storm without
 *   breaking per-resource order.
 * - retries 5 with bisect: the consumer quarantines bad records itself and reports only transient
 *   failures (throttling), so five halvings isolate a failing record in a batch of 100 (2^7 > 100
 *   with the first try) without retrying for hours.
 * - maxRecordAge 6 h: past that an alert is stale; the record's position goes to the on-failure
 *   queue and can be replayed from the stream (retention ≥ 24 h) or the bus archive.
 */
export const CONSUMER_EVENT_SOURCE = {
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(1),
  parallelizationFactor: 2,
  retryAttempts: 5,
  maxRecordAge: Duration.hours(6),
  bisectBatchOnError: true,
  reportBatchItemFailures: true,
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
} as const;

export interface ConsumerProps {
  readonly stream: kinesis.IStream;
  readonly eventsTable: dynamodb.ITable;
  readonly stateTable: dynamodb.ITable;
  readonly outboxTable: dynamodb.ITable;
  /** Receives records that fail validation (raw text + reason). */
  readonly quarantine: sqs.IQueue;
  /** Receives the shard/sequence range of batches that exhausted their retries. */
  readonly onFailure: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /**
   * @default 1024 (JSON parsing and validation are CPU-bound; CPU share grows with memory)
   */
  readonly memorySize?: number;
  /**
   * A (resource, rule) pair changing status more than `maxChanges` times within `windowHours` is
   * flagged once as flapping and then quiet until stable (src/domain/flapping.ts).
   * @default - 4 changes in 24 h (FLAPPING_DEFAULTS)
   */
  readonly flapping?: { readonly maxChanges: number; readonly windowHours: number };
}

/** The Kinesis batch consumer: stores events and state, enqueues alerts, quarantines bad records. */
export class Consumer extends Construct {
  readonly function: MonitorFunction;
  readonly eventSource: KinesisEventSource;

  constructor(scope: Construct, id: string, props: ConsumerProps) {
    super(scope, id);
    this.function = new MonitorFunction(this, 'Function', {
      handler: 'consumer',
      description: 'config-monitor: Kinesis batch consumer (hot store, compliance state, alert outbox)',
      serviceName: 'consumer',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.seconds(60),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        [LAMBDA_ENV.eventsTable]: props.eventsTable.tableName,
        [LAMBDA_ENV.stateTable]: props.stateTable.tableName,
        [LAMBDA_ENV.outboxTable]: props.outboxTable.tableName,
        [LAMBDA_ENV.quarantineQueue]: props.quarantine.queueUrl,
        [FLAPPING_ENV.maxChanges]: String(props.flapping?.maxChanges ?? FLAPPING_DEFAULTS.maxChanges),
        [FLAPPING_ENV.windowHours]: String(
          props.flapping?.windowHours ?? Math.round(FLAPPING_DEFAULTS.windowMs / 3_600_000),
        ),
      },
    });
    props.eventsTable.grantReadWriteData(this.function);
    props.stateTable.grantReadWriteData(this.function);
    props.outboxTable.grantReadWriteData(this.function);
    props.quarantine.grantSendMessages(this.function);
    acknowledgeTableIndexes(this.function.executionRole, [
      props.eventsTable,
      props.stateTable,
      props.outboxTable,
    ]);
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      "The function is invoked by a Kinesis event source mapping, never asynchronously; batches that exhaust their retries go to the mapping's on-failure destination (SQS).",
    );

    this.eventSource = new KinesisEventSource(props.stream, {
      ...CONSUMER_EVENT_SOURCE,
      onFailure: new SqsDlq(props.onFailure),
    });
    this.function.addEventSource(this.eventSource);
  }
}
