/**
 * The one message of a baseline sync (src/use-cases/reconcile.ts): the posture AWS Config
 * reported for the accounts and regions seen for the first time, instead of one alert per
 * resource. Account ids and rule names come from other accounts: escaped.
 */
import type { SlackMessage } from '../../ports/message-sink.js';
import { enforceLimits, escapeMrkdwn } from './block-kit.js';

const TOP = 10;

function top(counts: Readonly<Record<string, number>>): string {
  const rows = Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, TOP)
    .map(([name, n]) => `• ${escapeMrkdwn(name)}: ${n}`);
  return rows.length > 0 ? rows.join('\n') : 'none';
}

/** What the summary shows (a reconcile report satisfies it). */
export interface BaselineFacts {
  readonly syncId: string;
  readonly rules: number;
  readonly results: number;
  readonly baselineSources: readonly string[];
  readonly sources: { readonly ok: number; readonly failed: number };
  readonly coverage: { readonly withoutRules: readonly string[] };
  readonly posture: {
    readonly pairs: number;
    readonly nonCompliant: number;
    readonly score: number | null;
    readonly openByAccount: Readonly<Record<string, number>>;
    readonly openByRule: Readonly<Record<string, number>>;
  };
}

export function renderBaselineSummary(report: BaselineFacts): SlackMessage {
  const p = report.posture;
  const score = p.score === null ? 'no scored pairs' : `${p.score.toFixed(2)}%`;
  const sources = report.baselineSources.length;
  const text = `Config baseline: ${report.results} results from ${sources} account/region(s), ${p.nonCompliant} open violations, score ${score}`;
  const fitted = enforceLimits(
    {
      text,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'AWS Config baseline', emoji: true } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `Read *${report.results}* results of *${report.rules}* rules from AWS Config; *${sources}* account/region(s) seen for the first time (no alert per resource for them).\nOpen violations: *${p.nonCompliant}* of ${p.pairs} pairs. Compliance score: *${score}*.`,
          },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `*Open violations by account*\n${top(p.openByAccount)}` },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `*Open violations by rule*\n${top(p.openByRule)}` },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `Sync ${escapeMrkdwn(report.syncId)}: ${report.sources.ok} sources ok, ${report.sources.failed} failed or outdated; ${report.coverage.withoutRules.length} account/region(s) report no rules.`,
            },
          ],
        },
      ],
    },
    'baseline-summary',
  );
  return fitted.message;
}
