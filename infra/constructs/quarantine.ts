import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface QuarantineProps {
  /**
   * How long a rejected record is kept for inspection.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * Where the consumer puts records that fail validation, with the reason, so that nothing the bus
 * forwarded is lost. Records come from other accounts: the queue is encrypted and TLS-only.
 */
export class Quarantine extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QuarantineProps = {}) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
    });
    const reason =
      'The quarantine is a terminal store of rejected records for operators to inspect; no consumer reads it, so a redrive DLQ would never receive anything. Its depth is alarmed.';
    acknowledge(this.queue, 'AwsSolutions-SQS3', reason);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', reason);
  }
}
