/**
 * The one price table of the cost model (src/domain/cost-model.ts, `config-monitor cost`,
 * docs/cost.md): AWS list prices of us-east-1, on demand, without free tiers, savings plans or
 * private pricing, compiled on {@link PRICES}`.asOf`.
 *
 * Every price names where it was checked. AWS's own pricing pages render their tables from price
 * tokens that the stored copies searched for this table do not resolve, so few figures could be
 * read on an AWS page itself:
 * - `aws`: the figure is on an AWS page (pricing page, documentation or whitepaper);
 * - `secondary`: the figure is on a third-party page that quotes the AWS pricing page (the billing
 *   rule, where the AWS page states it, was checked there);
 * - `unverified`: no page with the figure was found; it is the public list price as known when the
 *   table was compiled. Check these first: `config-monitor cost` lists them under its table.
 * To update a price: change it here, with its source and date; the tests of the arithmetic take
 * their prices from a table of their own, so only docs/cost.md needs its output pasted again.
 */

/** How a price was checked; see the module comment. */
export type PriceCheck = 'aws' | 'secondary' | 'unverified';

export interface Price {
  /** US dollars per {@link Price.per}. */
  readonly usd: number;
  /** The unit the price is for, as a line item shows it: `GB-month`, `million requests`, … */
  readonly per: string;
  /** The page the figure (or its billing rule) was read on. */
  readonly source: string;
  readonly check: PriceCheck;
}

/** One step of a tiered price: `usd` for each unit up to `upTo` units a month (null: no limit). */
export interface PriceTier {
  readonly upTo: number | null;
  readonly usd: number;
}

export interface TieredPrice {
  readonly tiers: readonly PriceTier[];
  /** The unit of one step, singular: `rule evaluation`. */
  readonly per: string;
  readonly source: string;
  readonly check: PriceCheck;
}

export interface PriceTable {
  /** When the table was compiled, `YYYY-MM-DD`. */
  readonly asOf: string;
  readonly region: string;
  readonly kinesis: {
    /** On-demand (Standard) mode: a fixed charge per stream and hour. */
    readonly onDemandStreamHour: Price;
    /** On-demand: data written, each record rounded up to 1 KB. */
    readonly onDemandIngestGb: Price;
    /** On-demand: data read, per GB and per reader (the consumer and Firehose each read everything). */
    readonly onDemandRetrievalGb: Price;
    /** On-demand: data kept beyond 24 hours and up to 7 days. */
    readonly onDemandExtendedRetentionGbMonth: Price;
    /** Provisioned mode: per shard and hour. */
    readonly shardHour: Price;
    /** Provisioned mode: PUT payload units of 25 KB. */
    readonly putPayloadUnitsMillion: Price;
    /** Provisioned mode: retention beyond 24 hours and up to 7 days, per shard and hour. */
    readonly extendedRetentionShardHour: Price;
  };
  readonly lambda: {
    /** arm64 duration (infra/lambda-defaults.ts builds every function for arm64), first tier. */
    readonly armGbSecond: Price;
    readonly requestsMillion: Price;
  };
  readonly dynamodb: {
    /** On-demand capacity mode, Standard table class. */
    readonly writeRequestUnitsMillion: Price;
    readonly readRequestUnitsMillion: Price;
    readonly storageGbMonth: Price;
    /** Point-in-time recovery (continuous backups), per GB of table size. */
    readonly pitrGbMonth: Price;
  };
  readonly firehose: {
    /** Kinesis Data Streams as source: each record rounded up to 5 KB, first 500 TB a month. */
    readonly ingestGb: Price;
    /** JSON to Parquet, on the ingested GB (5 KB increments). */
    readonly formatConversionGb: Price;
    readonly dynamicPartitioningGb: Price;
    readonly dynamicPartitioningObjectsThousand: Price;
  };
  readonly s3: {
    readonly standardGbMonth: Price;
    readonly putThousand: Price;
    readonly getThousand: Price;
  };
  readonly athena: {
    /** Per TB (2^40 bytes) scanned; each query is billed at least {@link PriceTable.athena.minimumBytesPerQuery}. */
    readonly scannedTb: Price;
    readonly minimumBytesPerQuery: number;
  };
  readonly cloudwatch: {
    readonly logsIngestGb: Price;
    readonly logsStorageGbMonth: Price;
    readonly customMetricMonth: Price;
    /** Standard-resolution alarm, per metric it reads (a metric-math alarm pays for each metric). */
    readonly alarmMetricMonth: Price;
    readonly dashboardMonth: Price;
  };
  readonly xray: { readonly tracesRecordedMillion: Price };
  readonly apiGateway: { readonly restRequestsMillion: Price };
  readonly eventbridge: {
    /** Events an agent rule delivers from a member account to the master bus (billed to the sender). */
    readonly crossAccountEventsMillion: Price;
    readonly schedulerInvocationsMillion: Price;
  };
  readonly stepFunctions: { readonly standardTransitionsThousand: Price };
  readonly secretsManager: { readonly secretMonth: Price };
  readonly kms: { readonly customerManagedKeyMonth: Price };
  readonly config: {
    /** Continuous recording: per configuration item recorded. */
    readonly continuousItem: Price;
    /** Periodic (daily) recording: per configuration item recorded. */
    readonly periodicItem: Price;
    /** Per rule evaluation and region, tiered over the month. */
    readonly ruleEvaluations: TieredPrice;
  };
}

const KINESIS = 'https://aws.amazon.com/kinesis/data-streams/pricing/';
const FIREHOSE = 'https://aws.amazon.com/kinesis/data-firehose/pricing/';

export const PRICES: PriceTable = {
  asOf: '2026-12-03',
  region: 'us-east-1',
  kinesis: {
    // The AWS page (stored copy) states the modes and the 1 KB rounding, not the figures. $0.04 per
    // stream-hour is also in a pricing script for ap-northeast-2 (code search); not for us-east-1.
    onDemandStreamHour: { usd: 0.04, per: 'stream-hour', source: KINESIS, check: 'unverified' },
    onDemandIngestGb: { usd: 0.08, per: 'GB', source: KINESIS, check: 'unverified' },
    onDemandRetrievalGb: { usd: 0.04, per: 'GB', source: KINESIS, check: 'unverified' },
    onDemandExtendedRetentionGbMonth: { usd: 0.1, per: 'GB-month', source: KINESIS, check: 'unverified' },
    // $0.015 per shard-hour, $0.014 per million PUT payload units, $0.020 per shard-hour of
    // extended retention: US East (Ohio), github.com/i05nagai/memorandum cloud/aws/kinesis_streams.md,
    // quoting the AWS page; us-east-1 has the same provisioned prices.
    shardHour: {
      usd: 0.015,
      per: 'shard-hour',
      source: 'https://github.com/i05nagai/memorandum/blob/master/cloud/aws/kinesis_streams.md',
      check: 'secondary',
    },
    putPayloadUnitsMillion: {
      usd: 0.014,
      per: 'million PUT payload units',
      source: 'https://github.com/i05nagai/memorandum/blob/master/cloud/aws/kinesis_streams.md',
      check: 'secondary',
    },
    extendedRetentionShardHour: {
      usd: 0.02,
      per: 'shard-hour',
      source: 'https://github.com/i05nagai/memorandum/blob/master/cloud/aws/kinesis_streams.md',
      check: 'secondary',
    },
  },
  lambda: {
    // Arm, first 7.5 billion GB-s a month, US East (N. Virginia); also used in docs/deploy.md.
    armGbSecond: {
      usd: 0.0000133334,
      per: 'GB-second',
      source: 'https://cloudchipr.com/blog/aws-lambda-pricing',
      check: 'secondary',
    },
    requestsMillion: {
      usd: 0.2,
      per: 'million requests',
      source:
        'https://git.mcrn.ar/mariano/lambda_local_runner/src/commit/957e45b8adae23ce50b966346229585b5df18b4d/docs/lambdas-md/lambda-13-cost.md',
      check: 'secondary',
    },
  },
  dynamodb: {
    // On-demand after the November 2024 price cut, US East: $0.625 per million WRU, $0.125 per
    // million RRU (a LinkedIn article quoting the AWS page; docs/deploy.md uses the same $0.125).
    writeRequestUnitsMillion: {
      usd: 0.625,
      per: 'million write request units',
      source:
        'https://www.linkedin.com/pulse/amazon-dynamodb-pricing-explained-detailed-breakdown-examples-raheja-u9bbc',
      check: 'secondary',
    },
    readRequestUnitsMillion: {
      usd: 0.125,
      per: 'million read request units',
      source:
        'https://www.linkedin.com/pulse/amazon-dynamodb-pricing-explained-detailed-breakdown-examples-raheja-u9bbc',
      check: 'secondary',
    },
    // "prices start from $0.25 per GB-month" (the first 25 GB free, not applied here).
    storageGbMonth: {
      usd: 0.25,
      per: 'GB-month',
      source: 'https://aws.amazon.com/dynamodb/pricing/',
      check: 'aws',
    },
    pitrGbMonth: {
      usd: 0.2,
      per: 'GB-month',
      source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
      check: 'unverified',
    },
  },
  firehose: {
    // The AWS page (stored copies in German, Russian, Japanese) states the 5 KB increments for
    // Direct PUT and KDS sources and for format conversion; the figures are not in the copies.
    ingestGb: { usd: 0.029, per: 'GB', source: FIREHOSE, check: 'unverified' },
    formatConversionGb: { usd: 0.018, per: 'GB', source: FIREHOSE, check: 'unverified' },
    dynamicPartitioningGb: { usd: 0.02, per: 'GB', source: FIREHOSE, check: 'unverified' },
    dynamicPartitioningObjectsThousand: {
      usd: 0.005,
      per: '1,000 objects',
      source: FIREHOSE,
      check: 'unverified',
    },
  },
  s3: {
    standardGbMonth: {
      usd: 0.023,
      per: 'GB-month',
      source: 'https://cloudburn.io/blog/amazon-s3-pricing',
      check: 'secondary',
    },
    // PUT, COPY, POST, LIST: $0.005 per 1,000 ("list operations $5 per million"); GET $0.0004 per 1,000.
    putThousand: {
      usd: 0.005,
      per: '1,000 PUT requests',
      source: 'https://athena.guide/articles/athena-basics-pricing-model/',
      check: 'secondary',
    },
    getThousand: {
      usd: 0.0004,
      per: '1,000 GET requests',
      source: 'https://athena.guide/articles/athena-basics-pricing-model/',
      check: 'secondary',
    },
  },
  athena: {
    // "$5 per TB of data scanned, rounded to the nearest MB, with a 10 MB minimum".
    scannedTb: {
      usd: 5,
      per: 'TB scanned',
      source: 'https://athena.guide/articles/athena-basics-pricing-model/',
      check: 'secondary',
    },
    minimumBytesPerQuery: 10 * 1024 ** 2,
  },
  cloudwatch: {
    logsIngestGb: {
      usd: 0.5,
      per: 'GB ingested',
      source: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
      check: 'secondary',
    },
    logsStorageGbMonth: {
      usd: 0.03,
      per: 'GB-month',
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      check: 'unverified',
    },
    customMetricMonth: {
      usd: 0.3,
      per: 'metric-month',
      source: 'https://signoz.io/guides/cloudwatch-pricing',
      check: 'secondary',
    },
    alarmMetricMonth: {
      usd: 0.1,
      per: 'alarm metric-month',
      source: 'https://aws.amazon.com/cloudwatch/pricing/',
      check: 'unverified',
    },
    dashboardMonth: {
      usd: 3,
      per: 'dashboard-month',
      source: 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/',
      check: 'secondary',
    },
  },
  xray: {
    tracesRecordedMillion: {
      usd: 5,
      per: 'million traces',
      source: 'https://awsnegotiations.com/x-ray-pricing-strategy.html',
      check: 'secondary',
    },
  },
  apiGateway: {
    // REST APIs, first 333 million requests a month.
    restRequestsMillion: {
      usd: 3.5,
      per: 'million requests',
      source:
        'https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html',
      check: 'aws',
    },
  },
  eventbridge: {
    crossAccountEventsMillion: {
      usd: 1,
      per: 'million events',
      source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
      check: 'secondary',
    },
    schedulerInvocationsMillion: {
      usd: 1,
      per: 'million invocations',
      source: 'https://cloudburn.io/blog/amazon-eventbridge-pricing',
      check: 'secondary',
    },
  },
  stepFunctions: {
    standardTransitionsThousand: {
      usd: 0.025,
      per: '1,000 state transitions',
      source: 'https://aws.amazon.com/step-functions/pricing/',
      check: 'aws',
    },
  },
  secretsManager: {
    secretMonth: {
      usd: 0.4,
      per: 'secret-month',
      source: 'https://aws.amazon.com/secrets-manager/pricing/',
      check: 'unverified',
    },
  },
  kms: {
    // $1 a month per customer managed key; each of the first two yearly rotations adds $1.
    customerManagedKeyMonth: {
      usd: 1,
      per: 'key-month',
      source: 'https://cloudburn.io/blog/aws-kms-pricing',
      check: 'secondary',
    },
  },
  config: {
    // $0.003 per configuration item (continuous), $0.012 (periodic).
    continuousItem: {
      usd: 0.003,
      per: 'configuration item',
      source: 'https://hykell.com/?p=3828',
      check: 'secondary',
    },
    periodicItem: {
      usd: 0.012,
      per: 'configuration item',
      source: 'https://hykell.com/?p=3828',
      check: 'secondary',
    },
    // Per rule evaluation per region: first 100,000 $0.001, next 400,000 $0.0008, over 500,000 $0.0005.
    ruleEvaluations: {
      tiers: [
        { upTo: 100_000, usd: 0.001 },
        { upTo: 500_000, usd: 0.0008 },
        { upTo: null, usd: 0.0005 },
      ],
      per: 'rule evaluation',
      source: 'https://www.vantage.sh/blog/aws-config-pricing',
      check: 'secondary',
    },
  },
};

/** Cost of `quantity` units a month under a tiered price (each tier charges the units within it). */
export function tieredCost(price: Pick<TieredPrice, 'tiers'>, quantity: number): number {
  let cost = 0;
  let from = 0;
  for (const tier of price.tiers) {
    const to = tier.upTo ?? Number.POSITIVE_INFINITY;
    if (quantity <= from) break;
    cost += (Math.min(quantity, to) - from) * tier.usd;
    from = to;
  }
  return cost;
}

/** Every price of the table with its path (`kinesis.onDemandStreamHour`), in table order. */
export function listPrices(table: PriceTable): { path: string; price: Price | TieredPrice }[] {
  const out: { path: string; price: Price | TieredPrice }[] = [];
  for (const [service, group] of Object.entries(table)) {
    if (typeof group !== 'object' || group === null) continue;
    for (const [name, price] of Object.entries(group as Record<string, unknown>)) {
      if (typeof price === 'object' && price !== null && 'check' in price) {
        out.push({ path: `${service}.${name}`, price: price as Price | TieredPrice });
      }
    }
  }
  return out;
}
