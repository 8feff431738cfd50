import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookUrlError } from '../../src/adapters/slack/errors.js';
import { createWebhookUrlSecret } from '../../src/adapters/slack/webhook-url.secret.js';

const sm = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-webhook-AbCdEf';
const URL_VALUE = 'https://hooks.slack.com/services/T000/B000/SECRETTOKEN';

afterEach(() => sm.reset());

function secret(now = () => 0) {
  return createWebhookUrlSecret({ client: new SecretsManagerClient({}), secretId: ARN, ttlMs: 1000, now });
}

describe('webhook URL secret', () => {
  it('reads the URL once and caches it for the TTL', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: `${URL_VALUE}\n` });
    let t = 0;
    const s = secret(() => t);

    // Act
    const urls = [await s.get(), await s.get()];
    t = 1500;
    urls.push(await s.get());

    // Assess
    expect(urls).toEqual([URL_VALUE, URL_VALUE, URL_VALUE]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: ARN });
  });

  it('re-reads after invalidate (the webhook may have been replaced)', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: URL_VALUE });
    const s = secret();
    await s.get();

    // Act
    s.invalidate();
    await s.get();

    // Assess
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([
    ['an empty secret', { SecretString: '' }, /has no SecretString/],
    ['a non-URL', { SecretString: 'not a url SECRETTOKEN' }, /is not a URL/],
    ['an http URL', { SecretString: 'http://hooks.slack.com/services/SECRETTOKEN' }, /must be an https URL/],
  ])('refuses %s, naming the secret but never its value', async (_name, output, pattern) => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves(output);

    // Act
    const error = await secret()
      .get()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WebhookUrlError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).toContain(ARN);
    expect((error as Error).message).not.toContain('SECRETTOKEN');
  });

  it('wraps a Secrets Manager failure', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );

    // Act / Assess
    await expect(secret().get()).rejects.toThrow(/could not read secret .* AccessDeniedException/);
  });
});
