/**
 * The reconciler in AWS: AWS Config's current compliance, read from an organization aggregator,
 * brought into the stream daily (src/use-cases/reconcile.ts: baseline, drift, gone).
 *
 * - A Step Functions loop invokes the reconciler Lambda until it answers `done`: each invocation
 *   does one step of the sync and pauses before its 15-minute timeout, saving a checkpoint, so a
 *   sync of any size completes (Config's aggregator APIs throttle at a few calls a second).
 * - EventBridge Scheduler starts the loop on the configured schedule (daily by default), and a
 *   custom resource starts it once when the stack is created: the baseline of the organization.
 * - The organization aggregator is created here (all regions, the AWS-managed
 *   AWSConfigRoleForOrganizations policy), or an existing one is named in the configuration. Either
 *   way this account must be the organization's management account or a delegated administrator
 *   for AWS Config (docs/deploy.md).
 */
import { type CfnResource, Duration, type RemovalPolicy, Stack, TimeZone, Token } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { SYNC_CHECKPOINT_PK, SYNC_STATUS_PK } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { RECONCILER_ENV } from '../../src/handlers/reconcile.config.js';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge, arnWildcardFinding } from '../nag.js';

/** `POWERTOOLS_SERVICE_NAME` of the reconciler: the `service` dimension of its metrics. */
export const RECONCILER_SERVICE = 'reconcile';

/** The aggregator read APIs the reconciler calls (config:… actions on the aggregator). */
export const AGGREGATOR_READ_ACTIONS = [
  'config:DescribeConfigurationAggregatorSourcesStatus',
  'config:DescribeAggregateComplianceByConfigRules',
  'config:GetAggregateComplianceDetailsByConfigRule',
] as const;

export interface ReconcilerProps {
  /** EventBridge Scheduler expression of the daily sync. */
  readonly scheduleExpression: string;
  readonly timeZone: string;
  /**
   * An existing aggregator of this account and region to read.
   * @default - an organization aggregator is created
   */
  readonly aggregatorName?: string;
  /** Name of the aggregator this construct creates (when `aggregatorName` is not given). */
  readonly createdAggregatorName: string;
  /** Start a sync when the stack is created (the organization's baseline). */
  readonly runAfterDeploy: boolean;
  readonly stream: kinesis.IStream;
  readonly stateTable: dynamodb.ITable;
  /** Holds the sync status and the checkpoint (items `SYNC#…`). */
  readonly eventsTable: dynamodb.ITable;
  /** Where the baseline summary is posted. */
  readonly webhookSecret: secretsmanager.ISecret;
  /** Receives schedule invocations that could not be delivered. */
  readonly failureQueue: sqs.IQueue;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
}

export class Reconciler extends Construct {
  readonly function: MonitorFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  /** The aggregator read, by name. */
  readonly aggregatorName: string;
  /** Created when no existing aggregator is named. */
  readonly aggregator?: config.CfnConfigurationAggregator;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    let aggregatorArn: string;
    if (props.aggregatorName) {
      this.aggregatorName = props.aggregatorName;
      // An aggregator's ARN ends in a generated id (config-aggregator/config-aggregator-xxxxxxxx),
      // not its name: a named aggregator is only known by name, so the grant covers this
      // account's and region's aggregators.
      aggregatorArn = stack.formatArn({
        service: 'config',
        resource: 'config-aggregator',
        resourceName: '*',
      });
    } else {
      const role = new iam.Role(this, 'AggregatorRole', {
        assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
        description: 'Lets AWS Config read the organization for the config-monitor aggregator',
        managedPolicies: [
          iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSConfigRoleForOrganizations'),
        ],
      });
      acknowledge(
        role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
        'The AWS-managed policy AWS documents for an organization aggregator (organizations:Describe*/List* only); AWS keeps it current as Organizations adds APIs.',
      );
      this.aggregator = new config.CfnConfigurationAggregator(this, 'Aggregator', {
        configurationAggregatorName: props.createdAggregatorName,
        organizationAggregationSource: { roleArn: role.roleArn, allAwsRegions: true },
      });
      this.aggregatorName = props.createdAggregatorName;
      aggregatorArn = this.aggregator.attrConfigurationAggregatorArn;
    }

    this.function = new MonitorFunction(this, 'Function', {
      handler: 'reconcile',
      description:
        'config-monitor: one step of a sync of AWS Config compliance from the organization aggregator into the stream',
      serviceName: RECONCILER_SERVICE,
      memorySize: 1024,
      // The Lambda maximum; the handler stops starting rule scopes 3 minutes before it and saves
      // its checkpoint, and the loop invokes it again.
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      environment: {
        [RECONCILER_ENV.aggregatorName]: this.aggregatorName,
        [RECONCILER_ENV.streamName]: props.stream.streamName,
        [RECONCILER_ENV.stateTableName]: props.stateTable.tableName,
        [RECONCILER_ENV.eventsTableName]: props.eventsTable.tableName,
        [RECONCILER_ENV.webhookSecretArn]: props.webhookSecret.secretArn,
      },
    });
    const role = this.function.executionRole;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...AGGREGATOR_READ_ACTIONS], resources: [aggregatorArn] }),
    );
    if (props.aggregatorName) {
      // The finding names the ARN as synthesized: literal with a concrete env, else with pseudo parameters.
      const shown = Token.isUnresolved(aggregatorArn)
        ? 'arn:<AWS::Partition>:config:<AWS::Region>:<AWS::AccountId>:config-aggregator/*'
        : aggregatorArn;
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${shown}]`,
        "A named aggregator's ARN ends in an id AWS generates, unknown at synth; the read-only aggregator actions are limited to this account's and region's aggregators.",
      );
    }
    props.stream.grantWrite(this.function);
    // Scan (every state) and Query/Get; no write: the records go through the stream.
    props.stateTable.grantReadData(this.function);
    // Only the SYNC#latest and SYNC#checkpoint items of the events table.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [props.eventsTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SYNC_STATUS_PK, SYNC_CHECKPOINT_PK] },
        },
      }),
    );
    props.eventsTable.encryptionKey?.grantEncryptDecrypt(this.function);
    props.webhookSecret.grantRead(this.function);
    acknowledge(
      role,
      arnWildcardFinding(props.stateTable.node.defaultChild as CfnResource, '/index/*'),
      'DynamoDB read grants cover the indexes of the state table (<table ARN>/index/*); it has none today and the function reads only the table.',
    );
    acknowledge(
      this.function,
      'Serverless-LambdaDLQ',
      'The function is invoked synchronously by the Step Functions loop, which retries failed steps and fails the execution (alarmed) after them.',
    );

    const step = new tasks.LambdaInvoke(this, 'SyncStep', {
      lambdaFunction: this.function,
      payloadResponseOnly: true,
      comment: 'One step of the sync: resumes the checkpoint, pauses before the Lambda timeout',
    });
    // A failed step is redone from the last checkpoint (the same records, the same ids).
    step.addRetry({
      errors: ['States.ALL'],
      interval: Duration.minutes(1),
      backoffRate: 2,
      maxAttempts: 4,
    });
    const done = new sfn.Choice(this, 'SyncDone')
      .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(this, 'Synced'))
      .otherwise(step);
    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'config-monitor sync: invokes the reconciler step until the sync is done',
      definitionBody: sfn.DefinitionBody.fromChainable(step.next(done)),
      // Under a day: a run never overlaps the next scheduled one.
      timeout: Duration.hours(23),
      tracingEnabled: props.tracing,
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledge(
      this.stateMachine,
      arnWildcardFinding(this.function.node.defaultChild as CfnResource, ':*'),
      'The invoke grant covers the versions and aliases of this one function (<function ARN>:*), as the Step Functions Lambda task grants by design.',
    );
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions needs logs:CreateLogDelivery, logs:*LogDelivery*, logs:PutResourcePolicy, logs:DescribeResourcePolicies and logs:DescribeLogGroups (and X-Ray writes) on "*" to deliver execution logs; these actions have no resource-level permissions.',
    );

    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'Lets EventBridge Scheduler start the config-monitor sync',
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'config-monitor sync of AWS Config compliance (baseline, drift, gone)',
      schedule: scheduler.ScheduleExpression.expression(
        props.scheduleExpression,
        TimeZone.of(props.timeZone),
      ),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        role: scheduleRole,
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: props.failureQueue,
      }),
    });

    if (props.runAfterDeploy) this.startOnCreate(props);
  }

  /** A custom resource that starts one execution when the stack is created (not on updates). */
  private startOnCreate(props: ReconcilerProps): void {
    const logGroup = new logs.LogGroup(this, 'StartAfterDeployLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new iam.Role(this, 'StartAfterDeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Lets the after-deploy custom resource start the first config-monitor sync',
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    const start = new cr.AwsCustomResource(this, 'StartAfterDeploy', {
      onCreate: {
        service: 'SFN',
        action: 'startExecution',
        parameters: {
          stateMachineArn: this.stateMachine.stateMachineArn,
          input: JSON.stringify({ trigger: 'after-deploy' }),
        },
        physicalResourceId: cr.PhysicalResourceId.of('config-monitor-first-sync'),
      },
      role,
      logGroup,
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
    });
    // The provider function is a singleton of the stack, written by the CDK.
    const provider = Stack.of(this).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    for (const target of [start, ...(provider ? [provider] : [])]) {
      acknowledge(
        target,
        'Serverless-LambdaDLQ',
        'The CDK custom-resource provider is invoked by CloudFormation, which reports its failure in the stack events.',
      );
      acknowledge(
        target,
        'Serverless-LambdaDefaultMemorySize',
        'The CDK custom-resource provider starts one Step Functions execution; its memory is set by the CDK.',
      );
      acknowledge(
        target,
        'Serverless-LambdaTracing',
        'The CDK custom-resource provider runs once at stack creation; tracing it adds nothing.',
      );
    }
  }
}
