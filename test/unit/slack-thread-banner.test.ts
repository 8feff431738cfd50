/**
 * The rewrite of a violation's original message in bot mode (templates/thread_banner.liquid through
 * renderThreadUpdate): the banner replaces the original's header, the rest stays as posted, hostile
 * data stays escaped, the result is within Block Kit's limits and the same for the same input.
 */
import { describe, expect, it } from 'vitest';
import { allTexts, limitViolations } from '../../src/adapters/slack/block-kit.js';
import { renderThreadUpdate, renderViolation } from '../../src/adapters/slack/slack-messages.js';
import { defaultAlertContext } from '../../src/domain/alert-context.js';
import { HOSTILE, makeAlert } from '../helpers/alerts.js';

const violation = makeAlert({
  eventId: 'v-1',
  resourceId: 'orders-exports',
  eventTime: '2024-05-01T10:00:12.000Z',
});
const original = renderViolation(violation, defaultAlertContext(violation));

describe('thread_banner.liquid (renderThreadUpdate)', () => {
  it('resolved: "Resolved after 3 h 12 min" by which evaluation, over the original without its header', () => {
    // Prepare
    const resolution = makeAlert({
      kind: 'resolution',
      eventId: 'r-1',
      resourceId: 'orders-exports',
      eventTime: '2024-05-01T13:12:12.000Z',
      openedAt: '2024-05-01T10:00:12.000Z',
    });

    // Act
    const updated = renderThreadUpdate(original, { state: 'resolved', alert: resolution });

    // Assess
    expect(updated.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':white_check_mark: Resolved after 3 h 12 min', emoji: true },
    });
    expect(allTexts(updated).join('\n')).toContain('by evaluation `r-1`');
    expect(updated.blocks.slice(2)).toEqual(original.blocks.slice(1));
    expect(updated.text).toBe(`:white_check_mark: Resolved after 3 h 12 min · ${original.text}`);
    expect(renderThreadUpdate(original, { state: 'resolved', alert: resolution })).toEqual(updated);
  });

  it('resolved without openedAt: no duration rather than a wrong one', () => {
    const updated = renderThreadUpdate(original, {
      state: 'resolved',
      alert: makeAlert({ kind: 'resolution', eventId: 'r-2' }),
    });
    expect(updated.blocks[0]).toMatchObject({ text: { text: ':white_check_mark: Resolved' } });
  });

  it('re-opened, and still open after a mute', () => {
    const again = makeAlert({ eventId: 'v-2', eventTime: '2024-05-03T09:00:00.000Z' });
    const reopened = renderThreadUpdate(original, { state: 'reopened', alert: again });
    expect(reopened.blocks[0]).toMatchObject({ text: { text: ':rotating_light: Non-compliant again' } });
    expect(allTexts(reopened).join('\n')).toContain('by evaluation `v-2`');
    const muteEnd = {
      ...again,
      muteEnded: { id: 'm-1', how: 'expired', at: '2024-05-03T00:00:00.000Z', reason: 'x' },
    };
    const still = renderThreadUpdate(original, { state: 'reopened', alert: muteEnd });
    expect(still.blocks[0]).toMatchObject({ text: { text: ':bell: Still non-compliant after a mute' } });
  });

  it('hostile data: escaped, clipped, within limits', () => {
    // Prepare
    const hostile = makeAlert({ resourceId: HOSTILE, annotation: HOSTILE.repeat(40), ruleName: HOSTILE });
    const posted = renderViolation(hostile, defaultAlertContext(hostile));
    const resolution = makeAlert({
      kind: 'resolution',
      eventId: HOSTILE.repeat(10),
      newStatus: HOSTILE as 'COMPLIANT',
      eventTime: HOSTILE,
      openedAt: HOSTILE,
    });

    // Act
    const updated = renderThreadUpdate(posted, { state: 'resolved', alert: resolution });

    // Assess
    expect(limitViolations(updated)).toEqual([]);
    const all = allTexts(updated).join('\n');
    expect(all).not.toMatch(/<!channel>|<!here|<@U123>|<https:\/\/evil/);
    expect(all).not.toMatch(/[\u0000\u0007\u202e]/);
    expect(updated.blocks[0]).toMatchObject({ text: { text: ':white_check_mark: Resolved' } });
  });
});
