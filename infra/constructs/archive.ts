import { type CfnResource, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CLAIM_ITEM_ATTRIBUTES } from '../../src/adapters/dynamodb/event-store.repository.js';
import { COMPLIANCE_DAILY_STATE_TABLE, COMPLIANCE_KEY_STATE_TABLE } from '../../src/domain/archive-schema.js';
import { ARCHIVE_TRANSFORM_ENV } from '../../src/handlers/firehose-transform.config.js';

/** Days the archive bucket keeps `compliance_key_state` builds (see the lifecycle rule). */
export const KEY_STATE_RETENTION_DAYS = 14;

import { MonitorFunction } from '../lambda-defaults.js';
import { acknowledge, arnWildcardFinding } from '../nag.js';
import type { ArchiveTable } from './analytics.js';

/** S3 layout shared by Firehose, the Glue table and the embedded archiver (`<data-dir>/archive/`). */
export const ARCHIVE_TABLE_PREFIX = 'compliance_events/';
export const ARCHIVE_ERROR_PREFIX = 'errors/';

export interface ArchiveBucketsProps {
  readonly encryptionKey: kms.IKey;
  /** Days Parquet files are kept; older ones expire. */
  readonly archiveDays: number;
  /** Days Athena query results are kept. */
  readonly athenaResultsDays: number;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Days failed Firehose records (under `errors/`) are kept.
   * @default 90
   */
  readonly errorDays?: number;
}

/**
 * The buckets of the archive: the Parquet archive, the Athena results, and the server access log
 * bucket both log to. Encrypted, public access blocked, TLS only, with lifecycle rules.
 */
export class ArchiveBuckets extends Construct {
  readonly archive: s3.Bucket;
  readonly athenaResults: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: ArchiveBucketsProps) {
    super(scope, id);
    const common = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
    } as const;

    // Server access logs can only be delivered to an SSE-S3 bucket.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
    });
    acknowledge(
      this.accessLogs,
      'AwsSolutions-S1',
      'This is the server access log bucket of the archive and results buckets; logging it into itself would loop.',
    );

    this.archive = new s3.Bucket(this, 'Archive', {
      ...common,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'archive/',
      lifecycleRules: [
        {
          id: 'archive-retention',
          prefix: ARCHIVE_TABLE_PREFIX,
          // Old partitions are rarely read; Intelligent-Tiering moves them to cheaper tiers
          // without the retrieval fees of Standard-IA when an analyst scans a year.
          transitions: [
            { storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) },
          ],
          expiration: Duration.days(props.archiveDays),
        },
        {
          // The daily rollup the report rebuilds (Athena INSERT INTO appends a new build each time;
          // readers take the latest): kept as long as the events it summarizes.
          id: 'daily-state-retention',
          prefix: `${COMPLIANCE_DAILY_STATE_TABLE}/`,
          expiration: Duration.days(props.archiveDays),
        },
        {
          // The per-key state is only the starting point of the next day's build: two weeks cover
          // the report's refresh window with room; past them a build reads the history once.
          id: 'key-state-retention',
          prefix: `${COMPLIANCE_KEY_STATE_TABLE}/`,
          expiration: Duration.days(KEY_STATE_RETENTION_DAYS),
        },
        {
          id: 'failed-records',
          prefix: ARCHIVE_ERROR_PREFIX,
          expiration: Duration.days(props.errorDays ?? 90),
        },
        {
          id: 'housekeeping',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
    });

    this.athenaResults = new s3.Bucket(this, 'AthenaResults', {
      ...common,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [
        {
          id: 'results-retention',
          expiration: Duration.days(props.athenaResultsDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }
}

export interface ArchiveProps {
  /** The stream Firehose reads (its own iterator; the consumer is unaffected). */
  readonly stream: kinesis.IStream;
  readonly bucket: s3.IBucket;
  /** Glue table whose schema drives the Parquet conversion. */
  readonly table: ArchiveTable;
  /**
   * The hot store's events table: the transformation claims each event id there, as the consumer
   * does, so that the archive keeps the content the hot store keeps (src/use-cases/archive-transform.ts).
   */
  readonly eventsTable: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly tracing: boolean;
  /**
   * Seconds Firehose buffers before writing a file per partition.
   * @default 900 (the maximum: fewer, larger Parquet files; recent data is served by the hot store)
   */
  readonly bufferInterval?: Duration;
  /**
   * @default 128 (dynamic partitioning requires at least 64)
   */
  readonly bufferSizeMiB?: number;
  /**
   * The configuration's routing section, bundled with the transformation: its severity overrides
   * (base rule name → severity) go into each row's `severity` over the catalog's.
   * @default - none: the catalog's severities
   */
  readonly routing?: object;
}

/**
 * Firehose from the stream to S3: the transformation Lambda turns each event into one
 * `compliance_events` JSON row and names its `dt` partition; Firehose converts rows to Parquet
 * through the Glue table and writes `compliance_events/dt=YYYY-MM-DD/`. Records that fail go under
 * `errors/<error type>/`.
 */
export class Archive extends Construct {
  readonly transformFunction: MonitorFunction;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly logGroup: logs.LogGroup;
  /** How long Firehose buffers a partition before writing it (the archive's normal lag). */
  readonly bufferInterval: Duration;

  constructor(scope: Construct, id: string, props: ArchiveProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bufferInterval = props.bufferInterval ?? Duration.seconds(900);

    this.transformFunction = new MonitorFunction(this, 'TransformFunction', {
      handler: 'firehose-transform',
      description: 'config-monitor: Firehose transformation, EventBridge event -> compliance_events row',
      serviceName: 'archive-transform',
      memorySize: 512,
      // Firehose waits up to 5 minutes; a 1 MiB batch takes well under a second.
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      tracing: props.tracing,
      ...(props.routing ? { routing: props.routing } : {}),
      environment: {
        [ARCHIVE_TRANSFORM_ENV.eventsTableName]: props.eventsTable.tableName,
      },
    });
    // Least privilege on the events table: read ids (BatchGetItem, and GetItem after a lost race)
    // and put claim items, whose attributes are the claim's alone: the transformation can claim an
    // id, never write an event, update, delete, query or scan, and never touch an index.
    // (Not `table.grant`: it adds the table's indexes, which a claim never reads.)
    this.transformFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        resources: [props.eventsTable.tableArn],
      }),
    );
    this.transformFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.eventsTable.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...CLAIM_ITEM_ATTRIBUTES] } },
      }),
    );
    // The table is encrypted with the stack's key: reading and writing items need it.
    props.eventsTable.encryptionKey?.grantEncryptDecrypt(this.transformFunction);
    acknowledge(
      this.transformFunction,
      'Serverless-LambdaDLQ',
      'Firehose invokes the transformation synchronously and retries it; records that still fail are written under the errors/ prefix of the archive bucket, which is the dead-letter store.',
    );

    this.logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const logStream = this.logGroup.addStream('S3Delivery');

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
      description: 'Firehose archive delivery: read the stream, transform, convert, write to S3',
    });
    props.stream.grantRead(role);
    // Read and put, never delete: Firehose only writes new objects (and re-reads multipart parts).
    for (const prefix of [ARCHIVE_TABLE_PREFIX, ARCHIVE_ERROR_PREFIX]) {
      props.bucket.grantRead(role, `${prefix}*`);
      props.bucket.grantPut(role, `${prefix}*`);
      acknowledge(
        role,
        arnWildcardFinding(props.bucket.node.defaultChild as CfnResource, `/${prefix}*`),
        `Firehose writes new objects under the ${prefix} prefix of the archive bucket, whose names it generates; the grant is limited to that prefix.`,
      );
    }
    this.transformFunction.grantInvoke(role);
    acknowledge(
      role,
      arnWildcardFinding(this.transformFunction.node.defaultChild as CfnResource, ':*'),
      'The invoke grant covers the versions and aliases of the one transformation function (<function ARN>:*).',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:GetFunctionConfiguration'],
        resources: [this.transformFunction.functionArn],
      }),
    );
    props.table.grantSchemaRead(role);
    this.logGroup.grantWrite(role);

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: role.roleArn },
      extendedS3DestinationConfiguration: {
        bucketArn: props.bucket.bucketArn,
        roleArn: role.roleArn,
        prefix: `${ARCHIVE_TABLE_PREFIX}dt=!{partitionKeyFromLambda:dt}/`,
        errorOutputPrefix: `${ARCHIVE_ERROR_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
        bufferingHints: {
          intervalInSeconds: this.bufferInterval.toSeconds(),
          sizeInMBs: props.bufferSizeMiB ?? 128,
        },
        // Parquet compresses its pages itself (Snappy below); Firehose-level compression must be off.
        compressionFormat: 'UNCOMPRESSED',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: props.encryptionKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'Lambda',
              parameters: [
                { parameterName: 'LambdaArn', parameterValue: this.transformFunction.functionArn },
                { parameterName: 'NumberOfRetries', parameterValue: '3' },
                { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
                { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          // The transformation writes timestamps as `YYYY-MM-DD HH:mm:ss.sss` (UTC), which the
          // OpenX SerDe reads without TimestampFormats (src/use-cases/archive-transform.ts).
          inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: stack.account,
            region: stack.region,
            databaseName: props.table.databaseName,
            tableName: props.table.tableName,
            roleArn: role.roleArn,
            versionId: 'LATEST',
          },
        },
        s3BackupMode: 'Disabled',
      },
    });
    // Firehose checks its permissions, and reads the table schema, when the stream is created.
    this.deliveryStream.node.addDependency(role, props.table);
    acknowledge(
      this.deliveryStream,
      'AwsSolutions-KDF1',
      'A delivery stream whose source is a Kinesis stream cannot enable server-side encryption; the source stream is KMS-encrypted and every S3 object is written with the customer-managed key.',
    );
  }
}
