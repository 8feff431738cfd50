/**
 * How use cases get a Slack message from a template without knowing the template engine: the Slack
 * adapter (src/adapters/slack/slack-messages.ts) renders `templates/<name>.liquid` to Block Kit JSON
 * and fits it within Slack's limits; a use case only names the template and gives its variables.
 */
import type { AlertContext } from '../domain/alert-context.js';
import type { Digest } from '../domain/alert-digest.js';
import type { Alert } from '../domain/compliance-state.js';
import type { SlackMessage } from './message-sink.js';

/** A rendered message within Slack's limits, with what had to be cut to fit. */
export interface FittedMessage {
  readonly message: SlackMessage;
  readonly bytes: number;
  /** Blocks removed to fit the block count or the byte budget (an omission notice says so). */
  readonly droppedBlocks: number;
  /** Text objects shortened (visibly, with `…`). */
  readonly truncatedTexts: number;
}

export interface TemplateRenderer {
  /** Renders `templates/<template>.liquid` with `vars`; throws naming the template, never quoting the data. */
  render(template: string, vars: Record<string, unknown>): FittedMessage;
}

/** A pair's Slack thread changed state (bot mode): what the rewrite of its original message says. */
export interface ThreadChange {
  readonly state: 'resolved' | 'reopened';
  /** The resolution, or the violation that re-opened the pair. */
  readonly alert: Alert;
  /** When the pair became non-compliant per its thread: for a resolution without `openedAt`. */
  readonly openedAt?: string;
}

/** Renders the notifier's messages (the Slack adapter's createSlackMessageRenderer uses `templates/*.liquid`). */
export interface MessageRenderer {
  /** One alert, with what was looked up for it at delivery (see domain/alert-context.ts). */
  alert(alert: Alert, context: AlertContext): SlackMessage;
  /**
   * A digest, with the contexts of its alerts by event id. `droppedBlocks > 0` means groups did not
   * fit; the notifier then splits the digest.
   */
  digest(
    digest: Digest,
    threshold: number,
    contexts: ReadonlyMap<string, AlertContext>,
  ): { message: SlackMessage; droppedBlocks: number };
  /**
   * Bot mode: a thread's original message rewritten for a change of state (templates/thread_banner.liquid).
   * Must give the same message for the same arguments (an update may be sent again).
   */
  threadUpdate(original: SlackMessage, change: ThreadChange): SlackMessage;
}
