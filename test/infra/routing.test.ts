/**
 * The routing section in the CDK app: validated at synth with every problem named by its path, one
 * Secrets Manager secret per webhook destination with read granted to the notifier, the validated
 * section and the secret ARNs in the notifier's environment under the names its reader uses, and
 * organizations:ListParents only when a route names OUs; cdk-nag clean, template under 800 KB.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config.js';
import { bundledFileCommands } from '../../infra/lambda-defaults.js';
import { ROUTING_FILE_ENV, ROUTING_FILE_NAME } from '../../src/config.js';
import { parseRoutingJson } from '../../src/domain/routing-config.js';
import { loadNotifierConfig, NOTIFIER_ROUTING_ENV } from '../../src/handlers/notifier.config.js';
import { nagFindings, type Synthesized, synthesize, testConfigInput } from './synth.js';

const ROUTING = {
  destinations: {
    default: { type: 'webhook' },
    security: { type: 'webhook', secret: 'config-monitor/test/security' },
    platform: { type: 'webhook', secret: 'config-monitor/test/alerts' },
  },
  routes: [
    { name: 'critical', severities: ['CRITICAL', 'HIGH'], destination: 'security' },
    { name: 'prod', ous: ['ou-ab12-prod0001'], destination: 'security' },
    { rules: ['s3-*'], tags: { team: 'platform' }, destination: 'platform' },
  ],
  severityOverrides: { 'restricted-ssh': 'LOW' },
  accounts: { '210987654321': { name: 'payments-prod', owner: 'team-payments' } },
};

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(testConfigInput({ routing: ROUTING }));
}, 120_000);

const resources = (): Record<string, any> => synth.masterTemplate.toJSON().Resources;
const propsOfFunction = (fn: { node: { defaultChild?: unknown } }): Record<string, any> =>
  resources()[synth.master.getLogicalId(fn.node.defaultChild as CfnElement)].Properties;
const notifierEnv = (): Record<string, unknown> => {
  const fn = Object.values(resources()).find(
    (r) =>
      r.Type === 'AWS::Lambda::Function' &&
      String(r.Properties?.Description).includes('drains the alert outbox'),
  );
  return fn.Properties.Environment.Variables;
};

describe('routing in the master stack', () => {
  it('creates one secret per distinct webhook secret name and reuses the alerts secret', () => {
    const names = Object.values(resources())
      .filter((r) => r.Type === 'AWS::SecretsManager::Secret')
      .map((r) => r.Properties.Name)
      .sort();
    expect(names).toEqual([
      'config-monitor/test/alerts',
      'config-monitor/test/report',
      'config-monitor/test/security',
    ]);
  });

  it('passes the validated routing and each destination’s secret ARN to the notifier', () => {
    // Prepare
    const env = notifierEnv();

    // Act: the section is a file bundled next to the code, named by the variable
    const bundled = synth.master.notifier.function.bundledFiles;
    const routing = parseRoutingJson(String(bundled[ROUTING_FILE_NAME]), ROUTING_FILE_NAME);
    const arns = env[NOTIFIER_ROUTING_ENV.destinationSecrets] as unknown;
    expect(env[NOTIFIER_ROUTING_ENV.routing]).toBe(`/var/task/${ROUTING_FILE_NAME}`);

    // Assess
    expect(routing.routes).toHaveLength(3);
    expect(routing.defaultDestination).toBe('default');
    expect(env.EVENTS_TABLE_NAME).toBeDefined();
    // The ARNs are tokens: the JSON is joined by CloudFormation at deploy time
    const text = JSON.stringify(arns);
    for (const name of ['default', 'security', 'platform']) expect(text).toContain(`\\"${name}\\":`);
    expect(text).toMatch(/DestinationWebhooksecurity|DestinationWebhook-security/);
  });

  it('lets the notifier read each destination secret and call organizations:ListParents', () => {
    const notifierPolicies = Object.entries(resources()).filter(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('AlertDelivery'),
    );
    const text = JSON.stringify(notifierPolicies);
    expect(text).toContain('secretsmanager:GetSecretValue');
    expect(text).toMatch(/DestinationWebhook-?security/);
    const listParents = notifierPolicies
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
      .filter((st) => [st.Action].flat().includes('organizations:ListParents'));
    expect(listParents).toEqual([expect.objectContaining({ Resource: '*' })]);
  });

  it('bundles the section as a file, so an accounts map of 1,000 accounts fits where 4 KB of environment did not', () => {
    // Prepare: an organization's map, far over Lambda's 4 KB for the whole environment
    const accounts = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [
        String(100000000000 + i),
        { name: `workload-${i}-production`, ou: 'ou-ab12-prod0001', owner: `team-${i % 40}@example.com` },
      ]),
    );
    const big = synthesize(testConfigInput({ routing: { ...ROUTING, accounts } }));
    const fn = big.master.notifier.function;
    const content = String(fn.bundledFiles[ROUTING_FILE_NAME]);
    const variables = Object.values(big.masterTemplate.toJSON().Resources as Record<string, any>).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        String(r.Properties?.Description).includes('drains the alert outbox'),
    ).Properties.Environment.Variables as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), 'bundled-'));
    try {
      // Act: the commands the bundling runs, then the cold start reading what they wrote
      const root = join(dir, 'project');
      const out = join(dir, 'asset');
      mkdirSync(out, { recursive: true });
      const commands = bundledFileCommands(root, out, fn.bundledFiles, root);
      execSync(commands.join(' && '), { shell: '/bin/bash' });
      const config = loadNotifierConfig({
        OUTBOX_TABLE_NAME: 'outbox',
        SLACK_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a',
        [NOTIFIER_ROUTING_ENV.routing]: join(out, ROUTING_FILE_NAME),
        [NOTIFIER_ROUTING_ENV.destinationSecrets]: JSON.stringify({
          security: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s',
          platform: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:p',
        }),
      });

      // Assess
      expect(content.length).toBeGreaterThan(80_000);
      expect(readFileSync(join(out, ROUTING_FILE_NAME), 'utf8')).toBe(content);
      expect(commands.join(' ').length).toBeLessThan(1000);
      expect(Object.keys(config.routing.accounts)).toHaveLength(1000);
      expect(JSON.stringify(variables).length).toBeLessThan(4096);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('bundles the same section with the API (account names) and the archive transformation (severity overrides)', () => {
    for (const fn of [synth.master.api.function, synth.master.archive.transformFunction]) {
      expect(JSON.parse(String(fn.bundledFiles[ROUTING_FILE_NAME]))).toEqual(
        JSON.parse(String(synth.master.notifier.function.bundledFiles[ROUTING_FILE_NAME])),
      );
      expect(propsOfFunction(fn).Environment.Variables[ROUTING_FILE_ENV]).toBe(
        `/var/task/${ROUTING_FILE_NAME}`,
      );
    }
    // Without routing nothing is bundled and no variable is set.
    const none = synthesize(testConfigInput());
    expect(none.master.api.function.bundledFiles).toEqual({});
  }, 120_000);

  it('fails the cold start naming the variable when the bundled file is missing', () => {
    expect(() =>
      loadNotifierConfig({
        OUTBOX_TABLE_NAME: 'outbox',
        SLACK_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:a',
        [NOTIFIER_ROUTING_ENV.routing]: '/nonexistent/routing.json',
      }),
    ).toThrow(/ROUTING_CONFIG_FILE.*readable file \(ENOENT\)/);
  });

  it('is cdk-nag clean and stays under 800 KB', () => {
    expect(nagFindings(synth.app)).toEqual([]);
    expect(JSON.stringify(synth.masterTemplate.toJSON()).length).toBeLessThan(800 * 1024);
  });

  it('without OU routes, no Organizations permission', () => {
    const noOus = synthesize(
      testConfigInput({ routing: { ...ROUTING, routes: ROUTING.routes.filter((r) => !('ous' in r)) } }),
    );
    expect(JSON.stringify(noOus.masterTemplate.toJSON())).not.toContain('organizations:ListParents');
  }, 120_000);
});

describe('routing validation at synth', () => {
  it('names every problem by its path', () => {
    // Act
    let message = '';
    try {
      parseConfig(
        testConfigInput({
          routing: {
            destinations: {
              default: { type: 'webhook' },
              ops: { type: 'webhook' },
              'Bad Name': { type: 'webhook' },
            },
            routes: [
              { severities: ['URGENT'], destination: 'ops' },
              { regions: ['eu-west-1'], destination: 'nowhere' },
            ],
          },
        }),
      );
    } catch (err) {
      message = (err as Error).message;
    }

    // Assess
    expect(message).toMatch(/routing\.routes\[0\]\.severities\[0\]/);
    expect(message).toMatch(/routing\.destinations key "Bad Name"/);
  });

  it('requires a secret for every webhook destination but the default, and known destinations', () => {
    let message = '';
    try {
      parseConfig(
        testConfigInput({
          routing: {
            destinations: { default: { type: 'webhook' }, ops: { type: 'webhook' } },
            routes: [{ regions: ['eu-west-1'], destination: 'nowhere' }],
          },
        }),
      );
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/routing\.destinations\.ops\.secret is required in AWS/);
    expect(message).toMatch(/routing\.routes\[0\]\.destination must name a destination/);
    expect(message).not.toMatch(/destinations\.default\.secret/);
  });
});
