/**
 * `config-monitor sync --aggregator NAME`: pulls an organization's current compliance from an AWS
 * Config aggregator (the caller's own credentials) into the embedded stack: a baseline the first
 * time, drift and gone pairs afterwards (src/use-cases/reconcile.ts).
 */
import { relative } from 'node:path';
import { readRunningStack, startEmbeddedStack } from '../../embedded/stack.js';
import { type SyncSummary, syncIntoStack } from '../../embedded/sync.js';
import { type Command, dataDirOption, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { createProgress } from '../progress.js';

const NAME = 'sync';
/** Aggregator names: 1 to 256 of letters, digits, `.`, `_`, `-` (API_ConfigurationAggregator). */
const AGGREGATOR_NAME = /^[\w.-]{1,256}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const command: Command = {
  usage: `Usage: config-monitor sync --aggregator NAME [--region R] [--data-dir DIR] [--json]

Reads the current compliance of every account, region, rule and resource from an AWS Config
aggregator and brings the embedded stack in line with it, through the same path as live events:
- baseline: accounts and regions with no state yet are loaded without one alert per resource;
  one summary message (open violations by account and rule, the score) is posted instead;
- drift: a result newer than the state that opens or closes a violation is alerted, marked
  "found by reconciliation" (EventBridge missed it);
- gone: a compliant or non-compliant pair AWS Config no longer reports is closed (a resolution
  if it was a violation); pairs of sources whose aggregation failed are never closed.
Running it again is safe: nothing already applied is applied or alerted twice.

Credentials, region and endpoint come from the AWS SDK's standard chain (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_CONFIG_SERVICE…). Needs config:DescribeConfigurationAggregatorSourcesStatus,
config:DescribeAggregateComplianceByConfigRules, config:GetAggregateComplianceDetailsByConfigRule.

Options:
  --aggregator NAME  the configuration aggregator (required)
  --region R         its region (default: the SDK's)
  --data-dir DIR     data directory (default ./.config-monitor)
  --json             print exactly one JSON object on stdout:
                     {"sources":{"ok","failed"},"rules","results","applied","unchanged","stale",
                      "closed","alerts":{"violations","resolved","messages"},"baseline",
                      "skipped_pairs","coverage":{"unhealthy_sources","without_rules"}}
  -h, --help         this help
`,

  async run(argv, io) {
    const { values } = parseCommandArgs(
      NAME,
      argv,
      {
        aggregator: { type: 'string' },
        region: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      { min: 0, max: 0 },
    );
    const aggregatorName = values.aggregator;
    if (!aggregatorName) throw new UsageError('--aggregator NAME is required', NAME);
    if (!AGGREGATOR_NAME.test(aggregatorName)) {
      throw new UsageError(
        `--aggregator "${aggregatorName.slice(0, 60)}" is not an aggregator name (1-256 letters, digits, . _ -)`,
        NAME,
      );
    }
    if (values.region !== undefined && !REGION.test(values.region)) {
      throw new UsageError(`--region "${values.region.slice(0, 40)}" is not an AWS region name`, NAME);
    }
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    const running = await readRunningStack(dataDir);
    if (running) {
      throw new UsageError(
        `a "config-monitor up" (pid ${running.pid}) is running on ${relative(io.cwd, dataDir) || '.'}; stop it, run sync, then start it again`,
        NAME,
      );
    }
    const progress = createProgress({ stream: io.stderr });
    progress.phase('reading AWS Config rules', undefined, 'rules');
    const stack = await startEmbeddedStack({ dataDir, messageLog: (line) => io.stderr.write(`${line}\n`) });
    let summary: SyncSummary;
    try {
      ({ summary } = await syncIntoStack(stack, {
        aggregatorName,
        ...(values.region ? { region: values.region } : {}),
        onProgress: ({ rulesDone, rulesTotal }) => progress.update(rulesDone, rulesTotal),
      }));
    } finally {
      progress.finish();
      await stack.close();
    }
    io.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    return 0;
  },
};

function formatSummary(s: SyncSummary): string {
  const lines = [
    `${s.baseline ? 'Baseline' : 'Sync'}: ${s.results} results of ${s.rules} rules from ${s.sources.ok} sources (${s.sources.failed} failed or outdated)`,
    `  applied ${s.applied}, unchanged ${s.unchanged}, stale ${s.stale}, closed ${s.closed}`,
    `  alerts: ${s.alerts.violations} violations, ${s.alerts.resolved} resolved, ${s.alerts.messages} messages`,
  ];
  for (const u of s.coverage.unhealthy_sources) {
    lines.push(
      `  source ${u.account}/${u.region} ${u.status}${u.error ? `: ${u.error}` : ''} (its pairs were not closed)`,
    );
  }
  if (s.coverage.without_rules.length > 0) {
    lines.push(
      `  ${s.coverage.without_rules.length} account/region(s) report no rules: ${s.coverage.without_rules.join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
