import { describe, expect, it } from 'vitest';
import type { Severity } from '../../src/domain/managed-rules.js';
import { changeAt, mergeResourceRecord } from '../../src/domain/resource-record.js';
import { alertContextOf, globToRegExp, type RoutingFacts, routeAlert } from '../../src/domain/routing.js';
import {
  NO_ROUTING,
  parseLocalConfigFile,
  parseRoutingJson,
  type RoutingConfig,
  RoutingConfigError,
} from '../../src/domain/routing-config.js';
import { makeAlert } from '../helpers/alerts.js';

const PROD_OU = 'ou-ab12-prod0001';
const SANDBOX_OU = 'ou-ab12-sbox0001';

function config(raw: unknown): RoutingConfig {
  const parsed = parseLocalConfigFile(raw);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return parsed.config;
}

const ROUTING = config({
  routing: {
    destinations: {
      default: { type: 'webhook' },
      security: { type: 'webhook', env: 'SLACK_WEBHOOK_URL_SECURITY' },
      platform: { type: 'webhook' },
      data: { type: 'webhook' },
    },
    routes: [
      { name: 'critical', severities: ['CRITICAL'], destination: 'security' },
      { name: 'prod-high', ous: [PROD_OU], severities: ['HIGH'], destination: 'security' },
      { name: 'pii', tags: { 'data-class': 'pii' }, destination: 'data' },
      { rules: ['s3-*', 'iam-password-*'], regions: ['eu-west-1', 'eu-central-1'], destination: 'platform' },
      {
        accounts: ['222222222222'],
        resourceTypes: ['AWS::EC2::*'],
        tags: { team: '*' },
        destination: 'platform',
      },
    ],
    severityOverrides: { 'restricted-ssh': 'LOW' },
  },
});

const BASE: RoutingFacts = {
  account: '111111111111',
  ous: [SANDBOX_OU, 'r-ab12'],
  region: 'us-east-1',
  ruleName: 'custom-rule',
  resourceType: 'AWS::Lambda::Function',
  severity: 'MEDIUM',
  tags: {},
};

describe.each<[string, Partial<RoutingFacts>, string, string | null]>([
  ['no route matches → default', {}, 'default', null],
  ['severity CRITICAL (first route)', { severity: 'CRITICAL' }, 'security', 'critical'],
  ['HIGH in the prod OU', { severity: 'HIGH', ous: [PROD_OU, 'r-ab12'] }, 'security', 'prod-high'],
  [
    'HIGH in a child OU of prod (OU above)',
    { severity: 'HIGH', ous: ['ou-ab12-child001', PROD_OU] },
    'security',
    'prod-high',
  ],
  ['HIGH outside the prod OU (AND: both must match)', { severity: 'HIGH' }, 'default', null],
  ['HIGH with the OU unknown', { severity: 'HIGH', ous: [] }, 'default', null],
  ['tag match', { tags: { 'data-class': 'pii' } }, 'data', 'pii'],
  ['tag with another value', { tags: { 'data-class': 'public' } }, 'default', null],
  ['tags never seen: a tag route cannot match', { tags: null }, 'default', null],
  [
    'overlap: CRITICAL and tagged pii → the first route wins',
    { severity: 'CRITICAL', tags: { 'data-class': 'pii' } },
    'security',
    'critical',
  ],
  [
    'rule pattern and region (unnamed route → #3)',
    { ruleName: 's3-bucket-versioning-enabled', region: 'eu-west-1' },
    'platform',
    '#3',
  ],
  [
    'rule pattern on the base name of a conformance pack rule',
    { ruleName: 'iam-password-policy-conformance-pack-a1b2c3', region: 'eu-central-1' },
    'platform',
    '#3',
  ],
  [
    'rule pattern, other region',
    { ruleName: 's3-bucket-versioning-enabled', region: 'us-east-1' },
    'default',
    null,
  ],
  ['pattern is anchored: prefix only', { ruleName: 'my-s3-rule', region: 'eu-west-1' }, 'default', null],
  [
    'account + type glob + any value of a tag',
    { account: '222222222222', resourceType: 'AWS::EC2::Instance', tags: { team: 'web' } },
    'platform',
    '#4',
  ],
  [
    'account + type glob, tag missing',
    { account: '222222222222', resourceType: 'AWS::EC2::Instance', tags: { owner: 'x' } },
    'default',
    null,
  ],
  [
    'a tag key named __proto__ does not match an absent key',
    { tags: JSON.parse('{"__proto__":"x"}') as Record<string, string> },
    'default',
    null,
  ],
])('routing: %s', (_name, facts, destination, rule) => {
  it(`→ ${destination}`, () => {
    expect(routeAlert({ ...BASE, ...facts }, ROUTING)).toEqual({ destination, rule });
  });
});

describe('routing without a routing section', () => {
  it('sends everything to the default destination', () => {
    expect(routeAlert({ ...BASE, severity: 'CRITICAL' }, NO_ROUTING)).toEqual({
      destination: 'default',
      rule: null,
    });
  });
});

describe('globToRegExp', () => {
  it('escapes everything but * and ?', () => {
    expect(globToRegExp('a.b*').test('a.bcd')).toBe(true);
    expect(globToRegExp('a.b*').test('axbcd')).toBe(false);
    expect(globToRegExp('s3-?').test('s3-x')).toBe(true);
    expect(globToRegExp('s3-?').test('s3-xy')).toBe(false);
  });
});

describe('alertContextOf', () => {
  const accounts = config({
    routing: {
      destinations: { default: { type: 'webhook' }, security: { type: 'webhook' } },
      routes: [{ severities: ['LOW'], destination: 'security' }],
      severityOverrides: { 'restricted-ssh': 'LOW' },
      accounts: { '123456789012': { name: 'payments-prod', ou: PROD_OU, owner: 'team-payments' } },
    },
  });

  it('applies the override before routing, names the account and joins the change captured at orderingTimestamp', () => {
    // Prepare
    const alert = makeAlert({
      account: '123456789012',
      ruleName: 'restricted-ssh-conformance-pack-q1w2e3',
      orderingTimestamp: '2024-05-01T09:00:00.000Z',
    });
    const key = {
      account: alert.account,
      region: alert.region,
      resourceType: alert.resourceType,
      resourceId: alert.resourceId,
    };
    const change = {
      captureTime: '2024-05-01T09:00:00.000Z',
      changeType: 'UPDATE',
      changedProperties: [],
      relatedEvents: ['e-1'],
    };
    const { record } = mergeResourceRecord(key, undefined, [
      { ...key, eventId: 'a', tags: { team: 'x' }, change },
      { ...key, eventId: 'b', tags: null, change: { ...change, captureTime: '2024-05-01T08:00:00.000Z' } },
    ]);

    // Act
    const context = alertContextOf(alert, accounts, { ous: [], record });

    // Assess
    expect(context).toMatchObject({
      severity: 'LOW' satisfies Severity,
      severitySource: 'override',
      accountName: 'payments-prod',
      owner: 'team-payments',
      route: { destination: 'security', rule: '#0' },
      change,
    });
    expect(context.description).toMatch(/.+/);
    expect(context.remediationUrl).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(alertContextOf({ ...alert, kind: 'resolution' }, accounts, { ous: [], record }).change).toBeNull();
    expect(changeAt(record, '2024-05-01T07:00:00.000Z')).toBeNull();
  });

  it('leaves name, owner, change and catalog fields null when nothing is known', () => {
    const context = alertContextOf(makeAlert({ account: '999999999999', ruleName: 'my-custom' }), accounts, {
      ous: [],
      record: undefined,
    });
    expect(context).toEqual({
      severity: 'MEDIUM',
      severitySource: 'default',
      description: null,
      remediationUrl: null,
      accountName: null,
      owner: null,
      route: { destination: 'default', rule: null },
      change: null,
    });
  });
});

describe('routing configuration errors name the field', () => {
  it.each<[string, unknown, RegExp[]]>([
    [
      'a route to an undefined destination, a bad severity, a bad account id',
      {
        routing: {
          destinations: { default: { type: 'webhook' } },
          routes: [
            { severities: ['SEVERE'], destination: 'default' },
            { accounts: ['12345'], destination: 'nowhere' },
          ],
        },
      },
      [/routing\.routes\[0\]\.severities\[0\]/, /routing\.routes\[1\]\.accounts\[0\]/],
    ],
    [
      'undefined destination (cross-field)',
      { routing: { routes: [{ regions: ['eu-west-1'], destination: 'nowhere' }] } },
      [
        /routing\.routes\[0\]\.destination must name a destination of routing\.destinations \(was "nowhere"; defined: default\)/,
      ],
    ],
    [
      'a default destination that is not defined',
      { routing: { destinations: { security: { type: 'webhook' } } } },
      [/routing\.defaultDestination must name a destination .*"default".*defined: security/],
    ],
    [
      'a route without criteria',
      { routing: { routes: [{ name: 'all', destination: 'default' }] } },
      [/routing\.routes\[0\] must match on at least one of/],
    ],
    [
      'an unknown destination type and an unknown key',
      { routing: { destinations: { default: { type: 'email' } }, route: [] } },
      [/routing\.destinations\.default\.type/, /routing\.route/],
    ],
    [
      'a bad destination name, a bad account id key and a bad OU',
      {
        routing: {
          destinations: { default: { type: 'webhook' }, 'Bad/Name': { type: 'webhook' } },
          accounts: { abc: { name: 'x' }, '123456789012': { name: 'ok', ou: 'ou-bad' } },
        },
      },
      [
        /destinations key "Bad\/Name"/,
        /routing\.accounts key "abc"/,
        /routing\.accounts\["123456789012"\]\.ou/,
      ],
    ],
    [
      'two routes with one name, two destinations on one variable',
      {
        routing: {
          destinations: {
            default: { type: 'webhook' },
            other: { type: 'webhook', env: 'SLACK_WEBHOOK_URL' },
          },
          routes: [
            { name: 'r', regions: ['eu-west-1'], destination: 'default' },
            { name: 'r', regions: ['us-east-1'], destination: 'other' },
          ],
        },
      },
      [
        /routing\.routes\[1\]\.name "r" is also the name of routing\.routes\[0\]/,
        /routing\.destinations\.other\.env must differ/,
      ],
    ],
  ])('%s', (_name, raw, expected) => {
    // Act
    const parsed = parseLocalConfigFile(raw);

    // Assess
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    for (const re of expected)
      expect(
        problems.some((p) => re.test(p)),
        `${re} in\n${problems.join('\n')}`,
      ).toBe(true);
  });

  it('parses the JSON the notifier is given, or throws naming the problem', () => {
    expect(parseRoutingJson('{"defaultDestination":"default"}', 'ROUTING_CONFIG').defaultDestination).toBe(
      'default',
    );
    expect(() =>
      parseRoutingJson('{"routes":[{"destination":"x","regions":["eu-west-1"]}]}', 'ROUTING_CONFIG'),
    ).toThrow(RoutingConfigError);
    expect(() =>
      parseRoutingJson('{"routes":[{"destination":"x","regions":["eu-west-1"]}]}', 'ROUTING_CONFIG'),
    ).toThrow(/ROUTING_CONFIG: .*routing\.routes\[0\]\.destination/s);
  });
});

describe('bot destinations (a Slack channel through a bot token)', () => {
  it('are accepted beside webhooks, as the default too, and may share one token', () => {
    // Act
    const parsed = parseLocalConfigFile({
      routing: {
        destinations: {
          default: { type: 'bot', channel: 'C0123456789' },
          security: {
            type: 'bot',
            channel: 'G01ABCDEF23',
            secret: 'config-monitor/bot',
            env: 'SLACK_BOT_TOKEN',
          },
          legacy: { type: 'webhook', env: 'SLACK_WEBHOOK_URL_LEGACY' },
        },
        routes: [{ severities: ['CRITICAL'], destination: 'security' }],
      },
    });

    // Assess
    expect(parsed.ok, parsed.ok ? '' : parsed.problems.join('\n')).toBe(true);
    const destinations = parsed.ok ? parsed.config.destinations : {};
    expect(destinations.default).toEqual({ type: 'bot', channel: 'C0123456789' });
    expect(destinations.security?.type).toBe('bot');
  });

  it.each<[string, unknown, RegExp[]]>([
    [
      'no channel',
      { routing: { destinations: { default: { type: 'bot' } } } },
      [/routing\.destinations\.default\.channel must be a string \(was missing\)/],
    ],
    [
      'a channel name instead of an id, and a lower-case id',
      {
        routing: {
          destinations: {
            default: { type: 'bot', channel: '#alerts' },
            other: { type: 'bot', channel: 'c0123456789' },
          },
        },
      },
      [
        /routing\.destinations\.default\.channel must be a Slack channel id such as C0123456789 .*\(was "#alerts"\)/,
        /routing\.destinations\.other\.channel must be a Slack channel id/,
      ],
    ],
    [
      'a channel on a webhook, an unknown key on a bot, a bad secret and env',
      {
        routing: {
          destinations: {
            default: { type: 'webhook', channel: 'C0123456789' },
            bot: { type: 'bot', channel: 'C0123456789', token: 'xoxb-1', secret: 'no spaces', env: 'lower' },
          },
        },
      },
      [
        /routing\.destinations\.default\.channel must be removed/,
        /routing\.destinations\.bot\.token must be removed/,
        /routing\.destinations\.bot\.secret must be a Secrets Manager secret name/,
        /routing\.destinations\.bot\.env must be an environment variable name/,
      ],
    ],
    [
      'a bot reading the variable of a webhook, and sharing its secret',
      {
        routing: {
          destinations: {
            default: { type: 'webhook', secret: 'config-monitor/alerts' },
            bot: {
              type: 'bot',
              channel: 'C0123456789',
              env: 'SLACK_WEBHOOK_URL',
              secret: 'config-monitor/alerts',
            },
          },
        },
      },
      [
        /routing\.destinations\.bot\.env must differ from routing\.destinations\.default's \(both read SLACK_WEBHOOK_URL\)/,
        /routing\.destinations\.bot\.secret must differ from routing\.destinations\.default's .*webhook URL.*bot token/,
      ],
    ],
  ])('%s: every problem named by its path', (_name, raw, expected) => {
    // Act
    const parsed = parseLocalConfigFile(raw);

    // Assess
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    for (const re of expected)
      expect(
        problems.some((p) => re.test(p)),
        `${re} in\n${problems.join('\n')}`,
      ).toBe(true);
  });
});
