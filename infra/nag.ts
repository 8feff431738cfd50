/**
 * cdk-nag wiring: the AwsSolutions and Serverless packs run as CDK validation plugins, so any
 * finding that is not acknowledged with a reason fails `cdk synth`. Acknowledgements are written to
 * the templates' Metadata (`cdk_nag.rules_to_suppress`) as an audit trail.
 */
import { type CfnResource, DefaultStackSynthesizer, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Registers both packs on an app or stage; every stack under it is checked at synth. */
export function addNagPacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new ServerlessChecks(scope, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
}

/** Acknowledges one nag finding on a construct (and its children) with the reason it is accepted. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The `Resource::<LogicalId.Arn><suffix>` finding text cdk-nag reports for a wildcard under a
 * resource ARN (for example a table's `/index/*`), so it can be acknowledged exactly.
 */
export function arnWildcardFinding(resource: CfnResource, suffix: string, attribute = 'Arn'): string {
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).getLogicalId(resource)}.${attribute}>${suffix}]`;
}

/**
 * The finding cdk-nag reports for a grant on every object of the stack's CDK file-asset bucket
 * (`cdk-<qualifier>-assets-<account>-<region>/*`), which CDK constructs that copy assets (such as
 * BucketDeployment) read from.
 */
export function fileAssetsWildcardFinding(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const synthesizer = stack.synthesizer;
  const qualifier =
    (synthesizer instanceof DefaultStackSynthesizer ? synthesizer.bootstrapQualifier : undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  const bucket = `cdk-${qualifier}-assets-${shown(stack.account, 'AccountId')}-${shown(stack.region, 'Region')}`;
  return `AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'Partition')}:s3:::${bucket}/*]`;
}

/**
 * Acknowledges the `<table>/index/*` wildcard that DynamoDB grants add: it names the global
 * secondary indexes of that one table, which the function queries.
 */
export function acknowledgeTableIndexes(role: IConstruct, tables: readonly ITable[]): void {
  for (const table of tables) {
    acknowledge(
      role,
      arnWildcardFinding(table.node.defaultChild as CfnResource, '/index/*'),
      'DynamoDB grants cover the global secondary indexes of this one table (<table ARN>/index/*), which the handler queries; no other table is reachable.',
    );
  }
}
