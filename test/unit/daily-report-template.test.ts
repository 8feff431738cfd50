import { describe, expect, it } from 'vitest';
import {
  allTexts,
  BLOCK_KIT_LIMITS,
  limitViolations,
  messageBytes,
} from '../../src/adapters/slack/block-kit.js';
import { createTemplateRenderer } from '../../src/adapters/slack/slack-messages.js';
import { yesterdayUtc } from '../../src/domain/archive-schema.js';
import {
  buildDailyReport,
  checkReportDay,
  type DailyReport,
  InvalidReportDayError,
  type ReportCoverage,
  ReportQueryError,
  renderDailyReport,
} from '../../src/use-cases/daily-report.js';

/** The report through the Slack adapter's template renderer, as the Lambda and the CLI render it. */
const render = (
  r: Parameters<typeof renderDailyReport>[0],
  options?: Parameters<typeof renderDailyReport>[2],
) => renderDailyReport(r, createTemplateRenderer(), options);

import { FakeQueryEngine } from '../helpers/fake-query-engine.js';
import {
  failingSyncStatus,
  InMemorySyncStatusStore,
  syncStatus,
  unhealthySource,
} from '../helpers/sync-status.js';

const HOSTILE = [
  '<!channel> fix now',
  '<@U024BE7LH> and <!here|here>',
  '@everyone @here',
  '<https://evil.example|click me>',
  'quote " backslash \\ brace } bracket ]',
  'line one\nline two\r\n*bold* _it_ `code`',
  'right-to-left \u202Eevil\u202C override',
  'a'.repeat(10_000),
  '{{ report.day }} {% raw %}',
  '&amp; &lt;!channel&gt;',
];

function report(overrides: Partial<DailyReport> = {}): DailyReport {
  return {
    day: '2024-03-09',
    start_date: '2024-03-09T00:00:00.000Z',
    end_date: '2024-03-10T00:00:00.000Z',
    total_evaluations: 12_345,
    compliance_percentage: 87.35,
    previous_compliance_percentage: 86.93,
    compliance_change: 0.42,
    new_violations: 23,
    resolved_violations: 19,
    open_violations: 456,
    compliant: 3_144,
    not_applicable: 12,
    insufficient_data: 0,
    top_rules: [
      { name: 'restricted-ssh', count: 40, affected_accounts: 7, new_violations: 3, resolved_violations: 1 },
      {
        name: 's3-bucket-versioning-enabled',
        count: 31,
        affected_accounts: 1,
        new_violations: 0,
        resolved_violations: 0,
      },
    ],
    top_accounts: [
      {
        account: '111122223333',
        open_violations: 45,
        compliance_score: 81.2,
        new_violations: 2,
        resolved_violations: 0,
      },
    ],
    link: 'https://dashboard.example.com/',
    coverage: null,
    ...overrides,
  };
}

function coverage(overrides: Partial<ReportCoverage> = {}): ReportCoverage {
  return {
    last_sync: '2024-03-10T06:00:12.345Z',
    sources_ok: 10,
    sources_failed: 2,
    sentences: ['2 aggregator sources failed or are outdated', '2 accounts in 2 regions report no rules'],
    unhealthy_sources: [
      {
        account: '111111111111',
        region: 'eu-west-1',
        status: 'FAILED',
        last_update_time: '2024-03-09T22:00:00.000Z',
        error: 'AccessDeniedException: not authorized',
      },
      {
        account: '222222222222',
        region: 'us-east-1',
        status: 'OUTDATED',
        last_update_time: '2024-03-01T00:00:00.000Z',
        error: null,
      },
    ],
    ...overrides,
  };
}

/** The text of the coverage context block, or undefined when the message has none. */
function coverageText(message: ReturnType<typeof renderDailyReport>['message']): string | undefined {
  return allTexts(message).find((text) => text.startsWith('*Coverage*'));
}

function mentionsSomeone(text: string): boolean {
  return /<[!@#]|<https?:\/\/evil|@(channel|here|everyone)\b/.test(text);
}

describe('daily_report.liquid', () => {
  it('renders the figures of the report', () => {
    // Act
    const { message, droppedBlocks, truncatedTexts } = render(report());
    // Assess
    const texts = allTexts(message).join('\n');
    expect(message.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: ':bar_chart: Daily compliance report · 2024-03-09' },
    });
    expect(texts).toContain('*87.35%*');
    expect(texts).toContain('▲ +0.42 pts from the day before');
    expect(texts).toContain('12,345');
    expect(texts).toContain('1. *restricted-ssh* — 40 resources in 7 accounts · 3 new');
    expect(texts).toContain('2. *s3-bucket-versioning-enabled* — 31 resources in 1 account');
    expect(texts).toContain('1. `111122223333` — 45 open · score 81.20%');
    expect(texts).toContain('<https://dashboard.example.com/|Open the dashboard>');
    expect(message.text).toBe(
      'Daily compliance report 2024-03-09: score 87.35%, 23 new violations, 19 resolved',
    );
    expect(droppedBlocks).toBe(0);
    expect(truncatedTexts).toBe(0);
    expect(limitViolations(message)).toEqual([]);
  });

  it('says so when there is nothing to score or list', () => {
    const { message } = render(
      report({
        compliance_percentage: null,
        previous_compliance_percentage: null,
        compliance_change: null,
        top_rules: [],
        top_accounts: [],
        link: null,
      }),
    );
    const texts = allTexts(message).join('\n');
    expect(texts).toContain('*n/a*');
    expect(texts).toContain('No rule has a non-compliant resource.');
    expect(texts).toContain('No account has an open violation.');
    expect(texts).not.toContain('Open the dashboard');
  });

  it('shows a fall in score as a fall', () => {
    const texts = allTexts(render(report({ compliance_change: -1.5 })).message).join('\n');
    expect(texts).toContain(':chart_with_downwards_trend:');
    expect(texts).toContain('▼ −1.50 pts from the day before');
  });

  it('stays within Block Kit limits and mentions nobody with 1000 hostile rules and accounts', () => {
    // Prepare
    const rules = Array.from({ length: 1000 }, (_, i) => ({
      name: `${HOSTILE[i % HOSTILE.length]} #${i}`,
      count: 1000 - i,
      affected_accounts: i % 13,
      new_violations: i % 3,
      resolved_violations: 0,
    }));
    const accounts = Array.from({ length: 1000 }, (_, i) => ({
      account: HOSTILE[i % HOSTILE.length] as string,
      open_violations: i,
      compliance_score: null,
      new_violations: 0,
      resolved_violations: 0,
    }));
    // Act
    const fitted = render(report({ top_rules: rules, top_accounts: accounts }), {
      maxRules: 1000,
    });
    // Assess
    const { message } = fitted;
    expect(() => JSON.parse(JSON.stringify(message))).not.toThrow();
    expect(limitViolations(message)).toEqual([]);
    expect(messageBytes(message)).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBytes);
    expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.blocks);
    for (const text of allTexts(message)) {
      expect(text.length).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.text);
      expect(mentionsSomeone(text), text.slice(0, 80)).toBe(false);
      expect(text).not.toContain('\u202E');
    }
    // Truncation is visible, not silent.
    expect(allTexts(message).join('')).toContain('…');
  });

  it('has no coverage block without a sync', () => {
    // Act
    const { message } = render(report({ coverage: null }));
    // Assess
    expect(coverageText(message)).toBeUndefined();
    expect(allTexts(message).join('\n')).not.toContain('Coverage');
    expect(message.blocks.filter((block) => block.type === 'context')).toHaveLength(1);
  });

  it('shows the coverage in a context block before the footer', () => {
    // Act
    const { message, truncatedTexts } = render(report({ coverage: coverage() }));
    // Assess
    expect(coverageText(message)).toBe(
      [
        '*Coverage* · last sync 2024-03-10 06:00 UTC · 10 sources ok, 2 failed or outdated',
        '2 aggregator sources failed or are outdated',
        '2 accounts in 2 regions report no rules',
        '• `111111111111` eu-west-1 FAILED — AccessDeniedException: not authorized',
        '• `222222222222` us-east-1 OUTDATED',
      ].join('\n'),
    );
    const contexts = message.blocks.filter((block) => block.type === 'context');
    expect(contexts).toHaveLength(2);
    expect(message.blocks.at(-2)).toEqual(contexts[0]);
    expect(truncatedTexts).toBe(0);
    expect(limitViolations(message)).toEqual([]);
  });

  it('says every source is healthy when the sync found nothing to report', () => {
    // Act
    const { message } = render(
      report({ coverage: coverage({ sources_failed: 0, sentences: [], unhealthy_sources: [] }) }),
    );
    // Assess
    expect(coverageText(message)).toBe(
      '*Coverage* · last sync 2024-03-10 06:00 UTC · 10 sources ok, 0 failed or outdated\n' +
        'Every aggregator source is healthy and reports rules.',
    );
  });

  it('lists 5 unhealthy sources, then how many more', () => {
    // Prepare
    const sources = Array.from({ length: 8 }, (_, i) => ({
      account: `10000000000${i}`,
      region: 'eu-west-1',
      status: 'FAILED',
      last_update_time: null,
      error: null,
    }));
    // Act
    const text = coverageText(render(report({ coverage: coverage({ unhealthy_sources: sources }) })).message);
    // Assess
    const lines = text?.split('\n') ?? [];
    expect(lines.filter((line) => line.startsWith('• '))).toHaveLength(5);
    expect(lines.at(-1)).toBe('…and 3 more');
  });

  it('escapes hostile source errors, accounts and regions: no mention, no link, one line each', () => {
    // Prepare: text that comes from other accounts (AWS Config reports it as the source saw it).
    const sources = HOSTILE.slice(0, 7).map((error, i) => ({
      account: i === 0 ? '<!channel>' : `30000000000${i}`,
      region: i === 1 ? '<https://evil.example|eu-west-1>' : 'eu-west-1',
      status: 'FAILED',
      last_update_time: null,
      error,
    }));
    sources[4] = { ...sources[4], error: 'a'.repeat(10_000) } as (typeof sources)[number];
    // Act
    const { message } = render(report({ coverage: coverage({ unhealthy_sources: sources }) }));
    // Assess
    const text = coverageText(message) ?? '';
    expect(text).toContain('`&lt;!channel&gt;`');
    expect(text).toContain('`300000000001` &lt;https://evil.example|eu-west… FAILED');
    expect(text).toContain('— &lt;!channel&gt; fix now');
    expect(text).toContain('— &lt;@U024BE7LH&gt; and &lt;!here|here&gt;');
    expect(text).toContain('— @\u2060everyone @\u2060here');
    expect(text).toContain(`— ${'a'.repeat(149)}…`);
    expect(text).not.toContain('a'.repeat(150));
    expect(text.split('\n').filter((line) => line.startsWith('• '))).toHaveLength(5);
    expect(text.split('\n').at(-1)).toBe('…and 2 more');
    expect(mentionsSomeone(text)).toBe(false);
    expect(limitViolations(message)).toEqual([]);
    for (const t of allTexts(message)) expect(mentionsSomeone(t), t.slice(0, 80)).toBe(false);
  });

  it('keeps a multi-line or bidi-overriding error on its line and shows the override', () => {
    // Prepare
    const sources = [
      {
        account: '111111111111',
        region: 'eu-west-1',
        status: 'FAILED',
        last_update_time: null,
        error: 'line one\nline two\r\n*bold* \u202Eevil\u202C',
      },
    ];
    // Act
    const text = coverageText(render(report({ coverage: coverage({ unhealthy_sources: sources }) })).message);
    // Assess
    expect(text?.split('\n').at(-1)).toBe(
      '• `111111111111` eu-west-1 FAILED — line one line two *bold* \uFFFDevil\uFFFD',
    );
  });

  it('ignores a link that Slack could misread', () => {
    const texts = allTexts(render(report({ link: 'javascript:alert(1)' })).message).join('\n');
    expect(texts).not.toContain('javascript');
    expect(texts).not.toContain('Open the dashboard');
  });
});

describe('buildDailyReport', () => {
  function engineWith(rows: FakeQueryEngine['rows']): FakeQueryEngine {
    const engine = new FakeQueryEngine();
    engine.rows = rows;
    return engine;
  }

  it('maps the saved queries into the report, ranking rules by count then name', async () => {
    // Prepare
    const engine = engineWith({
      daily_report: [
        {
          day: '2024-03-09',
          evaluations: 10,
          new_violations: 3,
          resolved_violations: 2,
          compliant: 8,
          non_compliant: 2,
          not_applicable: 1,
          insufficient_data: 0,
          compliance_score: 80,
          previous_compliance_score: 75,
          compliance_score_change: 5,
        },
      ],
      daily_top_rules: [
        {
          rule_rank: 1,
          base_rule_name: 'b-rule',
          non_compliant_resources: 2,
          affected_accounts: 1,
          new_violations: 1,
          resolved_violations: 0,
        },
        {
          rule_rank: 2,
          base_rule_name: 'a-rule',
          non_compliant_resources: 2,
          affected_accounts: 2,
          new_violations: 0,
          resolved_violations: 1,
        },
      ],
      daily_top_accounts: [
        {
          account_rank: 1,
          account: '111111111111',
          open_violations: 2,
          compliant: 8,
          compliance_score: 80,
          new_violations: 3,
          resolved_violations: 2,
        },
      ],
    });
    // Act
    const built = await buildDailyReport(engine, '2024-03-09', { consoleRegion: 'eu-west-1' });
    // Assess
    expect(engine.calls.map((c) => [c.name, c.params])).toEqual([
      ['daily_report', { day: '2024-03-09' }],
      ['daily_top_rules', { day: '2024-03-09' }],
      ['daily_top_accounts', { day: '2024-03-09' }],
    ]);
    expect(built).toMatchObject({
      day: '2024-03-09',
      start_date: '2024-03-09T00:00:00.000Z',
      end_date: '2024-03-10T00:00:00.000Z',
      total_evaluations: 10,
      compliance_percentage: 80,
      compliance_change: 5,
      open_violations: 2,
      top_rules: [
        { name: 'a-rule', count: 2 },
        { name: 'b-rule', count: 2 },
      ],
      top_accounts: [{ account: '111111111111', open_violations: 2 }],
      link: 'https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/dashboard',
    });
  });

  it('adds the last sync’s coverage when given a status store', async () => {
    // Prepare
    const store = new InMemorySyncStatusStore(syncStatus());
    // Act
    const built = await buildDailyReport(engineWith({}), '2024-03-09', { syncStatus: store });
    // Assess
    expect(built.coverage).toEqual({
      last_sync: '2024-03-10T06:00:00.000Z',
      sources_ok: 10,
      sources_failed: 2,
      sentences: ['2 aggregator sources failed or are outdated', '2 accounts in 2 regions report no rules'],
      unhealthy_sources: [
        {
          account: '111111111111',
          region: 'eu-west-1',
          status: 'FAILED',
          last_update_time: '2024-03-09T22:00:00.000Z',
          error: 'AccessDeniedException: the aggregator cannot read this account',
        },
        {
          account: '222222222222',
          region: 'us-east-1',
          status: 'OUTDATED',
          last_update_time: '2024-03-01T00:00:00.000Z',
          error: null,
        },
      ],
    });
    expect(store.reads).toBe(1);
  });

  it('has no coverage without a store or before any sync', async () => {
    const without = await buildDailyReport(engineWith({}), '2024-03-09');
    const beforeSync = await buildDailyReport(engineWith({}), '2024-03-09', {
      syncStatus: new InMemorySyncStatusStore(null),
    });
    expect(without.coverage).toBeNull();
    expect(beforeSync.coverage).toBeNull();
  });

  it('builds the report without coverage when the status cannot be read, and says why', async () => {
    // Prepare
    const errors: unknown[] = [];
    const failure = new Error('AccessDeniedException: not authorized to perform dynamodb:GetItem');
    // Act
    const built = await buildDailyReport(engineWith({}), '2024-03-09', {
      syncStatus: failingSyncStatus(failure),
      onCoverageError: (err) => errors.push(err),
    });
    // Assess
    expect(built.coverage).toBeNull();
    expect(built.day).toBe('2024-03-09');
    expect(errors).toEqual([failure]);
  });

  it('counts only unhealthy sources in the sentence', async () => {
    // Prepare: a status that lists a healthy source among the unhealthy ones.
    const status = syncStatus({
      coverage: {
        unhealthySources: [unhealthySource(), unhealthySource({ status: 'SUCCEEDED', error: null })],
        withoutRules: [],
      },
    });
    // Act
    const built = await buildDailyReport(engineWith({}), '2024-03-09', {
      syncStatus: new InMemorySyncStatusStore(status),
    });
    // Assess
    expect(built.coverage?.sentences).toEqual(['1 aggregator source failed or is outdated']);
    expect(built.coverage?.unhealthy_sources).toHaveLength(1);
  });

  it('fails clearly when a query is still running', async () => {
    const engine = engineWith({});
    engine.slow = true;
    await expect(buildDailyReport(engine, '2024-03-09')).rejects.toBeInstanceOf(ReportQueryError);
  });
});

describe('report days', () => {
  it('defaults to yesterday in UTC', () => {
    expect(yesterdayUtc(new Date('2024-03-01T00:30:00+02:00'))).toBe('2024-02-28');
    expect(yesterdayUtc(new Date('2024-03-01T23:59:59Z'))).toBe('2024-02-29');
  });

  it.each(['2024-02-30', '2024-3-1', '20240301', '', "2024-03-01' --"])('rejects %j', (day) => {
    expect(() => checkReportDay(day)).toThrow(InvalidReportDayError);
  });
});
