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
import {
  cloudTrailEventUrl,
  dashboardFilterUrl,
  linkTarget,
  resourceTimelineUrl,
} from '../../src/adapters/slack/console-links.js';
import { TemplateOutputError, TemplateRenderError } from '../../src/adapters/slack/errors.js';
import { createLiquidEngine, resolveTemplatesDir } from '../../src/adapters/slack/liquid-engine.js';
import {
  formatDuration,
  renderDigest,
  renderResolution,
  renderTemplate,
  renderViolation,
  ruleConsoleUrl,
} from '../../src/adapters/slack/slack-messages.js';
import {
  type AlertContext,
  type ChangedProperty,
  defaultAlertContext,
  type ResourceChange,
} from '../../src/domain/alert-context.js';
import { buildDigests, type QueuedAlert } from '../../src/domain/alert-digest.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { SlackMessage } from '../../src/ports/message-sink.js';
import { HOSTILE, makeAlert, makeStorm } from '../helpers/alerts.js';

/** Only links the renderer builds itself (console, AWS Config guide, dashboard) may start with `<`. */
const OWN_LINK =
  /^<https:\/\/([a-z0-9-]+\.console\.aws\.amazon\.com\/|docs\.aws\.amazon\.com\/config\/|dash\.example\/)/;

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

/** An alert with the context the notifier gives when it knows nothing more (as renderer arguments). */
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

  it.each(['violation', 'resolution'] as const)(
    'a %s after a flapping spell says so, and only then',
    (kind) => {
      const render = kind === 'violation' ? renderViolation : renderResolution;
      const after = JSON.stringify(render(...withContext(makeAlert({ kind, wasFlapping: true }))));
      const usual = JSON.stringify(render(...withContext(makeAlert({ kind }))));
      expect(after).toContain('This pair was flapping');
      expect(usual).not.toContain('flapping');
    },
  );

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
    expect(texts).toContain('*Non-compliant since*\n2026-11-26T14:02:11.000Z');
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

  it('ruleConsoleUrl refuses values that could break a link, and encodes what AWS allows in a rule name', () => {
    expect(ruleConsoleUrl('eu-west-1', 'rule|x>')).toMatch(/configRuleName=rule%7Cx%3E$/);
    expect(ruleConsoleUrl('eu-west-1', 'rule\nx')).toBeNull();
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

const texts = (message: SlackMessage): string => allTexts(message).join('\n');

/** A context as the routing builds it: an account map entry, a matching rule, the causing change. */
function fullContext(alert: Alert, change: ResourceChange | null = null): AlertContext {
  return defaultAlertContext(alert, {
    accountName: 'payments-prod',
    owner: 'team-payments',
    route: { destination: 'payments', rule: 'prod-accounts' },
    change,
  });
}

function changeOf(properties: ChangedProperty[], relatedEvents: string[] = []): ResourceChange {
  return {
    captureTime: '2024-05-01T09:59:58.000Z',
    changeType: 'UPDATE',
    changedProperties: properties,
    relatedEvents,
  };
}

const TIMELINE =
  'https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/timeline?resourceId=my-bucket&amp;resourceType=AWS%3A%3AS3%3A%3ABucket';

describe('every single message says what broke, where, since when, what to do and whose it is', () => {
  it('a violation', () => {
    // Prepare
    const alert = makeAlert({ resourceId: 'my-bucket', eventTime: '2024-05-01T10:00:12.000Z' });

    // Act
    const message = renderViolation(alert, fullContext(alert), { dashboardUrl: 'https://dash.example/' });

    // Assess
    const all = texts(message);
    assertSafe(message);
    expect(message.text).toContain(
      'Config violation: HIGH · s3-bucket-server-side-encryption-enabled on my-bucket',
    );
    expect(all).toContain(':large_orange_circle: *HIGH* · *s3-bucket-server-side-encryption-enabled*');
    expect(all).toContain('Checks if your Amazon S3 bucket either has the Amazon S3 default encryption');
    expect(all).toContain('*Account*\npayments-prod (123456789012)');
    expect(all).toContain('*Region*\neu-west-1');
    expect(all).toContain(`*Resource*\n<${TIMELINE}|Timeline in AWS Config>`);
    expect(all).toContain('*Non-compliant since*\n2024-05-01T10:00:12.000Z');
    expect(all).toContain(
      ':wrench: *What to do:* <https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-server-side-encryption-enabled.html|how to fix s3-bucket-server-side-encryption-enabled>',
    );
    expect(all).toContain('*Routed to*\n`payments` by rule `prod-accounts`');
    expect(all).toContain('*Owner*\nteam-payments');
    expect(all).toContain(
      '<https://dash.example/#account=123456789012&amp;rule=s3-bucket-server-side-encryption-enabled|Dashboard>',
    );
  });

  it('a resolution, with how long it was open', () => {
    // Prepare
    const alert = makeAlert({
      kind: 'resolution',
      resourceId: 'my-bucket',
      openedAt: '2024-05-01T06:48:12.000Z',
      eventTime: '2024-05-01T10:00:12.000Z',
    });

    // Act
    const message = renderResolution(alert, fullContext(alert));

    // Assess
    const all = texts(message);
    assertSafe(message);
    expect(all).toContain('(was NON_COMPLIANT): resolved after 3 h 12 min');
    expect(message.text).toContain('resolved after 3 h 12 min');
    expect(all).toContain(':large_orange_circle: *HIGH*');
    expect(all).toContain('*Account*\npayments-prod (123456789012)');
    expect(all).toContain(`<${TIMELINE}|Timeline in AWS Config>`);
    expect(all).toContain('*Resolved at*\n2024-05-01T10:00:12.000Z');
    expect(all).toContain('*Non-compliant since*\n2024-05-01T06:48:12.000Z');
    expect(all).toContain('*What to do:*');
    expect(all).toContain('*Routed to*\n`payments` by rule `prod-accounts`');
  });

  it('a resolution without openedAt says no duration', () => {
    const all = texts(renderResolution(...withContext(makeAlert({ kind: 'resolution' }))));
    expect(all).not.toContain('resolved after');
    expect(all).not.toContain('Non-compliant since');
  });

  it('an unknown rule: severity MEDIUM (the default), no description, no remediation link', () => {
    // Prepare
    const alert = makeAlert({ ruleName: 'acme-custom-tagging' });

    // Act
    const violation = texts(renderViolation(...withContext(alert)));
    const resolution = texts(renderResolution(...withContext(makeAlert({ ...alert, kind: 'resolution' }))));

    // Assess
    for (const all of [violation, resolution]) {
      expect(all).toContain(':large_yellow_circle: *MEDIUM* (the default: a rule the catalog does not know)');
      expect(all).not.toContain('What to do');
      expect(all).not.toContain('docs.aws.amazon.com');
      expect(all).toContain('*Routed to*\n`default` (no routing rule matched)');
      expect(all).not.toContain('*Owner*');
    }
  });

  it('shows the account id alone when the account has no name', () => {
    expect(texts(renderViolation(...withContext(makeAlert())))).toContain('*Account*\n123456789012');
  });

  it.each([
    ['CRITICAL', ':red_circle:'],
    ['HIGH', ':large_orange_circle:'],
    ['MEDIUM', ':large_yellow_circle:'],
    ['LOW', ':large_blue_circle:'],
    ['INFORMATIONAL', ':white_circle:'],
  ] as const)('severity %s has its emoji', (severity, emoji) => {
    const alert = makeAlert();
    const context = defaultAlertContext(alert, { severity, severitySource: 'override' });
    expect(texts(renderViolation(alert, context))).toContain(
      `${emoji} *${severity}* (set in the configuration)`,
    );
  });
});

describe('who changed it', () => {
  const EVENT_ID = '2d4b6f1e-1c52-4b1c-9d3e-8f0f4b1b2a11';

  it('shows the first 3 changed properties, the rest behind the timeline, and links the CloudTrail events', () => {
    // Prepare
    const alert = makeAlert({ resourceId: 'my-bucket' });
    const change = changeOf(
      [
        {
          path: 'Configuration.ServerSideEncryptionConfiguration',
          changeType: 'DELETE',
          previousValue: '{"sseAlgorithm":"AES256"}',
          updatedValue: null,
        },
        {
          path: 'Configuration.Versioning',
          changeType: 'UPDATE',
          previousValue: '"Enabled"',
          updatedValue: '"Suspended"',
        },
        {
          path: 'SupplementaryConfiguration.Tags.env',
          changeType: 'CREATE',
          previousValue: null,
          updatedValue: '"dev"',
        },
        { path: 'Configuration.Acl', changeType: 'UPDATE', previousValue: '1', updatedValue: '2' },
        { path: 'Configuration.Policy', changeType: 'UPDATE', previousValue: '3', updatedValue: '4' },
      ],
      [EVENT_ID],
    );

    // Act
    const message = renderViolation(alert, fullContext(alert, change));

    // Assess
    const all = texts(message);
    assertSafe(message);
    expect(all).toContain(':pencil2: *What changed* (UPDATE), captured 2024-05-01T09:59:58.000Z');
    expect(all).toContain(
      '• `Configuration.ServerSideEncryptionConfiguration` DELETE: was `{"sseAlgorithm":"AES256"}`',
    );
    expect(all).toContain('• `Configuration.Versioning` UPDATE: `"Enabled"` → `"Suspended"`');
    expect(all).toContain('• `SupplementaryConfiguration.Tags.env` CREATE: `"dev"`');
    expect(all).not.toContain('Configuration.Acl');
    expect(all).toContain(`…and 2 more properties in the <${TIMELINE}|resource timeline>`);
    expect(all).toContain(
      `*CloudTrail:* <https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/${EVENT_ID}|${EVENT_ID}>`,
    );
  });

  it('no change found, or one with nothing to show: no block, no error', () => {
    const alert = makeAlert();
    for (const change of [null, changeOf([], [])]) {
      const message = renderViolation(alert, fullContext(alert, change));
      assertSafe(message);
      expect(texts(message)).not.toContain('What changed');
    }
  });

  it('a resolution never shows a change', () => {
    const alert = makeAlert({ kind: 'resolution' });
    const change = changeOf([{ path: 'p', changeType: 'UPDATE', previousValue: '1', updatedValue: '2' }]);
    expect(texts(renderResolution(alert, fullContext(alert, change)))).not.toContain('What changed');
  });

  it('keeps backticks, newlines and emoji codes inside their code spans', () => {
    // Prepare
    const alert = makeAlert();
    const change = changeOf([
      {
        path: 'a\nb` _x_',
        changeType: 'UPDATE',
        previousValue: '```\n:skull:',
        updatedValue: '`:fire: *not bold*',
      },
    ]);

    // Act
    const all = texts(renderViolation(alert, fullContext(alert, change)));

    // Assess
    expect(all).toContain('• `a↵bˋ _x_` UPDATE: `ˋˋˋ↵:skull:` → `ˋ:fire: *not bold*`');
  });

  const huge = 'x'.repeat(200_000);
  const hostileChanges: [string, ChangedProperty[], string[]][] = [
    [
      'mrkdwn control characters and mentions',
      [
        {
          path: '<!channel>*bold*_it_~st~`code`',
          changeType: 'UPDATE',
          previousValue: '<@U123> &amp;',
          updatedValue: '<https://evil.example|click> @here',
        },
        { path: HOSTILE, changeType: HOSTILE, previousValue: HOSTILE, updatedValue: HOSTILE },
      ],
      ['<!channel>', '<https://evil.example|x>', 'a|b>c'],
    ],
    [
      'newlines, backticks and emoji codes',
      [
        {
          path: 'a\nb\r\nc` _x_',
          changeType: 'UPDATE',
          previousValue: '```\n:skull: :rotating_light:\n```',
          updatedValue: '`:fire: *not bold*',
        },
      ],
      ['evt\nwith newline'],
    ],
    [
      'huge values, many properties and events',
      Array.from({ length: 500 }, (_, i) => ({
        path: `${huge}${i}`,
        changeType: 'UPDATE',
        previousValue: `${'&<>'.repeat(10_000)}`,
        updatedValue: huge,
      })),
      Array.from({ length: 1000 }, (_, i) => `${'e'.repeat(5000)}-${i}`),
    ],
  ];

  describe.each(hostileChanges)('hostile change: %s', (_name, properties, events) => {
    it('is escaped, every code span closed, within Block Kit limits', () => {
      // Prepare
      const alert = makeAlert({ resourceId: 'my-bucket' });

      // Act
      const message = renderViolation(alert, fullContext(alert, changeOf(properties, events)), {
        dashboardUrl: 'https://dash.example/',
      });

      // Assess
      assertSafe(message);
      const change = allTexts(message).find((t) => t.includes('*What changed*'));
      expect(change).toBeDefined();
      const lines = change!.split('\n');
      // One line per property shown: a newline in the data never starts a line of its own.
      expect(lines.filter((l) => l.startsWith('• '))).toHaveLength(Math.min(properties.length, 3));
      for (const line of lines.filter((l) => l.startsWith('• '))) {
        expect((line.match(/`/g) ?? []).length % 2).toBe(0);
        expect(line.length).toBeLessThan(600);
      }
      expect(change).not.toMatch(/<(?!https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/)/);
      // Only CloudTrail ids of CloudTrail's shape are linked.
      expect(change).not.toContain('cloudtrailv2');
    });
  });
});

describe('console links', () => {
  it('the resource timeline encodes every part and refuses what AWS never names so', () => {
    // Act
    const url = resourceTimelineUrl('eu-west-1', 'AWS::S3::Bucket', 'a&b|c> d#e?f*');

    // Assess
    expect(url).toBe(
      'https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/timeline?resourceId=a%26b%7Cc%3E%20d%23e%3Ff%2A&resourceType=AWS%3A%3AS3%3A%3ABucket',
    );
    expect(resourceTimelineUrl('evil.example/', 'AWS::S3::Bucket', 'x')).toBeNull();
    expect(resourceTimelineUrl('eu-west-1', 'AWS::S3::Bucket|x', 'x')).toBeNull();
    expect(resourceTimelineUrl('eu-west-1', 'AWS::S3::Bucket', '')).toBeNull();
    expect(resourceTimelineUrl('eu-west-1', 'AWS::S3::Bucket', 'x'.repeat(2000))).toBeNull();
  });

  it('a CloudTrail event link only for an id of its shape', () => {
    expect(cloudTrailEventUrl('us-east-1', 'ab12-cd')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/ab12-cd',
    );
    expect(cloudTrailEventUrl('us-east-1', 'a|b')).toBeNull();
    expect(cloudTrailEventUrl('us-east-1', '../x')).toBeNull();
  });

  it('a link target escapes & and refuses what ends a link', () => {
    expect(linkTarget('https://x.example/?a=1&b=2')).toBe('https://x.example/?a=1&amp;b=2');
    expect(linkTarget('https://x.example/a|b')).toBeNull();
    expect(linkTarget('https://x.example/a>b')).toBeNull();
    expect(linkTarget('https://x.example/a b')).toBeNull();
    expect(linkTarget('javascript:alert(1)')).toBeNull();
    expect(linkTarget(null)).toBeNull();
  });

  it('the dashboard filter is read back exactly by the dashboard (URLSearchParams over the hash)', () => {
    // Prepare
    const rule = 'weird rule&x=1#|<>+';

    // Act
    const url = dashboardFilterUrl('https://dash.example/app#days=7', { account: '123456789012', rule });

    // Assess
    expect(url).toMatch(/^https:\/\/dash\.example\/app#account=123456789012&rule=/);
    const params = new URLSearchParams(url!.split('#')[1]);
    expect([...params.entries()]).toEqual([
      ['account', '123456789012'],
      ['rule', rule],
    ]);
    expect(linkTarget(url)).not.toBeNull();
    expect(dashboardFilterUrl(null, { account: '1' })).toBeNull();
  });

  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [12 * 60_000, '12 min'],
    [(3 * 60 + 12) * 60_000, '3 h 12 min'],
    [3 * 3_600_000, '3 h'],
    [(2 * 24 + 4) * 3_600_000, '2 d 4 h'],
    [-1, null],
    [Number.NaN, null],
  ])('formatDuration(%d) → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('digests', () => {
  const queuedAt = (alerts: Alert[]): QueuedAlert[] =>
    alerts.map((alert) => ({ id: alert.eventId, alert, createdAt: '2026-12-02T05:55:46.000Z' }));

  it('show when the violations happened, not when they were queued', () => {
    // Prepare: queued today, happened over two days last week
    const alerts = [
      makeAlert({ eventTime: '2026-11-24T08:00:00.000Z' }),
      makeAlert({ eventTime: '2026-11-25T17:30:00.000Z' }),
      makeAlert({ eventTime: '2026-11-24T12:00:00.000Z' }),
    ];
    const [digest] = buildDigests(queuedAt(alerts));

    // Act
    const all = texts(renderDigest(digest!, 10, new Map()).message);

    // Assess
    expect(all).toContain('They happened from 2026-11-24T08:00:00.000Z to 2026-11-25T17:30:00.000Z.');
    expect(all).not.toContain('2026-12-02');
  });

  it('list a resource once however many alerts name it, and tell the same id in two regions apart', () => {
    // Prepare: one bucket 3 times in eu-west-1, once in us-east-1
    const alerts = [
      makeAlert({ resourceId: 'etl-3' }),
      makeAlert({ resourceId: 'etl-3' }),
      makeAlert({ resourceId: 'etl-3' }),
      makeAlert({ resourceId: 'etl-3', region: 'us-east-1' }),
    ];
    const [digest] = buildDigests(queuedAt(alerts));

    // Act
    const all = texts(renderDigest(digest!, 10, new Map()).message);

    // Assess
    expect(all).toContain('*4 violations* on 2 resources: `etl-3` (eu-west-1), `etl-3` (us-east-1)');
    expect(all).not.toContain('more');
  });

  it('a digest of only resolutions has no siren', () => {
    // Prepare
    const alerts = Array.from({ length: 9 }, () => makeAlert({ kind: 'resolution' }));
    const [digest] = buildDigests(queuedAt(alerts));

    // Act
    const { message } = renderDigest(digest!, 10, new Map());

    // Assess
    expect(texts(message)).not.toContain(':rotating_light:');
    expect(message.blocks[0]).toMatchObject({
      text: { text: ':white_check_mark: Config alert digest: 0 violations, 9 resolved' },
    });
  });

  it('a digest with violations opens with the siren', () => {
    const [digest] = buildDigests(queuedAt([makeAlert(), makeAlert({ kind: 'resolution' })]));
    expect(renderDigest(digest!, 10, new Map()).message.blocks[0]).toMatchObject({
      text: { text: ':rotating_light: Config alert digest: 1 violations, 1 resolved' },
    });
  });

  it('give each group its severity (the worst of its contexts) and account name', () => {
    // Prepare: an unknown rule (MEDIUM by default), one of whose alerts a context makes CRITICAL
    const alerts = [makeAlert({ ruleName: 'acme-custom' }), makeAlert({ ruleName: 'acme-custom' })];
    const contexts = new Map([
      [alerts[0]!.eventId, defaultAlertContext(alerts[0]!, { accountName: 'payments-prod' })],
      [
        alerts[1]!.eventId,
        defaultAlertContext(alerts[1]!, { severity: 'CRITICAL', severitySource: 'override' }),
      ],
    ]);
    const [digest] = buildDigests(queuedAt(alerts));

    // Act
    const all = texts(renderDigest(digest!, 10, contexts).message);
    const fallback = texts(renderDigest(digest!, 10, new Map()).message);

    // Assess
    expect(all).toContain(':red_circle: *CRITICAL* · *acme-custom* · account `123456789012` (payments-prod)');
    expect(fallback).toContain(':large_yellow_circle: *MEDIUM* · *acme-custom* · account `123456789012` ·');
  });

  it('link each group to the dashboard filtered to its account and base rule, and no query footer', () => {
    // Prepare
    const alerts = [
      makeAlert({ ruleName: 's3-bucket-versioning-enabled-conformance-pack-abc123' }),
      makeAlert({ kind: 'resolution', account: '210987654321' }),
    ];
    const [digest] = buildDigests(queuedAt(alerts));

    // Act
    const { message } = renderDigest(digest!, 10, new Map(), { dashboardUrl: 'https://dash.example/' });
    const withoutDashboard = texts(renderDigest(digest!, 10, new Map()).message);

    // Assess
    const all = texts(message);
    assertSafe(message);
    expect(all).toContain(
      '<https://dash.example/#account=123456789012&amp;rule=s3-bucket-versioning-enabled|Open in the dashboard>',
    );
    expect(all).toContain(
      '<https://dash.example/#account=210987654321&amp;rule=s3-bucket-server-side-encryption-enabled|Open in the dashboard>',
    );
    expect(all).not.toContain('current_state');
    expect(withoutDashboard).not.toContain('dashboard');
    expect(withoutDashboard).not.toContain('current_state');
  });
});
