import { type CfnResource, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import {
  type ArchiveColumn,
  COMPLIANCE_DAILY_STATE_COLUMNS,
  COMPLIANCE_DAILY_STATE_TABLE,
  COMPLIANCE_EVENT_COLUMNS,
  COMPLIANCE_EVENTS_TABLE,
  COMPLIANCE_KEY_STATE_COLUMNS,
  COMPLIANCE_KEY_STATE_TABLE,
  PARTITION_COLUMN,
} from '../../src/domain/archive-schema.js';
import { acknowledge, arnWildcardFinding } from '../nag.js';
import { ARCHIVE_TABLE_PREFIX } from './archive.js';

/** Prefix of the results bucket the workgroup writes query results under. */
export const ATHENA_RESULTS_PREFIX = 'results/';

/** Prefix of the archive bucket holding the `compliance_daily_state` rollup (Athena INSERT INTO writes it). */
export const DAILY_STATE_TABLE_PREFIX = `${COMPLIANCE_DAILY_STATE_TABLE}/`;
export const KEY_STATE_TABLE_PREFIX = `${COMPLIANCE_KEY_STATE_TABLE}/`;

/** Glue (Hive) type of each archive column type. */
export const GLUE_COLUMN_TYPES: Readonly<Record<ArchiveColumn['type'], string>> = {
  string: 'string',
  timestamp: 'timestamp',
  bigint: 'bigint',
};

/** Glue columns of `compliance_events`, generated from the one archive schema. */
export function glueColumns(columns: readonly ArchiveColumn[]): glue.CfnTable.ColumnProperty[] {
  return columns.map((c) => ({
    name: c.name,
    type: GLUE_COLUMN_TYPES[c.type],
    comment: c.comment.slice(0, 255),
  }));
}

/** What the archive needs of the Glue table for Parquet conversion (a construct, to depend on). */
export interface ArchiveTable extends IConstruct {
  readonly databaseName: string;
  readonly tableName: string;
  /** Lets Firehose read the table schema (glue:GetTable*). */
  grantSchemaRead(grantee: iam.IGrantable): void;
}

/** A saved query as the registry (src/queries/saved-queries.ts) reads it from `queries/<name>.sql`. */
export interface SavedQueryDefinition {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

export interface AnalyticsProps {
  /** Glue database (lowercase letters, digits, underscores). */
  readonly databaseName: string;
  readonly workGroupName: string;
  readonly archiveBucket: s3.IBucket;
  readonly resultsBucket: s3.IBucket;
  /** Encrypts query results (SSE-KMS). */
  readonly encryptionKey: kms.IKey;
  /** Days of partitions the projection covers (the archive retention). */
  readonly archiveDays: number;
  /** Bytes one query may scan before Athena cancels it. */
  readonly bytesScannedCutoffPerQuery: number;
  /** One Athena named query is deployed per entry. */
  readonly savedQueries: readonly SavedQueryDefinition[];
  /**
   * @default COMPLIANCE_EVENT_COLUMNS from src/domain/archive-schema.ts (the one archive schema)
   */
  readonly columns?: readonly ArchiveColumn[];
}

/**
 * The query side of the archive: the Glue database and `compliance_events` table (columns from the
 * archive schema, partition projection on `dt` so no crawler or MSCK REPAIR is needed), an Athena
 * workgroup whose settings callers cannot override, and one named query per saved `.sql` file.
 */
export class Analytics extends Construct implements ArchiveTable {
  readonly database: glue.CfnDatabase;
  readonly table: glue.CfnTable;
  /** `compliance_daily_state`: the daily rollup the report builds and reads (see src/use-cases/daily-state.ts). */
  readonly dailyStateTable: glue.CfnTable;
  /** `compliance_key_state`: the per-key state each day's rollup is built from. */
  readonly keyStateTable: glue.CfnTable;
  readonly workGroup: athena.CfnWorkGroup;
  readonly namedQueries: readonly athena.CfnNamedQuery[];
  readonly databaseName: string;
  readonly tableName = COMPLIANCE_EVENTS_TABLE;
  readonly workGroupName: string;
  private readonly archiveBucket: s3.IBucket;
  private readonly resultsBucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: AnalyticsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = props.databaseName;
    this.workGroupName = props.workGroupName;
    this.archiveBucket = props.archiveBucket;
    this.resultsBucket = props.resultsBucket;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: props.databaseName,
        description: 'config-monitor archive of AWS Config compliance events',
      },
    });

    this.table = this.parquetTable('ComplianceEvents', {
      name: COMPLIANCE_EVENTS_TABLE,
      description: 'One row per Config rule compliance change (Parquet written by Firehose)',
      prefix: ARCHIVE_TABLE_PREFIX,
      columns: props.columns ?? COMPLIANCE_EVENT_COLUMNS,
      archiveDays: props.archiveDays,
      databaseName: props.databaseName,
    });
    this.dailyStateTable = this.parquetTable('ComplianceDailyState', {
      name: COMPLIANCE_DAILY_STATE_TABLE,
      description:
        'Latest-state counts at the end of each day dt (Athena INSERT INTO from the saved query daily_state); read the greatest built_at per dt',
      prefix: DAILY_STATE_TABLE_PREFIX,
      columns: COMPLIANCE_DAILY_STATE_COLUMNS,
      archiveDays: props.archiveDays,
      databaseName: props.databaseName,
    });
    this.keyStateTable = this.parquetTable('ComplianceKeyState', {
      name: COMPLIANCE_KEY_STATE_TABLE,
      description:
        'Latest evaluation per (account, region, rule, resource) at the end of each day dt (Athena INSERT INTO from the saved query key_state); read the greatest complete built_at per dt',
      prefix: KEY_STATE_TABLE_PREFIX,
      columns: COMPLIANCE_KEY_STATE_COLUMNS,
      archiveDays: props.archiveDays,
      databaseName: props.databaseName,
    });
    this.table.node.addDependency(this.database);
    this.dailyStateTable.node.addDependency(this.database);
    this.keyStateTable.node.addDependency(this.database);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'config-monitor saved queries, API and daily report',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // Clients (the API, the report, analysts) cannot pick another result location,
        // drop the encryption or lift the scan limit.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          expectedBucketOwner: stack.account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn },
        },
      },
    });

    this.namedQueries = props.savedQueries.map((query) => {
      const named = new athena.CfnNamedQuery(this, `Query-${query.name}`, {
        name: query.name,
        description: query.description.slice(0, 1024),
        database: props.databaseName,
        queryString: query.sql,
        workGroup: this.workGroup.ref,
      });
      named.node.addDependency(this.database);
      return named;
    });
  }

  /**
   * A Glue table over Hive-partitioned Parquet under `prefix` of the archive bucket, with partition
   * projection on `dt`: Athena computes the partitions from the range instead of reading them from
   * the catalog, so new days are queryable (and writable by INSERT INTO, which writes under the
   * projected `storage.location.template`) without a crawler or MSCK REPAIR.
   */
  private parquetTable(
    id: string,
    table: {
      readonly name: string;
      readonly description: string;
      readonly prefix: string;
      readonly columns: readonly ArchiveColumn[];
      readonly archiveDays: number;
      readonly databaseName: string;
    },
  ): glue.CfnTable {
    const location = `s3://${this.archiveBucket.bucketName}/${table.prefix}`;
    return new glue.CfnTable(this, id, {
      catalogId: Stack.of(this).account,
      databaseName: table.databaseName,
      tableInput: {
        name: table.name,
        description: table.description,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          { name: PARTITION_COLUMN.name, type: PARTITION_COLUMN.type, comment: PARTITION_COLUMN.comment },
        ],
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${table.archiveDays}DAYS,NOW+1DAYS`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        storageDescriptor: {
          location,
          columns: glueColumns(table.columns),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            parameters: { 'serialization.format': '1' },
          },
          compressed: false,
          storedAsSubDirectories: false,
        },
      },
    });
  }

  /** ARNs of the Glue catalog, database and tables, as IAM resources. */
  private glueArns(
    tables: readonly string[] = [this.tableName, COMPLIANCE_DAILY_STATE_TABLE, COMPLIANCE_KEY_STATE_TABLE],
  ): string[] {
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'glue', resource });
    return [
      arn('catalog'),
      `${arn('database')}/${this.databaseName}`,
      ...tables.map((table) => `${arn('table')}/${this.databaseName}/${table}`),
    ];
  }

  grantSchemaRead(grantee: iam.IGrantable): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      resourceArns: this.glueArns([this.tableName]),
    });
  }

  /**
   * Lets a principal run queries in the workgroup: Athena on the workgroup, Glue read on the table,
   * S3 read on the archive and read/write on the results (with their KMS key grants).
   */
  grantQuery(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
        'athena:GetNamedQuery',
        'athena:ListNamedQueries',
      ],
      resourceArns: [
        stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName }),
      ],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
      ],
      resourceArns: this.glueArns(),
    });
    this.archiveBucket.grantRead(grantee, `${ARCHIVE_TABLE_PREFIX}*`);
    this.archiveBucket.grantRead(grantee, `${DAILY_STATE_TABLE_PREFIX}*`);
    this.archiveBucket.grantRead(grantee, `${KEY_STATE_TABLE_PREFIX}*`);
    // Athena writes results with the caller's permissions; reading them back needs read. No delete.
    this.resultsBucket.grantRead(grantee, `${ATHENA_RESULTS_PREFIX}*`);
    this.resultsBucket.grantPut(grantee, `${ATHENA_RESULTS_PREFIX}*`);
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) {
      acknowledge(
        principal,
        arnWildcardFinding(this.archiveBucket.node.defaultChild as CfnResource, `/${ARCHIVE_TABLE_PREFIX}*`),
        'Athena reads every Parquet object of the compliance_events table; the grant is limited to the table prefix of the archive bucket.',
      );
      acknowledge(
        principal,
        arnWildcardFinding(
          this.archiveBucket.node.defaultChild as CfnResource,
          `/${DAILY_STATE_TABLE_PREFIX}*`,
        ),
        'Athena reads every Parquet object of the compliance_daily_state rollup; the grant is limited to the table prefix of the archive bucket.',
      );
      acknowledge(
        principal,
        arnWildcardFinding(
          this.archiveBucket.node.defaultChild as CfnResource,
          `/${KEY_STATE_TABLE_PREFIX}*`,
        ),
        'Athena reads every Parquet object of the compliance_key_state rollup; the grant is limited to the table prefix of the archive bucket.',
      );
      acknowledge(
        principal,
        arnWildcardFinding(this.resultsBucket.node.defaultChild as CfnResource, `/${ATHENA_RESULTS_PREFIX}*`),
        'Athena writes and reads query results under the results/ prefix with object names it generates; the grant is limited to that prefix.',
      );
    }
  }

  /**
   * Lets a principal (the report) build `compliance_daily_state` with Athena INSERT INTO: on top of
   * {@link grantQuery}, S3 put (with the bucket key's encrypt) under the rollup prefix only, and
   * Glue partition writes on that one table (Athena registers partitions it writes when the table
   * is not projected; with projection it reads the location from the template). No delete: builds
   * are appended and readers take the latest.
   */
  grantDailyStateBuild(grantee: iam.IGrantable): void {
    this.grantQuery(grantee);
    this.archiveBucket.grantPut(grantee, `${DAILY_STATE_TABLE_PREFIX}*`);
    this.archiveBucket.grantPut(grantee, `${KEY_STATE_TABLE_PREFIX}*`);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:BatchCreatePartition', 'glue:CreatePartition', 'glue:UpdatePartition'],
      resourceArns: this.glueArns([COMPLIANCE_DAILY_STATE_TABLE, COMPLIANCE_KEY_STATE_TABLE]),
    });
  }
}
