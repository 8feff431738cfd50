import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  indexProjection,
  TABLES,
  type TableDefinition,
  tableName,
} from '../../src/adapters/dynamodb/table-definitions.js';

export type LogicalTableName = TableDefinition['logicalName'];

export interface HotStoreProps {
  /** Physical names are `<prefix>-<logical name>`, as the Lambda handlers expect. */
  readonly tablePrefix: string;
  readonly encryptionKey: kms.IKey;
  /** RETAIN keeps the tables (and turns on deletion protection) when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * The table definitions to build.
   * @default TABLES from src/adapters/dynamodb/table-definitions.ts (the one definition)
   */
  readonly definitions?: readonly TableDefinition[];
}

/**
 * The DynamoDB hot store, built from the same definitions the embedded stack creates on dynalite:
 * on-demand, customer-managed KMS key, point-in-time recovery, TTL on the expiry attribute, and a
 * new-image stream where the definition asks for one (the alert outbox feeds the notifier).
 */
export class HotStore extends Construct {
  readonly tables: Readonly<Record<LogicalTableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: HotStoreProps) {
    super(scope, id);
    const tables: Partial<Record<LogicalTableName, dynamodb.Table>> = {};
    for (const definition of props.definitions ?? TABLES) {
      const table = new dynamodb.Table(this, pascalCase(definition.logicalName), {
        tableName: tableName(props.tablePrefix, definition),
        partitionKey: { name: definition.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: definition.sortKey
          ? { name: definition.sortKey, type: dynamodb.AttributeType.STRING }
          : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.encryptionKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        timeToLiveAttribute: definition.ttlAttribute,
        stream: definition.stream ? dynamodb.StreamViewType.NEW_IMAGE : undefined,
        removalPolicy: props.removalPolicy,
        deletionProtection: props.removalPolicy === 'retain',
      });
      for (const index of definition.indexes) {
        const projection = indexProjection(definition, index);
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
          ...(projection.ProjectionType === 'ALL'
            ? { projectionType: dynamodb.ProjectionType.ALL }
            : {
                projectionType: dynamodb.ProjectionType.INCLUDE,
                nonKeyAttributes: [...projection.NonKeyAttributes],
              }),
        });
      }
      tables[definition.logicalName] = table;
    }
    this.tables = tables as Record<LogicalTableName, dynamodb.Table>;
  }

  /** The table of a logical name; throws when the definitions did not include it. */
  table(name: LogicalTableName): dynamodb.Table {
    const table = this.tables[name];
    if (!table)
      throw new Error(
        `HotStore has no "${name}" table; its definitions are ${Object.keys(this.tables).join(', ')}`,
      );
    return table;
  }
}

function pascalCase(name: string): string {
  return name.replace(/(^|[-_])([a-z])/g, (_m, _sep, c: string) => c.toUpperCase());
}
