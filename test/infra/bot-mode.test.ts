/**
 * Bot destinations in the master stack (issue 11, item 4): one Secrets Manager secret per bot token
 * secret name (shared by the destinations of one Slack app), described as a bot token, read granted
 * to the notifier and its ARN passed under the destination's name; a bot destination without a
 * secret, or naming a webhook's secret, is refused at synth naming the field; cdk-nag clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config.js';
import { NOTIFIER_ROUTING_ENV } from '../../src/handlers/notifier.config.js';
import { nagFindings, type Synthesized, synthesize, testConfigInput } from './synth.js';

const ROUTING = {
  destinations: {
    default: { type: 'bot', channel: 'C0123456789', secret: 'config-monitor/test/slack-bot' },
    security: { type: 'bot', channel: 'C0SECURITY1', secret: 'config-monitor/test/slack-bot' },
    legacy: { type: 'webhook', secret: 'config-monitor/test/legacy' },
  },
  routes: [
    { name: 'critical', severities: ['CRITICAL'], destination: 'security' },
    { name: 'old', regions: ['us-west-2'], destination: 'legacy' },
  ],
};

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(testConfigInput({ routing: ROUTING }));
}, 120_000);

const resources = (): Record<string, any> => synth.masterTemplate.toJSON().Resources;

describe('bot destinations in the master stack', () => {
  it('creates one bot token secret for the destinations sharing it, described as a bot token', () => {
    const secrets = Object.entries(resources()).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret');
    const bot = secrets.filter(([, r]) => r.Properties.Name === 'config-monitor/test/slack-bot');
    expect(bot).toHaveLength(1);
    expect(bot[0]?.[0]).toMatch(/^DestinationBotToken-?default/);
    expect(bot[0]?.[1].Properties.Description).toMatch(/Slack bot token/);
    const legacy = secrets.find(([, r]) => r.Properties.Name === 'config-monitor/test/legacy');
    expect(legacy?.[1].Properties.Description).toMatch(/incoming-webhook URL/);
  });

  it('grants the notifier read on the bot token secret and passes its ARN for both bot destinations', () => {
    // Prepare
    const [botId] = Object.entries(resources()).find(
      ([, r]) =>
        r.Type === 'AWS::SecretsManager::Secret' && r.Properties.Name === 'config-monitor/test/slack-bot',
    ) as [string, unknown];
    const notifierPolicies = Object.entries(resources()).filter(
      ([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('AlertDelivery'),
    );
    const statements = notifierPolicies.flatMap(
      ([, r]) => r.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
    );

    // Act
    const reads = statements.filter(
      (st) =>
        [st.Action].flat().includes('secretsmanager:GetSecretValue') &&
        JSON.stringify(st.Resource).includes(botId),
    );
    const fn = Object.values(resources()).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        String(r.Properties?.Description).includes('drains the alert outbox'),
    );
    const arns = JSON.stringify(fn.Properties.Environment.Variables[NOTIFIER_ROUTING_ENV.destinationSecrets]);

    // Assess
    expect(reads).toHaveLength(1);
    expect(arns).toContain('\\"default\\":');
    expect(arns).toContain('\\"security\\":');
    expect(arns.split(botId).length - 1).toBe(2);
  });

  it('is cdk-nag clean (the bot token secret’s rotation finding carries its reason)', () => {
    expect(nagFindings(synth.app)).toEqual([]);
  });
});

describe('bot destinations at synth', () => {
  const problemsOf = (routing: unknown): string => {
    try {
      parseConfig(testConfigInput({ routing }));
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('a bot destination needs its secret, also as the default (no fallback to the alerts webhook)', () => {
    const message = problemsOf({ destinations: { default: { type: 'bot', channel: 'C0123456789' } } });
    expect(message).toMatch(
      /routing\.destinations\.default\.secret is required in AWS: the Secrets Manager name of its bot token/,
    );
  });

  it('a bot destination may not use the alerts or report webhook secret, nor a webhook destination’s', () => {
    const alerts = String(
      (testConfigInput().slack as { alertsWebhookSecretName: string }).alertsWebhookSecretName,
    );
    const message = problemsOf({
      destinations: {
        default: { type: 'webhook', secret: 'config-monitor/test/team' },
        bot: { type: 'bot', channel: 'C0123456789', secret: alerts },
        other: { type: 'bot', channel: 'C0123456780', secret: 'config-monitor/test/team' },
      },
    });
    expect(message).toMatch(
      /routing\.destinations\.bot\.secret must differ from slack\.alertsWebhookSecretName/,
    );
    expect(message).toMatch(
      /routing\.destinations\.other\.secret must differ from routing\.destinations\.default's/,
    );
  });

  it('a bad channel is named by its path', () => {
    const message = problemsOf({
      destinations: { default: { type: 'bot', channel: '#alerts', secret: 'x/y' } },
    });
    expect(message).toMatch(/routing\.destinations\.default\.channel must be a Slack channel id/);
  });
});
