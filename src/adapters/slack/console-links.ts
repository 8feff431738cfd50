/**
 * The links a message builds itself: the AWS console pages of a rule, a resource's timeline and a
 * CloudTrail event, and the dashboard filtered to an account and rule. They are the only raw
 * `<url|label>` in a message, so each is built here from validated parts, every part
 * percent-encoded, and handed to a template only through {@link linkTarget}.
 */

import { isRegionName, isRuleName } from '../../domain/aws-names.js';

/** `AWS::S3::Bucket`, and third-party types of the same shape. */
const RESOURCE_TYPE = /^[A-Za-z0-9]{1,64}::[A-Za-z0-9]{1,64}::[A-Za-z0-9]{1,64}$/;
/** CloudTrail event ids are UUIDs; anything else is shown as text, not linked. */
const CLOUDTRAIL_EVENT_ID = /^[A-Za-z0-9-]{1,128}$/;
/** Resource ids (ARNs, paths) longer than this are not linked: the link would crowd the message. */
const MAX_LINKED_ID = 768;

export { linkTarget } from '../../domain/link-target.js';

/** `encodeURIComponent`, plus the `!'()*` it leaves: every part of a link is fully encoded. */
export function encodePart(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function consoleHome(region: string, service: string): string {
  return `https://${region}.console.aws.amazon.com/${service}/home?region=${region}`;
}

/**
 * The AWS Config console page of a rule, or null when the region or rule name is not of the shape
 * AWS uses.
 */
export function ruleConsoleUrl(region: string, ruleName: string): string | null {
  if (!isRegionName(region) || !isRuleName(ruleName)) return null;
  return `${consoleHome(region, 'config')}#/rules/details?configRuleName=${encodePart(ruleName)}`;
}

/**
 * A resource's configuration timeline in the AWS Config console (the account's own console: the
 * reader signs in to that account), or null when the region or type is not of AWS's shape or the
 * id is empty or very long.
 */
export function resourceTimelineUrl(region: string, resourceType: string, resourceId: string): string | null {
  if (!isRegionName(region) || !RESOURCE_TYPE.test(resourceType)) return null;
  if (resourceId.length === 0 || resourceId.length > MAX_LINKED_ID) return null;
  return `${consoleHome(region, 'config')}#/resources/timeline?resourceId=${encodePart(resourceId)}&resourceType=${encodePart(resourceType)}`;
}

/** A CloudTrail event's page in the console's event history, or null for an id not of its shape. */
export function cloudTrailEventUrl(region: string, eventId: string): string | null {
  if (!isRegionName(region) || !CLOUDTRAIL_EVENT_ID.test(eventId)) return null;
  return `${consoleHome(region, 'cloudtrailv2')}#/events/${encodePart(eventId)}`;
}

/**
 * The dashboard filtered to an account and a (base) rule name, as dashboard/app.js reads its URL
 * hash (`#account=…&rule=…`, URLSearchParams); any hash of the configured URL is replaced. Null
 * without a dashboard URL.
 */
export function dashboardFilterUrl(
  dashboardUrl: string | null | undefined,
  filters: { readonly account?: string | null; readonly rule?: string | null },
): string | null {
  if (!dashboardUrl) return null;
  const params = new URLSearchParams();
  if (filters.account) params.set('account', filters.account);
  if (filters.rule) params.set('rule', filters.rule);
  const base = dashboardUrl.replace(/#.*$/s, '');
  const hash = params.toString();
  return hash ? `${base}#${hash}` : base;
}
