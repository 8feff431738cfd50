import { describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS } from '../../infra/config.js';
import { KEY_STATE_RETENTION_DAYS } from '../../infra/constructs/archive.js';
import { CONSUMER_EVENT_SOURCE } from '../../infra/constructs/consumer.js';
import { HOT_RETENTION_DAYS } from '../../src/adapters/dynamodb/table-definitions.js';
import {
  athenaBilledBytes,
  CostInputError,
  type CostInputs,
  DAYS_PER_MONTH,
  estimateMonthlyCost,
  HOURS_PER_MONTH,
  type LineItem,
  STACK,
} from '../../src/domain/cost-model.js';
import { listPrices, PRICES, type PriceTable, tieredCost } from '../../src/domain/pricing.js';
import { DEFAULT_DAILY_STATE_REFRESH_DAYS } from '../../src/use-cases/daily-state.js';
import { runCli } from '../helpers/cli.js';

/** A copy of the price table with every price at 0, then the given prices. */
function pricesWith(set: (table: PriceTable) => void): PriceTable {
  const table = structuredClone(PRICES) as PriceTable;
  for (const { price } of listPrices(table)) {
    if ('tiers' in price) for (const tier of price.tiers) (tier as { usd: number }).usd = 0;
    else (price as { usd: number }).usd = 0;
  }
  set(table);
  return table;
}

const ONE: CostInputs = { accounts: 1, regions: 1, rules: 10, changesPerDay: 100 };
const MIB = 1024 ** 2;
const TIB = 1024 ** 4;

function line(lines: readonly LineItem[], service: string, item: string | RegExp): LineItem {
  const found = lines.find(
    (l) => l.service === service && (typeof item === 'string' ? l.item === item : item.test(l.item)),
  );
  if (!found) throw new Error(`no line ${service} · ${item}`);
  return found;
}

describe('estimateMonthlyCost: hand-computed examples', () => {
  // 1 account, 1 region, 10 rules, 100 configuration items a day; a month is 730 hours (30.4167 days):
  // 3,041.67 items, each evaluated by 10 × 0.1 = 1 rule: 3,041.67 evaluations, all in the first tier.
  it('prices AWS Config at $0.003 an item and $0.001 an evaluation: $9.125 + $3.0417', () => {
    // Arrange
    const prices = pricesWith((t) => {
      (t.config.continuousItem as { usd: number }).usd = 0.003;
      (t.config.ruleEvaluations.tiers[0] as { usd: number }).usd = 0.001;
    });
    // Act
    const estimate = estimateMonthlyCost(ONE, prices);
    // Assess
    expect(estimate.volumes.configurationItems).toBeCloseTo(3041.6667, 4);
    expect(estimate.volumes.ruleEvaluations).toBeCloseTo(3041.6667, 4);
    expect(line(estimate.lines, 'AWS Config', 'configuration items (continuous)').monthlyUsd).toBeCloseTo(
      9.125,
      10,
    );
    expect(estimate.totals.configUsd).toBeCloseTo(9.125 + 3.0416667, 6);
    expect(estimate.totals.pipelineUsd).toBe(0);
  });

  it('charges one on-demand stream for 730 hours: $29.20 at $0.04', () => {
    const prices = pricesWith((t) => {
      (t.kinesis.onDemandStreamHour as { usd: number }).usd = 0.04;
    });
    const estimate = estimateMonthlyCost(ONE, prices);
    expect(line(estimate.lines, 'Kinesis', 'on-demand stream-hours').quantity).toBe(HOURS_PER_MONTH);
    expect(estimate.totals.pipelineUsd).toBeCloseTo(29.2, 10);
    expect(estimate.totals.pipelineProvisionedUsd).toBe(0);
  });

  it('counts DynamoDB write units per event, per alert and per drain: 108,153.76 units, $0.0676', () => {
    // 304.17 compliance changes × 5.644 + 3,041.67 items × 6.007 + 141.44 alerts × 4
    // + 43,800 notifier drains × 2 (lease acquire and release).
    const prices = pricesWith((t) => {
      (t.dynamodb.writeRequestUnitsMillion as { usd: number }).usd = 0.625;
    });
    const estimate = estimateMonthlyCost(ONE, prices);
    expect(estimate.volumes.complianceChanges).toBeCloseTo(304.16667, 4);
    expect(estimate.volumes.alerts).toBeCloseTo(141.4375, 4);
    expect(estimate.volumes.dynamoWriteUnits).toBeCloseTo(108_153.7583, 3);
    expect(estimate.totals.pipelineUsd).toBeCloseTo(0.0675961, 6);
  });

  it('adds the fixed monthly lines of the real table: metrics, alarms, dashboard, secrets, key', () => {
    const estimate = estimateMonthlyCost(ONE, PRICES);
    const usd = (service: string, item: string) => line(estimate.lines, service, item).monthlyUsd;
    expect(usd('CloudWatch', 'custom metrics')).toBeCloseTo(18 * 0.3, 10);
    expect(usd('CloudWatch', 'alarms (28 alarms)')).toBeCloseTo(31 * 0.1, 10);
    expect(usd('CloudWatch', 'dashboard')).toBe(3);
    expect(usd('Secrets Manager', 'Slack webhook secrets')).toBeCloseTo(0.8, 10);
    expect(usd('KMS', 'customer managed key')).toBe(1);
    expect(usd('Kinesis', 'on-demand stream-hours')).toBeCloseTo(29.2, 10);
  });

  it('sums every line of a group into its total', () => {
    const estimate = estimateMonthlyCost(
      { accounts: 100, regions: 3, rules: 50, changesPerDay: 100 },
      PRICES,
    );
    const sum = (keep: (l: LineItem) => boolean) =>
      estimate.lines.filter(keep).reduce((total, l) => total + l.monthlyUsd, 0);
    expect(estimate.totals.pipelineUsd).toBeCloseTo(
      sum((l) => l.group === 'pipeline' && l.variant !== 'kinesis-provisioned'),
      10,
    );
    expect(estimate.totals.configUsd).toBeCloseTo(
      sum((l) => l.group === 'config' && l.variant === 'config-continuous'),
      10,
    );
    for (const l of estimate.lines) expect(l.monthlyUsd).toBeCloseTo(l.quantity * l.unitPriceUsd, 8);
  });
});

describe('tiers', () => {
  it('charges each tier for the units within it: 600,000 evaluations are $100 + $320 + $50', () => {
    expect(tieredCost(PRICES.config.ruleEvaluations, 600_000)).toBeCloseTo(470, 10);
    expect(tieredCost(PRICES.config.ruleEvaluations, 50_000)).toBeCloseTo(50, 10);
    expect(tieredCost(PRICES.config.ruleEvaluations, 0)).toBe(0);
  });

  it('applies the evaluation tiers per region: 2 regions of 300,000 cost more than 1 of 600,000', () => {
    // 1,000 accounts, 200 items a day, 10 rules (1 per item): 6,083,333 evaluations.
    const inputs = { accounts: 1000, rules: 10, changesPerDay: 200 };
    const one = estimateMonthlyCost({ ...inputs, regions: 1 }, PRICES);
    const two = estimateMonthlyCost({ ...inputs, regions: 2 }, PRICES);
    const evaluations = one.volumes.ruleEvaluations;
    const rate = (e: typeof one) => line(e.lines, 'AWS Config', /^rule evaluations \(tiered/).monthlyUsd;
    expect(rate(one)).toBeCloseTo(tieredCost(PRICES.config.ruleEvaluations, evaluations), 6);
    expect(rate(two)).toBeCloseTo(2 * tieredCost(PRICES.config.ruleEvaluations, evaluations / 2), 6);
    expect(rate(two)).toBeGreaterThan(rate(one));
  });
});

describe('Athena', () => {
  it('bills every statement at least 10 MB', () => {
    expect(athenaBilledBytes(1, PRICES)).toBe(10 * MIB);
    expect(athenaBilledBytes(25 * MIB, PRICES)).toBe(25 * MIB);
  });

  it('bills an organization without events 10 MB per report statement and per API query', () => {
    // 3 refreshed days × (check + 2 builds) + 3 report queries = 12 statements a day.
    const estimate = estimateMonthlyCost({ ...ONE, changesPerDay: 0, resourcesPerRegion: 0 }, PRICES);
    const report = line(estimate.lines, 'Athena', /^daily report \(12 statements a day\)$/);
    const api = line(estimate.lines, 'Athena', /^API \(100 queries a day/);
    expect(report.quantity).toBeCloseTo((12 * 10 * MIB * DAYS_PER_MONTH) / TIB, 12);
    expect(api.quantity).toBeCloseTo((100 * DAYS_PER_MONTH * 10 * MIB) / TIB, 12);
    expect(report.monthlyUsd).toBeCloseTo(report.quantity * 5, 12);
  });
});

describe('Kinesis on demand and provisioned', () => {
  it('reports both, totals the deployed on-demand stream and shows the provisioned one beside it', () => {
    const estimate = estimateMonthlyCost(
      { accounts: 100, regions: 3, rules: 50, changesPerDay: 100 },
      PRICES,
    );
    const onDemand = estimate.lines.filter((l) => l.variant === 'kinesis-on-demand');
    const provisioned = estimate.lines.filter((l) => l.variant === 'kinesis-provisioned');
    expect(onDemand.map((l) => l.item)).toContain('on-demand stream-hours');
    expect(provisioned.map((l) => l.item)).toContain('provisioned shard-hours (1 shard)');
    const total = (lines: LineItem[]) => lines.reduce((s, l) => s + l.monthlyUsd, 0);
    expect(estimate.totals.pipelineUsd - estimate.totals.pipelineProvisionedUsd).toBeCloseTo(
      total(onDemand) - total(provisioned),
      10,
    );
  });

  it('sizes the provisioned stream for the peak: more shards for a busier organization', () => {
    const small = estimateMonthlyCost({ accounts: 10, regions: 3, rules: 50, changesPerDay: 100 }, PRICES);
    const big = estimateMonthlyCost(
      { accounts: 100_000, regions: 3, rules: 50, changesPerDay: 1000 },
      PRICES,
    );
    expect(small.volumes.provisionedShards).toBe(1);
    // 4.56 billion records a month at 20× the mean rate: 34,722 records/s would take 35 shards,
    // their 65.3 MB/s of writes (1 MB/s a shard) take 66.
    expect(big.volumes.provisionedShards).toBe(66);
  });
});

describe('monotonic', () => {
  it('costs more, for the pipeline and for AWS Config, with every further account', () => {
    let previous = estimateMonthlyCost({ accounts: 1, regions: 3, rules: 50, changesPerDay: 100 }, PRICES);
    for (const accounts of [2, 10, 100, 1000, 10_000]) {
      const next = estimateMonthlyCost({ accounts, regions: 3, rules: 50, changesPerDay: 100 }, PRICES);
      expect(next.totals.pipelineUsd).toBeGreaterThan(previous.totals.pipelineUsd);
      expect(next.totals.pipelineProvisionedUsd).toBeGreaterThan(previous.totals.pipelineProvisionedUsd);
      expect(next.totals.configUsd).toBeGreaterThan(previous.totals.configUsd);
      previous = next;
    }
  });

  it('leaves AWS Config the dominant cost at 100 accounts', () => {
    const estimate = estimateMonthlyCost(
      { accounts: 100, regions: 3, rules: 50, changesPerDay: 100 },
      PRICES,
    );
    expect(estimate.totals.configToPipeline).toBeGreaterThan(10);
  });
});

describe('inputs', () => {
  it.each([
    [{ ...ONE, accounts: 0 }, 'accounts'],
    [{ ...ONE, regions: 0 }, 'regions'],
    [{ ...ONE, rules: -1 }, 'rules'],
    [{ ...ONE, changesPerDay: Number.NaN }, 'changesPerDay'],
  ])('rejects %o naming %s', (inputs, field) => {
    expect(() => estimateMonthlyCost(inputs, PRICES)).toThrow(CostInputError);
    expect(() => estimateMonthlyCost(inputs, PRICES)).toThrow(new RegExp(`^${field} must be`));
  });
});

describe('the stack constants follow infra/', () => {
  it('has the consumer batching, the retentions and the refresh window infra/ deploys', () => {
    expect(STACK.consumer.batchSize).toBe(CONSUMER_EVENT_SOURCE.batchSize);
    expect(STACK.consumer.parallelizationFactor).toBe(CONSUMER_EVENT_SOURCE.parallelizationFactor);
    expect(STACK.consumer.batchingWindowSeconds).toBe(CONSUMER_EVENT_SOURCE.maxBatchingWindow.toSeconds());
    expect(STACK.streamRetentionHours).toBe(CONFIG_DEFAULTS.retention.streamHours);
    expect(STACK.logRetentionDays).toBe(CONFIG_DEFAULTS.retention.logDays);
    expect(STACK.archiveDays).toBe(CONFIG_DEFAULTS.retention.archiveDays);
    expect(STACK.keyStateRetentionDays).toBe(KEY_STATE_RETENTION_DAYS);
    expect(STACK.hotRetentionDays).toBe(HOT_RETENTION_DAYS);
    expect(STACK.dailyStateRefreshDays).toBe(DEFAULT_DAILY_STATE_REFRESH_DAYS);
  });
});

describe('the price table', () => {
  it('is dated, for one region, and names a page for every price', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES.region).toBe('us-east-1');
    const prices = listPrices(PRICES);
    expect(prices.length).toBeGreaterThan(30);
    for (const { price } of prices) {
      expect(price.source).toMatch(/^https:\/\//);
      expect(['aws', 'secondary', 'unverified']).toContain(price.check);
    }
  });
});

describe('config-monitor cost', () => {
  const ARGS = ['cost', '--accounts', '100', '--regions', '3', '--rules', '50', '--changes-per-day', '100'];

  it('prints its help', async () => {
    const result = await runCli(['cost', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: config-monitor cost --accounts N --regions R --rules K');
  });

  it('prints the table with both totals and the unverified prices', async () => {
    const result = await runCli(ARGS);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/config-monitor master stack[\s\S]*total: \$[\d,.]+ a month/);
    expect(result.stdout).toMatch(/AWS Config for the same organization[\s\S]*total: \$2,182\.92 a month/);
    expect(result.stdout).toContain('Unverified prices');
  });

  it('prints the same estimate as JSON with --json', async () => {
    const result = await runCli([...ARGS, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as ReturnType<typeof estimateMonthlyCost> & {
      unverifiedPrices: string[];
    };
    const expected = estimateMonthlyCost(
      { accounts: 100, regions: 3, rules: 50, changesPerDay: 100 },
      PRICES,
    );
    expect(json.totals).toEqual(expected.totals);
    expect(json.inputs).toEqual({
      accounts: 100,
      regions: 3,
      rules: 50,
      changesPerDay: 100,
      resourcesPerRegion: 250,
    });
    expect(json.unverifiedPrices).toContain('kinesis.onDemandStreamHour');
  });

  it.each([
    [['cost', '--regions', '3', '--rules', '50', '--changes-per-day', '1'], '--accounts is required'],
    [[...ARGS, '--accounts', 'ten'], '--accounts must be an integer from 1 to 100000; got "ten"'],
    [
      [...ARGS.slice(0, 5), '--rules', '5000', '--changes-per-day', '1'],
      '--rules must be an integer from 0 to 1000',
    ],
    [[...ARGS, '--resources=-1'], '--resources must be an integer from 0 to 10000000; got "-1"'],
    [[...ARGS, '--acounts', '1'], "Unknown option '--acounts'"],
  ])('exits 2 naming the flag: %j', async (argv, message) => {
    const result = await runCli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
