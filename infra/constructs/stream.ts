import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';

export interface EventStreamProps {
  readonly streamName: string;
  /** Encrypts records at rest (the producers and consumers get key grants with the stream grants). */
  readonly encryptionKey: kms.IKey;
  /**
   * How long records stay readable: the window to redrive a batch recorded in the consumer's
   * on-failure queue (that queue holds only shard and sequence numbers, not the records).
   */
  readonly retentionPeriod: Duration;
}

/** The Kinesis stream between the master bus and its two readers (consumer Lambda, Firehose). */
export class EventStream extends Construct {
  readonly stream: kinesis.Stream;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      // On demand: a conformance-pack rollout can multiply the event rate for an hour; on-demand
      // absorbs it without resharding, and costs nothing extra when the organization is quiet.
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      retentionPeriod: props.retentionPeriod,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(
      this.stream,
      'AwsSolutions-KDS3',
      'The stream uses the customer-managed key of the stack instead of aws/kinesis: one key policy and one CloudTrail trail cover the stream, tables and archive, and access can be revoked by key policy.',
    );
  }
}
