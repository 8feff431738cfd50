import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allTexts,
  BLOCK_KIT_LIMITS,
  limitViolations,
  messageBytes,
} from '../../src/adapters/slack/block-kit.js';
import { TemplateOutputError, TemplateRenderError } from '../../src/adapters/slack/errors.js';
import { createLiquidEngine, resolveTemplatesDir } from '../../src/adapters/slack/liquid-engine.js';
import {
  renderDigest,
  renderResolution,
  renderTemplate,
  renderViolation,
  ruleConsoleUrl,
} from '../../src/adapters/slack/slack-messages.js';
import { defaultAlertContext } from '../../src/domain/alert-context.js';
import { buildDigests, type QueuedAlert } from '../../src/domain/alert-digest.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { HOSTILE, makeAlert, makeStorm } from '../helpers/alerts.js';

/** Only links the renderer builds itself (console, dashboard) may start with `<`. */
const OWN_LINK = /^<https:\/\/([a-z0-9-]+\.console\.aws\.amazon\.com\/|dash\.example\/)/;

function assertSafe(message: SlackMessage): void {
  expect(limitViolations(message)).toEqual([]);
  expect(messageBytes(message)).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBytes);
  for (const text of allTexts(message)) {
    expect(text).not.toMatch(/<[!@#]/);
    for (const match of text.matchAll(/<[^<]*/g)) expect(match[0]).toMatch(OWN_LINK);
    expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u0000-\u0008]/);
    expect(text).not.toMatch(/(^|[^\u2060])@(channel|here|everyone)\b/i);
  }
}

/** An alert with the context the deliverer gives when it knows nothing more (as renderer arguments). */
function withContext(alert: Alert): [Alert, ReturnType<typeof defaultAlertContext>] {
  return [alert, defaultAlertContext(alert)];
}

const LONG = `${HOSTILE} `.repeat(Math.ceil(10_000 / HOSTILE.length)).slice(0, 10_000);

const hostileVariants: [string, Partial<Alert>][] = [
  ['mentions in the annotation', { annotation: '<!channel> <!here|x> <@U123> <!everyone> @here wake up' }],
  ['quotes, backslashes, newlines', { annotation: 'a "quoted" \\ value\nnext line\r\n"}]} ' }],
  ['right-to-left override', { annotation: 'invoice\u202Efdp.exe', resourceId: 'bucket\u202Eeliforp' }],
  [
    '10,000 characters everywhere',
    { annotation: LONG, resourceId: LONG, ruleName: LONG, resourceType: LONG },
  ],
  [
    'hostile ids and rule names',
    { resourceId: HOSTILE, ruleName: HOSTILE, account: HOSTILE, region: HOSTILE },
  ],
  [
    'Liquid syntax in data',
    { annotation: '{{ alert.account }} {% if true %}x{% endif %}', ruleName: '{{x}}' },
  ],
  ['null annotation, first evaluation', { annotation: null, oldStatus: null }],
];

describe('templates render hostile data into safe Block Kit', () => {
  describe.each(hostileVariants)('%s', (_name, overrides) => {
    it('violation.liquid', () => {
      // Act
      const message = renderViolation(...withContext(makeAlert(overrides)), {
        dashboardUrl: 'https://dash.example/',
      });

      // Assess
      assertSafe(message);
      expect(JSON.parse(JSON.stringify(message))).toEqual(message);
    });

    it('resolution.liquid', () => {
      assertSafe(renderResolution(...withContext(makeAlert({ kind: 'resolution', ...overrides }))));
    });

    it('digest.liquid', () => {
      // Prepare: 45 groups of hostile alerts in one digest (more than fit: blocks get dropped visibly)
      const alerts = Array.from({ length: 90 }, (_, i) =>
        makeAlert({
          ...overrides,
          ruleName: `${overrides.ruleName ?? 'rule'}-${i % 45}`,
          kind: i % 3 ? 'violation' : 'resolution',
        }),
      );
      const items = alerts.map((alert) => ({
        id: alert.eventId,
        alert,
        createdAt: '2024-05-01T10:00:00.000Z',
      }));
      const [digest] = buildDigests(items, { groupsPerMessage: 100 });

      // Act
      const { message } = renderDigest(digest!, 10, new Map(), { dashboardUrl: 'https://dash.example/' });

      // Assess
      assertSafe(message);
    });
  });

  it('violation shows the alert', () => {
    // Prepare
    const alert = makeAlert({ resourceId: 'my-bucket', annotation: 'Encryption off' });

    // Act
    const message = renderViolation(...withContext(alert));

    // Assess
    const texts = allTexts(message).join('\n');
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
    expect(texts).toContain(
      '`my-bucket` is now *NON_COMPLIANT* with rule *s3-bucket-server-side-encryption-enabled*',
    );
    expect(texts).toContain('*Annotation*\nEncryption off');
    expect(texts).toContain(`<${ruleConsoleUrl(alert.region, alert.ruleName)}|Open the rule in AWS Config>`);
  });

  it('a rollout violation shows when it was notified, not its year-old orderingTimestamp', () => {
    // Prepare
    const alert = makeAlert({
      eventTime: '2026-11-26T14:02:11.000Z',
      orderingTimestamp: '2025-09-03T07:41:52.904Z',
    });

    // Act
    const texts = allTexts(renderViolation(...withContext(alert))).join('\n');

    // Assess
    expect(texts).toContain('*Evaluated at*\n2026-11-26T14:02:11.000Z');
    expect(texts).not.toContain('2025-09-03');
  });

  it('a digest of a storm counts every alert and lists the first resources', () => {
    // Prepare
    const items: QueuedAlert[] = makeStorm(1000, 2, 2).map((alert) => ({
      id: alert.eventId,
      alert,
      createdAt: '2024-05-01T10:00:00.000Z',
    }));
    const [digest] = buildDigests(items);

    // Act
    const { message, droppedBlocks } = renderDigest(digest!, 10, new Map());

    // Assess
    expect(droppedBlocks).toBe(0);
    const texts = allTexts(message).join('\n');
    expect(message.text).toBe('Config alert digest: 1,000 violations, 0 resolved');
    expect(
      [...texts.matchAll(/\*(\d[\d,]*) violations\*/g)].map((m) => Number(m[1]!.replace(/,/g, ''))),
    ).toEqual([250, 250, 250, 250]);
    expect(texts).toContain('and 247 more');
  });

  it('ruleConsoleUrl refuses values that could break a link', () => {
    expect(ruleConsoleUrl('eu-west-1', 'rule|x>')).toBeNull();
    expect(ruleConsoleUrl('evil.example/', 'rule')).toBeNull();
    expect(ruleConsoleUrl('us-gov-west-1', 'securityhub-s3-1a2b')).toMatch(
      /^https:\/\/us-gov-west-1\.console/,
    );
  });
});

describe('the Liquid engine is strict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'templates-'));
  writeFileSync(join(dir, 'missing-var.liquid'), '{ "text": {{ nope | json_string }}, "blocks": [] }');
  writeFileSync(join(dir, 'unknown-filter.liquid'), '{ "text": {{ "x" | shout }}, "blocks": [] }');
  writeFileSync(join(dir, 'not-json.liquid'), '{ "text": "{{ v }}", "blocks": [] }');
  const engine = createLiquidEngine({ templatesDir: dir });

  it('fails on a missing variable', () => {
    expect(() => renderTemplate('missing-var', {}, { engine })).toThrow(TemplateRenderError);
  });

  it('fails on an unknown filter', () => {
    expect(() => renderTemplate('unknown-filter', {}, { engine })).toThrow(/undefined filter: shout/);
  });

  it('fails without quoting data when a template builds JSON by hand', () => {
    // Act
    const attempt = () => renderTemplate('not-json', { v: 'a "secret" value' }, { engine });

    // Assess
    expect(attempt).toThrow(TemplateOutputError);
    expect(attempt).toThrow(/^(?!.*secret).*$/s);
  });

  it('fails on a missing template', () => {
    expect(() => renderTemplate('absent', {}, { engine })).toThrow(TemplateRenderError);
  });

  it('finds templates from TEMPLATES_DIR, else the repository', () => {
    expect(resolveTemplatesDir({ TEMPLATES_DIR: '/opt/templates' })).toBe('/opt/templates');
    expect(resolveTemplatesDir({})).toMatch(/\/templates\/?$/);
  });
});

describe('alerts the reconciler found', () => {
  it('say so: a drift violation, a drift resolution, a pair closed because it is gone', () => {
    const texts = (m: SlackMessage) => allTexts(m).join('\n');
    expect(texts(renderViolation(...withContext(makeAlert({ reconciliation: 'drift' }))))).toContain(
      'Found by reconciliation with AWS Config',
    );
    expect(
      texts(renderResolution(...withContext(makeAlert({ kind: 'resolution', reconciliation: 'drift' })))),
    ).toContain('Found by reconciliation with AWS Config');
    expect(
      texts(
        renderResolution(
          ...withContext(
            makeAlert({ kind: 'resolution', newStatus: 'NOT_APPLICABLE', reconciliation: 'gone' }),
          ),
        ),
      ),
    ).toContain('no longer reports this rule and resource');
    expect(texts(renderViolation(...withContext(makeAlert())))).not.toContain('reconciliation');
  });
});
