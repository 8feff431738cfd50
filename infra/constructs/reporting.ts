import { type CfnResource, Duration, type RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge, arnWildcardFinding } from '../nag.js';

export interface ReportingProps {
  /** EventBridge Scheduler expression, for example `cron(0 7 * * ? *)`. */
  readonly scheduleExpression: string;
  /** IANA zone the cron expression is read in. */
  readonly timeZone: string;
  /** Handler environment (Athena workgroup and database, report webhook secret). */
  readonly environment: Readonly<Record<string, string>>;
  /** Receives schedule invocations that could not be delivered, and failed report runs. */
  readonly failureQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /**
   * Name of the schedule.
   * @default - generated
   */
  readonly scheduleName?: string;
}

/** The daily report: an EventBridge Scheduler schedule invoking the report Lambda. */
export class Reporting extends Construct {
  readonly function: MonitorFunction;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: ReportingProps) {
    super(scope, id);
    this.function = new MonitorFunction(this, 'Function', {
      handler: 'report',
      description: 'config-monitor: daily compliance report to Slack (saved Athena queries)',
      serviceName: 'report',
      memorySize: 512,
      // The Lambda maximum: the rollup builds and the report queries run in Athena one after the
      // other, each may queue in a busy account, and a first build (no earlier state) reads the
      // whole history. Every statement is stopped a minute before this (report.lambda.ts).
      timeout: Duration.minutes(15),
      // A failed run is retried twice by Lambda, then kept in the failure queue (alarmed).
      retryAttempts: 2,
      onFailure: props.failureQueue,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: props.environment,
    });

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the config-monitor report function',
    });
    acknowledge(
      scheduleRole,
      arnWildcardFinding(this.function.node.defaultChild as CfnResource, ':*'),
      'The invoke grant covers the versions and aliases of this one function (<function ARN>:*), as the Lambda grant does by design.',
    );
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: 'config-monitor daily compliance report',
      schedule: scheduler.ScheduleExpression.expression(
        props.scheduleExpression,
        TimeZone.of(props.timeZone),
      ),
      target: new schedulerTargets.LambdaInvoke(this.function, {
        role: scheduleRole,
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: props.failureQueue,
      }),
    });
  }
}
