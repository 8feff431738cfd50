/**
 * The flapping message (templates/flapping.liquid) with hostile data, and how the notifier plans
 * it: its own message, also in a storm.
 */
import { describe, expect, it } from 'vitest';
import {
  allTexts,
  BLOCK_KIT_LIMITS,
  limitViolations,
  messageBytes,
} from '../../src/adapters/slack/block-kit.js';
import { renderAlert } from '../../src/adapters/slack/slack-messages.js';
import { defaultAlertContext } from '../../src/domain/alert-context.js';
import { planMessages, type QueuedAlert } from '../../src/domain/alert-digest.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import { HOSTILE, makeAlert, makeStorm } from '../helpers/alerts.js';

function flappingAlert(overrides: Partial<Alert> = {}): Alert {
  return makeAlert({
    kind: 'flapping',
    eventId: 'flapping:evt-1',
    newStatus: 'NON_COMPLIANT',
    oldStatus: 'COMPLIANT',
    flapping: { changes: 5, windowHours: 24, eventId: 'evt-1' },
    ...overrides,
  });
}

const LONG = `${HOSTILE} `.repeat(Math.ceil(10_000 / HOSTILE.length)).slice(0, 10_000);

describe('flapping.liquid', () => {
  it('says how many changes in how many hours, and that the pair is quiet until stable', () => {
    // Act
    const message = renderAlert(flappingAlert(), defaultAlertContext(flappingAlert()));

    // Assess
    const text = allTexts(message).join('\n');
    expect(message.text).toMatch(/changed 5 times in 24 h/);
    expect(text).toMatch(/flapping: 5 changes in 24 h/);
    expect(text).toMatch(/until it has been stable for 24 h/);
    expect(text).toMatch(/Flagged by event `evt-1`/);
    expect(JSON.stringify(message.blocks[0])).toMatch(/Config rule flapping/);
  });

  it.each([
    [
      'hostile ids, rule and annotation',
      { resourceId: HOSTILE, ruleName: HOSTILE, annotation: HOSTILE, account: HOSTILE },
    ],
    ['10,000 characters everywhere', { resourceId: LONG, ruleName: LONG, resourceType: LONG, region: LONG }],
    ['a hostile flagging event id', { flapping: { changes: 5, windowHours: 24, eventId: HOSTILE } }],
  ] as [string, Partial<Alert>][])('renders %s as safe Block Kit', (_name, overrides) => {
    // Act
    const alert = flappingAlert(overrides);
    const message = renderAlert(alert, defaultAlertContext(alert));

    // Assess: within Slack's limits, no mention, no link but the renderer's own, no bidi control.
    expect(limitViolations(message)).toEqual([]);
    expect(messageBytes(message)).toBeLessThanOrEqual(BLOCK_KIT_LIMITS.messageBytes);
    for (const text of allTexts(message)) {
      expect(text).not.toMatch(/<[!@#]/);
      for (const match of text.matchAll(/<[^<]*/g)) {
        expect(match[0]).toMatch(/^<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\//);
      }
      expect(text).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u0000-\u0008]/);
      expect(text).not.toMatch(/(^|[^\u2060])@(channel|here|everyone)\b/i);
    }
  });
});

describe('planMessages with flapping alerts', () => {
  const queued = (alert: Alert): QueuedAlert => ({ id: alert.eventId, alert, createdAt: alert.eventTime });

  it('sends a flapping alert as its own message in a storm, and digests the rest', () => {
    // Prepare
    const storm = makeStorm(30).map(queued);
    const flapping = queued(flappingAlert());

    // Act
    const planned = planMessages([...storm.slice(0, 10), flapping, ...storm.slice(10)], true);

    // Assess
    const singles = planned.filter((p) => p.type === 'single');
    expect(singles.map((p) => p.ids)).toEqual([['flapping:evt-1']]);
    expect(planned.filter((p) => p.type === 'digest').flatMap((p) => p.ids)).toHaveLength(30);
  });
});
