import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface DeadLetterQueueProps {
  /** What lands in this queue, for the acknowledgement text and operators. */
  readonly purpose: string;
  /**
   * How long a failed message is kept for inspection and redrive.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * An SQS queue that is the last stop of failed deliveries: encrypted (SSE-SQS, so EventBridge,
 * Lambda and Scheduler can write without a key policy), TLS-only, kept 14 days, alarmed on depth.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    const reason = `This queue is itself the dead-letter queue for ${props.purpose}; nothing consumes it automatically, so it needs no DLQ of its own. Its depth is alarmed.`;
    acknowledge(this.queue, 'AwsSolutions-SQS3', reason);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', reason);
  }
}
