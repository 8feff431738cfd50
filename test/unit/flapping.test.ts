/**
 * Flapping (issue 11, item 5): a pair that changes status more than 4 times in 24 h is flagged once,
 * then quiet until stable for 24 h, then alerts as usual; through the consumer's decision path
 * (processBatch on in-memory stores), with generated sequences, redelivered and reordered as
 * Kinesis may (batches cut anywhere, pairs interleaved, each pair's records in order).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../pipeline/generate/random.js';
import { type Alert, decide } from '../../src/domain/compliance-state.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import {
  FLAPPING_DEFAULTS,
  type FlappingRecord,
  isStatusChange,
  stepFlapping,
} from '../../src/domain/flapping.js';
import { processBatch } from '../../src/use-cases/process-batch.js';
import { complianceEvent, type Status } from '../helpers/archive-events.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-02T00:00:00.000Z');

interface Evaluation {
  readonly text: string;
  readonly id: string;
  readonly status: Status;
  readonly at: number;
}

/**
 * A seeded sequence of evaluations of one pair: a first COMPLIANT evaluation, then `flips` status
 * changes COMPLIANT ↔ NON_COMPLIANT minutes to an hour apart (with repeats of the same status in
 * between), then, after `quietHours` without a change, one more change.
 */
function sequence(resourceId: string, seed: number, flips: number, quietHours: number): Evaluation[] {
  const random = new Random(seed, resourceId);
  const out: Evaluation[] = [];
  let at = START + random.int(0, 60) * 60_000;
  let status: Status = 'COMPLIANT';
  let previous: Status | null = null;
  const push = () => {
    const id = `${resourceId}-${out.length}`;
    const iso = new Date(at).toISOString();
    const text = JSON.stringify(
      complianceEvent({ id, resourceId, newStatus: status, oldStatus: previous, at: iso }),
    );
    out.push({ text, id, status, at });
    previous = status;
  };
  push();
  for (let i = 0; i < flips; i++) {
    if (random.chance(0.3)) {
      at += random.int(1, 30) * 60_000;
      push(); // the same status again: no change
    }
    at += random.int(1, 60) * 60_000;
    status = status === 'COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT';
    push();
  }
  at += quietHours * HOUR;
  status = status === 'COMPLIANT' ? 'NON_COMPLIANT' : 'COMPLIANT';
  push();
  return out;
}

/** Merges the pairs' sequences in a random order that keeps each pair's own order (as Kinesis does per resource). */
function interleave(sequences: readonly Evaluation[][], seed: number): Evaluation[] {
  const random = new Random(seed, 'interleave');
  const cursors = sequences.map(() => 0);
  const out: Evaluation[] = [];
  for (;;) {
    const open = cursors.flatMap((c, i) => (c < (sequences[i] as Evaluation[]).length ? [i] : []));
    if (open.length === 0) return out;
    const pick = open[random.int(0, open.length - 1)] as number;
    out.push((sequences[pick] as Evaluation[])[cursors[pick] as number] as Evaluation);
    cursors[pick] = (cursors[pick] as number) + 1;
  }
}

/** Runs the evaluations through the consumer in batches of `size`; returns the outbox. */
async function consume(evaluations: readonly Evaluation[], size: number, deps = inMemoryDeps()) {
  for (let i = 0; i < evaluations.length; i += size) {
    const batch = evaluations.slice(i, i + size).map((e) => ({ text: e.text }));
    const result = await processBatch(batch, deps);
    expect(result.firstFailed).toBeNull();
  }
  return deps;
}

/** The outbox as `<id> <kind>` lines, sorted: what the notifier would post. */
function posted(alerts: ReadonlyMap<string, Alert>): string[] {
  return [...alerts.values()]
    .map((a) => `${a.eventId} ${a.kind}${a.wasFlapping ? ' (was flapping)' : ''}`)
    .sort();
}

/** The expected alerts of one pair's sequence, by a plain reading of the rule. */
function expected(evaluations: readonly Evaluation[]): string[] {
  const out: string[] = [];
  const changes: number[] = [];
  let flagged = false;
  let previous: Evaluation | undefined;
  for (const e of evaluations) {
    const alert = previous === undefined ? null : previous.status !== e.status ? e.status : null;
    if (previous && previous.status !== e.status) {
      const last = changes[changes.length - 1];
      const stable = last === undefined || e.at - last >= FLAPPING_DEFAULTS.windowMs;
      changes.push(e.at);
      const inWindow = changes.filter((t) => t > e.at - FLAPPING_DEFAULTS.windowMs).length;
      if (flagged && stable) {
        flagged = false;
        out.push(`${e.id} ${alert === 'NON_COMPLIANT' ? 'violation' : 'resolution'} (was flapping)`);
      } else if (flagged) {
        // quiet
      } else if (inWindow > FLAPPING_DEFAULTS.maxChanges) {
        flagged = true;
        out.push(`flapping:${e.id} flapping`);
      } else {
        out.push(`${e.id} ${alert === 'NON_COMPLIANT' ? 'violation' : 'resolution'}`);
      }
    }
    previous = e;
  }
  return out;
}

describe('flapping through the consumer: flagged once, quiet, alerts again once stable', () => {
  describe.each([1, 2, 3, 4, 5])('seed %i', (seed) => {
    // Prepare: one pair flapping 9 times (then stable 25 h), one changing 3 times (never flapping).
    const flappy = sequence('flappy-bucket', seed, 9, 25);
    const calm = sequence('calm-bucket', seed, 3, 2);
    const reference = [...expected(flappy), ...expected(calm)].sort();

    it('flags the flapping pair exactly once, keeps it quiet, and alerts its change after 24 h stable', async () => {
      // Act
      const deps = await consume(interleave([flappy, calm], seed), 7);

      // Assess
      const alerts = posted(deps.outbox.alerts);
      expect(alerts).toEqual(reference);
      expect(alerts.filter((a) => a.endsWith(' flapping'))).toEqual([
        expect.stringMatching(/^flapping:flappy-bucket-/),
      ]);
      // Quiet: between the flag and the last change, no alert of the flapping pair.
      const flappyAlerts = [...deps.outbox.alerts.values()]
        .filter((a) => a.resourceId === 'flappy-bucket')
        .sort((a, b) => a.eventTime.localeCompare(b.eventTime));
      expect(flappyAlerts.map((a) => a.kind)).toEqual([
        'violation',
        'resolution',
        'violation',
        'resolution',
        'flapping',
        'resolution',
      ]);
      expect(flappyAlerts.at(-1)).toMatchObject({
        wasFlapping: true,
        eventId: (flappy.at(-1) as Evaluation).id,
      });
      const flag = flappyAlerts.find((a) => a.kind === 'flapping');
      expect(flag?.flapping).toEqual({
        changes: 5,
        windowHours: 24,
        eventId: flag?.eventId.slice('flapping:'.length),
      });
    });

    it('gives the same alerts when every batch is redelivered, and when the batches are cut and interleaved otherwise', async () => {
      // Act: redeliver every record once more, in other batches; and replay from scratch reordered.
      const once = await consume(interleave([flappy, calm], seed), 7);
      const redelivered = await consume(interleave([flappy, calm], seed + 100), 3, once);
      const reordered = await consume(interleave([calm, flappy], seed + 200), 11);
      const oneBatch = await consume([...flappy, ...calm], 1_000);

      // Assess
      expect(posted(redelivered.outbox.alerts)).toEqual(reference);
      expect(posted(reordered.outbox.alerts)).toEqual(reference);
      expect(posted(oneBatch.outbox.alerts)).toEqual(reference);
    });
  });
});

describe('stepFlapping', () => {
  const at = (hours: number) => new Date(START + hours * HOUR).toISOString();
  const run = (hours: readonly number[]) => {
    let record: FlappingRecord | undefined;
    const effects: string[] = [];
    hours.forEach((h, i) => {
      const stepped = stepFlapping(record, { eventId: `e${i}`, at: at(h), change: true });
      record = stepped.record;
      effects.push(stepped.effect.kind);
    });
    return { record, effects };
  };

  it('flags at the fifth change within 24 h, not at the fourth', () => {
    expect(run([0, 1, 2, 3]).effects).toEqual(['none', 'none', 'none', 'none']);
    expect(run([0, 1, 2, 3, 4]).effects).toEqual(['none', 'none', 'none', 'none', 'flagged']);
  });

  it('does not flag five changes spread over more than 24 h', () => {
    expect(run([0, 7, 14, 21, 28]).effects).toEqual(['none', 'none', 'none', 'none', 'none']);
  });

  it('stays quiet while changes keep coming less than 24 h apart, however long it lasts', () => {
    const { effects, record } = run([0, 1, 2, 3, 4, 20, 40, 60, 80, 103.9]);
    expect(effects).toEqual([
      'none',
      'none',
      'none',
      'none',
      'flagged',
      'quiet',
      'quiet',
      'quiet',
      'quiet',
      'quiet',
    ]);
    expect(record?.flagged?.eventId).toBe('e4');
    expect(record?.changes.length).toBeLessThanOrEqual(FLAPPING_DEFAULTS.maxChanges + 1);
  });

  it('ends the episode at the first change after 24 h stable, then counts afresh', () => {
    expect(run([0, 1, 2, 3, 4, 28, 29]).effects).toEqual([
      'none',
      'none',
      'none',
      'none',
      'flagged',
      'stabilised',
      'none',
    ]);
  });

  it('counts only changes into or out of NON_COMPLIANT', () => {
    expect(isStatusChange(undefined, 'NON_COMPLIANT')).toBe(false);
    expect(isStatusChange('COMPLIANT', 'NON_COMPLIANT')).toBe(true);
    expect(isStatusChange('NON_COMPLIANT', 'NOT_APPLICABLE')).toBe(true);
    expect(isStatusChange('COMPLIANT', 'NOT_APPLICABLE')).toBe(false);
    expect(isStatusChange('NON_COMPLIANT', 'NON_COMPLIANT')).toBe(false);
  });
});

describe('decide: flapping and the order key', () => {
  const change = (id: string, status: Status, old: Status | null, hour: number): ComplianceChange => {
    const outcome = parseConfigEvent(
      JSON.stringify(
        complianceEvent({
          id,
          newStatus: status,
          oldStatus: old,
          at: new Date(START + hour * HOUR).toISOString(),
        }),
      ),
    );
    if (outcome.status !== 'accepted' || outcome.event.kind !== 'compliance-change')
      throw new Error('bad fixture');
    return outcome.event;
  };

  it('re-derives the same flapping alert for a redelivered flagging event, and leaves its state alone', () => {
    // Prepare: five changes in five hours
    let state = undefined as Parameters<typeof decide>[1];
    const statuses: Status[] = [
      'COMPLIANT',
      'NON_COMPLIANT',
      'COMPLIANT',
      'NON_COMPLIANT',
      'COMPLIANT',
      'NON_COMPLIANT',
    ];
    let last: ComplianceChange | undefined;
    for (const [i, status] of statuses.entries()) {
      last = change(`d${i}`, status, i === 0 ? null : (statuses[i - 1] as Status), i);
      const decision = decide(last, state);
      if (decision.newest) state = decision.state;
    }

    // Act
    const again = decide(last as ComplianceChange, state);

    // Assess
    expect(again).toMatchObject({ newest: true, alert: { kind: 'flapping', eventId: 'flapping:d5' } });
    expect(again.newest && again.state.flapping).toEqual(state?.flapping);
  });

  it('gives a resolution the time the pair became non-compliant, and a stabilised change its wasFlapping', () => {
    // Prepare
    const compliant = decide(change('o0', 'COMPLIANT', null, 0), undefined);
    const violation = decide(
      change('o1', 'NON_COMPLIANT', 'COMPLIANT', 1),
      compliant.newest ? compliant.state : undefined,
    );
    const openedAt = violation.newest ? violation.state.openedAt : undefined;

    // Act
    const resolution = decide(
      change('o2', 'COMPLIANT', 'NON_COMPLIANT', 4),
      violation.newest ? violation.state : undefined,
    );

    // Assess
    expect(openedAt).toBeDefined();
    expect(resolution).toMatchObject({ alert: { kind: 'resolution', openedAt } });
    expect(violation).toMatchObject({ alert: { kind: 'violation' } });
    expect(violation.newest && violation.alert && 'openedAt' in violation.alert).toBe(false);
  });

  it('keeps a late evaluation (older by the order key) out of the count: it is stale, as without flapping', () => {
    // Prepare
    const first = decide(change('l0', 'COMPLIANT', null, 0), undefined);
    const newer = decide(
      change('l1', 'NON_COMPLIANT', 'COMPLIANT', 10),
      first.newest ? first.state : undefined,
    );
    const state = newer.newest ? newer.state : undefined;

    // Act
    const late = decide(change('l2', 'COMPLIANT', 'NON_COMPLIANT', 5), state);

    // Assess
    expect(late).toEqual({ newest: false });
    expect(state?.flapping?.changes).toHaveLength(1);
    expect(state?.flapping?.changes[0]?.startsWith('2026-11-02T10:00')).toBe(true);
  });
});
