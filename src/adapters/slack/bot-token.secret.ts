/**
 * A Slack bot token from Secrets Manager (the secret string is the `xoxb-…` token), read on first use
 * and cached for `ttlMs`, as the webhook URL secret is (webhook-url.secret.ts): a warm notifier does
 * not call Secrets Manager per message, and `invalidate()` forces a re-read after Slack rejects the
 * token (`invalid_auth`, `token_revoked`…: it may have been rotated). One reader can serve several bot
 * destinations that share the secret. Errors name the secret, never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BotTokenError } from './errors.js';
import {
  checkBotToken,
  createSlackBotClient,
  type SlackBotClient,
  type SlackBotClientOptions,
} from './slack-bot.client.js';

export interface BotTokenSecretOptions {
  readonly client: SecretsManagerClient;
  /** ARN or name of the secret. */
  readonly secretId: string;
  /** @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export interface BotTokenSecret {
  /** The token; throws {@link BotTokenError} (naming the secret, never its value) when unusable. */
  get(): Promise<string>;
  invalidate(): void;
}

/** A cached reader of a bot token secret. */
export function createBotTokenSecret(options: BotTokenSecretOptions): BotTokenSecret {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  let cached: { token: string; at: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function load(): Promise<string> {
    let value: string | undefined;
    try {
      const res = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      value = res.SecretString;
    } catch (err) {
      throw new BotTokenError(
        `could not read secret ${options.secretId} (a bot destination's token): ${err instanceof Error ? err.name : String(err)}`,
        { cause: err },
      );
    }
    const token = value?.trim() ?? '';
    const problem = checkBotToken(token, `secret ${options.secretId}`);
    if (problem) throw new BotTokenError(problem);
    cached = { token, at: now() };
    return token;
  }

  return {
    async get() {
      if (cached && now() - cached.at < ttlMs) return cached.token;
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
 * A bot client posting to `channel` with the token of `secret` (cached as above), re-read as soon as
 * Slack rejects the token or the channel. What the notifier uses for a bot destination.
 */
export function createSecretBotClient(
  options: { readonly secret: BotTokenSecret } & Omit<SlackBotClientOptions, 'token' | 'onTokenRejected'>,
): SlackBotClient {
  const { secret, ...clientOptions } = options;
  return createSlackBotClient({ ...clientOptions, token: secret.get, onTokenRejected: secret.invalidate });
}
