import { describe, expect, it } from 'vitest';
import { createSlackMessageRenderer } from '../../src/adapters/slack/slack-messages.js';
import type { Alert } from '../../src/domain/compliance-state.js';
import type { MessageSink, PostResult, SlackMessage } from '../../src/ports/message-sink.js';
import { createNotifier, type MessageRenderer } from '../../src/use-cases/deliver-alerts.js';
import { makeAlert } from '../helpers/alerts.js';
import { InMemoryOutbox } from '../helpers/in-memory-outbox.js';

/** A sink that records messages and answers from a script (default ok). */
function recordingSink(script: PostResult[] = []): MessageSink & { posted: SlackMessage[] } {
  const posted: SlackMessage[] = [];
  return {
    posted,
    async post(message) {
      posted.push(message);
      await new Promise((r) => setTimeout(r, 1));
      return script.shift() ?? { ok: true };
    },
  };
}

/** An outbox whose pending index lags: delivered alerts stay listed (as a GSI may for a moment). */
class LaggingOutbox extends InMemoryOutbox {
  override async markDelivered(ids: readonly string[], messageRef: string): Promise<void> {
    for (const id of ids) {
      const item = this.items.get(id);
      if (item) item.deliveredIn = messageRef;
    }
  }
}

/** An outbox whose pending index lags behind failures too: a refused alert is still listed without its retry time. */
class LaggingFailureOutbox extends InMemoryOutbox {
  override async recordFailure(
    ids: readonly string[],
    reason: string,
    _options: { retryAt?: Date } = {},
  ): Promise<void> {
    await super.recordFailure(ids, reason, {});
  }
}

const fixedClock = () => new Date('2024-05-01T10:00:00.000Z');

describe('alert notifier', () => {
  it('never re-posts an alert that the lagging pending index still lists', async () => {
    // Prepare
    const outbox = new LaggingOutbox();
    const alerts = [makeAlert(), makeAlert()];
    await outbox.enqueue(alerts, fixedClock());
    const sink = recordingSink();
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink,
      minIntervalMs: 0,
      clock: fixedClock,
    });

    // Act
    const first = await notifier.drain();
    const second = await notifier.drain();

    // Assess
    expect(first.messages).toBe(2);
    expect(second.messages).toBe(0);
    expect(sink.posted).toHaveLength(2);
  });

  it('counts one attempt per drain for a refused message, even while the pending index lags', async () => {
    // Prepare
    const outbox = new LaggingFailureOutbox();
    const broken = makeAlert({ resourceId: 'boom' });
    await outbox.enqueue([broken], fixedClock());
    const renderer: MessageRenderer = {
      threadUpdate: (original) => original,
      alert: () => {
        throw new Error('template bug');
      },
      digest: () => ({ message: { text: 'd', blocks: [] }, droppedBlocks: 0 }),
    };
    const notifier = createNotifier({
      outbox,
      sink: recordingSink(),
      renderer,
      minIntervalMs: 0,
      clock: fixedClock,
    });

    // Act
    await notifier.drain();

    // Assess: retried later with backoff, not re-refused (and parked) within the same drain
    const item = outbox.items.get(broken.eventId)!;
    expect(item.attempts).toBe(1);
    expect(item.parked).toBe(false);
  });

  it('serializes concurrent drains so an alert is posted once', async () => {
    // Prepare
    const outbox = new InMemoryOutbox();
    await outbox.enqueue([makeAlert(), makeAlert(), makeAlert()], fixedClock());
    const sink = recordingSink();
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink,
      minIntervalMs: 0,
    });

    // Act
    const results = await Promise.all([notifier.drain(), notifier.drain(), notifier.drain()]);

    // Assess
    expect(results.map((r) => r.messages)).toEqual([3, 0, 0]);
    expect(sink.posted).toHaveLength(3);
  });

  it('keeps an alert whose message cannot be rendered pending for a later retry, and sends the others', async () => {
    // Prepare
    const outbox = new InMemoryOutbox();
    const [broken, fine] = [makeAlert({ resourceId: 'boom' }), makeAlert()];
    await outbox.enqueue([broken!, fine!], fixedClock());
    const renderer: MessageRenderer = {
      threadUpdate: (original) => original,
      alert: (alert: Alert) => {
        if (alert.resourceId === 'boom') throw new Error('template bug');
        return { text: alert.eventId, blocks: [] };
      },
      digest: () => ({ message: { text: 'd', blocks: [] }, droppedBlocks: 0 }),
    };
    const sink = recordingSink();
    const notifier = createNotifier({ outbox, sink, renderer, minIntervalMs: 0, clock: fixedClock });

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toEqual({
      messages: 1,
      violations: 1,
      resolutions: 0,
      pending: 1,
      failed: 1,
      unconfirmed: 0,
      possibleDuplicates: 0,
    });
    expect(sink.posted.map((m) => m.text)).toEqual([fine!.eventId]);
    expect(outbox.items.get(broken!.eventId)).toMatchObject({
      attempts: 1,
      lastError: 'render failed: template bug',
    });
  });

  it('splits a digest whose groups do not fit one message instead of hiding alerts', async () => {
    // Prepare: 40 alerts in 40 rules → one planned digest; the renderer says only 10 groups fit
    const outbox = new InMemoryOutbox();
    await outbox.enqueue(
      Array.from({ length: 40 }, (_, i) => makeAlert({ ruleName: `rule-${i}` })),
      fixedClock(),
    );
    const sizes: number[] = [];
    const renderer: MessageRenderer = {
      threadUpdate: (original) => original,
      alert: () => ({ text: 'single', blocks: [] }),
      digest: (digest) => {
        sizes.push(digest.groups.length);
        return {
          message: { text: `${digest.violations}`, blocks: [] },
          droppedBlocks: digest.groups.length > 10 ? 1 : 0,
        };
      },
    };
    const sink = recordingSink();
    const notifier = createNotifier({ outbox, sink, renderer, minIntervalMs: 0, clock: fixedClock });

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ violations: 40, pending: 0 });
    expect(sink.posted.map((m) => Number(m.text)).reduce((a, b) => a + b, 0)).toBe(40);
    expect(sink.posted.every((m) => Number(m.text) <= 10)).toBe(true);
    expect(sizes[0]).toBe(20);
  });
  it('never posts an alert a third time after two unanswered posts, even one left pending by a crash', async () => {
    // Prepare: one alert whose two posts went unanswered but was not parked (crash in between)
    const outbox = new InMemoryOutbox();
    const [left, fresh] = [makeAlert(), makeAlert()];
    await outbox.enqueue([left!, fresh!], fixedClock());
    await outbox.recordUnconfirmed([left!.eventId], 'no answer');
    await outbox.recordUnconfirmed([left!.eventId], 'no answer');
    const sink = recordingSink();
    const errors: string[] = [];
    const logger = { info: () => {}, warn: () => {}, error: (m: string) => errors.push(m) };
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink,
      minIntervalMs: 0,
      clock: fixedClock,
      logger,
    });

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 1, pending: 0 });
    expect(sink.posted).toHaveLength(1);
    expect(JSON.stringify(sink.posted)).not.toContain(left!.eventId);
    expect(JSON.stringify(sink.posted)).toContain(fresh!.eventId);
    expect(outbox.items.get(left!.eventId)).toMatchObject({ parked: true, pending: false });
    expect(outbox.items.get(left!.eventId)?.lastError).toMatch(/^delivery unconfirmed/);
    expect(errors).toHaveLength(1);
  });

  it('stops the drain at an unanswered post and counts it apart from failures', async () => {
    // Prepare
    const outbox = new InMemoryOutbox();
    const alerts = [makeAlert(), makeAlert(), makeAlert()];
    await outbox.enqueue(alerts, fixedClock());
    const sink = recordingSink([{ ok: false, retryable: true, ambiguous: true, reason: 'no answer' }]);
    const notifier = createNotifier({
      renderer: createSlackMessageRenderer(),
      outbox,
      sink,
      minIntervalMs: 0,
      clock: fixedClock,
    });

    // Act
    const result = await notifier.drain();

    // Assess
    expect(result).toMatchObject({ messages: 0, unconfirmed: 1, failed: 0, pending: 3 });
    expect(sink.posted).toHaveLength(1);
    expect(outbox.items.get(alerts[0]!.eventId)).toMatchObject({ unconfirmedPosts: 1, pending: true });
    expect((await outbox.getRouteGate()).blockedUntil).not.toBeNull();
  });
});
