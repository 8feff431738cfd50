/**
 * The Slack webhook URL from Secrets Manager (the secret string is the URL), cached as
 * cached-secret.ts says; `invalidate()` forces a re-read after Slack rejects the webhook.
 */
import { type CachedSecret, type CachedSecretOptions, createCachedSecret } from './cached-secret.js';
import { WebhookUrlError } from './errors.js';
import {
  createSlackWebhookClient,
  parseWebhookUrl,
  type SlackWebhookClient,
  type SlackWebhookClientOptions,
} from './slack-webhook.client.js';

/** `secretId` is the ARN or name of SLACK_WEBHOOK_SECRET_ARN. */
export type WebhookUrlSecretOptions = CachedSecretOptions;

/** The URL; `get` throws {@link WebhookUrlError} (naming the secret, never its value) when unusable. */
export type WebhookUrlSecret = CachedSecret;

/** A cached reader of the webhook URL secret. */
export function createWebhookUrlSecret(options: WebhookUrlSecretOptions): WebhookUrlSecret {
  return createCachedSecret({
    ...options,
    what: 'SLACK_WEBHOOK_SECRET_ARN',
    check: (raw) => {
      if (!raw?.trim()) {
        throw new WebhookUrlError(`secret ${options.secretId} has no SecretString; expected the webhook URL`);
      }
      return parseWebhookUrl(raw, `secret ${options.secretId}`).toString();
    },
    fail: (message, cause) => new WebhookUrlError(message, { cause }),
  });
}

/**
 * A Slack webhook client whose URL is the secret's value (cached as above), re-read as soon as
 * Slack rejects the webhook. What every Lambda that posts to Slack uses.
 */
export function createSecretWebhookClient(
  options: Pick<WebhookUrlSecretOptions, 'client' | 'secretId'> &
    Omit<SlackWebhookClientOptions, 'url' | 'onWebhookRejected'>,
): SlackWebhookClient {
  const { client, secretId, ...clientOptions } = options;
  const url = createWebhookUrlSecret({ client, secretId });
  return createSlackWebhookClient({ ...clientOptions, url: url.get, onWebhookRejected: url.invalidate });
}
