import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StreamRoute } from '../../src/domain/stream-routes.js';
import { toCdkEventPattern } from '../event-pattern.js';

export interface IngestProps {
  /** Name of the custom bus; agents address it by ARN, so it is fixed by the stage. */
  readonly busName: string;
  /** Organization whose principals may put events (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /**
   * Accounts allowed to put events, on top of the organization condition.
   * @default - every account of the organization
   */
  readonly allowedAccounts?: readonly string[];
  /** Stream the rules put events into. */
  readonly stream: kinesis.IStream;
  /** One rule per route (pattern + partition key path). */
  readonly routes: readonly StreamRoute[];
  /** Receives events EventBridge could not put into the stream after every retry. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * How long EventBridge keeps retrying a failed put.
   * @default Duration.hours(24) (the maximum; a throttled stream is retried, not dropped)
   */
  readonly maxEventAge?: Duration;
  /**
   * @default 185 (the maximum)
   */
  readonly retryAttempts?: number;
  /**
   * Days the bus archive keeps matching events for replay.
   * @default Duration.days(7)
   */
  readonly archiveRetention?: Duration;
  /** The ONE event pattern, for the replay archive. */
  readonly archivePattern: Readonly<Record<string, unknown>>;
}

/**
 * The master event bus: a resource policy that lets the organization's accounts put events, an
 * archive for replay, and one rule per stream route into Kinesis with retries and a DLQ.
 */
export class Ingest extends Construct {
  readonly bus: events.EventBus;
  readonly rules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName,
      description: 'AWS Config events forwarded by the config-monitor agents of every member account',
    });

    const conditions: Record<string, Record<string, string | string[]>> = {
      StringEquals: {
        'aws:PrincipalOrgID': props.organizationId,
        ...(props.allowedAccounts ? { 'aws:PrincipalAccount': [...props.allowedAccounts] } : {}),
      },
    };
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OrganizationAgentsPutEvents',
        effect: iam.Effect.ALLOW,
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions,
      }),
    );

    this.bus.archive('Archive', {
      description: 'Replay window for config-monitor events (for example after a consumer fix)',
      eventPattern: toCdkEventPattern(props.archivePattern),
      retention: props.archiveRetention ?? Duration.days(7),
    });

    this.rules = props.routes.map(
      (route) =>
        new events.Rule(this, route.id, {
          eventBus: this.bus,
          description: route.description,
          eventPattern: toCdkEventPattern(route.eventPattern),
          targets: [
            new targets.KinesisStream(props.stream, {
              partitionKeyPath: route.partitionKeyPath,
              deadLetterQueue: props.deadLetterQueue,
              maxEventAge: props.maxEventAge ?? Duration.hours(24),
              retryAttempts: props.retryAttempts ?? 185,
            }),
          ],
        }),
    );
    // The CDK Kinesis target sets the DLQ on the rule but does not let EventBridge write to it;
    // without this statement an event that exhausts its retries would be dropped.
    props.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MasterBusRulesDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [props.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rules.map((rule) => rule.ruleArn) } },
      }),
    );
  }
}
