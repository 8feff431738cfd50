import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENV } from '../../src/config.js';
import { NOTIFIER_ROUTING_ENV } from '../../src/handlers/notifier.config.js';
import { ConfigError } from '../errors.js';
import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge, acknowledgeTableIndexes } from '../nag.js';

export interface SlackSecretProps {
  /** Secrets Manager name; its secret string must be set after deploy (put-secret-value). */
  readonly secretName: string;
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/** What a Slack credential secret holds, and why cdk-nag's rotation rule does not apply to it. */
interface SlackCredential {
  readonly description: string;
  readonly noRotation: string;
}

/**
 * A Slack credential in Secrets Manager. CloudFormation creates it with a random placeholder, which
 * the notifier refuses until `aws secretsmanager put-secret-value` sets the real value
 * (docs/deploy.md).
 */
abstract class SlackSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  protected constructor(scope: Construct, id: string, props: SlackSecretProps, credential: SlackCredential) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: credential.description,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
    });
    acknowledge(this.secret, 'AwsSolutions-SMG4', credential.noRotation);
  }
}

export type SlackWebhookSecretProps = SlackSecretProps;

/** A Slack incoming-webhook URL in Secrets Manager. */
export class SlackWebhookSecret extends SlackSecret {
  constructor(scope: Construct, id: string, props: SlackWebhookSecretProps) {
    super(scope, id, props, {
      description: 'Slack incoming-webhook URL used by config-monitor (set with put-secret-value)',
      noRotation:
        'A Slack incoming-webhook URL is issued by Slack and cannot be rotated by a rotation Lambda; it is rotated by creating a new webhook in Slack and calling put-secret-value.',
    });
  }
}

export type SlackBotTokenSecretProps = SlackSecretProps;

/** A Slack bot token (`chat:write`) in Secrets Manager, for bot destinations (docs/slack.md "Bot mode"). */
export class SlackBotTokenSecret extends SlackSecret {
  constructor(scope: Construct, id: string, props: SlackBotTokenSecretProps) {
    super(scope, id, props, {
      description: 'Slack bot token (xoxb-, chat:write) used by config-monitor (set with put-secret-value)',
      noRotation:
        'A Slack bot token is issued by Slack when the app is installed and cannot be rotated by a rotation Lambda; it is rotated by reinstalling the app (or with Slack token rotation) and calling put-secret-value.',
    });
  }
}

export interface NotifierProps {
  /** The alert outbox; its stream (new images) wakes the notifier when alerts are enqueued. */
  readonly outboxTable: dynamodb.ITable;
  readonly webhookSecret: secretsmanager.ISecret;
  /** Receives stream batches and schedule ticks that failed after their retries. */
  readonly failureQueue: sqs.IQueue;
  /** Violations per minute past which alerts are grouped into digests. */
  readonly digestThreshold: number;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /**
   * Link put in Slack messages.
   * @default - no link
   */
  readonly dashboardUrl?: string;
  /**
   * Mutes: the notifier reads them each drain, records what they held back and marks their ends;
   * a mute's end reads the state table's `open` index for the pairs still non-compliant.
   * @default - no mutes
   */
  readonly mutes?: { readonly mutesTable: dynamodb.ITable; readonly stateTable: dynamodb.ITable };
  /**
   * How often the notifier drains the outbox even without new alerts (retries, digests).
   * @default Duration.minutes(1)
   */
  readonly drainInterval?: Duration;
  /**
   * Routing: the validated routing section (bundled with the notifier as a JSON file), each
   * destination's secret — a webhook URL or a bot token — (read granted on each), and whether a
   * route names OUs (then the notifier may call organizations:ListParents).
   * @default - no routing: every alert to `webhookSecret`
   */
  readonly routing?: {
    readonly section: object;
    readonly destinationSecrets: Readonly<Record<string, secretsmanager.ISecret>>;
    readonly usesOus: boolean;
  };
  /**
   * The events table, read for the resource records (tags, last changes) that routing and
   * messages use. @default - none: routes on tags never match, no change is shown
   */
  readonly eventsTable?: dynamodb.ITable;
}

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * The notifier: drains the alert outbox to Slack. No reserved concurrency (a reservation fails to
 * deploy where the account's Lambda quota is under 101): a drain lease in the outbox table makes one
 * invocation at a time the only writer to the webhook (Slack accepts about one message a second);
 * the others return at once. Two triggers share the work: the outbox stream for latency, a
 * one-minute schedule for retries, digests and taking over a lease left by a crashed drain.
 */
export class Notifier extends Construct {
  readonly function: MonitorFunction;
  readonly scheduleRule: events.Rule;

  constructor(scope: Construct, id: string, props: NotifierProps) {
    super(scope, id);
    this.function = new MonitorFunction(this, 'Function', {
      handler: 'notifier',
      description: 'config-monitor: drains the alert outbox to Slack (one drain at a time, by lease)',
      serviceName: 'notifier',
      memorySize: 256,
      timeout: Duration.seconds(55),
      // A missed tick is harmless (the next one drains the same outbox); retrying it would only
      // find the lease held by the drain in progress. Failed ticks still land in the failure queue, so a
      // notifier that keeps failing fills it and trips its depth alarm.
      retryAttempts: 0,
      onFailure: props.failureQueue,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      ...(props.routing ? { routing: props.routing.section } : {}),
      environment: {
        [LAMBDA_ENV.outboxTable]: props.outboxTable.tableName,
        [LAMBDA_ENV.webhookSecret]: props.webhookSecret.secretArn,
        [LAMBDA_ENV.alertDigestThreshold]: String(props.digestThreshold),
        ...(props.dashboardUrl ? { [LAMBDA_ENV.dashboardUrl]: props.dashboardUrl } : {}),
        ...(props.mutes
          ? {
              [LAMBDA_ENV.mutesTable]: props.mutes.mutesTable.tableName,
              [LAMBDA_ENV.stateTable]: props.mutes.stateTable.tableName,
            }
          : {}),
        ...(props.eventsTable ? { [LAMBDA_ENV.eventsTable]: props.eventsTable.tableName } : {}),
        ...(props.routing
          ? {
              [NOTIFIER_ROUTING_ENV.destinationSecrets]: JSON.stringify(
                Object.fromEntries(
                  Object.entries(props.routing.destinationSecrets).map(([name, secret]) => [
                    name,
                    secret.secretArn,
                  ]),
                ),
              ),
            }
          : {}),
      },
    });
    if (props.routing) {
      // The section is a bundled file; the secret ARNs stay in the environment (they are tokens,
      // resolved at deploy time), and their synthesized length is close to the real one.
      const secretsBytes = Buffer.byteLength(
        JSON.stringify(Object.keys(props.routing.destinationSecrets).map((name) => [name, 'x'.repeat(100)])),
        'utf8',
      );
      if (secretsBytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES - 1024) {
        throw new ConfigError('configMonitor.routing.destinations', [
          `${Object.keys(props.routing.destinationSecrets).length} destinations need about ${secretsBytes} bytes of secret ARNs in the notifier's environment, which Lambda limits to 4 KB in all (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html); use fewer destinations`,
        ]);
      }
      for (const secret of Object.values(props.routing.destinationSecrets)) secret.grantRead(this.function);
      if (props.routing.usesOus) {
        // ListParents has no resource-level permissions for an account or OU child id; it must be
        // called from the management account or a delegated administrator (docs/deploy.md).
        this.function.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['organizations:ListParents'], resources: ['*'] }),
        );
      }
    }
    props.eventsTable?.grantReadData(this.function);
    props.outboxTable.grantReadWriteData(this.function);
    if (props.mutes) {
      props.mutes.mutesTable.grantReadWriteData(this.function);
      props.mutes.stateTable.grantReadData(this.function);
    }
    props.webhookSecret.grantRead(this.function);
    acknowledgeTableIndexes(this.function.executionRole, [
      props.outboxTable,
      ...(props.mutes ? [props.mutes.mutesTable, props.mutes.stateTable] : []),
      ...(props.eventsTable ? [props.eventsTable] : []),
    ]);
    acknowledge(
      this.function.executionRole,
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams (added by the DynamoDB event source), with tracing xray:PutTraceSegments/PutTelemetryRecords, and with OU routes organizations:ListParents do not support resource-level permissions for these calls; test/infra checks that no other action is granted on "*".',
    );

    this.function.addEventSource(
      new DynamoEventSource(props.outboxTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        // Only new alerts wake the notifier: not its own updates (delivery), TTL deletions, or the
        // items it creates itself (a Slack thread, THREAD#…; a route gate or the lease).
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith('ALERT#') } } },
          }),
        ],
        batchSize: 100,
        // A burst of alerts becomes one drain instead of many that would find the lease held.
        maxBatchingWindow: Duration.seconds(5),
        retryAttempts: 2,
        maxRecordAge: Duration.hours(1),
        bisectBatchOnError: false,
        onFailure: new SqsDlq(props.failureQueue),
      }),
    );

    this.scheduleRule = new events.Rule(this, 'DrainSchedule', {
      description: 'Drains the config-monitor alert outbox every minute (retries, digests)',
      schedule: events.Schedule.rate(props.drainInterval ?? Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: props.failureQueue,
          retryAttempts: 2,
          maxEventAge: Duration.minutes(2),
        }),
      ],
    });
  }
}
