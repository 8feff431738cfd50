/**
 * Where the embedded stack's messages go: a Slack incoming webhook when one is configured
 * (`SLACK_WEBHOOK_URL`, or the option), else the outbox folder `<data-dir>/outbox/`, one JSON file
 * a message and a line on the console.
 */
import { createFolderMessageSink } from '../../src/adapters/slack/folder.message-sink.js';
import { createSlackWebhookClient, parseWebhookUrl } from '../../src/adapters/slack/slack-webhook.client.js';
import type { MessageSink } from '../../src/ports/message-sink.js';
import type { StackLogger } from './stack-logger.js';

/** Which sink was chosen: `slack` (webhook) or the outbox folder. */
export interface SinkInfo {
  readonly kind: 'slack' | 'folder';
  readonly dir: string | null;
}

export interface SinkSelectionOptions {
  /** Slack webhook; null forces the outbox folder. @default - SLACK_WEBHOOK_URL, else the outbox folder */
  readonly slackWebhookUrl?: string | null;
  /** The outbox folder. */
  readonly outboxDir: string;
  /** The folder sink's one line per message. @default - stderr */
  readonly messageLog?: (line: string) => void;
  readonly logger: StackLogger;
}

export interface SelectedSink {
  readonly sink: MessageSink;
  readonly info: SinkInfo;
  /** Minimum time between two posts this sink needs: 1000 for a webhook, 0 for the folder. */
  readonly minIntervalMs: number;
}

export function selectMessageSink(options: SinkSelectionOptions): SelectedSink {
  const webhookUrl =
    options.slackWebhookUrl === undefined
      ? process.env.SLACK_WEBHOOK_URL?.trim() || null
      : options.slackWebhookUrl;
  const messageLog = options.messageLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (webhookUrl) {
    const url = parseWebhookUrl(webhookUrl, 'SLACK_WEBHOOK_URL').toString();
    return {
      sink: createSlackWebhookClient({ url, logger: options.logger }),
      info: { kind: 'slack', dir: null },
      minIntervalMs: 1000,
    };
  }
  return {
    sink: createFolderMessageSink({ dir: options.outboxDir, log: messageLog }),
    info: { kind: 'folder', dir: options.outboxDir },
    minIntervalMs: 0,
  };
}
