import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS } from '../../src/handlers/consumer.handler.js';
import { METRICS_NAMESPACE } from '../lambda-defaults.js';

/**
 * The application metrics the dashboard graphs: the consumer's, by the names it emits them under
 * through Powertools (namespace `ConfigMonitor`, src/handlers/consumer.handler.ts `METRICS`).
 */
export const APPLICATION_METRICS = [
  METRICS.processed,
  METRICS.errors,
  METRICS.violations,
  METRICS.latency,
] as const;

export interface DashboardProps {
  readonly dashboardName: string;
  readonly consumer: lambda.IFunction;
  readonly stream: kinesis.IStream;
  /** Every function of the stack, by display name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter, failure and quarantine queues, by display name. */
  readonly queues: Readonly<Record<string, sqs.IQueue>>;
  readonly deliveryStreamName: string;
  readonly restApi: apigw.RestApi;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);

/**
 * Any dimension set: Powertools adds `service` (and handlers may add more), so the widgets search
 * by metric name instead of pinning dimensions the handlers own.
 */
function applicationMetric(metricName: string, statistic: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
  });
}

/** The operations dashboard: flow, latency, backlog, failures, archive and API. */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const firehose = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: props.deliveryStreamName },
        statistic,
        period: PERIOD,
        label,
      });
    const functions = Object.entries(props.functions);
    const queues = Object.entries(props.queues);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Events processed / errors',
        left: [
          applicationMetric(METRICS.processed, 'Sum', 'processed'),
          applicationMetric(METRICS.errors, 'Sum', 'errors'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Violation notifications',
        left: [applicationMetric(METRICS.violations, 'Sum', 'notifications')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Event latency (ms, event time → stored)',
        left: [
          applicationMetric(METRICS.latency, 'p50', 'p50'),
          applicationMetric(METRICS.latency, 'p99', 'p99'),
          applicationMetric(METRICS.latency, 'Maximum', 'max'),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Iterator age (ms)',
        left: [
          props.consumer.metric('IteratorAge', { statistic: 'Maximum', period: PERIOD, label: 'consumer' }),
          props.stream.metricGetRecordsIteratorAgeMilliseconds({
            statistic: 'Maximum',
            period: PERIOD,
            label: 'stream (slowest reader)',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream records in',
        left: [props.stream.metricIncomingRecords({ statistic: 'Sum', period: PERIOD, label: 'records' })],
        right: [
          props.stream.metricPutRecordsThrottledRecords({
            statistic: 'Sum',
            period: PERIOD,
            label: 'throttled',
          }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter and quarantine depth',
        left: queues.map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            statistic: 'Maximum',
            period: PERIOD,
            label: name,
          }),
        ),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: functions.map(([name, fn]) =>
          fn.metricErrors({ statistic: 'Sum', period: PERIOD, label: name }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p99 (ms)',
        left: functions.map(([name, fn]) =>
          fn.metricDuration({ statistic: 'p99', period: PERIOD, label: name }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda invocations / throttles',
        left: functions.map(([name, fn]) =>
          fn.metricInvocations({ statistic: 'Sum', period: PERIOD, label: name }),
        ),
        right: functions.map(([name, fn]) =>
          fn.metricThrottles({ statistic: 'Sum', period: PERIOD, label: `${name} throttles` }),
        ),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Firehose archive delivery',
        left: [
          firehose('DataReadFromKinesisStream.Records', 'Sum', 'read from stream'),
          firehose('DeliveryToS3.Records', 'Sum', 'delivered to S3'),
          firehose('FailedConversion.Records', 'Sum', 'failed conversion'),
        ],
        right: [
          firehose('DeliveryToS3.Success', 'Average', 'S3 success ratio'),
          firehose('ExecuteProcessing.Success', 'Average', 'transform success ratio'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Archive freshness (s)',
        left: [firehose('DeliveryToS3.DataFreshness', 'Maximum', 'oldest record not yet in S3')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests',
        left: [
          props.restApi.metricCount({ statistic: 'Sum', period: PERIOD, label: 'requests' }),
          props.restApi.metricClientError({ statistic: 'Sum', period: PERIOD, label: '4xx' }),
          props.restApi.metricServerError({ statistic: 'Sum', period: PERIOD, label: '5xx' }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency p99 (ms)',
        left: [props.restApi.metricLatency({ statistic: 'p99', period: PERIOD, label: 'p99' })],
        width: 12,
      }),
    );
  }
}
