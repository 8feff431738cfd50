import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { masterBusArn } from '../../infra/config.js';
import { ALARM_THRESHOLDS } from '../../infra/constructs/alarms.js';
import { glueColumns } from '../../infra/constructs/analytics.js';
import { CONSUMER_EVENT_SOURCE } from '../../infra/constructs/consumer.js';
import { APPLICATION_METRICS } from '../../infra/constructs/dashboard.js';
import { AGGREGATOR_READ_ACTIONS } from '../../infra/constructs/reconciler.js';
import { BUNDLED_QUERIES_DIR, BUNDLED_TEMPLATES_DIR, REPO_ROOT } from '../../infra/lambda-defaults.js';
import { CLAIM_ITEM_ATTRIBUTES } from '../../src/adapters/dynamodb/event-store.repository.js';
import {
  EVENTS_TABLE,
  indexProjection,
  TABLES,
  TTL_ATTRIBUTE,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';
import { FLAPPING_ENV, loadConsumerConfig, loadFlappingOptions } from '../../src/config.js';
import {
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_EVENT_COLUMNS,
  PARTITION_COLUMN,
} from '../../src/domain/archive-schema.js';
import { CONFIG_EVENT_PATTERN } from '../../src/domain/event-pattern.js';
import { FLAPPING_DEFAULTS } from '../../src/domain/flapping.js';
import { STREAM_ROUTES } from '../../src/domain/stream-routes.js';
import { loadApiConfig, loadReportConfig } from '../../src/handlers/api.config.js';
import { loadArchiveTransformConfig } from '../../src/handlers/firehose-transform.config.js';
import { loadNotifierConfig } from '../../src/handlers/notifier.config.js';
import { loadReconcilerConfig } from '../../src/handlers/reconcile.config.js';
import { loadSavedQueries } from '../../src/queries/saved-queries.js';
import { nagFindings, type Synthesized, synthesize, testConfigInput } from './synth.js';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> };

let synth: Synthesized;
let template: Template;
let resources: Record<string, Resource>;

/** Resources of one CloudFormation type, by logical id. */
function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Properties of the CloudFormation resource behind an L2 construct. */
function propsOf(construct: IConstruct): Record<string, any> {
  const id = synth.master.getLogicalId(construct.node.defaultChild as CfnElement);
  return (resources[id] as Resource).Properties;
}

beforeAll(() => {
  synth = synthesize();
  template = synth.masterTemplate;
  resources = template.toJSON().Resources;
});

describe('master bus', () => {
  it('lets the organization put events', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    });
  });

  it('narrows it to the allow-listed accounts when allowedAccounts is set (without a StackSet)', () => {
    const { stackSet: _stackSet, ...input } = testConfigInput({
      allowedAccounts: ['123456789012', '210987654321'],
    });
    const narrowed = synthesize(input);
    narrowed.masterTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Condition: {
          StringEquals: {
            'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
            'aws:PrincipalAccount': ['123456789012', '210987654321'],
          },
        },
      },
    });
  });

  it('is named so that agents can address it by ARN before it exists', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'config-monitor-test-bus' });
    expect(masterBusArn(synth.config)).toMatch(/:event-bus\/config-monitor-test-bus$/);
  });

  it('archives the ONE pattern for replay', () => {
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: CONFIG_EVENT_PATTERN });
  });

  it('puts compliance changes into Kinesis keyed by $.detail.resourceId, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.config'], 'detail-type': ['Config Rules Compliance Change'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Stream'), 'Arn'] },
          KinesisParameters: { PartitionKeyPath: '$.detail.resourceId' },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamRedriveQueue'), 'Arn'] } },
        }),
      ],
    });
  });

  it('lets EventBridge write to the DLQ of every rule (only for that rule)', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) =>
      r.Properties.Targets.some((t: any) => t.DeadLetterConfig),
    );
    expect(rules.length).toBeGreaterThanOrEqual(STREAM_ROUTES.length + 1);
    for (const [ruleId, rule] of rules) {
      for (const target of rule.Properties.Targets) {
        const queueId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
        const policy = ofType('AWS::SQS::QueuePolicy').find(([, p]) =>
          p.Properties.Queues.some((q: any) => q.Ref === queueId),
        );
        const statements = policy?.[1].Properties.PolicyDocument.Statement ?? [];
        const allows = statements.some(
          (st: any) =>
            st.Effect === 'Allow' &&
            st.Principal?.Service === 'events.amazonaws.com' &&
            st.Action === 'sqs:SendMessage' &&
            [st.Condition?.ArnEquals?.['aws:SourceArn']]
              .flat()
              .some((arn: any) => arn?.['Fn::GetAtt']?.[0] === ruleId),
        );
        expect(allows, `${queueId} accepts dead letters of ${ruleId}`).toBe(true);
      }
    }
  });

  it('has one rule per stream route, each with a DLQ and a retry policy', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventBusName);
    expect(rules).toHaveLength(STREAM_ROUTES.length);
    for (const [, rule] of rules) {
      const [target] = rule.Properties.Targets;
      expect(target.DeadLetterConfig).toBeDefined();
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 });
    }
    const keys = rules.map(([, r]) => r.Properties.Targets[0].KinesisParameters?.PartitionKeyPath).sort();
    expect(keys).toEqual(STREAM_ROUTES.map((r) => r.partitionKeyPath).sort());
  });
});

describe('stream redrive (resource ids over 256 characters)', () => {
  it("drains the rules' dead-letter queue into the stream, with its own final DLQ", () => {
    const redriveQueues = ofType('AWS::SQS::Queue').filter(([id]) => id.startsWith('StreamRedriveQueue'));
    expect(redriveQueues).toHaveLength(1);
    const [queueId, queue] = redriveQueues[0]!;
    expect(queue.Properties).toMatchObject({
      VisibilityTimeout: 360,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^BusDeadLetters/), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 100,
    });
  });

  it('gives the redrive function the stream name and write access to the stream only', () => {
    const redriveFunctions = ofType('AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('StreamRedriveFunction'),
    );
    expect(redriveFunctions).toHaveLength(1);
    const [, fn] = redriveFunctions[0]!;
    expect(fn.Properties.Environment.Variables.STREAM_NAME).toEqual({
      Ref: expect.stringMatching(/^Stream/),
    });
    expect(fn.Properties.Timeout).toBe(60);
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecords', 'kinesis:PutRecord']));
    expect(actions.filter((a: string) => a.startsWith('kinesis:Get'))).toEqual([]);
  });
});

describe('stream and consumer', () => {
  it('is an on-demand, KMS-encrypted stream keeping records for the configured hours', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: {
        EncryptionType: 'KMS',
        KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
      },
      RetentionPeriodHours: 168,
    });
  });

  it('maps the stream to the consumer with partial batch responses, bisect, bounded retries and age', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Stream'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^ConsumerFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: CONSUMER_EVENT_SOURCE.retryAttempts,
      MaximumRecordAgeInSeconds: CONSUMER_EVENT_SOURCE.maxRecordAge.toSeconds(),
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 2,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsumerFailures'), 'Arn'] } },
      },
    });
    expect(CONSUMER_EVENT_SOURCE.retryAttempts).toBeLessThanOrEqual(10);
    expect(CONSUMER_EVENT_SOURCE.maxRecordAge.toHours()).toBeLessThan(synth.config.retention.streamHours);
  });

  it('gives the consumer the flapping threshold, by the names its config reads (4 changes in 24 h)', () => {
    const variables = propsOf(synth.master.consumer.function).Environment.Variables;
    expect(variables).toMatchObject({ [FLAPPING_ENV.maxChanges]: '4', [FLAPPING_ENV.windowHours]: '24' });
    expect(loadFlappingOptions(variables)).toEqual(FLAPPING_DEFAULTS);
  });

  it('gives the consumer the table names and the quarantine queue', () => {
    const props = propsOf(synth.master.consumer.function);
    expect(Object.keys(props.Environment.Variables)).toEqual(
      expect.arrayContaining([
        'EVENTS_TABLE_NAME',
        'STATE_TABLE_NAME',
        'OUTBOX_TABLE_NAME',
        'QUARANTINE_QUEUE_URL',
      ]),
    );
  });
});

describe('hot store', () => {
  it.each(TABLES.map((t) => [t.logicalName, t] as const))(
    'builds the %s table from its one definition',
    (_n, def) => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: tableName('config-monitor-test', def),
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        StreamSpecification: def.stream ? { StreamViewType: 'NEW_IMAGE' } : Match.absent(),
        GlobalSecondaryIndexes:
          def.indexes.length > 0
            ? def.indexes.map((i) =>
                Match.objectLike({
                  IndexName: i.indexName,
                  KeySchema: [
                    { AttributeName: i.partitionKey, KeyType: 'HASH' },
                    { AttributeName: i.sortKey, KeyType: 'RANGE' },
                  ],
                  // The same projection create-tables gives dynalite (test/unit/event-index-projection.test.ts).
                  Projection: indexProjection(def, i),
                }),
              )
            : Match.absent(),
      });
    },
  );

  it('projects into the events indexes only what GET /events reads, not ALL', () => {
    const [, table] = ofType('AWS::DynamoDB::Table').find(
      ([, t]) => t.Properties.TableName === tableName('config-monitor-test', EVENTS_TABLE),
    ) as [string, Resource];
    const projections = table.Properties.GlobalSecondaryIndexes.map((gsi: any) => gsi.Projection);
    expect(projections).toEqual([
      {
        ProjectionType: 'INCLUDE',
        NonKeyAttributes: expect.not.arrayContaining(['gsi1pk', 'gsi2pk', 'gsi2sk']),
      },
      { ProjectionType: 'INCLUDE', NonKeyAttributes: expect.arrayContaining(['gsi1sk', 'detail']) },
    ]);
  });

  it('keeps the tables when the stack is deleted (retainData)', () => {
    for (const [, table] of ofType('AWS::DynamoDB::Table')) {
      expect((table as any).DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe('alert delivery', () => {
  it('reserves no concurrency anywhere: it fails to deploy where the Lambda quota is under 101', () => {
    expect(propsOf(synth.master.notifier.function).ReservedConcurrentExecutions).toBeUndefined();
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const [, fn] of functions) expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('gives the notifier the webhook secret ARN, never the URL', () => {
    const props = propsOf(synth.master.notifier.function);
    expect(props.Environment.Variables).toMatchObject({
      OUTBOX_TABLE_NAME: expect.anything(),
      SLACK_WEBHOOK_SECRET_ARN: { Ref: expect.stringMatching(/^AlertsWebhookSecret/) },
      ALERT_DIGEST_THRESHOLD: '10',
      DASHBOARD_URL: 'https://dashboard.example.com',
    });
  });

  it('is woken by new alerts in the outbox (INSERTs of ALERT# items only) and by a one-minute schedule', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HotStoreOutbox'), 'StreamArn'] },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { pk: { S: [{ prefix: 'ALERT#' }] } } },
            }),
          },
        ],
      },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlertDeliveryFunction'), 'Arn'] },
        }),
      ],
    });
  });

  it('keeps both Slack webhook URLs in KMS-encrypted secrets', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.allResourcesProperties('AWS::SecretsManager::Secret', {
      Name: Match.stringLikeRegexp('^config-monitor/test/(alerts|report)$'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataKey'), 'Arn'] },
    });
  });
});

describe('archive', () => {
  it('delivers the stream to S3 as Parquet, partitioned by dt from the transformation Lambda', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      KinesisStreamSourceConfiguration: {
        KinesisStreamARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Stream'), 'Arn'] },
      },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'compliance_events/dt=!{partitionKeyFromLambda:dt}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: Match.anyValue() },
        BufferingHints: { IntervalInSeconds: 900, SizeInMBs: 128 },
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        ProcessingConfiguration: {
          Enabled: true,
          Processors: [
            Match.objectLike({
              Type: 'Lambda',
              Parameters: Match.arrayWith([
                {
                  ParameterName: 'LambdaArn',
                  ParameterValue: {
                    'Fn::GetAtt': [Match.stringLikeRegexp('^ArchiveTransformFunction'), 'Arn'],
                  },
                },
              ]),
            }),
          ],
        },
        DataFormatConversionConfiguration: {
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
          SchemaConfiguration: Match.objectLike({
            DatabaseName: 'config_monitor_test',
            TableName: 'compliance_events',
          }),
        },
      }),
    });
  });

  it('lets the transformation read event ids and put claim items in the events table, nothing else', () => {
    // Prepare
    const fn = synth.master.archive.transformFunction;
    const role = synth.master.getLogicalId(fn.executionRole?.node.defaultChild as CfnElement);
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const dynamo = statements.filter((st) =>
      [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')),
    );
    const eventsTableArn = { 'Fn::GetAtt': [expect.stringMatching(/^HotStoreEvents/), 'Arn'] };

    // Assess: the claim's reads and its conditional put, on the events table alone (no index).
    expect(propsOf(fn).Environment.Variables.EVENTS_TABLE_NAME).toEqual({
      Ref: expect.stringMatching(/^HotStoreEvents/),
    });
    expect(dynamo).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: eventsTableArn,
      }),
      expect.objectContaining({
        Action: 'dynamodb:PutItem',
        Resource: eventsTableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...CLAIM_ITEM_ATTRIBUTES] } },
      }),
    ]);
    expect(JSON.stringify(dynamo)).not.toMatch(/index|HotStore(State|Outbox|Mutes)/);
  });

  it('encrypts the archive with the key, blocks public access, enforces TLS and expires old data', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'compliance_events/', ExpirationInDays: 730, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'compliance_daily_state/', ExpirationInDays: 730 }),
          Match.objectLike({ Prefix: 'errors/', ExpirationInDays: 90 }),
        ]),
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'archive/' }),
    });
  });

  it('gives every bucket a policy that denies requests without TLS', () => {
    const buckets = ofType('AWS::S3::Bucket');
    const policies = ofType('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(buckets.length);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
    for (const [, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toBeDefined();
      expect(bucket.Properties.LifecycleConfiguration).toBeDefined();
    }
  });
});

describe('Glue and Athena', () => {
  it('generates the compliance_events columns from the one archive schema', () => {
    // Prepare
    const expected = COMPLIANCE_EVENT_COLUMNS.map((c) => ({
      Name: c.name,
      Type: c.type === 'timestamp' ? 'timestamp' : 'string',
      Comment: c.comment,
    }));

    // Act
    const [[, table]] = ofType('AWS::Glue::Table') as [[string, Resource]];
    const columns = table.Properties.TableInput.StorageDescriptor.Columns;

    // Assess
    expect(columns).toEqual(expected);
    expect(glueColumns(COMPLIANCE_EVENT_COLUMNS).map((c) => c.name)).toEqual(
      COMPLIANCE_EVENT_COLUMNS.map((c) => c.name),
    );
    // Who wrote a record, then the rule's severity, appended last: Firehose converts by the
    // table's LATEST version.
    expect(columns.slice(-3).map((c: { Name: string; Type: string }) => [c.Name, c.Type])).toEqual([
      ['source', 'string'],
      ['reconciliation', 'string'],
      ['severity', 'string'],
    ]);
    expect(table.Properties.TableInput.PartitionKeys).toEqual([
      { Name: PARTITION_COLUMN.name, Type: 'string', Comment: PARTITION_COLUMN.comment },
    ]);
  });

  it('projects the dt partitions over the archive retention (no crawler, no MSCK REPAIR)', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'config_monitor_test',
      TableInput: Match.objectLike({
        Name: 'compliance_events',
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': 'NOW-730DAYS,NOW+1DAYS',
          'storage.location.template': {
            'Fn::Join': [
              '',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's template placeholder, literally
              ['s3://', { Ref: Match.stringLikeRegexp('^BucketsArchive') }, '/compliance_events/dt=${dt}/'],
            ],
          },
        }),
        StorageDescriptor: Match.objectLike({
          SerdeInfo: Match.objectLike({
            SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
          }),
        }),
      }),
    });
  });

  it('defines the compliance_daily_state rollup from the same schema module, projected on dt under its own prefix', () => {
    // Act
    const table = ofType('AWS::Glue::Table').find(
      ([, r]) => r.Properties.TableInput.Name === 'compliance_daily_state',
    )?.[1];

    // Assess
    expect(table?.Properties.TableInput.StorageDescriptor.Columns).toEqual(
      COMPLIANCE_DAILY_STATE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    );
    expect(table?.Properties.TableInput.PartitionKeys).toEqual([
      { Name: PARTITION_COLUMN.name, Type: 'string', Comment: PARTITION_COLUMN.comment },
    ]);
    expect(table?.Properties.TableInput.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.range': 'NOW-730DAYS,NOW+1DAYS',
      'storage.location.template': {
        'Fn::Join': [
          '',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's template placeholder, literally
          ['s3://', { Ref: expect.stringMatching(/^BucketsArchive/) }, '/compliance_daily_state/dt=${dt}/'],
        ],
      },
    });
  });

  it('lets only the report write the rollup prefix (Athena INSERT INTO), never delete', () => {
    // Prepare
    const writers: string[] = [];
    const deleters: string[] = [];
    // Act
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions = ([] as string[]).concat(statement.Action);
        const text = JSON.stringify(statement.Resource);
        if (!text.includes('/compliance_daily_state/*')) continue;
        const roles = JSON.stringify(policy.Properties.Roles);
        if (actions.includes('s3:PutObject')) writers.push(roles);
        if (actions.some((a) => a.startsWith('s3:Delete'))) deleters.push(roles);
      }
    }
    // Assess
    expect(writers).toHaveLength(1);
    expect(writers[0]).toMatch(/Reporting/);
    expect(deleters).toEqual([]);
  });

  it('enforces the workgroup configuration: encrypted results and a bytes-scanned cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'config-monitor-test',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: synth.config.athena.bytesScannedCutoffPerQuery,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        }),
      }),
    });
  });

  it('deploys one named query per queries/*.sql file, with the file text as it is', () => {
    // Prepare
    const files = readdirSync(join(REPO_ROOT, 'queries')).filter((f) => f.endsWith('.sql'));
    const registry = loadSavedQueries();

    // Act
    const named = ofType('AWS::Athena::NamedQuery').map(([, r]) => r.Properties);

    // Assess
    expect(registry).toHaveLength(files.length);
    expect(named).toHaveLength(registry.length);
    for (const query of registry) {
      const deployed = named.find((n) => n.Name === query.name);
      expect(deployed?.QueryString).toBe(
        readFileSync(join(REPO_ROOT, 'queries', `${query.name}.sql`), 'utf8'),
      );
      expect(deployed).toMatchObject({
        Database: 'config_monitor_test',
        WorkGroup: { Ref: expect.any(String) },
      });
    }
  });
});

describe('API', () => {
  it('requires IAM (SigV4) authorization on every method and routes GET, and POST/DELETE of mutes only', () => {
    // The IAM API; the dashboard API (Cognito) is asserted in dashboard-hosting.test.ts.
    const methods = ofType('AWS::ApiGateway::Method').filter(([, m]) =>
      /^ApiRestApi/.test(m.Properties.RestApiId.Ref),
    );
    expect(methods.length).toBeGreaterThan(0);
    const resources = new Map(ofType('AWS::ApiGateway::Resource'));
    const mutations: string[] = [];
    for (const [, method] of methods) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
      if (method.Properties.HttpMethod === 'GET') continue;
      const resource = resources.get(method.Properties.ResourceId.Ref);
      mutations.push(`${method.Properties.HttpMethod} ${resource?.Properties.PathPart}`);
    }
    expect(mutations.sort()).toEqual(['DELETE {id}', 'POST mutes']);
  });

  it('lets the API function write the mutes table only, without deleting', () => {
    const statements = JSON.stringify(
      ofType('AWS::IAM::Policy')
        .filter(([id]) => /^ApiFunction/.test(id))
        .map(([, p]) => p.Properties.PolicyDocument.Statement),
    );
    expect(statements).not.toMatch(/dynamodb:(DeleteItem|BatchWriteItem)/);
    const writes = ofType('AWS::IAM::Policy')
      .filter(([id]) => /^ApiFunction/.test(id))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Action: string | string[] }) =>
        [st.Action].flat().some((a) => a === 'dynamodb:PutItem' || a === 'dynamodb:UpdateItem'),
      );
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0].Resource)).toMatch(/HotStoreMutes/);
    expect(JSON.stringify(writes[0].Resource)).not.toMatch(/HotStore(Events|State|Outbox)/);
    expect(propsOf(synth.master.api.function).Environment.Variables.MUTES_TABLE_NAME).toEqual({
      Ref: expect.stringMatching(/^HotStoreMutes/),
    }); // The notifier holds muted alerts back and finds the pairs still open at a mute's end.
    expect(propsOf(synth.master.notifier.function).Environment.Variables).toMatchObject({
      MUTES_TABLE_NAME: { Ref: expect.stringMatching(/^HotStoreMutes/) },
      STATE_TABLE_NAME: { Ref: expect.stringMatching(/^HotStoreState/) },
    });
  });

  it('throttles the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId"') },
      MethodSettings: [
        Match.objectLike({
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
      TracingEnabled: true,
    });
  });

  it('answers what API Gateway answers itself with a 5xx (a throttled function, a timeout) as a 503 with Retry-After', () => {
    for (const api of ofType('AWS::ApiGateway::RestApi').map(([id]) => id)) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        RestApiId: { Ref: api },
        ResponseType: 'DEFAULT_5XX',
        StatusCode: '503',
        ResponseParameters: Match.objectLike({ 'gatewayresponse.header.Retry-After': "'1'" }),
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"error":"overloaded"') },
      });
    }
  });

  it('gives the API Lambda the events table and the Athena workgroup it queries', () => {
    expect(propsOf(synth.master.api.function).Environment.Variables).toMatchObject({
      EVENTS_TABLE_NAME: { Ref: expect.stringMatching(/^HotStoreEvents/) },
      ATHENA_WORKGROUP: 'config-monitor-test',
      ATHENA_DATABASE: 'config_monitor_test',
    });
  });
});

describe('daily report', () => {
  it('runs the report Lambda on the configured EventBridge Scheduler schedule, with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportingFunction'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportFailures'), 'Arn'] } },
      }),
    });
  });

  it('sends the report to its own webhook secret', () => {
    expect(propsOf(synth.master.reporting.function).Environment.Variables.SLACK_WEBHOOK_SECRET_ARN).toEqual({
      Ref: expect.stringMatching(/^ReportWebhookSecret/),
    });
  });
});

describe('sync (reconciliation with the Config aggregator)', () => {
  it('creates an organization aggregator over all regions with the role AWS documents', () => {
    template.hasResourceProperties('AWS::Config::ConfigurationAggregator', {
      ConfigurationAggregatorName: 'config-monitor-test-organization',
      OrganizationAggregationSource: {
        AllAwsRegions: true,
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcilerAggregatorRole'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'config.amazonaws.com' } })],
      }),
    });
  });

  it('loops the reconciler step until it answers done, retrying failed steps, under a day', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, Resource]];
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('SyncStep');
    expect(definition).toContain('\\"Variable\\":\\"$.done\\"');
    expect(definition).toContain('States.ALL');
    expect(definition).toContain('"TimeoutSeconds\\":82800');
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
  });

  it('starts the loop on the configured schedule (daily, before the report) with retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 5 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Arn: { Ref: Match.stringLikeRegexp('^ReconcilerStateMachine') },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SyncFailures'), 'Arn'] } },
      }),
    });
  });

  it('starts one sync when the stack is created (the baseline), not on updates', () => {
    const [[, start]] = ofType('Custom::AWS') as [[string, Resource]];
    const create = JSON.stringify(start.Properties.Create);
    expect(create).toContain('startExecution');
    expect(start.Properties.Update).toBeUndefined();
  });

  it('gives the reconciler read access to the aggregator, write to the stream, and only the SYNC# items', () => {
    const variables = propsOf(synth.master.reconciler.function).Environment.Variables;
    expect(variables).toMatchObject({
      CONFIG_AGGREGATOR_NAME: 'config-monitor-test-organization',
      STREAM_NAME: { Ref: expect.stringMatching(/^Stream/) },
    });
    const role = synth.master.getLogicalId(
      synth.master.reconciler.function.executionRole.node.defaultChild as CfnElement,
    );
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(role))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const actions = statements.flatMap((st) => [st.Action].flat());
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: [...AGGREGATOR_READ_ACTIONS].sort(),
        Resource: {
          'Fn::GetAtt': [expect.stringMatching(/^ReconcilerAggregator/), 'ConfigurationAggregatorArn'],
        },
      }),
    );
    expect(actions).toContain('kinesis:PutRecords');
    expect(actions).toContain('dynamodb:Scan');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SYNC#latest', 'SYNC#checkpoint'] },
        },
      }),
    );
    // Never writes a state or an event itself: records go through the stream.
    expect(actions).not.toContain('dynamodb:BatchWriteItem');
  });

  it('alarms on a failed sync, on drift found and on failing aggregator sources', () => {
    for (const name of ['SyncFailed', 'SyncDriftFound', 'SyncSourcesFailed']) {
      const alarm = ofType('AWS::CloudWatch::Alarm').find(([id]) => id.startsWith(`Alarms${name}`));
      expect(alarm, name).toBeDefined();
      expect(alarm?.[1].Properties.Threshold).toBe(1);
    }
    const drift = JSON.stringify(
      ofType('AWS::CloudWatch::Alarm').find(([id]) => id.startsWith('AlarmsSyncDriftFound')),
    );
    expect(drift).toContain('ReconcileDriftViolations');
    expect(drift).toContain('ReconcileDriftResolutions');
  });

  it('reads a named aggregator instead of creating one, and can skip the run after deploy', () => {
    const named = synthesize(
      testConfigInput({ reconcile: { aggregatorName: 'existing-org', runAfterDeploy: false } }),
    );
    named.masterTemplate.resourceCountIs('AWS::Config::ConfigurationAggregator', 0);
    named.masterTemplate.resourceCountIs('Custom::AWS', 0);
    expect(
      (named.masterTemplate.toJSON().Resources as Record<string, Resource>)[
        named.master.getLogicalId(named.master.reconciler.function.node.defaultChild as CfnElement)
      ]?.Properties.Environment.Variables.CONFIG_AGGREGATOR_NAME,
    ).toBe('existing-org');
    expect(nagFindings(named.app)).toEqual([]);
  });
});

describe('Lambda functions', () => {
  it('run nodejs22.x on arm64 with the Powertools settings and the bundled queries/templates dirs', () => {
    // Ours, not the CDK's custom-resource provider (the after-deploy sync start) nor its
    // BucketDeployment handler (the dashboard's files).
    const functions = ofType('AWS::Lambda::Function').filter(
      ([id]) => !/^(AWS679f53fac002430cb0da5b7982bd2287|CustomCDKBucketDeployment)/.test(id),
    );
    expect(functions).toHaveLength(7);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        POWERTOOLS_METRICS_NAMESPACE: 'ConfigMonitor',
        QUERIES_DIR: BUNDLED_QUERIES_DIR,
        TEMPLATES_DIR: BUNDLED_TEMPLATES_DIR,
      });
    }
  });

  it.each([
    ['consumer', () => synth.master.consumer.function, loadConsumerConfig],
    ['notifier', () => synth.master.notifier.function, loadNotifierConfig],
    ['api', () => synth.master.api.function, loadApiConfig],
    ['report', () => synth.master.reporting.function, loadReportConfig],
    ['reconcile', () => synth.master.reconciler.function, loadReconcilerConfig],
    ['archive transform', () => synth.master.archive.transformFunction, loadArchiveTransformConfig],
  ] as const)('give the %s handler every variable its cold-start config requires', (_name, fn, load) => {
    // Prepare: CloudFormation references become placeholder values of the right shape.
    const variables = propsOf(fn()).Environment.Variables as Record<string, unknown>;
    const env = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [
        key,
        typeof value === 'string'
          ? value
          : key.endsWith('_URL')
            ? 'https://resolved.example/at-deploy'
            : key.endsWith('_ORIGINS')
              ? 'https://resolved.example'
              : 'resolved-at-deploy',
      ]),
    );

    // Act / Assess
    expect(() => load(env)).not.toThrow();
  });

  it('log to their own log group with the configured retention', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(90);
    }
  });

  it('send failed asynchronous invocations of the scheduled functions to a queue', () => {
    for (const name of ['AlertDelivery', 'Reporting']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^${name}Function`) },
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    }
  });
});

describe('IAM', () => {
  /** Actions AWS does not allow to scope to a resource. */
  const UNSCOPABLE = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'dynamodb:ListStreams',
    // Step Functions log delivery (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
  ]);

  it('grants "*" only for actions without resource-level permissions', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (![statement.Resource].flat().includes('*')) continue;
        for (const action of [statement.Action].flat())
          expect(UNSCOPABLE, `${id} grants ${action} on *`).toContain(action);
      }
    }
  });

  it('uses no managed policy except the API Gateway logging role, the organization aggregator role and the CDK BucketDeployment handler', () => {
    const withManaged = ofType('AWS::IAM::Role').filter(([, r]) => r.Properties.ManagedPolicyArns);
    expect(withManaged.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^ApiRestApiCloudWatchRole/),
      expect.stringMatching(/^CustomCDKBucketDeployment/),
      expect.stringMatching(/^ReconcilerAggregatorRole/),
    ]);
    // The one AWS documents for an organization aggregator.
    expect(JSON.stringify(resources[withManaged.find(([id]) => id.startsWith('Reconciler'))![0]])).toContain(
      'service-role/AWSConfigRoleForOrganizations',
    );
  });
});

describe('encryption', () => {
  it('rotates the customer-managed key and lets CloudWatch alarms use it for the topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('encrypts every queue and the alarm topic', () => {
    for (const [, queue] of ofType('AWS::SQS::Queue'))
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('alarms', () => {
  function alarm(id: string): Record<string, any> {
    return propsOf(synth.master.alarms.node.findChild(id));
  }

  it('alarms on consumer errors at 5 % of invocations over 5 minutes', () => {
    const props = alarm('ConsumerErrorRate');
    expect(props).toMatchObject({
      Threshold: ALARM_THRESHOLDS.consumerErrorRatePercent,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    const expression = props.Metrics.find((m: any) => m.Expression);
    expect(expression.Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
    for (const id of ['invocations', 'errors']) {
      expect(props.Metrics.find((m: any) => m.Id === id).MetricStat.Period).toBe(300);
    }
  });

  it('alarms on the consumer iterator age and on the stream iterator age', () => {
    expect(alarm('ConsumerIteratorAge')).toMatchObject({ MetricName: 'IteratorAge', Threshold: 300_000 });
    expect(alarm('StreamIteratorAge')).toMatchObject({
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Threshold: 168 * 3600 * 1000 * 0.5,
    });
  });

  it.each(['BusDeadLetters', 'ConsumerFailures', 'Quarantine', 'NotifierFailures', 'ReportFailures'])(
    'alarms at the first message in %s',
    (queue) => {
      expect(alarm(`${queue}Depth`)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    },
  );

  it('alarms on every dead-letter queue of the stack, at its first message', () => {
    // A queue is a dead-letter queue when a redrive policy, a rule target, an event source
    // mapping or an event invoke config sends failures to it.
    const text = JSON.stringify(template.toJSON().Resources, null, 0);
    const queueIds = ofType('AWS::SQS::Queue').map(([id]) => id);
    const dlqs = queueIds.filter(
      (id) =>
        ofType('AWS::SQS::Queue').some(
          ([, q]) => q.Properties?.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0] === id,
        ) ||
        new RegExp(
          `"(DeadLetterConfig|OnFailure|Destination)":\\{"(Arn|Destination)":\\{"Fn::GetAtt":\\["${id}"`,
        ).test(text),
    );
    expect(dlqs.length).toBeGreaterThanOrEqual(5);
    const depthAlarms = ofType('AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    for (const id of dlqs) {
      if (id.startsWith('StreamRedriveQueue')) continue; // a working queue, alarmed on age below
      const alarmOf = depthAlarms.find(([, a]) =>
        a.Properties.Dimensions.some((d: any) => d.Value?.['Fn::GetAtt']?.[0] === id),
      );
      expect(alarmOf, `${id} has a depth alarm`).toBeDefined();
      expect(alarmOf![1].Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms when a dead-lettered event waits 15 minutes for the stream redrive', () => {
    expect(alarm('StreamRedriveAge')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 900,
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [expect.stringMatching(/^StreamRedriveQueue/), 'QueueName'] },
        },
      ],
    });
  });

  it.each(['Consumer', 'Notifier', 'ArchiveTransform', 'Api'])(
    'alarms when %s p99 duration exceeds 10 s',
    (fn) => {
      expect(alarm(`${fn}DurationP99`)).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: 10_000,
        Period: 300,
      });
    },
  );

  it.each([
    ['FirehoseDeliveryToS3', 'DeliveryToS3.Success'],
    ['FirehoseProcessing', 'ExecuteProcessing.Success'],
    ['FirehoseConversion', 'FailedConversion.Records'],
    ['FirehoseFreshness', 'DeliveryToS3.DataFreshness'],
    ['FirehosePartitionCountExceeded', 'PartitionCountExceeded'],
  ])('alarms on Firehose delivery failures: %s', (id, metric) => {
    expect(alarm(id)).toMatchObject({ Namespace: 'AWS/Firehose', MetricName: metric });
  });

  it('alarms on notifier and report failures', () => {
    expect(alarm('NotifierErrors')).toMatchObject({ MetricName: 'Errors', Threshold: 1 });
    expect(alarm('ReportErrors')).toMatchObject({ MetricName: 'Errors', Threshold: 1 });
  });

  it('notifies the encrypted topic on alarm and on recovery, and treats no data as fine', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(20);
    for (const [, a] of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(a.Properties.OKActions).toEqual(a.Properties.AlarmActions);
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
    }
  });
});

describe('dashboard', () => {
  it('charts the application metrics, iterator age, Lambda, DLQ, Firehose and API widgets', () => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metric of APPLICATION_METRICS) expect(body).toContain(metric);
    for (const text of [
      'IteratorAge',
      'ApproximateNumberOfMessagesVisible',
      'DeliveryToS3.Success',
      'Duration',
      'Errors',
      'Latency',
    ]) {
      expect(body).toContain(text);
    }
  });
});

describe('agent StackSet', () => {
  it('is service-managed and deploys automatically to the OUs and regions', () => {
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cd34ef56'] },
          Regions: ['eu-west-1', 'eu-central-1'],
        },
      ],
    });
  });

  it('carries an agent template without bootstrap references, forwarding the ONE pattern', () => {
    const [[, stackSet]] = ofType('AWS::CloudFormation::StackSet') as [[string, Resource]];
    const body = JSON.parse(stackSet.Properties.TemplateBody);
    expect(body.Parameters?.BootstrapVersion).toBeUndefined();
    expect(body.Rules).toBeUndefined();
    const rule = Object.values<any>(body.Resources).find((r) => r.Type === 'AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual(CONFIG_EVENT_PATTERN);
    expect(rule.Properties.Targets[0].Arn).toBe(masterBusArn(synth.config));
    expect(stackSet.Properties.TemplateBody.length).toBeLessThan(51_200);
  });

  it('is created after the bus policy: EventBridge checks it when an agent creates its rule target', () => {
    const [[stackSetId, stackSet]] = ofType('AWS::CloudFormation::StackSet') as [[string, any]];
    const policyIds = ofType('AWS::Events::EventBusPolicy').map(([id]) => id);
    expect(policyIds).toHaveLength(1);
    expect(stackSet.DependsOn, stackSetId).toEqual(expect.arrayContaining(policyIds));
  });
});

describe('cdk-nag (AwsSolutions + Serverless)', () => {
  it('reports no unacknowledged finding on any stack', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });

  it('keeps the master template well under the 1 MB CloudFormation limit (written without indentation)', () => {
    // 748 KB with cdk.json's configuration on 2026-12-03; the limit is 1,000,000 bytes.
    expect(JSON.stringify(template.toJSON()).length).toBeLessThan(800_000);
  });

  it('leaves no CDK warning or error annotation on any stack', () => {
    for (const stack of [synth.master, ...synth.agents]) {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    }
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledged = synth.app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/^(Annotation::)?(AwsSolutions|Serverless)-/i);
      expect(reason.length, id).toBeGreaterThanOrEqual(60);
    }
  });
});
