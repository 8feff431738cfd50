/**
 * Errors of the Slack adapter. Messages say what was wrong, the value seen (never the webhook URL
 * or untrusted message text) and what is allowed. Failed posts are not errors: they are
 * `PostResult` values.
 */

export class SlackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SlackError';
  }
}

/** A template could not be found, parsed or rendered (missing variable, unknown filter…). */
export class TemplateRenderError extends SlackError {
  constructor(
    readonly template: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`Slack template "${template}" failed to render: ${detail}`, options);
    this.name = 'TemplateRenderError';
  }
}

/** A template rendered something that is not a `{ text, blocks }` JSON object. */
export class TemplateOutputError extends SlackError {
  constructor(
    readonly template: string,
    detail: string,
  ) {
    super(`Slack template "${template}" did not render a Block Kit message: ${detail}`);
    this.name = 'TemplateOutputError';
  }
}

/** The webhook URL (from Secrets Manager or SLACK_WEBHOOK_URL) is missing or not an https URL. */
export class WebhookUrlError extends SlackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebhookUrlError';
  }
}

/** A bot token (from Secrets Manager or a local variable) is missing or not of a bot token's shape. */
export class BotTokenError extends SlackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BotTokenError';
  }
}

/** The templates directory (TEMPLATES_DIR or the repository's templates/) does not exist. */
export class TemplatesDirError extends SlackError {
  constructor(message: string) {
    super(message);
    this.name = 'TemplatesDirError';
  }
}
