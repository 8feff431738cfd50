/**
 * How use cases get a Slack message from a template without knowing the template engine: the Slack
 * adapter (src/adapters/slack/slack-messages.ts) renders `templates/<name>.liquid` to Block Kit JSON
 * and fits it within Slack's limits; a use case only names the template and gives its variables.
 */
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
