/**
 * The one rule for a URL written raw into a Slack message as the target of a `<url|label>` link
 * (every message, the daily report, the dashboard link): only http(s), no whitespace, no control
 * character, no `<`, `>` or `|` (which end the target or the link), and `&` written `&amp;`, as
 * Slack reads entities in a link target like anywhere in mrkdwn
 * (https://docs.slack.dev/messaging/formatting-message-text#escaping). Pure text: the Slack adapter
 * and the report use case share it.
 */

const LINKABLE = /^https?:\/\/[^\s<>|\u0000-\u001F\u007F-\u009F\u2028\u2029]+$/;

/** The URL as a mrkdwn link target, or null when Slack could misread it. */
export function linkTarget(url: string | null | undefined): string | null {
  if (!url || !LINKABLE.test(url)) return null;
  return url.replace(/&/g, '&amp;');
}
