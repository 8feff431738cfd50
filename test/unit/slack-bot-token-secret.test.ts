import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createBotTokenSecret } from '../../src/adapters/slack/bot-token.secret.js';
import { BotTokenError } from '../../src/adapters/slack/errors.js';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-bot-AbCdEf';
const TOKEN = 'xoxb-1234567890-0987654321-SECRETSECRET';

afterEach(() => sm.reset());

const secret = (now = () => 0) =>
  createBotTokenSecret({ client: new SecretsManagerClient({}), secretId: ARN, ttlMs: 1000, now });

describe('bot token secret', () => {
  it('reads the token once, caches it for the TTL, and re-reads after invalidate', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: `${TOKEN}\n` });
    let t = 0;
    const s = secret(() => t);

    // Act
    const tokens = [await s.get(), await s.get()];
    t = 1500;
    tokens.push(await s.get());
    s.invalidate();
    tokens.push(await s.get());

    // Assess
    expect(tokens).toEqual([TOKEN, TOKEN, TOKEN, TOKEN]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it.each([
    ['the placeholder the stack creates', 'Xy7$placeholder-from-cloudformation'],
    ['a webhook URL put in the wrong secret', 'https://hooks.slack.com/services/T000/B000/XXXX'],
    ['an empty string', '  '],
  ])('refuses %s, naming the secret and never quoting it', async (_name, value) => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: value });

    // Act
    const error = await secret()
      .get()
      .catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(BotTokenError);
    expect(String(error)).toContain(ARN);
    if (value.trim()) expect(String(error)).not.toContain(value.trim());
  });

  it('a read failure names the secret and the error class only', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error(`denied ${TOKEN}`), { name: 'AccessDeniedException' }),
    );
    const error = await secret()
      .get()
      .catch((err: unknown) => err);
    expect(String(error)).toMatch(/could not read secret .*: AccessDeniedException$/);
    expect(String(error)).not.toContain(TOKEN);
  });
});
