/**
 * Where rendered Slack messages go: the Slack incoming webhook in AWS (or with SLACK_WEBHOOK_URL
 * locally), an outbox folder otherwise. The notifier use case only knows this port.
 */

/** A Block Kit text object. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
  readonly emoji?: boolean;
}

/** One Block Kit block (header, section, context, divider…), as parsed from a template. */
export interface SlackBlock {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** An incoming-webhook payload: `text` is the notification fallback, `blocks` the message. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * The outcome of one post. Failures are values: `retryable` says whether the same message may
 * succeed later (5xx, 429, timeout, network); `scope` says, for a non-retryable failure, whether
 * the webhook itself is broken (`webhook`: `no_service`, `channel_not_found`, 403/404/410 — every
 * message will fail until the configuration is fixed) or only this message was refused (`message`:
 * `invalid_payload`, `invalid_blocks`…). `ambiguous` says the message was sent and no answer came
 * back (a timeout or a reset after the request went out): it may have been posted, so the sink
 * has not re-sent it and a caller must not re-send it at once. `reason` never contains the webhook URL.
 */
/** A message in a channel, as the Web API names it (bot mode): what a thread reply or an update needs. */
export interface PostedMessage {
  readonly channel: string;
  readonly ts: string;
}

export interface PostOptions {
  /** Bot mode: reply in the thread of this message. Ignored by sinks without threads (webhook, folder). */
  readonly threadOf?: PostedMessage;
}

export type PostResult =
  | {
      readonly ok: true;
      /** Bot mode: where the message now is (`chat.postMessage`'s `channel` and `ts`). */
      readonly posted?: PostedMessage;
    }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly reason: string;
      readonly retryAfterMs?: number;
      /** @default - `webhook` when not retryable */
      readonly scope?: 'webhook' | 'message';
      /** The message was sent but not answered: it may be in the channel. @default false */
      readonly ambiguous?: boolean;
      /**
       * Slack's error code when it answered one (`message_not_found`, `thread_reply_not_found`…):
       * bot mode falls back to a new message on some. Never the token or the URL.
       */
      readonly code?: string;
    };

export interface MessageSink {
  post(message: SlackMessage, options?: PostOptions): Promise<PostResult>;
  /** Bot mode only: rewrites a message this sink posted (`chat.update`). */
  update?(ref: PostedMessage, message: SlackMessage): Promise<PostResult>;
}
