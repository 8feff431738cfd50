import { describe, expect, it } from 'vitest';
import {
  allTexts,
  BLOCK_KIT_LIMITS,
  limitViolations,
  messageBytes,
} from '../../src/adapters/slack/block-kit.js';
import { yesterdayUtc } from '../../src/domain/archive-schema.js';
import {
  buildDailyReport,
  checkReportDay,
  type DailyReport,
  InvalidReportDayError,
  ReportQueryError,
  renderDailyReport,
} from '../../src/use-cases/daily-report.js';
import { FakeQueryEngine } from '../helpers/fake-query-engine.js';

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
    ...overrides,
  };
}

function mentionsSomeone(text: string): boolean {
  return /<[!@#]|<https?:\/\/evil|@(channel|here|everyone)\b/.test(text);
}

describe('daily_report.liquid', () => {
  it('renders the figures of the report', () => {
    // Act
    const { message, droppedBlocks, truncatedTexts } = renderDailyReport(report());
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
    const { message } = renderDailyReport(
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
    const texts = allTexts(renderDailyReport(report({ compliance_change: -1.5 })).message).join('\n');
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
    const fitted = renderDailyReport(report({ top_rules: rules, top_accounts: accounts }), {
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

  it('ignores a link that Slack could misread', () => {
    const texts = allTexts(renderDailyReport(report({ link: 'javascript:alert(1)' })).message).join('\n');
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
