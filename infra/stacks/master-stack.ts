import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { SYNC_STATUS_PK } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { LAMBDA_ENV } from '../../src/config.js';
import { CONFIG_EVENT_PATTERN } from '../../src/domain/event-pattern.js';
import { DEFAULT_DESTINATION } from '../../src/domain/routing-config.js';
import { STREAM_ROUTES } from '../../src/domain/stream-routes.js';
import {
  aggregatorName,
  dashboardDomainPrefix,
  type MonitorConfig,
  masterBusName,
  resourcePrefix,
} from '../config.js';
import { AgentStackSet } from '../constructs/agent-stack-set.js';
import { Alarms } from '../constructs/alarms.js';
import { Analytics, type SavedQueryDefinition } from '../constructs/analytics.js';
import { Api } from '../constructs/api.js';
import { Archive, ArchiveBuckets } from '../constructs/archive.js';
import { Consumer } from '../constructs/consumer.js';
import { Dashboard } from '../constructs/dashboard.js';
import { DashboardHosting } from '../constructs/dashboard-hosting.js';
import { DeadLetterQueue } from '../constructs/dead-letter-queue.js';
import { HotStore } from '../constructs/hot-store.js';
import { Ingest } from '../constructs/ingest.js';
import { Notifier, SlackBotTokenSecret, SlackWebhookSecret } from '../constructs/notifier.js';
import { Quarantine } from '../constructs/quarantine.js';
import { Reconciler } from '../constructs/reconciler.js';
import { Reporting } from '../constructs/reporting.js';
import { EventStream } from '../constructs/stream.js';
import { StreamRedrive } from '../constructs/stream-redrive.js';
import { acknowledge, acknowledgeTableIndexes } from '../nag.js';

export interface MasterStackProps extends StackProps {
  readonly config: MonitorConfig;
  /** One Athena named query is deployed per saved query (from src/queries/saved-queries.ts). */
  readonly savedQueries: readonly SavedQueryDefinition[];
  /**
   * The agent template, when `config.stackSet` asks for a StackSet.
   * @default - no StackSet
   */
  readonly agentTemplateBody?: string;
}

/**
 * The central account: the organization bus, the stream, the consumer and hot store, alert
 * delivery, the Parquet archive with Glue and Athena, the API, the daily report, alarms and the
 * CloudWatch dashboard; the hosted dashboard page with its sign-in (`config.dashboard`), and
 * optionally the StackSet that deploys the agent to the organization.
 */
export class MasterStack extends Stack {
  readonly key: kms.Key;
  readonly hotStore: HotStore;
  readonly stream: EventStream;
  readonly ingest: Ingest;
  readonly streamRedrive: StreamRedrive;
  readonly consumer: Consumer;
  readonly quarantine: Quarantine;
  readonly notifier: Notifier;
  readonly buckets: ArchiveBuckets;
  readonly analytics: Analytics;
  readonly archive: Archive;
  readonly api: Api;
  readonly reporting: Reporting;
  readonly reconciler: Reconciler;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;
  /** The dashboard page in AWS (S3, CloudFront, Cognito), when `config.dashboard.enabled`. */
  readonly dashboardHosting?: DashboardHosting;
  /** The link Slack messages carry: `config.dashboardUrl`, else the hosted dashboard's URL. */
  readonly dashboardUrl?: string;
  readonly stackSet?: AgentStackSet;

  constructor(scope: Construct, id: string, props: MasterStackProps) {
    super(scope, id, {
      description: 'config-monitor master: organization bus, stream, hot store, alerts, archive, API, report',
      // The template nears CloudFormation's 1 MB limit (901 KB indented, 748 KB without: most of it
      // is cdk-nag's acknowledgement metadata); unindented JSON keeps it well under.
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
      suppressTemplateIndentation: true,
      ...props,
    });
    const { config } = props;
    const prefix = resourcePrefix(config);
    const dataRemoval = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.retention.logDays as logs.RetentionDays;
    const common = { logRetention, logRemovalPolicy: RemovalPolicy.DESTROY, tracing: config.tracing };

    this.key = new kms.Key(this, 'DataKey', {
      alias: `alias/${prefix}`,
      description:
        'config-monitor data at rest: stream, tables, archive, query results, secrets, alarm topic',
      enableKeyRotation: true,
      removalPolicy: dataRemoval,
    });
    // CloudWatch alarms publish to the encrypted alarm topic with this key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );

    this.hotStore = new HotStore(this, 'HotStore', {
      tablePrefix: prefix,
      encryptionKey: this.key,
      removalPolicy: dataRemoval,
    });
    const eventsTable = this.hotStore.table('events');
    const stateTable = this.hotStore.table('state');
    const outboxTable = this.hotStore.table('outbox');
    const mutesTable = this.hotStore.table('mutes');

    const streamRetention = Duration.hours(config.retention.streamHours);
    this.stream = new EventStream(this, 'Stream', {
      streamName: `${prefix}-events`,
      encryptionKey: this.key,
      retentionPeriod: streamRetention,
    });

    // The bus rules dead-letter into the redrive queue (long resource ids, exhausted retries);
    // what the redrive cannot put either ends in BusDeadLetters, alarmed at its first message.
    const busDeadLetters = new DeadLetterQueue(this, 'BusDeadLetters', {
      purpose: 'events neither the master bus rules nor the stream redrive could put into the stream',
    });
    this.streamRedrive = new StreamRedrive(this, 'StreamRedrive', {
      ...common,
      stream: this.stream.stream,
      deadLetterQueue: busDeadLetters.queue,
    });
    this.ingest = new Ingest(this, 'Ingest', {
      busName: masterBusName(config),
      organizationId: config.organizationId,
      allowedAccounts: config.allowedAccounts,
      stream: this.stream.stream,
      routes: STREAM_ROUTES,
      deadLetterQueue: this.streamRedrive.queue,
      archivePattern: CONFIG_EVENT_PATTERN,
    });

    this.quarantine = new Quarantine(this, 'Quarantine');
    const consumerFailures = new DeadLetterQueue(this, 'ConsumerFailures', {
      purpose: 'stream batches the consumer failed after its retries (shard and sequence range)',
    });
    this.consumer = new Consumer(this, 'Consumer', {
      ...common,
      stream: this.stream.stream,
      eventsTable,
      stateTable,
      outboxTable,
      quarantine: this.quarantine.queue,
      onFailure: consumerFailures.queue,
    });

    const alertsSecret = new SlackWebhookSecret(this, 'AlertsWebhook', {
      secretName: config.slack.alertsWebhookSecretName,
      encryptionKey: this.key,
      removalPolicy: dataRemoval,
    }).secret;
    const reportSecret =
      config.slack.reportWebhookSecretName === config.slack.alertsWebhookSecretName
        ? alertsSecret
        : new SlackWebhookSecret(this, 'ReportWebhook', {
            secretName: config.slack.reportWebhookSecretName,
            encryptionKey: this.key,
            removalPolicy: dataRemoval,
          }).secret;

    this.buckets = new ArchiveBuckets(this, 'Buckets', {
      encryptionKey: this.key,
      archiveDays: config.retention.archiveDays,
      athenaResultsDays: config.retention.athenaResultsDays,
      removalPolicy: dataRemoval,
    });
    this.analytics = new Analytics(this, 'Analytics', {
      databaseName: prefix.replaceAll('-', '_'),
      workGroupName: prefix,
      archiveBucket: this.buckets.archive,
      resultsBucket: this.buckets.athenaResults,
      encryptionKey: this.key,
      archiveDays: config.retention.archiveDays,
      bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQuery,
      savedQueries: props.savedQueries,
    });
    this.archive = new Archive(this, 'Archive', {
      ...common,
      stream: this.stream.stream,
      bucket: this.buckets.archive,
      table: this.analytics,
      eventsTable,
      encryptionKey: this.key,
      ...(config.routing ? { routing: config.routing } : {}),
    });

    const athenaEnvironment = {
      [LAMBDA_ENV.athenaWorkgroup]: this.analytics.workGroupName,
      [LAMBDA_ENV.athenaDatabase]: this.analytics.databaseName,
    };
    this.api = new Api(this, 'Api', {
      ...common,
      apiName: `${prefix}-api`,
      throttlingRateLimit: config.api.throttlingRateLimit,
      throttlingBurstLimit: config.api.throttlingBurstLimit,
      environment: {
        [LAMBDA_ENV.eventsTable]: eventsTable.tableName,
        [LAMBDA_ENV.stateTable]: stateTable.tableName,
        [LAMBDA_ENV.mutesTable]: mutesTable.tableName,
        ...athenaEnvironment,
      },
      dashboard: config.dashboard.enabled,
      ...(config.routing ? { routing: config.routing } : {}),
    });
    // The API's only write: mutes and their audit log (POST /mutes, DELETE /mutes/{id}); items are
    // put and updated, never deleted (the audit log is append-only, ended mutes leave by TTL).
    mutesTable.grant(
      this.api.function,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    this.key.grantEncryptDecrypt(this.api.function);
    eventsTable.grantReadData(this.api.function);
    // GET /violations reads the state table's `open` index.
    stateTable.grantReadData(this.api.function);
    acknowledgeTableIndexes(this.api.function.executionRole, [eventsTable, stateTable]);
    this.analytics.grantQuery(this.api.function);

    if (config.dashboard.enabled) {
      this.dashboardHosting = new DashboardHosting(this, 'DashboardHosting', {
        prefix,
        domainPrefix: dashboardDomainPrefix(config),
        mfa: config.dashboard.mfa,
        threatProtection: config.dashboard.threatProtection,
        customDomain: config.dashboard.customDomain,
        federation: config.dashboard.federation,
        accessLogsBucket: this.buckets.accessLogs,
        apiUrl: this.api.dashboardUrl,
        apiOrigin: this.api.dashboardOrigin,
        // The pool's users are data; the bucket only holds files rebuilt from the repository.
        userPoolRemovalPolicy: dataRemoval,
        logRetention,
      });
      this.api.authorizeDashboard({
        userPool: this.dashboardHosting.userPool,
        allowedOrigins: this.dashboardHosting.origins,
      });
    }
    this.dashboardUrl = config.dashboardUrl ?? this.dashboardHosting?.url;

    const notifierFailures = new DeadLetterQueue(this, 'NotifierFailures', {
      purpose: 'outbox stream batches and drain ticks the notifier could not process',
    });
    // One secret per webhook or bot destination (named in routing.destinations.<name>.secret); the
    // default webhook destination without one, and any destination naming an existing secret of the
    // stack, share it (infra/config.ts keeps a bot's token out of a webhook's secret).
    const secretsByName = new Map<string, secretsmanager.ISecret>([
      [config.slack.alertsWebhookSecretName, alertsSecret],
      [config.slack.reportWebhookSecretName, reportSecret],
    ]);
    const routing = config.routing;
    const destinationSecrets: Record<string, secretsmanager.ISecret> = {};
    if (routing) {
      const defaultDestination = routing.defaultDestination ?? DEFAULT_DESTINATION;
      const destinations = routing.destinations ?? { [defaultDestination]: { type: 'webhook' as const } };
      for (const [name, destination] of Object.entries(destinations)) {
        const secretName = destination.secret ?? config.slack.alertsWebhookSecretName;
        let secret = secretsByName.get(secretName);
        if (secret === undefined) {
          // A bot's token (docs/slack.md "Bot mode"); bot destinations of one Slack app share it.
          secret =
            destination.type === 'bot'
              ? new SlackBotTokenSecret(this, `DestinationBotToken-${name}`, {
                  secretName,
                  encryptionKey: this.key,
                  removalPolicy: dataRemoval,
                }).secret
              : new SlackWebhookSecret(this, `DestinationWebhook-${name}`, {
                  secretName,
                  encryptionKey: this.key,
                  removalPolicy: dataRemoval,
                }).secret;
          secretsByName.set(secretName, secret);
        }
        destinationSecrets[name] = secret;
      }
    }
    this.notifier = new Notifier(this, 'AlertDelivery', {
      ...common,
      outboxTable,
      eventsTable,
      ...(routing
        ? {
            routing: {
              section: routing,
              destinationSecrets,
              usesOus: (routing.routes ?? []).some((r) => r.ous !== undefined),
            },
          }
        : {}),
      webhookSecret: alertsSecret,
      failureQueue: notifierFailures.queue,
      digestThreshold: config.slack.digestThreshold,
      dashboardUrl: this.dashboardUrl,
      mutes: { mutesTable, stateTable },
    });

    const reportFailures = new DeadLetterQueue(this, 'ReportFailures', {
      purpose: 'daily report runs that failed or could not be invoked',
    });
    this.reporting = new Reporting(this, 'Reporting', {
      ...common,
      scheduleExpression: config.report.schedule,
      timeZone: config.report.timeZone,
      failureQueue: reportFailures.queue,
      environment: withOptional(
        {
          [LAMBDA_ENV.webhookSecret]: reportSecret.secretArn,
          // The last sync's coverage (item SYNC#latest), shown in the report.
          [LAMBDA_ENV.eventsTable]: eventsTable.tableName,
          // The mutes in force at the end of the day: the report's muted pairs.
          [LAMBDA_ENV.mutesTable]: mutesTable.tableName,
          ...athenaEnvironment,
        },
        { [LAMBDA_ENV.dashboardUrl]: this.dashboardUrl },
      ),
    });
    this.reporting.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [mutesTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['MUTE'] } },
      }),
    );
    // The report builds the compliance_daily_state rollup (Athena INSERT INTO) before it reads it.
    this.analytics.grantDailyStateBuild(this.reporting.function);
    reportSecret.grantRead(this.reporting.function);
    this.reporting.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [eventsTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [SYNC_STATUS_PK] } },
      }),
    );
    this.key.grantDecrypt(this.reporting.function);

    const syncFailures = new DeadLetterQueue(this, 'SyncFailures', {
      purpose: 'scheduled syncs EventBridge Scheduler could not start',
    });
    this.reconciler = new Reconciler(this, 'Reconciler', {
      ...common,
      scheduleExpression: config.reconcile.schedule,
      timeZone: config.reconcile.timeZone,
      ...(config.reconcile.aggregatorName ? { aggregatorName: config.reconcile.aggregatorName } : {}),
      createdAggregatorName: aggregatorName(config),
      runAfterDeploy: config.reconcile.runAfterDeploy,
      stream: this.stream.stream,
      stateTable,
      eventsTable,
      webhookSecret: alertsSecret,
      failureQueue: syncFailures.queue,
    });

    const functions = {
      Consumer: this.consumer.function,
      Notifier: this.notifier.function,
      ArchiveTransform: this.archive.transformFunction,
      Api: this.api.function,
      Report: this.reporting.function,
      StreamRedrive: this.streamRedrive.function,
      Reconciler: this.reconciler.function,
    };
    const queues = {
      BusDeadLetters: busDeadLetters.queue,
      ConsumerFailures: consumerFailures.queue,
      Quarantine: this.quarantine.queue,
      NotifierFailures: notifierFailures.queue,
      ReportFailures: reportFailures.queue,
      SyncFailures: syncFailures.queue,
    };
    const { Report, Reconciler: reconcilerFunction, ...fastFunctions } = functions;
    this.alarms = new Alarms(this, 'Alarms', {
      encryptionKey: this.key,
      consumer: this.consumer.function,
      notifier: this.notifier.function,
      stream: this.stream.stream,
      streamRetention,
      functions: fastFunctions,
      // The report waits for the rollup builds and its queries; alarm when it nears its 15-minute
      // timeout (its statements are stopped a minute before it).
      slowFunctions: {
        Report: { fn: Report, p99: Duration.minutes(12) },
        // Pauses 3 minutes before its 15-minute timeout; longer means a scope stuck in throttling.
        Reconciler: { fn: reconcilerFunction, p99: Duration.minutes(13) },
      },
      erroringFunctions: { Report },
      reconciler: this.reconciler.stateMachine,
      queues,
      redriveQueue: this.streamRedrive.queue,
      deliveryStreamName: this.archive.deliveryStream.ref,
      firehoseBufferInterval: this.archive.bufferInterval,
      email: config.alarmEmail,
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      consumer: this.consumer.function,
      stream: this.stream.stream,
      functions,
      queues,
      deliveryStreamName: this.archive.deliveryStream.ref,
      restApi: this.api.restApi,
      alarms: this.alarms.alarms,
    });

    if (config.stackSet) {
      if (!props.agentTemplateBody) {
        throw new Error('config.stackSet is set but MasterStack received no agentTemplateBody');
      }
      this.stackSet = new AgentStackSet(this, 'AgentStackSet', {
        stackSetName: `${prefix}-agent`,
        templateBody: props.agentTemplateBody,
        organizationalUnitIds: config.stackSet.organizationalUnitIds,
        regions: config.stackSet.regions,
        callAs: config.stackSet.callAs,
        // Created after the bus policy: EventBridge refuses an agent's rule target without it.
        masterBus: this.ingest.bus,
      });
    }

    this.acknowledgeStackFindings(config);

    new CfnOutput(this, 'MasterBusArn', { value: this.ingest.bus.eventBusArn });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.analytics.workGroupName });
    new CfnOutput(this, 'GlueDatabase', { value: this.analytics.databaseName });
    new CfnOutput(this, 'ArchiveBucket', { value: this.buckets.archive.bucketName });
    new CfnOutput(this, 'ConfigAggregatorName', { value: this.reconciler.aggregatorName });
    new CfnOutput(this, 'SyncStateMachineArn', { value: this.reconciler.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    if (this.dashboardHosting) {
      new CfnOutput(this, 'DashboardUrl', {
        description: 'The hosted dashboard (sign in with a user of DashboardUserPoolId)',
        value: this.dashboardHosting.url,
      });
      new CfnOutput(this, 'DashboardDistributionDomainName', {
        description: 'CloudFront domain of the dashboard: the target of the custom domain DNS record',
        value: this.dashboardHosting.distribution.distributionDomainName,
      });
      new CfnOutput(this, 'DashboardUserPoolId', {
        description: 'Cognito user pool of the dashboard: create the first user here (docs/deploy.md)',
        value: this.dashboardHosting.userPool.userPoolId,
      });
      new CfnOutput(this, 'DashboardSignInDomain', {
        description: 'Cognito hosted UI of the dashboard; federation callbacks are under it',
        value: this.dashboardHosting.userPoolDomain.baseUrl(),
      });
      new CfnOutput(this, 'DashboardApiUrl', {
        description: 'The API the dashboard calls with Cognito ID tokens (the read routes only)',
        value: this.api.dashboardUrl,
      });
    }
    new CfnOutput(this, 'AlertsWebhookSecretName', { value: config.slack.alertsWebhookSecretName });
    new CfnOutput(this, 'ReportWebhookSecretName', { value: config.slack.reportWebhookSecretName });
  }

  /** Findings that hold for the whole stack, each with its reason. */
  private acknowledgeStackFindings(config: MonitorConfig): void {
    acknowledge(
      this,
      'AwsSolutions-L1',
      'The runtime is nodejs22.x on purpose: it is the runtime the handlers are tested on (CI) and the esbuild target; moving to a newer runtime is a deliberate upgrade, not a drift.',
    );
    acknowledge(
      this,
      'Serverless-LambdaLatestVersion',
      'The runtime is nodejs22.x on purpose: it is the runtime the handlers are tested on (CI) and the esbuild target; moving to a newer runtime is a deliberate upgrade, not a drift.',
    );
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
      acknowledge(
        this,
        `AwsSolutions-IAM5[Action::${action}]`,
        `${action} comes from the CDK grants on the stack's one customer-managed key; the resource of every such statement is that key's ARN.`,
      );
    }
    for (const action of ['s3:Abort*', 's3:GetBucket*', 's3:GetObject*', 's3:List*']) {
      acknowledge(
        this,
        `AwsSolutions-IAM5[Action::${action}]`,
        `${action} is an action group of the CDK bucket grants (read/put); every such statement names the archive or results bucket ARN or one of their prefixes.`,
      );
    }
    if (!config.tracing) {
      const reason =
        'X-Ray tracing is turned off in this stage by configuration (tracing: false) to save cost.';
      acknowledge(this, 'Serverless-LambdaTracing', reason);
      acknowledge(this, 'Serverless-APIGWXrayEnabled', reason);
      acknowledge(this, 'AwsSolutions-SF2', reason);
      acknowledge(this, 'Serverless-StepFunctionStateMachineXray', reason);
    }
  }
}

/** `base` plus the optional entries that have a value. */
function withOptional(
  base: Record<string, string>,
  optional: Record<string, string | undefined>,
): Record<string, string> {
  const out = { ...base };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) out[key] = value;
  return out;
}
