/**
 * `config-monitor cost`: the monthly AWS cost of the master stack for an organization, next to
 * AWS Config's cost for the same organization (src/domain/cost-model.ts, docs/cost.md). Offline:
 * list prices from src/domain/pricing.ts, no AWS call.
 */
import {
  type CostEstimate,
  DEFAULT_RESOURCES_PER_REGION,
  estimateMonthlyCost,
  type LineItem,
} from '../../../src/domain/cost-model.js';
import { listPrices, PRICES, type PriceTable } from '../../../src/domain/pricing.js';
import { type Command, integerOption, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';

const NAME = 'cost';

const USAGE = `Usage: config-monitor cost --accounts N --regions R --rules K --changes-per-day C
                           [--resources N] [--json]

The monthly AWS cost of the master stack (Kinesis on demand, and provisioned as an alternative;
Lambda, DynamoDB, Firehose, S3, Athena, CloudWatch, X-Ray, …) for an organization, next to AWS
Config's own cost for the same organization (continuous recording, and periodic as an
alternative). List prices of us-east-1 from one table (src/domain/pricing.ts, dated), no free
tier; the model and its assumptions: docs/cost.md. No AWS call is made.

Options:
  --accounts N         member accounts (1 to 100000)
  --regions R          regions each account records in (1 to 40)
  --rules K            AWS Config rules per account and region (0 to 1000)
  --changes-per-day C  configuration items AWS Config records per account per day, all its
                       regions together (0 to 10000000): the ConfigurationItemsRecorded metric
  --resources N        resources recorded per account and region (default ${DEFAULT_RESOURCES_PER_REGION}); sizes the
                       state and the daily sync
  --json               print the estimate as one JSON object (lines, totals, volumes, prices)
  -h, --help           this help

Example:
  config-monitor cost --accounts 100 --regions 3 --rules 50 --changes-per-day 100
`;

const OPTIONS = {
  accounts: { type: 'string' },
  regions: { type: 'string' },
  rules: { type: 'string' },
  'changes-per-day': { type: 'string' },
  resources: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined) throw new UsageError(`--${name} is required`, NAME);
  return integerOption(NAME, name, value, 0, min, max);
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const dollars = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function quantity(n: number): string {
  if (n === 0) return '0';
  if (n >= 100) return integer.format(n);
  if (n >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

function unitPrice(n: number): string {
  return n.toFixed(10).replace(/(\.\d*?[1-9])0+$|\.0+$/, '$1');
}

/** Prices of the table checked nowhere (see src/domain/pricing.ts). */
export function unverifiedPrices(table: PriceTable): string[] {
  return listPrices(table)
    .filter((p) => p.price.check === 'unverified')
    .map((p) => p.path);
}

function table(rows: readonly LineItem[]): string[] {
  const header = ['', 'quantity', 'unit', 'USD/unit', 'USD/month'];
  const cells = rows.map((row) => [
    `${row.service} · ${row.item}`,
    quantity(row.quantity),
    row.unit,
    unitPrice(row.unitPriceUsd),
    dollars.format(row.monthlyUsd),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) =>
    `  ${(c[0] ?? '').padEnd(widths[0] ?? 0)}  ${(c[1] ?? '').padStart(widths[1] ?? 0)}  ${(c[2] ?? '').padEnd(widths[2] ?? 0)}  ${(c[3] ?? '').padStart(widths[3] ?? 0)}  ${(c[4] ?? '').padStart(widths[4] ?? 0)}`.trimEnd();
  return [line(header), ...cells.map(line)];
}

function total(label: string, usd: number): string {
  return `  ${label}: $${dollars.format(usd)} a month`;
}

/** The readable form printed without `--json`. */
export function formatEstimate(estimate: CostEstimate, unverified: readonly string[]): string {
  const { inputs, volumes: v, totals, lines } = estimate;
  const of = (keep: (l: LineItem) => boolean) => lines.filter(keep);
  const shards = v.provisionedShards;
  const out = [
    `Monthly AWS cost: ${integer.format(inputs.accounts)} account${inputs.accounts === 1 ? '' : 's'} × ${inputs.regions} region${inputs.regions === 1 ? '' : 's'}, ${integer.format(inputs.rules)} rules per account and region,`,
    `${integer.format(inputs.changesPerDay)} configuration items per account per day, ${integer.format(inputs.resourcesPerRegion)} resources per account and region`,
    `Prices: ${estimate.prices.region} list prices of ${estimate.prices.asOf}, no free tier (src/domain/pricing.ts); model: docs/cost.md`,
    '',
    `A month: ${integer.format(v.configurationItems)} configuration items, ${integer.format(v.ruleEvaluations)} rule evaluations, ${integer.format(v.complianceChanges)} compliance changes`,
    `(${integer.format(v.alerts)} alerts); ${integer.format(v.events)} stream records; ${integer.format(v.pairs)} (resource, rule) pairs; daily sync ${(v.syncSecondsPerDay / 3600).toFixed(1)} h`,
    '',
    'config-monitor master stack (as deployed: Kinesis on demand)',
    ...table(of((l) => l.group === 'pipeline' && l.variant !== 'kinesis-provisioned')),
    total('total', totals.pipelineUsd),
    '',
    `Alternative: a provisioned stream of ${shards} shard${shards === 1 ? '' : 's'} instead of on demand`,
    ...table(of((l) => l.variant === 'kinesis-provisioned')),
    total('total with it', totals.pipelineProvisionedUsd),
    '',
    'AWS Config for the same organization (continuous recording)',
    ...table(of((l) => l.variant === 'config-continuous')),
    total('total', totals.configUsd),
    '',
    'Alternative: periodic (daily) recording',
    ...table(of((l) => l.variant === 'config-periodic')),
    total('total with it', totals.configPeriodicUsd),
    '',
    `AWS Config costs ${totals.configToPipeline.toFixed(1)}× the pipeline. Per stream record: ${estimate.perEvent.dynamoWriteUnits.toFixed(2)} DynamoDB write units,`,
    `${estimate.perEvent.dynamoReadUnits.toFixed(2)} read units; $${dollars.format(estimate.perEvent.pipelineUsdPerMillionEvents)} of pipeline per million records.`,
  ];
  if (unverified.length > 0) {
    out.push('', `Unverified prices (no page with the figure found; check them): ${unverified.join(', ')}`);
  }
  return `${out.join('\n')}\n`;
}

export const command: Command = {
  usage: USAGE,

  async run(argv, io) {
    const { values } = parseCommandArgs(NAME, argv, OPTIONS);
    const accounts = required('accounts', values.accounts, 1, 100_000);
    const regions = required('regions', values.regions, 1, 40);
    const rules = required('rules', values.rules, 0, 1000);
    const changesPerDay = required('changes-per-day', values['changes-per-day'], 0, 10_000_000);
    const resourcesPerRegion = integerOption(
      NAME,
      'resources',
      values.resources,
      DEFAULT_RESOURCES_PER_REGION,
      0,
      10_000_000,
    );
    const estimate = estimateMonthlyCost(
      { accounts, regions, rules, changesPerDay, resourcesPerRegion },
      PRICES,
    );
    const unverified = unverifiedPrices(PRICES);
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ ...estimate, unverifiedPrices: unverified })}\n`
        : formatEstimate(estimate, unverified),
    );
    return 0;
  },
};
