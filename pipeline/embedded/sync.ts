/**
 * `config-monitor sync` in the embedded stack: AWS Config's current compliance (an aggregator,
 * read with the caller's own credentials) through the reconciler into the stream, then processed,
 * archived and delivered like any ingest. See src/use-cases/reconcile.ts for baseline, drift and gone.
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import {
  AggregatorComplianceSource,
  createConfigServiceClient,
} from '../../src/adapters/config/aggregator.compliance-source.js';
import { ComplianceStateRepository } from '../../src/adapters/dynamodb/compliance-state.repository.js';
import { SyncStatusRepository } from '../../src/adapters/dynamodb/sync-status.repository.js';
import { partitionKeyFor } from '../../src/adapters/kinesis/partition-key.js';
import { renderBaselineSummary } from '../../src/adapters/slack/baseline-summary.js';
import { type ReconcileReport, reconcile } from '../../src/use-cases/reconcile.js';
import type { EmbeddedStack } from './stack.js';

/** Aggregator names: 1 to 256 of letters, digits, `.`, `_`, `-` (API_ConfigurationAggregator). */
export const AGGREGATOR_NAME = /^[\w.-]{1,256}$/;
/** AWS region names (`eu-west-1`, `us-gov-west-1`…). */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export interface SyncOptions {
  readonly aggregatorName: string;
  /** @default - a client from the standard chain (`AWS_REGION`, `AWS_ENDPOINT_URL_CONFIG_SERVICE`…) */
  readonly client?: ConfigServiceClient;
  readonly region?: string;
  readonly onProgress?: (progress: { rulesDone: number; rulesTotal: number }) => void;
  readonly clock?: () => Date;
}

/** The `--json` object of `config-monitor sync`. */
export interface SyncSummary {
  readonly sources: { readonly ok: number; readonly failed: number };
  readonly rules: number;
  readonly results: number;
  readonly applied: number;
  readonly unchanged: number;
  readonly stale: number;
  readonly closed: number;
  readonly alerts: { readonly violations: number; readonly resolved: number; readonly messages: number };
  readonly baseline: boolean;
  readonly skipped_pairs: number;
  readonly coverage: {
    readonly unhealthy_sources: readonly {
      account: string;
      region: string;
      status: string;
      error: string | null;
    }[];
    readonly without_rules: readonly string[];
  };
}

export async function syncIntoStack(
  stack: EmbeddedStack,
  options: SyncOptions,
): Promise<{ report: ReconcileReport; summary: SyncSummary }> {
  const client =
    options.client ?? createConfigServiceClient(options.region ? { region: options.region } : {});
  try {
    const report = await reconcile({
      config: new AggregatorComplianceSource(client, options.aggregatorName),
      state: new ComplianceStateRepository(stack.doc, stack.tables.state),
      status: new SyncStatusRepository(stack.doc, stack.tables.events),
      publisher: {
        async publish(records) {
          const result = await stack.putRecords(
            records.map((record) => {
              const data = JSON.stringify(record);
              return { data, partitionKey: partitionKeyFor(record, data) };
            }),
          );
          if (result.published !== records.length) {
            throw new Error(
              `the stream took ${result.published} of ${records.length} reconciliation records`,
            );
          }
        },
      },
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    }).catch((err: unknown) => {
      // Name the AWS error (NoSuchConfigurationAggregatorException, AccessDeniedException…).
      if (err instanceof Error && err.name !== 'Error' && !err.message.startsWith(err.name)) {
        throw new Error(`AWS Config ${err.name}: ${err.message}`, { cause: err });
      }
      throw err;
    });
    await stack.waitUntilProcessed();
    let messages = 0;
    if (report.baseline) {
      const posted = await stack.messageSink.post(renderBaselineSummary(report));
      if (posted.ok) messages += 1;
    }
    const drained = await stack.deliverAlerts();
    messages += drained.messages;
    return {
      report,
      summary: {
        sources: report.sources,
        rules: report.rules,
        results: report.results,
        applied: report.applied,
        unchanged: report.unchanged,
        stale: report.stale,
        closed: report.closed,
        alerts: { violations: report.alerts.violations, resolved: report.alerts.resolved, messages },
        baseline: report.baseline,
        skipped_pairs: report.skippedPairs,
        coverage: {
          unhealthy_sources: report.coverage.unhealthySources.map((s) => ({
            account: s.account,
            region: s.region,
            status: s.status,
            error: s.error,
          })),
          without_rules: report.coverage.withoutRules,
        },
      },
    };
  } finally {
    if (!options.client) client.destroy();
  }
}
