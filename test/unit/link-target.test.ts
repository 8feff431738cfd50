import { describe, expect, it } from 'vitest';
import { linkTarget } from '../../src/domain/link-target.js';
import { buildDailyReport, reportTemplateVars } from '../../src/use-cases/daily-report.js';

describe('linkTarget: the one rule for a raw Slack link target', () => {
  it.each([
    ['https://dash.example/', 'https://dash.example/'],
    ['https://dash.example/?a=1&b=2', 'https://dash.example/?a=1&amp;b=2'],
    ['http://127.0.0.1:8787/#account=1', 'http://127.0.0.1:8787/#account=1'],
  ])('keeps %s as %s', (url, target) => {
    expect(linkTarget(url)).toBe(target);
  });

  it.each([
    'javascript:alert(1)',
    'https://dash.example/|label',
    'https://dash.example/<!channel>',
    'https://dash.example/ x',
    'https://dash.example/\u2028',
    'ftp://dash.example/',
    '',
    null,
    undefined,
  ])('refuses %j', (url) => {
    expect(linkTarget(url)).toBeNull();
  });

  it('is what the daily report links: a dashboard URL with a query string is escaped once, not dropped', async () => {
    const engine = { execute: async () => ({ status: 'succeeded', queryId: 'q', rows: [] }) } as never;
    const report = await buildDailyReport(engine, '2026-12-01', {
      dashboardUrl: 'https://dash.example/?team=a&stage=prod',
    });
    expect(report.link).toBe('https://dash.example/?team=a&stage=prod');
    expect(reportTemplateVars(report).link).toBe('https://dash.example/?team=a&amp;stage=prod');
  });
});
