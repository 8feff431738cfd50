import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toCdkEventPattern } from '../event-pattern.js';
import { DeadLetterQueue } from './dead-letter-queue.js';

export interface AgentForwarderProps {
  /** ARN of the master event bus (another account, possibly another region). */
  readonly masterBusArn: string;
  /** The ONE config-monitor event pattern. */
  readonly eventPattern: Readonly<Record<string, unknown>>;
  /**
   * How long EventBridge keeps retrying a failed put to the master bus.
   * @default Duration.hours(24) (the maximum: a master outage of up to a day loses nothing)
   */
  readonly maxEventAge?: Duration;
  /**
   * @default 185 (the maximum)
   */
  readonly retryAttempts?: number;
}

/**
 * A rule target that puts events on another account's bus with a role, a retry policy and a DLQ.
 * The CDK `EventBus` target accepts no retry policy, although EventBridge applies one to bus
 * targets; this target sets it explicitly so the agent does not rely on the defaults.
 */
class MasterBusTarget implements events.IRuleTarget {
  constructor(
    private readonly busArn: string,
    private readonly role: iam.IRole,
    private readonly deadLetterQueue: sqs.IQueue,
    private readonly maxEventAge: Duration,
    private readonly retryAttempts: number,
  ) {}

  bind(): events.RuleTargetConfig {
    return {
      arn: this.busArn,
      role: this.role,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumEventAgeInSeconds: this.maxEventAge.toSeconds(),
        maximumRetryAttempts: this.retryAttempts,
      },
    };
  }
}

/**
 * The agent in a monitored account and region: a rule on the default bus matching the ONE event
 * pattern, forwarding to the master bus through a role that may only put events on that bus.
 * Events that cannot be forwarded after a day of retries are kept in an encrypted DLQ.
 */
export class AgentForwarder extends Construct {
  readonly rule: events.Rule;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly dlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AgentForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetterQueue', {
      purpose: 'Config events the agent could not forward to the master bus',
    }).queue;

    this.role = new iam.Role(this, 'PutEventsRole', {
      description: 'Lets EventBridge forward AWS Config events to the config-monitor master bus',
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        // Confused-deputy guard: only rules of this account may use the role.
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.masterBusArn] }),
    );

    this.rule = new events.Rule(this, 'Rule', {
      description:
        'Forwards AWS Config compliance and configuration changes to the config-monitor master bus',
      eventPattern: toCdkEventPattern(props.eventPattern),
    });
    this.rule.addTarget(
      new MasterBusTarget(
        props.masterBusArn,
        this.role,
        this.deadLetterQueue,
        props.maxEventAge ?? Duration.hours(24),
        props.retryAttempts ?? 185,
      ),
    );
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeDeadLetters',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );

    // Any message here is an event that was not forwarded for a day; no alarm action, because
    // agents deploy to hundreds of accounts: the alarm state is for the account's own console and
    // an organization-wide view (CloudWatch cross-account observability).
    this.dlqAlarm = new cloudwatch.Alarm(this, 'DeadLetterDepth', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'AWS Config events could not be forwarded to the config-monitor master bus',
    });
  }
}
