/**
 * {@link ConfigComplianceSource} on an AWS Config aggregator, with the SDK's adaptive retry
 * (Config's read APIs throttle at a few calls a second; `ThrottlingException` is retried with
 * client-side rate limiting, https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 * Every list is paged to its end: a page may be empty and still carry a `NextToken`.
 * - rules: DescribeAggregateComplianceByConfigRules (omits rules that have no results),
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeAggregateComplianceByConfigRules.html
 * - results: GetAggregateComplianceDetailsByConfigRule, `Limit` 100 (its maximum); COMPLIANT and
 *   NON_COMPLIANT only,
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_GetAggregateComplianceDetailsByConfigRule.html
 * - sources: DescribeConfigurationAggregatorSourcesStatus,
 *   https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationAggregatorSourcesStatus.html
 *   (an organization source, SourceType ORGANIZATION, stands for every account of its region: its
 *   account is `*`).
 */
import {
  ConfigServiceClient,
  type ConfigServiceClientConfig,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigurationAggregatorSourcesStatusCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import type { ComplianceType } from '../../domain/config-event.js';
import type {
  ComplianceResult,
  ComplianceSourceStatus,
  ConfigComplianceSource,
  RuleScope,
} from '../../ports/config-compliance.js';

/** A client for the aggregator: the standard credential chain, region and endpoint settings. */
export function createConfigServiceClient(config: ConfigServiceClientConfig = {}): ConfigServiceClient {
  return new ConfigServiceClient({ retryMode: 'adaptive', maxAttempts: 10, ...config });
}

const iso = (value: Date | undefined): string | null => (value ? value.toISOString() : null);

export class AggregatorComplianceSource implements ConfigComplianceSource {
  constructor(
    private readonly client: ConfigServiceClient,
    readonly aggregatorName: string,
  ) {}

  async sources(): Promise<readonly ComplianceSourceStatus[]> {
    const out: ComplianceSourceStatus[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeConfigurationAggregatorSourcesStatusCommand({
          ConfigurationAggregatorName: this.aggregatorName,
          NextToken: token,
        }),
      );
      for (const s of page.AggregatedSourceStatusList ?? []) {
        const error = [s.LastErrorCode, s.LastErrorMessage].filter(Boolean).join(': ');
        out.push({
          account: s.SourceType === 'ORGANIZATION' ? '*' : String(s.SourceId),
          region: String(s.AwsRegion),
          status: (s.LastUpdateStatus ?? 'OUTDATED') as ComplianceSourceStatus['status'],
          lastUpdateTime: iso(s.LastUpdateTime),
          error: error || null,
        });
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  async rules(): Promise<readonly RuleScope[]> {
    const out: RuleScope[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeAggregateComplianceByConfigRulesCommand({
          ConfigurationAggregatorName: this.aggregatorName,
          NextToken: token,
        }),
      );
      for (const r of page.AggregateComplianceByConfigRules ?? []) {
        if (r.ConfigRuleName && r.AccountId && r.AwsRegion) {
          out.push({ ruleName: r.ConfigRuleName, account: r.AccountId, region: r.AwsRegion });
        }
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  async *results(scope: RuleScope): AsyncIterable<ComplianceResult> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new GetAggregateComplianceDetailsByConfigRuleCommand({
          ConfigurationAggregatorName: this.aggregatorName,
          ConfigRuleName: scope.ruleName,
          AccountId: scope.account,
          AwsRegion: scope.region,
          Limit: 100,
          NextToken: token,
        }),
      );
      for (const r of page.AggregateEvaluationResults ?? []) {
        const id = r.EvaluationResultIdentifier;
        const qualifier = id?.EvaluationResultQualifier;
        if (!qualifier?.ResourceType || !qualifier.ResourceId || !id?.OrderingTimestamp || !r.ComplianceType)
          continue;
        const recorded = r.ResultRecordedTime ?? id.OrderingTimestamp;
        yield {
          account: r.AccountId ?? scope.account,
          region: r.AwsRegion ?? scope.region,
          ruleName: qualifier.ConfigRuleName ?? scope.ruleName,
          resourceType: qualifier.ResourceType,
          resourceId: qualifier.ResourceId,
          complianceType: r.ComplianceType as ComplianceType,
          orderingTimestamp: id.OrderingTimestamp.toISOString(),
          recordedTime: recorded.toISOString(),
          annotation: r.Annotation?.trim() || null,
        };
      }
      token = page.NextToken || undefined;
    } while (token);
  }
}
