/**
 * The Slack webhook URL from Secrets Manager (the secret string is the URL). Read on first use and
 * cached for `ttlMs`, so a warm notifier does not call Secrets Manager per message; `invalidate()`
 * forces a re-read after Slack rejects the webhook (the secret may have been rotated).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { WebhookUrlError } from './errors.js';
import {
  createSlackWebhookClient,
  parseWebhookUrl,
  type SlackWebhookClient,
  type SlackWebhookClientOptions,
} from './slack-webhook.client.js';

export interface WebhookUrlSecretOptions {
  readonly client: SecretsManagerClient;
  /** ARN or name (SLACK_WEBHOOK_SECRET_ARN). */
  readonly secretId: string;
  /** @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export interface WebhookUrlSecret {
  /** The URL; throws {@link WebhookUrlError} (naming the secret, never its value) when unusable. */
  get(): Promise<string>;
  invalidate(): void;
}

/** A cached reader of the webhook URL secret. */
export function createWebhookUrlSecret(options: WebhookUrlSecretOptions): WebhookUrlSecret {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  let cached: { url: string; at: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function load(): Promise<string> {
    let value: string | undefined;
    try {
      const res = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      value = res.SecretString;
    } catch (err) {
      throw new WebhookUrlError(
        `could not read secret ${options.secretId} (SLACK_WEBHOOK_SECRET_ARN): ${err instanceof Error ? err.name : String(err)}`,
        { cause: err },
      );
    }
    if (!value?.trim()) {
      throw new WebhookUrlError(`secret ${options.secretId} has no SecretString; expected the webhook URL`);
    }
    const url = parseWebhookUrl(value, `secret ${options.secretId}`).toString();
    cached = { url, at: now() };
    return url;
  }

  return {
    async get() {
      if (cached && now() - cached.at < ttlMs) return cached.url;
      inflight ??= load().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate() {
      cached = undefined;
    },
  };
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
