/** Alert factories for the outbox, digest and Slack tests. */
import type { Alert } from '../../src/domain/compliance-state.js';

let counter = 0;

/** A violation (or, with `kind: 'resolution'`, a resolution) with unique event id unless given. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  counter += 1;
  const kind = overrides.kind ?? 'violation';
  return {
    kind,
    eventId: `evt-${counter.toString().padStart(8, '0')}`,
    account: '123456789012',
    region: 'eu-west-1',
    ruleName: 's3-bucket-server-side-encryption-enabled',
    resourceType: 'AWS::S3::Bucket',
    resourceId: `bucket-${counter}`,
    ruleArn: 'arn:aws:config:eu-west-1:123456789012:config-rule/config-rule-abc123',
    newStatus: kind === 'violation' ? 'NON_COMPLIANT' : 'COMPLIANT',
    oldStatus: kind === 'violation' ? 'COMPLIANT' : 'NON_COMPLIANT',
    annotation: kind === 'violation' ? 'Server-side encryption is not enabled.' : null,
    eventTime: '2024-05-01T10:00:12.000Z',
    orderingTimestamp: '2024-05-01T10:00:00.000Z',
    ...overrides,
  };
}

/** `n` violations spread over `accounts` accounts and `rules` rules (a conformance-pack rollout). */
export function makeStorm(n: number, accounts = 5, rules = 8): Alert[] {
  return Array.from({ length: n }, (_, i) =>
    makeAlert({
      eventId: `storm-${i.toString().padStart(6, '0')}`,
      account: (100000000000 + (i % accounts)).toString(),
      ruleName: `conformance-rule-${Math.floor(i / accounts) % rules}-conformance-pack-abc`,
      resourceId: `i-${i.toString(16).padStart(17, '0')}`,
      resourceType: 'AWS::EC2::Instance',
    }),
  );
}

/** Text that tries every way of breaking a Slack message. */
export const HOSTILE =
  '<!channel> <!here|x> <@U123> <!everyone> @channel <https://evil.example|click> "quoted" \\back\\slash\\ ' +
  'new\nline\r\ttab \u202Eright-to-left\u202C & &amp; </script> {{ liquid }} {% raw %} \u0000\u0007 end';
