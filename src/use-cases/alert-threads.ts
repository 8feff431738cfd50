/**
 * The thread lifecycle of bot mode (src/use-cases/deliver-alerts.ts drains through it): a
 * destination with a `channel` and a sink that can `update`, and the notifier's `threads`. A
 * violation posted as its own message keeps the pair's thread (the channel and `ts`
 * chat.postMessage answered, in the outbox table: src/adapters/dynamodb/alert-thread.repository.ts
 * says why there).
 * A later single alert of the pair to the same destination and channel follows the lifecycle:
 * 1. chat.update rewrites the original message with a banner ("✅ Resolved after 3 h 12 min, by
 *    evaluation …", or "Non-compliant again" for a re-opened violation) over the original as it was
 *    posted. Idempotent: rendered from the stored original, the same content however often it is
 *    sent, so an update that went unanswered is a plain retryable failure (never an unconfirmed
 *    post), and the step is simply redone when a later step fails.
 * 2. The alert's own message is posted as a reply in the thread: the one non-idempotent step, last,
 *    with the usual failure paths (an unanswered reply is unconfirmed, re-posted once at most).
 * 3. The alerts are marked delivered, then the thread is touched (last alert, TTL renewed).
 * Without a thread — webhook mode, the folder sink, a digested violation, a thread past its 90-day
 * TTL, a route that moved the pair to another destination or channel — the alert is posted as a
 * new message. When Slack no longer has the original or will not edit it (`message_not_found`,
 * `cant_update_message`, `edit_window_closed`…, any refusal of this one update) or the thread
 * (`thread_reply_not_found`), the thread is forgotten and the alert posted as a new message: an
 * alert is never lost for its thread. Digests are posted as before, outside threads. A crash between
 * a violation's post and its thread write loses only the thread (the alert was marked delivered
 * first, to keep the re-post window to one message): the pair's next alert is a new message. Rate
 * limits and error codes take the failure paths (src/use-cases/delivery-failures.ts): a refused or
 * rate-limited update or reply closes the destination's gate as a post would (`channel_not_found`,
 * `not_in_channel`, `invalid_auth`…: the destination is broken; a long Retry-After: paused for it).
 */
import { type Alert, stateKeyId } from '../domain/compliance-state.js';
import type { AlertThread, AlertThreadStore, PendingAlert } from '../ports/alert-outbox.js';
import type { Logger } from '../ports/logger.js';
import type { MessageRenderer, ThreadChange } from '../ports/message-renderer.js';
import type { PostedMessage, PostResult, SlackMessage } from '../ports/message-sink.js';
import type { DestinationSink, Outgoing } from './delivery-lanes.js';

/** How a message went out: as a new message, or in a pair's thread (after the original's update). */
export type Sent =
  | { readonly mode: 'post'; readonly result: PostResult }
  | { readonly mode: 'update'; readonly result: PostResult }
  | { readonly mode: 'reply'; readonly result: PostResult; readonly thread: AlertThread };

export interface ThreadLifecycleDeps {
  readonly destinations: Readonly<Record<string, DestinationSink>>;
  readonly renderer: Pick<MessageRenderer, 'threadUpdate'>;
  /** Where bot destinations keep each pair's thread. @default - no threads */
  readonly threads?: AlertThreadStore | undefined;
  readonly clock: () => Date;
  readonly logger?: Pick<Logger, 'warn' | 'error'> | undefined;
}

export interface ThreadLifecycle {
  /** Whether destination `d` keeps threads (bot mode). */
  keepsThreads(d: string): boolean;
  /** The threads of the single alerts queued for destinations that keep threads, by state key id. */
  threadsOf(queues: ReadonlyMap<string, readonly Outgoing[]>): Promise<Map<string, AlertThread>>;
  /**
   * Sends one message: a new post, or, for a pair with a thread in this destination's channel, the
   * original's rewrite then the alert as a reply in the thread (counted in `result.threadUpdates`).
   */
  send(
    d: string,
    out: Outgoing,
    threads: Map<string, AlertThread>,
    result: { threadUpdates?: number },
  ): Promise<Sent>;
  /**
   * After a delivered message: a violation posted as a new message starts its pair's thread, an
   * alert replied in a thread renews it. A failure here loses the thread, never the alert.
   */
  keepThread(d: string, out: Outgoing, sent: Sent, threads: Map<string, AlertThread>): Promise<void>;
}

export function createThreadLifecycle(deps: ThreadLifecycleDeps): ThreadLifecycle {
  const { destinations, renderer, clock, logger } = deps;
  const threadUpdate = (original: SlackMessage, change: ThreadChange): SlackMessage =>
    renderer.threadUpdate(original, change);
  const threadStore = deps.threads;
  const keepsThreads = (d: string): boolean => {
    const destination = destinations[d];
    return (
      threadStore !== undefined && destination?.channel !== undefined && destination.sink.update !== undefined
    );
  };

  /** The threads of the single alerts queued for destinations that keep threads, by state key id. */
  async function threadsOf(
    queues: ReadonlyMap<string, readonly Outgoing[]>,
  ): Promise<Map<string, AlertThread>> {
    const keys: Alert[] = [];
    for (const [d, queue] of queues) {
      if (!keepsThreads(d)) continue;
      for (const out of queue) if (out.single && threadKind(out.single)) keys.push(out.single);
    }
    if (keys.length === 0 || !threadStore) return new Map();
    return new Map(await threadStore.getMany(keys, clock()));
  }

  /**
   * Sends one message: a new post, or, for a pair with a thread in this destination's channel, the
   * original's rewrite then the alert as a reply in the thread (see the module comment).
   */
  async function send(
    d: string,
    out: Outgoing,
    threads: Map<string, AlertThread>,
    result: { threadUpdates?: number },
  ): Promise<Sent> {
    const destination = destinations[d] as DestinationSink;
    const { sink } = destination;
    const alert = out.single;
    const change = alert && keepsThreads(d) ? threadKind(alert) : null;
    const thread = alert && change ? threads.get(stateKeyId(alert)) : undefined;
    if (!alert || !change || !thread || thread.destination !== d || thread.channel !== destination.channel) {
      return { mode: 'post', result: await sink.post(out.message) };
    }
    const ref: PostedMessage = { channel: thread.channel, ts: thread.ts };
    const extra = { destination: d, eventId: alert.eventId };
    let rewrite: SlackMessage | null = null;
    try {
      rewrite = threadUpdate(thread.original, {
        state: change,
        alert,
        ...(thread.openedAt ? { openedAt: thread.openedAt } : {}),
      });
    } catch (err) {
      // The reply still goes out: the alert matters more than the original's banner.
      logger?.error(
        'Could not render the update of a thread’s original message; replying in the thread only',
        {
          ...extra,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        },
      );
    }
    if (rewrite !== null && sink.update) {
      const updated = await sink.update(ref, rewrite);
      if (!updated.ok) {
        if (!updated.retryable && updated.scope === 'message') {
          logger?.warn(
            'Slack would not update the thread’s original message; posting the alert as a new message',
            {
              ...extra,
              reason: updated.reason,
            },
          );
          return fallBack(d, out, alert, thread, threads);
        }
        // chat.update is idempotent: unanswered, it is safe to send again (not an unconfirmed post).
        return {
          mode: 'update',
          result: updated.ambiguous
            ? { ...updated, ambiguous: false, reason: `${updated.reason} (chat.update, safe to repeat)` }
            : updated,
        };
      }
      result.threadUpdates = (result.threadUpdates ?? 0) + 1;
    }
    const reply = await sink.post(out.message, { threadOf: ref });
    if (!reply.ok && reply.code === 'thread_reply_not_found') {
      logger?.warn('Slack no longer has the thread; posting the alert as a new message', {
        ...extra,
        reason: reply.reason,
      });
      return fallBack(d, out, alert, thread, threads);
    }
    return { mode: 'reply', result: reply, thread };
  }

  /** The thread cannot be used: forget it and post the alert as a new message. */
  async function fallBack(
    d: string,
    out: Outgoing,
    alert: Alert,
    thread: AlertThread,
    threads: Map<string, AlertThread>,
  ): Promise<Sent> {
    threads.delete(stateKeyId(alert));
    try {
      await threadStore?.forget(alert, thread.ts);
    } catch (err) {
      // Harmless: the next alert of the pair finds the thread unusable again and falls back again.
      logger?.warn('Could not forget an unusable Slack thread', {
        destination: d,
        eventId: alert.eventId,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
    return { mode: 'post', result: await (destinations[d] as DestinationSink).sink.post(out.message) };
  }

  /**
   * After a delivered message: a violation posted as a new message starts its pair's thread, an
   * alert replied in a thread renews it. A failure here loses the thread, never the alert.
   */
  async function keepThread(
    d: string,
    out: Outgoing,
    sent: Sent,
    threads: Map<string, AlertThread>,
  ): Promise<void> {
    const alert = out.single;
    if (!threadStore || !alert || !keepsThreads(d) || !threadKind(alert) || !sent.result.ok) return;
    const now = clock();
    try {
      if (sent.mode === 'reply') {
        await threadStore.touch(
          alert,
          sent.thread.ts,
          {
            eventId: alert.eventId,
            kind: alert.kind,
            // A re-opening violation: the time a later resolution is counted from.
            ...(alert.kind === 'violation' ? { openedAt: alert.eventTime } : {}),
          },
          now,
        );
        return;
      }
      const posted = sent.result.posted;
      if (sent.mode !== 'post' || alert.kind !== 'violation' || !posted) return;
      const thread: AlertThread = {
        channel: posted.channel,
        ts: posted.ts,
        destination: d,
        original: out.message,
        openedBy: alert.eventId,
        postedAt: now.toISOString(),
        lastEventId: alert.eventId,
        lastKind: alert.kind,
        openedAt: alert.eventTime,
      };
      await threadStore.put(alert, thread, now);
      threads.set(stateKeyId(alert), thread);
    } catch (err) {
      logger?.error('A Slack thread was not kept; the pair’s next alert is posted as a new message', {
        destination: d,
        eventId: alert.eventId,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
  }

  return { keepsThreads, threadsOf, send, keepThread };
}

/**
 * What an alert does to its pair's thread: a resolution resolves it, a violation re-opens it; a
 * flapping alert stays out of threads (null).
 */
function threadKind(alert: Alert): ThreadChange['state'] | null {
  if (alert.kind === 'resolution') return 'resolved';
  if (alert.kind === 'violation') return 'reopened';
  return null;
}

/** Queue order, then decision order within one enqueue time (see its use). */
export function decisionOrder(a: PendingAlert, b: PendingAlert): number {
  return (
    cmp(a.createdAt, b.createdAt) ||
    cmp(a.alert.orderingTimestamp, b.alert.orderingTimestamp) ||
    cmp(a.alert.eventTime ?? '', b.alert.eventTime ?? '') ||
    cmp(a.id, b.id)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
