/**
 * A Slack bot token from Secrets Manager (the secret string is the `xoxb-…` token), cached as
 * cached-secret.ts says; `invalidate()` forces a re-read after Slack rejects the token
 * (`invalid_auth`, `token_revoked`…: it may have been rotated). One reader can serve several bot
 * destinations that share the secret. Errors name the secret, never its value.
 */
import { type CachedSecret, type CachedSecretOptions, createCachedSecret } from './cached-secret.js';
import { BotTokenError } from './errors.js';
import {
  checkBotToken,
  createSlackBotClient,
  type SlackBotClient,
  type SlackBotClientOptions,
} from './slack-bot.client.js';

export type BotTokenSecretOptions = CachedSecretOptions;

/** The token; `get` throws {@link BotTokenError} (naming the secret, never its value) when unusable. */
export type BotTokenSecret = CachedSecret;

/** A cached reader of a bot token secret. */
export function createBotTokenSecret(options: BotTokenSecretOptions): BotTokenSecret {
  return createCachedSecret({
    ...options,
    what: "a bot destination's token",
    check: (raw) => {
      const token = raw?.trim() ?? '';
      const problem = checkBotToken(token, `secret ${options.secretId}`);
      if (problem) throw new BotTokenError(problem);
      return token;
    },
    fail: (message, cause) => new BotTokenError(message, { cause }),
  });
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
