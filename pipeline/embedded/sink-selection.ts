/**
 * Where the embedded stack's messages go: a Slack incoming webhook when one is configured
 * (`SLACK_WEBHOOK_URL`, or the option), else the outbox folder `<data-dir>/outbox/`, one JSON file
 * a message and a line on the console. With a routing configuration, one sink per destination
 * (selectDestinationSinks): its webhook or bot token, else `<data-dir>/outbox/<destination>/`.
 */

import { join } from 'node:path';
import { BotTokenError } from '../../src/adapters/slack/errors.js';
import { createFolderMessageSink } from '../../src/adapters/slack/folder.message-sink.js';
import { checkBotToken, createSlackBotClient } from '../../src/adapters/slack/slack-bot.client.js';
import { createSlackWebhookClient, parseWebhookUrl } from '../../src/adapters/slack/slack-webhook.client.js';
import {
  DEFAULT_DESTINATION,
  DEFAULT_WEBHOOK_ENV,
  destinationEnv,
  type RoutingConfig,
} from '../../src/domain/routing-config.js';
import type { MessageSink } from '../../src/ports/message-sink.js';
import type { DestinationSink } from '../../src/use-cases/deliver-alerts.js';
import type { StackLogger } from './stack-logger.js';

/** Which sink was chosen: `slack` (webhook), `bot` (a channel through a bot token) or the outbox folder. */
export interface SinkInfo {
  readonly kind: 'slack' | 'bot' | 'folder';
  readonly dir: string | null;
  /** With routing: the variable the destination's webhook URL or bot token is read from. */
  readonly env?: string;
  /** A bot destination's channel id (also when its messages go to the folder). */
  readonly channel?: string;
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

export interface DestinationSinksOptions extends SinkSelectionOptions {
  /**
   * The routing of the configuration file; null without one (one destination, `default`, and the
   * outbox folder's layout of before: `<data-dir>/outbox/*.json`).
   */
  readonly routing: RoutingConfig | null;
  /** @default - process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The Slack Web API bot destinations call (a local stand-in in tests). @default https://slack.com/api/ */
  readonly slackApiUrl?: string;
}

export interface SelectedDestinations {
  /** Every destination's sink and pacing, for the notifier. */
  readonly destinations: Readonly<Record<string, DestinationSink>>;
  /** Where each destination's messages go, for the CLI's start-up lines. */
  readonly info: Readonly<Record<string, SinkInfo>>;
}

/**
 * The sink of every destination. With a routing configuration each webhook destination posts to the
 * URL in its `env` variable (the default destination's is SLACK_WEBHOOK_URL, or the option), each
 * bot destination to its channel with the token in its `env` variable (default SLACK_BOT_TOKEN),
 * and one whose variable is unset writes to `<data-dir>/outbox/<destination>/` (for a bot, with
 * made-up `ts` and update files, so its threads can be followed: folder.message-sink.ts). The URL
 * and the token are never logged.
 */
export function selectDestinationSinks(options: DestinationSinksOptions): SelectedDestinations {
  const routing = options.routing;
  if (routing === null) {
    const selected = selectMessageSink(options);
    return {
      destinations: { [DEFAULT_DESTINATION]: { sink: selected.sink, minIntervalMs: selected.minIntervalMs } },
      info: { [DEFAULT_DESTINATION]: selected.info },
    };
  }
  const env = options.env ?? process.env;
  const destinations: Record<string, DestinationSink> = {};
  const info: Record<string, SinkInfo> = {};
  const messageLog = options.messageLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const [name, destination] of Object.entries(routing.destinations)) {
    const isDefault = name === routing.defaultDestination;
    const variable = destinationEnv(name, destination, routing.defaultDestination);
    if (destination.type === 'bot') {
      const token = variable === undefined ? null : env[variable]?.trim() || null;
      const { channel } = destination;
      if (token !== null) {
        const problem = checkBotToken(token, variable as string);
        if (problem) throw new BotTokenError(problem);
        destinations[name] = {
          sink: createSlackBotClient({
            token,
            channel,
            logger: options.logger,
            ...(options.slackApiUrl ? { apiUrl: options.slackApiUrl } : {}),
          }),
          // chat.postMessage: about one message a second per channel (slack-bot.client.ts).
          minIntervalMs: 1000,
          channel,
        };
        info[name] = { kind: 'bot', dir: null, channel, ...(variable ? { env: variable } : {}) };
      } else {
        const dir = join(options.outboxDir, name);
        destinations[name] = {
          sink: createFolderMessageSink({ dir, log: messageLog, channel }),
          minIntervalMs: 0,
          channel,
        };
        info[name] = { kind: 'folder', dir, channel, ...(variable ? { env: variable } : {}) };
      }
      continue;
    }
    const url =
      isDefault && options.slackWebhookUrl !== undefined
        ? options.slackWebhookUrl
        : variable === undefined
          ? null
          : env[variable]?.trim() || null;
    const selected = selectMessageSink({
      ...options,
      slackWebhookUrl: url === null ? null : parseWebhookUrl(url, variable ?? DEFAULT_WEBHOOK_ENV).toString(),
      outboxDir: join(options.outboxDir, name),
    });
    destinations[name] = { sink: selected.sink, minIntervalMs: selected.minIntervalMs };
    info[name] = { ...selected.info, ...(variable ? { env: variable } : {}) };
  }
  return { destinations, info };
}
