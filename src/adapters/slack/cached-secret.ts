/**
 * A secret string from Secrets Manager (a webhook URL, a bot token), read on first use and cached
 * for `ttlMs`: a warm Lambda does not call Secrets Manager per message, concurrent readers share one
 * call, and `invalidate()` forces a re-read after Slack rejects the credential (it may have been
 * rotated). `check` turns the raw string into the value or throws; every error names the secret,
 * never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface CachedSecretOptions {
  readonly client: SecretsManagerClient;
  /** ARN or name of the secret. */
  readonly secretId: string;
  /** @default 300000 (5 minutes) */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export interface CachedSecret {
  /** The value; throws what `fail` builds (naming the secret, never its value) when unusable. */
  get(): Promise<string>;
  invalidate(): void;
}

export function createCachedSecret(
  options: CachedSecretOptions & {
    /** What the secret holds, for the error of a failed read (`SLACK_WEBHOOK_SECRET_ARN`, `a bot destination's token`). */
    readonly what: string;
    /** The value of a raw secret string, or a thrown error saying what is wrong with it. */
    readonly check: (raw: string | undefined) => string;
    /** The error to throw for a failed read. */
    readonly fail: (message: string, cause: unknown) => Error;
  },
): CachedSecret {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  let cached: { value: string; at: number } | undefined;
  let inflight: Promise<string> | undefined;

  async function load(): Promise<string> {
    let raw: string | undefined;
    try {
      const res = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
      raw = res.SecretString;
    } catch (err) {
      throw options.fail(
        `could not read secret ${options.secretId} (${options.what}): ${err instanceof Error ? err.name : String(err)}`,
        err,
      );
    }
    const value = options.check(raw);
    cached = { value, at: now() };
    return value;
  }

  return {
    async get() {
      if (cached && now() - cached.at < ttlMs) return cached.value;
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
