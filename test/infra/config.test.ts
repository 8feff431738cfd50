import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CONFIG_CONTEXT_KEY,
  CONFIG_FILE_CONTEXT_KEY,
  isScheduleExpression,
  loadConfig,
  masterBusArn,
  parseConfig,
} from '../../infra/config.js';
import { ConfigError } from '../../infra/errors.js';
import { CDK_JSON, testConfigInput } from './synth.js';

const MINIMAL = {
  stage: 'prod',
  master: { account: '123456789012', region: 'eu-west-1' },
  organizationId: 'o-a1b2c3d4e5',
  slack: { alertsWebhookSecretName: 'config-monitor/prod/alerts' },
};

function context(values: Record<string, unknown>) {
  return { tryGetContext: (key: string) => values[key] };
}

/** The ConfigError thrown for `input`, with its problem lines. */
function problemsOf(input: unknown): readonly string[] {
  try {
    parseConfig(input, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

function without(path: string[], value: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(value);
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  delete node[path.at(-1) as string];
  return copy;
}

describe('parseConfig', () => {
  it('completes a minimal configuration with the documented defaults', () => {
    // Act
    const config = parseConfig(MINIMAL);

    // Assess
    expect(config).toMatchObject({
      agents: [],
      slack: { reportWebhookSecretName: 'config-monitor/prod/alerts', digestThreshold: 10 },
      report: { schedule: 'cron(0 7 * * ? *)', timeZone: 'UTC' },
      retention: { archiveDays: 730, athenaResultsDays: 30, logDays: 90, streamHours: 168 },
      athena: { bytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
      dashboard: { enabled: true, mfa: 'REQUIRED', threatProtection: false },
      tracing: true,
      retainData: true,
    });
    expect(config.stackSet).toBeUndefined();
  });

  it('accepts the example configuration committed in cdk.json', () => {
    expect(() => parseConfig(CDK_JSON.context[CONFIG_CONTEXT_KEY])).not.toThrow();
  });

  it('accepts the full test configuration and defaults the StackSet to SELF', () => {
    expect(parseConfig(testConfigInput()).stackSet?.callAs).toBe('SELF');
  });

  it.each([
    [
      'missing master account',
      without(['master', 'account'], MINIMAL),
      /master\.account is required: the 12-digit AWS account id/,
    ],
    [
      'master account too short',
      { ...MINIMAL, master: { account: '1234', region: 'eu-west-1' } },
      /master\.account must be a 12-digit AWS account id \(was "1234"\)/,
    ],
    [
      'missing organization id',
      without(['organizationId'], MINIMAL),
      /organizationId is required: the AWS Organizations id/,
    ],
    [
      'bad organization id',
      { ...MINIMAL, organizationId: 'org-123' },
      /organizationId must be an AWS Organizations id/,
    ],
    [
      'unknown region',
      { ...MINIMAL, master: { account: '123456789012', region: 'eu-wst-1' } },
      /master\.region must be a known AWS region/,
    ],
    [
      'bad agent region',
      { ...MINIMAL, agents: [{ account: '123456789012', regions: ['mars-1'] }] },
      /agents\[0\]\.regions\[0\] must be a known AWS region/,
    ],
    ['bad stage', { ...MINIMAL, stage: 'Prod_1' }, /stage must be 2-12 lowercase letters or digits/],
    [
      'cron with both day fields',
      { ...MINIMAL, report: { schedule: 'cron(0 7 * * * *)' } },
      /report\.schedule must be an EventBridge Scheduler expression/,
    ],
    [
      'five-field cron',
      { ...MINIMAL, report: { schedule: 'cron(0 7 * * ?)' } },
      /report\.schedule must be an EventBridge Scheduler expression/,
    ],
    [
      'bad sync schedule',
      { ...MINIMAL, reconcile: { schedule: 'daily' } },
      /reconcile\.schedule must be an EventBridge Scheduler expression/,
    ],
    [
      'bad aggregator name',
      { ...MINIMAL, reconcile: { aggregatorName: 'my aggregator' } },
      /reconcile\.aggregatorName must be an AWS Config aggregator name/,
    ],
    ['plural rate of one', { ...MINIMAL, report: { schedule: 'rate(1 days)' } }, /report\.schedule must be/],
    [
      'bad time zone',
      { ...MINIMAL, report: { timeZone: 'Mars/Olympus' } },
      /report\.timeZone must be an IANA time zone/,
    ],
    [
      'log retention CloudWatch refuses',
      { ...MINIMAL, retention: { logDays: 42 } },
      /retention\.logDays must be one of the CloudWatch Logs retention values/,
    ],
    [
      'scan cutoff below 10 MB',
      { ...MINIMAL, athena: { bytesScannedCutoffPerQuery: 1000 } },
      /athena\.bytesScannedCutoffPerQuery must be at least 10000000/,
    ],
    ['unknown setting', { ...MINIMAL, masterAccount: '123456789012' }, /masterAccount must be removed/],
    [
      'bad OU id',
      { ...MINIMAL, stackSet: { organizationalUnitIds: ['ou-1'], regions: ['eu-west-1'] } },
      /stackSet\.organizationalUnitIds\[0\] must be an organizational unit id/,
    ],
    [
      'empty StackSet regions',
      { ...MINIMAL, stackSet: { organizationalUnitIds: ['r-ab12'], regions: [] } },
      /stackSet\.regions must be non-empty/,
    ],
    [
      'bad secret name',
      { ...MINIMAL, slack: { alertsWebhookSecretName: 'has space' } },
      /slack\.alertsWebhookSecretName must be a Secrets Manager secret name/,
    ],
    [
      'http dashboard url',
      { ...MINIMAL, dashboardUrl: 'http://example.com' },
      /dashboardUrl must be an https URL/,
    ],
    [
      'dashboard.enabled that is not a boolean',
      { ...MINIMAL, dashboard: { enabled: 'yes' } },
      /dashboard\.enabled must be boolean \(was "yes"\)/,
    ],
    [
      'an unknown MFA mode',
      { ...MINIMAL, dashboard: { mfa: 'ON' } },
      /dashboard\.mfa must be "OPTIONAL" or "REQUIRED" \(was "ON"\)/,
    ],
    [
      'threatProtection that is not a boolean',
      { ...MINIMAL, dashboard: { threatProtection: 1 } },
      /dashboard\.threatProtection must be boolean/,
    ],
    [
      'a domain prefix with capitals and _',
      { ...MINIMAL, dashboard: { domainPrefix: 'Config_Monitor' } },
      /dashboard\.domainPrefix must be a Cognito domain prefix/,
    ],
    [
      'a domain prefix containing aws',
      { ...MINIMAL, dashboard: { domainPrefix: 'my-aws-monitor' } },
      /dashboard\.domainPrefix my-aws-monitor contains aws, which Cognito refuses/,
    ],
    [
      'a stage that puts cognito into the derived domain prefix',
      { ...MINIMAL, stage: 'cognito1' },
      /dashboard\.domainPrefix config-monitor-cognito1-123456789012 \(derived from the stage and account\) contains cognito/,
    ],
    [
      'an unknown dashboard setting',
      { ...MINIMAL, dashboard: { colour: 'red' } },
      /dashboard\.colour must be removed/,
    ],
    [
      'a custom domain in capitals',
      {
        ...MINIMAL,
        dashboard: {
          customDomain: {
            domainName: 'Monitor.Example.com',
            certificateArn:
              'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
          },
        },
      },
      /dashboard\.customDomain\.domainName must be a lowercase DNS name/,
    ],
    [
      'a custom domain certificate outside us-east-1',
      {
        ...MINIMAL,
        dashboard: {
          customDomain: {
            domainName: 'monitor.example.com',
            certificateArn:
              'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
          },
        },
      },
      /dashboard\.customDomain\.certificateArn must be an ACM certificate ARN in us-east-1/,
    ],
    [
      'a custom domain without a certificate',
      { ...MINIMAL, dashboard: { customDomain: { domainName: 'monitor.example.com' } } },
      /dashboard\.customDomain\.certificateArn is required: the ARN of an ACM certificate in us-east-1/,
    ],
    [
      'a federation type other than SAML or OIDC',
      { ...MINIMAL, dashboard: { federation: { type: 'LDAP', name: 'Corp' } } },
      /dashboard\.federation\.type must be "OIDC" or "SAML" \(was "LDAP"\)/,
    ],
    [
      'SAML federation without a metadata URL',
      { ...MINIMAL, dashboard: { federation: { type: 'SAML', name: 'Corp' } } },
      /dashboard\.federation\.metadataUrl is required: the https URL of the identity provider's SAML metadata/,
    ],
    [
      'SAML metadata over http',
      {
        ...MINIMAL,
        dashboard: { federation: { type: 'SAML', name: 'Corp', metadataUrl: 'http://idp.example.com/md' } },
      },
      /dashboard\.federation\.metadataUrl must be an https URL/,
    ],
    [
      'OIDC federation without its client secret',
      {
        ...MINIMAL,
        dashboard: {
          federation: { type: 'OIDC', name: 'Corp', issuer: 'https://idp.example.com', clientId: 'abc' },
        },
      },
      /dashboard\.federation\.clientSecretName is required: the Secrets Manager name of the OIDC client secret/,
    ],
    [
      'an identity provider name of one letter',
      {
        ...MINIMAL,
        dashboard: { federation: { type: 'SAML', name: 'C', metadataUrl: 'https://idp.example.com/md' } },
      },
      /dashboard\.federation\.name must be an identity provider name of 3-32 letters/,
    ],
    [
      'federation while the dashboard is off',
      {
        ...MINIMAL,
        dashboard: {
          enabled: false,
          federation: { type: 'SAML', name: 'Corp', metadataUrl: 'https://idp.example.com/md' },
        },
      },
      /dashboard\.federation is set but dashboard\.enabled is false/,
    ],
  ])('rejects %s with a message naming the setting', (_name, input, message) => {
    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems.join('\n')).toMatch(message);
  });

  it('lists every problem at once, not only the first', () => {
    const problems = problemsOf({
      ...MINIMAL,
      stage: 'X',
      organizationId: 'nope',
      report: { timeZone: 'Nowhere' },
    });
    expect(problems).toHaveLength(3);
  });

  it('rejects an agent outside the account allow-list (the bus would refuse its events)', () => {
    const problems = problemsOf({
      ...MINIMAL,
      allowedAccounts: ['123456789012'],
      agents: [{ account: '210987654321', regions: ['eu-west-1'] }],
    });
    expect(problems.join('\n')).toMatch(/agents 210987654321 are not in allowedAccounts/);
  });

  it('rejects allowedAccounts with stackSet (agents in unlisted accounts of the OUs would be refused)', () => {
    const problems = problemsOf({
      ...MINIMAL,
      allowedAccounts: ['123456789012'],
      stackSet: { organizationalUnitIds: ['ou-ab12-cd34ef56', 'r-ab12'], regions: ['eu-west-1'] },
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/allowedAccounts and stackSet cannot be set together/);
    expect(problems[0]).toContain('ou-ab12-cd34ef56, r-ab12');
  });

  it('accepts a dashboard with every option, and one turned off without options', () => {
    const full = parseConfig({
      ...MINIMAL,
      dashboard: {
        mfa: 'OPTIONAL',
        threatProtection: true,
        domainPrefix: 'acme-compliance',
        customDomain: {
          domainName: 'monitor.example.com',
          certificateArn:
            'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        },
        federation: {
          type: 'OIDC',
          name: 'Corp',
          issuer: 'https://idp.example.com',
          clientId: 'abc',
          clientSecretName: 'config-monitor/prod/oidc',
        },
      },
    });
    expect(full.dashboard).toMatchObject({ enabled: true, mfa: 'OPTIONAL', domainPrefix: 'acme-compliance' });
    expect(parseConfig({ ...MINIMAL, dashboard: { enabled: false } }).dashboard.enabled).toBe(false);
  });

  it('rejects the same agent account and region twice', () => {
    const problems = problemsOf({
      ...MINIMAL,
      agents: [
        { account: '210987654321', regions: ['eu-west-1'] },
        { account: '210987654321', regions: ['eu-west-1'] },
      ],
    });
    expect(problems.join('\n')).toMatch(/210987654321\/eu-west-1 twice/);
  });

  it('says where the configuration is expected when there is none', () => {
    expect(() => loadConfig(context({}))).toThrow(/context configMonitor \(cdk\.json\)[\s\S]*was missing/);
  });

  it('mentions the deploy guide in the error message', () => {
    expect(() => parseConfig({ ...MINIMAL, stage: '' })).toThrow(/docs\/deploy\.md#configuration/);
  });
});

describe('loadConfig from a file (-c configFile=…)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-monitor-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file instead of the cdk.json object', () => {
    // Prepare
    const file = join(dir, 'prod.json');
    writeFileSync(file, JSON.stringify({ ...MINIMAL, stage: 'fromfile' }));

    // Act
    const config = loadConfig(context({ [CONFIG_FILE_CONTEXT_KEY]: file, [CONFIG_CONTEXT_KEY]: MINIMAL }));

    // Assess
    expect(config.stage).toBe('fromfile');
  });

  it('names the file and the JSON error', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "stage": ');
    expect(() => loadConfig(context({ [CONFIG_FILE_CONTEXT_KEY]: file }))).toThrow(
      /broken\.json[\s\S]*not valid JSON/,
    );
  });

  it('names a file that does not exist', () => {
    expect(() => loadConfig(context({ [CONFIG_FILE_CONTEXT_KEY]: join(dir, 'missing.json') }))).toThrow(
      /missing\.json[\s\S]*cannot read the file/,
    );
  });
});

describe('isScheduleExpression', () => {
  it.each([
    ['cron(0 7 * * ? *)', true],
    ['cron(30 6 ? * MON-FRI *)', true],
    ['rate(1 day)', true],
    ['rate(12 hours)', true],
    ['cron(0 7 * * * *)', false],
    ['cron(0 7 ? * ? *)', false],
    ['rate(0 minutes)', false],
    ['rate(5 minute)', false],
    ['at(2026-01-01T00:00:00)', false],
    ['0 7 * * *', false],
  ])('%s → %s', (expression, valid) => {
    expect(isScheduleExpression(expression)).toBe(valid);
  });
});

describe('masterBusArn', () => {
  it('is known before the master stack exists (agents address the bus by ARN)', () => {
    expect(masterBusArn(parseConfig(MINIMAL))).toBe(
      'arn:aws:events:eu-west-1:123456789012:event-bus/config-monitor-prod-bus',
    );
  });
});
