import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RECONCILE_METRICS } from '../../src/handlers/reconcile.handler.js';
import { METRICS_NAMESPACE } from '../lambda-defaults.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { RECONCILER_SERVICE } from './reconciler.js';

/**
 * Alarm thresholds, chosen so that an alarm means "an event or an alert is at risk", not "the
 * system is busy":
 * - every dead-letter and quarantine queue at its first message: each message is an event, a batch
 *   or a report that did not get through;
 * - the stream redrive queue when its oldest message waits 15 min: it receives events during normal
 *   operation (resource ids over 256 characters), so depth means nothing, but a message that stays
 *   means the redrive is not draining;
 * - consumer lag 5 min: the Slack alert of a violation is then 5 min late;
 * - stream age 50 % of retention: records start expiring unread at 100 %;
 * - Firehose freshness 2× the buffer interval: one missed flush is normal, two is not;
 * - a sync that finds any drift: each is a transition EventBridge did not deliver.
 */
export const ALARM_THRESHOLDS = {
  consumerErrorRatePercent: 5,
  queueDepth: 1,
  redriveAge: Duration.minutes(15),
  durationP99: Duration.seconds(10),
  consumerIteratorAge: Duration.minutes(5),
  streamRetentionFraction: 0.5,
  firehoseFreshnessFactor: 2,
} as const;

const FIVE_MINUTES = Duration.minutes(5);

export interface AlarmsProps {
  /** Encrypts the alarm topic; its key policy must let CloudWatch use it. */
  readonly encryptionKey: kms.IKey;
  readonly consumer: lambda.IFunction;
  readonly notifier: lambda.IFunction;
  readonly stream: kinesis.IStream;
  readonly streamRetention: Duration;
  /** Functions whose p99 duration is alarmed at 10 s. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Functions with a longer legitimate run time, alarmed at their own p99 threshold.
   * @default - none
   */
  readonly slowFunctions?: Readonly<
    Record<string, { readonly fn: lambda.IFunction; readonly p99: Duration }>
  >;
  /** Functions whose every error is alarmed (scheduled jobs). */
  readonly erroringFunctions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * The sync loop: alarmed when an execution fails or times out, and when a sync finds drift
   * (EventBridge lost events) or failing aggregator sources.
   * @default - no sync alarms
   */
  readonly reconciler?: sfn.IStateMachine;
  /** Dead-letter, failure and quarantine queues, alarmed at their first message. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  /** The master-bus rules' redrive queue, alarmed on the age of its oldest message. */
  readonly redriveQueue: sqs.IQueue;
  readonly deliveryStreamName: string;
  readonly firehoseBufferInterval: Duration;
  /**
   * E-mail subscribed to the alarm topic.
   * @default - no subscription (subscribe a pager or chat integration to the topic)
   */
  readonly email?: string;
}

/**
 * CloudWatch alarms of the master stack, all notifying one KMS-encrypted SNS topic (alarm and OK).
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'config-monitor alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    if (props.email) {
      // Undeliverable notifications (a bouncing address) are kept rather than dropped.
      const undelivered = new DeadLetterQueue(this, 'UndeliveredNotifications', {
        purpose: 'alarm notifications SNS could not deliver to the e-mail subscription',
      });
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(props.email, { deadLetterQueue: undelivered.queue }),
      );
    }

    // Consumer: error rate, not count, so a large org does not alarm on a handful of retries.
    const invocations = props.consumer.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' });
    const errors = props.consumer.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' });
    this.add(
      'ConsumerErrorRate',
      new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: { invocations, errors },
        period: FIVE_MINUTES,
        label: 'Consumer error rate (%)',
      }),
      {
        threshold: ALARM_THRESHOLDS.consumerErrorRatePercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: 'Consumer Lambda errors are at least 5 % of its invocations over 5 minutes',
      },
    );

    this.add(
      'ConsumerIteratorAge',
      props.consumer.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      {
        threshold: ALARM_THRESHOLDS.consumerIteratorAge.toMilliseconds(),
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        description:
          'The consumer has been more than 5 minutes behind the stream for 5 minutes (alerts are late)',
      },
    );

    this.add(
      'StreamIteratorAge',
      props.stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: FIVE_MINUTES }),
      {
        threshold: props.streamRetention.toMilliseconds() * ALARM_THRESHOLDS.streamRetentionFraction,
        description: 'A reader of the stream is half the retention behind: records will expire unread',
      },
    );

    for (const [name, queue] of Object.entries(props.queues)) {
      this.add(
        `${name}Depth`,
        queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: FIVE_MINUTES }),
        {
          threshold: ALARM_THRESHOLDS.queueDepth,
          comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          description: `A message waits in ${name}: something did not get through (inspect and redrive it)`,
        },
      );
    }
    this.add(
      'StreamRedriveAge',
      props.redriveQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: FIVE_MINUTES }),
      {
        threshold: ALARM_THRESHOLDS.redriveAge.toSeconds(),
        description:
          'An event the bus rules dead-lettered has waited 15 minutes for the stream redrive: it is not draining',
      },
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}DurationP99`, fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }), {
        threshold: ALARM_THRESHOLDS.durationP99.toMilliseconds(),
        description: `p99 duration of the ${name} function is above 10 s over 5 minutes`,
      });
    }
    for (const [name, { fn, p99 }] of Object.entries(props.slowFunctions ?? {})) {
      this.add(`${name}DurationP99`, fn.metricDuration({ statistic: 'p99', period: FIVE_MINUTES }), {
        threshold: p99.toMilliseconds(),
        description: `p99 duration of the ${name} function is above ${p99.toHumanString()} over 5 minutes`,
      });
    }

    this.add('NotifierErrors', props.notifier.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        'The notifier failed in 2 of the last 3 five-minute periods: Slack alerts are not delivered',
    });
    this.add(
      'NotifierThrottles',
      props.notifier.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
      {
        threshold: 10,
        description: 'The single notifier instance is throttled repeatedly: drains queue behind a slow Slack',
      },
    );
    for (const [name, fn] of Object.entries(props.erroringFunctions)) {
      this.add(`${name}Errors`, fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }), {
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `The ${name} function failed`,
      });
    }

    if (props.reconciler) this.addSyncAlarms(props.reconciler);

    const firehose = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: props.deliveryStreamName },
        statistic,
        period: FIVE_MINUTES,
      });
    this.add('FirehoseDeliveryToS3', firehose('DeliveryToS3.Success', 'Average'), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      description: 'Some Firehose puts to the archive bucket failed (DeliveryToS3.Success < 1)',
    });
    this.add('FirehoseProcessing', firehose('ExecuteProcessing.Success', 'Average'), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      description: 'Some invocations of the archive transformation Lambda failed',
    });
    this.add('FirehoseConversion', firehose('FailedConversion.Records', 'Sum'), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description: 'Records failed Parquet conversion (written under errors/format-conversion-failed/)',
    });
    // Dynamic partitioning sends records to errors/ once 500 partitions are active
    // (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html); the metric is 1 then.
    this.add('FirehosePartitionCountExceeded', firehose('PartitionCountExceeded', 'Maximum'), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        'Firehose exceeded its active-partition limit: records went to errors/activePartitionExceeded/ instead of the archive',
    });
    this.add('FirehoseFreshness', firehose('DeliveryToS3.DataFreshness', 'Maximum'), {
      threshold: props.firehoseBufferInterval.toSeconds() * ALARM_THRESHOLDS.firehoseFreshnessFactor,
      description: 'The oldest record not yet in the archive is older than two buffer intervals',
    });
  }

  private addSyncAlarms(stateMachine: sfn.IStateMachine): void {
    const period = Duration.hours(6);
    const failed = stateMachine.metricFailed({ period, statistic: 'Sum' });
    const timedOut = stateMachine.metricTimedOut({ period, statistic: 'Sum' });
    this.add(
      'SyncFailed',
      new cloudwatch.MathExpression({
        expression: 'failed + timedOut',
        usingMetrics: { failed, timedOut },
        period,
        label: 'Sync executions failed or timed out',
      }),
      {
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: 'A sync of AWS Config compliance failed or timed out: the state may miss changes',
      },
    );
    const reconcileMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: RECONCILER_SERVICE },
        statistic: 'Sum',
        period,
      });
    this.add(
      'SyncDriftFound',
      new cloudwatch.MathExpression({
        expression: 'violations + resolutions',
        usingMetrics: {
          violations: reconcileMetric(RECONCILE_METRICS.driftViolations),
          resolutions: reconcileMetric(RECONCILE_METRICS.driftResolutions),
        },
        period,
        label: 'Transitions the sync found that no event reported',
      }),
      {
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description:
          'The sync found violations or resolutions no EventBridge event delivered: events are being lost between AWS Config and the stream (check the agents, the bus rules and BusDeadLetters)',
      },
    );
    this.add('SyncSourcesFailed', reconcileMetric(RECONCILE_METRICS.sourcesFailed), {
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      description:
        'Aggregator sources failed or are outdated: their accounts and regions are not reconciled (GET /coverage lists them)',
    });
  }

  private add(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      readonly threshold: number;
      readonly description: string;
      readonly comparison?: cloudwatch.ComparisonOperator;
      readonly evaluationPeriods?: number;
      readonly datapointsToAlarm?: number;
    },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      datapointsToAlarm: options.datapointsToAlarm,
      // No data means no traffic (a quiet organization), which is not a failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}
