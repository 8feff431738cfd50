/**
 * `config-monitor sync --aggregator NAME`: pulls an organization's current compliance from an AWS
 * Config aggregator (the caller's own credentials) into the embedded stack: a baseline the first
 * time, drift and gone pairs afterwards (src/use-cases/reconcile.ts).
 */
import { syncThroughRunningStack } from '../../embedded/control.js';
import { readRunningStack, startEmbeddedStack } from '../../embedded/stack.js';
import { stderrLogger } from '../../embedded/stack-logger.js';
import { AGGREGATOR_NAME, REGION_NAME, type SyncSummary, syncIntoStack } from '../../embedded/sync.js';
import { type Command, dataDirOption, parseCommandArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { createProgress } from '../progress.js';

const NAME = 'sync';

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

If a "config-monitor up" is running on the data directory, the sync runs inside it, with the
credentials and settings of the "up" process's environment.

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
    if (values.region !== undefined && !REGION_NAME.test(values.region)) {
      throw new UsageError(`--region "${values.region.slice(0, 40)}" is not an AWS region name`, NAME);
    }
    const dataDir = dataDirOption(values['data-dir'], io.cwd);
    const region = values.region ? { region: values.region } : {};
    const progress = createProgress({ stream: io.stderr });
    progress.phase('reading AWS Config rules', undefined, 'rules');
    const onProgress = ({ rulesDone, rulesTotal }: { rulesDone: number; rulesTotal: number }) =>
      progress.update(rulesDone, rulesTotal);
    // Same detection as ingest: a running `up` holds the data directory, so the sync runs inside
    // it (with the `up` process's AWS credentials and endpoint settings).
    const running = await readRunningStack(dataDir);
    let summary: SyncSummary;
    if (running) {
      try {
        summary = await syncThroughRunningStack(running, { aggregatorName, ...region }, onProgress);
      } finally {
        progress.finish();
      }
    } else {
      const stack = await startEmbeddedStack({
        dataDir,
        messageLog: (line) => io.stderr.write(`${line}\n`),
        logger: stderrLogger(io.stderr),
      });
      try {
        ({ summary } = await syncIntoStack(stack, { aggregatorName, ...region, onProgress }));
      } finally {
        progress.finish();
        await stack.close();
      }
    }
    io.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary, running?.pid));
    return 0;
  },
};

function formatSummary(s: SyncSummary, runningPid?: number): string {
  const where = runningPid ? ` (through the running config-monitor, pid ${runningPid})` : '';
  const lines = [
    `${s.baseline ? 'Baseline' : 'Sync'}: ${s.results} results of ${s.rules} rules from ${s.sources.ok} sources (${s.sources.failed} failed or outdated)${where}`,
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
