import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENV } from '../../src/config.js';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge } from '../nag.js';

/**
 * Redrive settings:
 * - timeout 60 s, visibility 6× (the AWS guidance for SQS event sources), so a message is never
 *   handed to a second invocation while the first still puts it;
 * - maxReceiveCount 5: each receive already tries PutRecords three times with backoff, so five
 *   receives ride out minutes of throttling before the message moves to the final DLQ (alarmed at
 *   its first message);
 * - batch 100 / window 5 s: one PutRecords call per batch; the extra latency only applies to
 *   events that already failed their direct put.
 */
export const STREAM_REDRIVE = {
  timeout: Duration.seconds(60),
  maxReceiveCount: 5,
  batchSize: 100,
  maxBatchingWindow: Duration.seconds(5),
} as const;

export interface StreamRedriveProps {
  readonly stream: kinesis.IStream;
  /** Receives what the redrive itself could not put after {@link STREAM_REDRIVE}.maxReceiveCount receives. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
}

/**
 * The master-bus rules' dead-letter queue, drained back into the stream. EventBridge cannot put an
 * event whose partition key (the resource id) is longer than Kinesis' 256 characters, and sends it
 * here; the redrive function puts it with the hashed key the embedded ingest uses, so no event is
 * lost for resource ids up to AWS Config's 768 characters. The design and why it keeps per-key
 * order: src/domain/stream-routes.ts. Throttled puts that exhausted EventBridge's retries take the
 * same way back.
 */
export class StreamRedrive extends Construct {
  /** The queue the bus rules dead-letter into (their `deadLetterQueue`). */
  readonly queue: sqs.Queue;
  readonly function: MonitorFunction;

  constructor(scope: Construct, id: string, props: StreamRedriveProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(STREAM_REDRIVE.timeout.toSeconds() * 6),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: STREAM_REDRIVE.maxReceiveCount },
    });

    this.function = new MonitorFunction(this, 'Function', {
      handler: 'stream-redrive',
      description:
        'config-monitor: puts events the bus rules could not put (resource ids over 256 characters) into the stream',
      serviceName: 'stream-redrive',
      timeout: STREAM_REDRIVE.timeout,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: { [LAMBDA_ENV.streamName]: props.stream.streamName },
    });
    props.stream.grantWrite(this.function);
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: STREAM_REDRIVE.batchSize,
        maxBatchingWindow: STREAM_REDRIVE.maxBatchingWindow,
        reportBatchItemFailures: true,
      }),
    );
    acknowledge(
      this.function,
      'Serverless-LambdaEventSourceMappingDestination',
      "SQS event source mappings take no on-failure destination; the queue's redrive policy moves a message the function could not put after 5 receives to the final dead-letter queue.",
    );
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      "The function is invoked by an SQS event source mapping, never asynchronously; messages it cannot put go to the queue's redrive dead-letter queue.",
    );
  }
}
