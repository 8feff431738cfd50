import type * as events from 'aws-cdk-lib/aws-events';

/**
 * Converts an EventBridge pattern in its JSON form (the form `src/domain/event-pattern.ts` and
 * `src/domain/stream-routes.ts` use) to the CDK `EventPattern` shape, which spells
 * `detail-type` as `detailType` and renders it back unchanged.
 */
export function toCdkEventPattern(pattern: Readonly<Record<string, unknown>>): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    out[key === 'detail-type' ? 'detailType' : key] = Array.isArray(value) ? [...value] : value;
  }
  return out as events.EventPattern;
}
