import {
  type AggregateEvaluationResult,
  ConfigServiceClient,
  type ConfigServiceClientConfig,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigurationAggregatorSourcesStatusCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  type GetAggregateComplianceDetailsByConfigRuleCommandInput,
  InvalidLimitException,
  InvalidNextTokenException,
  NoSuchConfigurationAggregatorException,
  ValidationException,
} from '@aws-sdk/client-config-service';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  type ConfigAggregatorStandInOptions,
  type StandInResult,
  type StandInSource,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';

const AGGREGATOR = 'org-aggregator';
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
const REGION = 'eu-west-1';
const RULE = 's3-bucket-public-read-prohibited';

const standIns: ConfigAggregatorStandIn[] = [];
const clients: ConfigServiceClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function start(
  options: Partial<ConfigAggregatorStandInOptions> = {},
): Promise<{ standIn: ConfigAggregatorStandIn; client: ConfigServiceClient }> {
  const standIn = await startConfigAggregatorStandIn({
    aggregatorName: AGGREGATOR,
    results: [],
    sources: [],
    ...options,
  });
  standIns.push(standIn);
  return { standIn, client: clientFor(standIn) };
}

function clientFor(standIn: ConfigAggregatorStandIn, extra: Partial<ConfigServiceClientConfig> = {}) {
  const client = new ConfigServiceClient({
    endpoint: standIn.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...extra,
  });
  clients.push(client);
  return client;
}

function result(i: number, overrides: Partial<StandInResult> = {}): StandInResult {
  const ms = Date.UTC(2024, 4, 1, 12, 0, 0) + i * 1_001; // distinct, with milliseconds
  return {
    account: ACCOUNT_A,
    region: REGION,
    ruleName: RULE,
    resourceType: 'AWS::S3::Bucket',
    resourceId: `bucket-${String(i).padStart(4, '0')}`,
    complianceType: i % 3 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT',
    orderingTimestamp: new Date(ms).toISOString(),
    resultRecordedTime: new Date(ms + 500).toISOString(),
    configRuleInvokedTime: new Date(ms - 250).toISOString(),
    annotation: `annotation ${i}`,
    ...overrides,
  };
}

const detailsInput = (
  extra: Partial<GetAggregateComplianceDetailsByConfigRuleCommandInput> = {},
): GetAggregateComplianceDetailsByConfigRuleCommandInput => ({
  ConfigurationAggregatorName: AGGREGATOR,
  ConfigRuleName: RULE,
  AccountId: ACCOUNT_A,
  AwsRegion: REGION,
  ...extra,
});

/** Pages through GetAggregateComplianceDetailsByConfigRule, returning every page. */
async function allDetailPages(
  client: ConfigServiceClient,
  input: GetAggregateComplianceDetailsByConfigRuleCommandInput,
): Promise<{ results: AggregateEvaluationResult[]; token?: string }[]> {
  const pages: { results: AggregateEvaluationResult[]; token?: string }[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(
      new GetAggregateComplianceDetailsByConfigRuleCommand({ ...input, NextToken: token }),
    );
    token = out.NextToken;
    pages.push({ results: out.AggregateEvaluationResults ?? [], ...(token ? { token } : {}) });
    if (pages.length > 100) throw new Error('paging did not terminate');
  } while (token);
  return pages;
}

const ids = (pages: { results: AggregateEvaluationResult[] }[]) =>
  pages.flatMap((p) =>
    p.results.map((r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId),
  );

describe('config aggregator stand-in', () => {
  it('binds 127.0.0.1 on a random port', async () => {
    const { standIn } = await start();
    const url = new URL(standIn.endpoint);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    const res = await fetch(standIn.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'StarlingDoveService.DescribeConfigRules',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('pages 250 results with Limit 100: all returned exactly once, in a stable order', async () => {
    const data = Array.from({ length: 250 }, (_, i) => result(i));
    const { client, standIn } = await start({ results: [...data].reverse() });
    const pages = await allDetailPages(client, detailsInput({ Limit: 100 }));
    expect(pages.map((p) => p.results.length)).toEqual([100, 100, 50]);
    const got = ids(pages);
    expect(got).toEqual(data.map((r) => r.resourceId)); // sorted by resource, each once
    expect(new Set(got).size).toBe(250);
    expect(standIn.requests().map((r) => r.operation)).toEqual(
      Array(3).fill('GetAggregateComplianceDetailsByConfigRule'),
    );
    expect(standIn.requests()[1]?.body).toMatchObject({ Limit: 100, NextToken: pages[0]?.token });

    // Default page size is 50; Limit above 100 is rejected; ComplianceType filters.
    const first = await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    expect(first.AggregateEvaluationResults).toHaveLength(50);
    await expect(
      client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput({ Limit: 101 }))),
    ).rejects.toBeInstanceOf(InvalidLimitException);
    const nonCompliant = await allDetailPages(client, detailsInput({ ComplianceType: 'NON_COMPLIANT' }));
    expect(ids(nonCompliant)).toHaveLength(84);
  });

  it('empty pages carry a NextToken and paging continues through them', async () => {
    const data = Array.from({ length: 250 }, (_, i) => result(i));
    const { client } = await start({ results: data, emptyPageEvery: 2 });
    const pages = await allDetailPages(client, detailsInput({ Limit: 100 }));
    expect(pages.map((p) => p.results.length)).toEqual([100, 0, 100, 0, 50]);
    for (const p of pages.slice(0, -1)) expect(p.token).toBeTruthy();
    expect(pages.at(-1)?.token).toBeUndefined();
    expect(ids(pages)).toEqual(data.map((r) => r.resourceId));
  });

  it('rejects a NextToken that is forged or replayed with other parameters', async () => {
    const { client } = await start({ results: Array.from({ length: 120 }, (_, i) => result(i)) });
    const out = await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    expect(out.NextToken).toBeTruthy();
    await expect(
      client.send(
        new GetAggregateComplianceDetailsByConfigRuleCommand(
          detailsInput({ NextToken: out.NextToken, ComplianceType: 'COMPLIANT' }),
        ),
      ),
    ).rejects.toBeInstanceOf(InvalidNextTokenException);
    await expect(
      client.send(
        new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput({ NextToken: 'garbage' })),
      ),
    ).rejects.toBeInstanceOf(InvalidNextTokenException);
  });

  it('never returns NOT_APPLICABLE / INSUFFICIENT_DATA and omits rules without results', async () => {
    const data: StandInResult[] = [
      result(1, { complianceType: 'COMPLIANT' }),
      result(2, { complianceType: 'NOT_APPLICABLE' }),
      result(3, { complianceType: 'INSUFFICIENT_DATA' }),
      result(4, { complianceType: 'NON_COMPLIANT' }),
      // A rule with only NOT_APPLICABLE results: no compliance results, so omitted.
      result(5, { ruleName: 'only-not-applicable', complianceType: 'NOT_APPLICABLE' }),
      // Account B: only COMPLIANT.
      result(6, { account: ACCOUNT_B, complianceType: 'COMPLIANT' }),
    ];
    const { client } = await start({
      results: data,
      rulesWithoutResults: [{ account: ACCOUNT_A, region: REGION, ruleName: 'deployed-but-silent' }],
    });
    const pages = await allDetailPages(client, detailsInput());
    expect(pages.flatMap((p) => p.results.map((r) => r.ComplianceType))).toEqual([
      'COMPLIANT',
      'NON_COMPLIANT',
    ]);

    for (const unsupported of ['NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const) {
      await expect(
        client.send(
          new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput({ ComplianceType: unsupported })),
        ),
      ).rejects.toBeInstanceOf(ValidationException);
    }
    const silent = await client.send(
      new GetAggregateComplianceDetailsByConfigRuleCommand(
        detailsInput({ ConfigRuleName: 'deployed-but-silent' }),
      ),
    );
    expect(silent.AggregateEvaluationResults).toEqual([]);

    const rules = await client.send(
      new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: AGGREGATOR }),
    );
    expect(rules.NextToken).toBeUndefined();
    expect(rules.AggregateComplianceByConfigRules).toEqual([
      {
        ConfigRuleName: RULE,
        Compliance: {
          ComplianceType: 'NON_COMPLIANT',
          ComplianceContributorCount: { CappedCount: 1, CapExceeded: false },
        },
        AccountId: ACCOUNT_A,
        AwsRegion: REGION,
      },
      {
        ConfigRuleName: RULE,
        Compliance: { ComplianceType: 'COMPLIANT' },
        AccountId: ACCOUNT_B,
        AwsRegion: REGION,
      },
    ]);
    const filtered = await client.send(
      new DescribeAggregateComplianceByConfigRulesCommand({
        ConfigurationAggregatorName: AGGREGATOR,
        Filters: { ComplianceType: 'COMPLIANT' },
      }),
    );
    expect(filtered.AggregateComplianceByConfigRules?.map((r) => r.AccountId)).toEqual([ACCOUNT_B]);
    await expect(
      client.send(
        new DescribeAggregateComplianceByConfigRulesCommand({
          ConfigurationAggregatorName: AGGREGATOR,
          Limit: 1001,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidLimitException);
  });

  it('pages DescribeAggregateComplianceByConfigRules through empty pages', async () => {
    const data = Array.from({ length: 30 }, (_, i) =>
      result(i, { ruleName: `rule-${String(i).padStart(2, '0')}`, complianceType: 'NON_COMPLIANT' }),
    );
    const { client } = await start({ results: data, emptyPageEvery: 3 });
    const names: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(
        new DescribeAggregateComplianceByConfigRulesCommand({
          ConfigurationAggregatorName: AGGREGATOR,
          Limit: 10,
          NextToken: token,
        }),
      );
      sizes.push(out.AggregateComplianceByConfigRules?.length ?? 0);
      names.push(...(out.AggregateComplianceByConfigRules ?? []).map((r) => r.ConfigRuleName ?? ''));
      token = out.NextToken;
    } while (token);
    expect(sizes).toEqual([10, 10, 0, 10]);
    expect(names).toEqual(data.map((r) => r.ruleName));
  });

  it('retries a throttled request with the default retry strategy', async () => {
    const data = Array.from({ length: 250 }, (_, i) => result(i));
    const { client, standIn } = await start({ results: data, throttleEvery: 3 });
    const pages = await allDetailPages(client, detailsInput({ Limit: 100 }));
    expect(ids(pages)).toEqual(data.map((r) => r.resourceId));
    const log = standIn.requests();
    expect(log.filter((r) => r.throttled)).toHaveLength(1); // the 3rd request, retried as the 4th
    expect(log).toHaveLength(4);
  });

  it('with maxAttempts 1 the client throws ThrottlingException by name', async () => {
    const { standIn } = await start({ results: [result(1)], throttleEvery: 3 });
    const client = clientFor(standIn, { maxAttempts: 1 });
    await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    const error = await client
      .send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
      );
    expect(error?.name).toBe('ThrottlingException');
    expect(error?.$metadata?.httpStatusCode).toBe(400);
    expect(standIn.requests()).toHaveLength(3);
  });

  it('lists source status including a FAILED source with its error', async () => {
    const sources: StandInSource[] = [
      {
        account: ACCOUNT_B,
        region: REGION,
        status: 'FAILED',
        lastUpdateTime: '2024-05-01T10:00:00.250Z',
        errorCode: 'AccessDenied',
        errorMessage: 'Not authorized',
      },
      { account: ACCOUNT_A, region: REGION, status: 'SUCCEEDED', lastUpdateTime: '2024-05-01T11:00:00.000Z' },
      { account: ACCOUNT_A, region: 'us-east-1', status: 'OUTDATED' },
    ];
    const { client } = await start({
      sources,
      results: [result(1, { account: ACCOUNT_B, complianceType: 'NON_COMPLIANT' })],
    });
    const out = await client.send(
      new DescribeConfigurationAggregatorSourcesStatusCommand({ ConfigurationAggregatorName: AGGREGATOR }),
    );
    expect(out.NextToken).toBeUndefined();
    expect(out.AggregatedSourceStatusList).toEqual([
      {
        SourceId: ACCOUNT_A,
        SourceType: 'ACCOUNT',
        AwsRegion: REGION,
        LastUpdateStatus: 'SUCCEEDED',
        LastUpdateTime: new Date('2024-05-01T11:00:00.000Z'),
      },
      { SourceId: ACCOUNT_A, SourceType: 'ACCOUNT', AwsRegion: 'us-east-1', LastUpdateStatus: 'OUTDATED' },
      {
        SourceId: ACCOUNT_B,
        SourceType: 'ACCOUNT',
        AwsRegion: REGION,
        LastUpdateStatus: 'FAILED',
        LastUpdateTime: new Date('2024-05-01T10:00:00.250Z'),
        LastErrorCode: 'AccessDenied',
        LastErrorMessage: 'Not authorized',
      },
    ]);
    const failed = await client.send(
      new DescribeConfigurationAggregatorSourcesStatusCommand({
        ConfigurationAggregatorName: AGGREGATOR,
        UpdateStatus: ['FAILED'],
      }),
    );
    expect(failed.AggregatedSourceStatusList?.map((s) => s.SourceId)).toEqual([ACCOUNT_B]);

    // The FAILED source's last aggregated results are still returned.
    const stale = await client.send(
      new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput({ AccountId: ACCOUNT_B })),
    );
    expect(stale.AggregateEvaluationResults).toHaveLength(1);
  });

  it('a wrong aggregator name gives NoSuchConfigurationAggregatorException', async () => {
    const { client } = await start({ results: [result(1)] });
    await expect(
      client.send(
        new GetAggregateComplianceDetailsByConfigRuleCommand(
          detailsInput({ ConfigurationAggregatorName: 'nope' }),
        ),
      ),
    ).rejects.toBeInstanceOf(NoSuchConfigurationAggregatorException);
    await expect(
      client.send(
        new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: 'nope' }),
      ),
    ).rejects.toThrow(/does not exist/);
    await expect(
      client.send(
        new DescribeConfigurationAggregatorSourcesStatusCommand({ ConfigurationAggregatorName: 'nope' }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchConfigurationAggregatorException' });
  });

  it('timestamps round-trip as Date objects equal to the dataset', async () => {
    const r = result(7, {
      orderingTimestamp: '2024-05-01T12:34:56.789Z',
      resultRecordedTime: '2024-05-01T12:35:00.001Z',
      configRuleInvokedTime: '2024-05-01T12:30:00.500Z',
    });
    const { client, standIn } = await start({ results: [r] });
    const out = await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    const got = out.AggregateEvaluationResults?.[0];
    expect(got?.EvaluationResultIdentifier?.OrderingTimestamp).toBeInstanceOf(Date);
    expect(got).toEqual({
      EvaluationResultIdentifier: {
        EvaluationResultQualifier: {
          ConfigRuleName: RULE,
          ResourceType: 'AWS::S3::Bucket',
          ResourceId: r.resourceId,
        },
        OrderingTimestamp: new Date(r.orderingTimestamp),
      },
      ComplianceType: r.complianceType,
      ResultRecordedTime: new Date(r.resultRecordedTime),
      ConfigRuleInvokedTime: new Date(r.configRuleInvokedTime!),
      Annotation: r.annotation,
      AccountId: ACCOUNT_A,
      AwsRegion: REGION,
    });

    // setData: a later call sees the new dataset.
    standIn.setData({ results: [result(8, { complianceType: 'NON_COMPLIANT' })] });
    const later = await client.send(new GetAggregateComplianceDetailsByConfigRuleCommand(detailsInput()));
    expect(later.AggregateEvaluationResults?.map((e) => e.ComplianceType)).toEqual(['NON_COMPLIANT']);
  });
});
