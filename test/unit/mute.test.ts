import { describe, expect, it } from 'vitest';
import { complianceScore } from '../../src/domain/compliance-state.js';
import {
  checkMuteId,
  checkMuteRequest,
  hasEnded,
  InvalidMuteError,
  isInForce,
  MAX_MUTE_MS,
  type Mute,
  muteCovers,
  mutedPairs,
  muteEnd,
  muteEndAlertId,
  muteEndKind,
  mutesCovering,
  newMuteId,
  type PairStatus,
  type RawMuteRequest,
  scoreWithoutMuted,
} from '../../src/domain/mute.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const DAY = 86_400_000;

function mute(overrides: Partial<Mute> = {}): Mute {
  return {
    id: newMuteId(),
    account: '123456789012',
    region: null,
    rule: null,
    resource: null,
    until: '2024-06-01T00:00:00.000Z',
    reason: 'accepted risk',
    createdAt: '2024-05-01T00:00:00.000Z',
    createdBy: 'local:alice',
    removedAt: null,
    removedBy: null,
    removalReason: null,
    endHandledAt: null,
    ...overrides,
  };
}

const pair = (overrides: Partial<PairStatus> = {}): PairStatus => ({
  account: '123456789012',
  region: 'eu-west-1',
  ruleName: 's3-bucket-versioning-enabled',
  resourceType: 'AWS::S3::Bucket',
  resourceId: 'bucket-1',
  status: 'NON_COMPLIANT',
  ...overrides,
});

const valid: RawMuteRequest = {
  account: '123456789012',
  untilMs: NOW.getTime() + 7 * DAY,
  untilText: '2024-05-08',
  reason: 'accepted risk until the migration',
};

function fieldOf(raw: RawMuteRequest): string {
  try {
    checkMuteRequest(raw, NOW);
  } catch (err) {
    if (err instanceof InvalidMuteError) return `${err.field}: ${err.message}`;
    throw err;
  }
  return 'valid';
}

describe('checkMuteRequest', () => {
  it('accepts an account-only mute and normalizes until and the reason', () => {
    // Act
    const request = checkMuteRequest({ ...valid, reason: '  accepted risk  ' }, NOW);

    // Assess
    expect(request).toEqual({
      account: '123456789012',
      region: null,
      rule: null,
      resource: null,
      until: '2024-05-08T12:00:00.000Z',
      reason: 'accepted risk',
    });
  });

  it.each([
    ['no account', { ...valid, account: undefined }, /^account: account is required/],
    ['an 11-digit account', { ...valid, account: '12345678901' }, /^account: .*12 ASCII digits/],
    ['fullwidth digits', { ...valid, account: '１２３４５６７８９０１２' }, /^account:/],
    ['a bad region', { ...valid, region: 'moon-1' }, /^region: .*AWS region/],
    ['an empty rule', { ...valid, rule: '' }, /^rule: rule must be 1 to 256/],
    ['a rule with a newline', { ...valid, rule: 'a\nb' }, /^rule:/],
    ['a 769-character resource', { ...valid, resource: 'r'.repeat(769) }, /^resource: .*768/],
    [
      'no expiry',
      { ...valid, untilMs: undefined },
      /^until: until is required: a mute without an expiry is refused/,
    ],
    [
      'an expiry in the past',
      { ...valid, untilMs: NOW.getTime() - 1 },
      /^until: until must be in the future/,
    ],
    ['an expiry of now', { ...valid, untilMs: NOW.getTime() }, /^until: until must be in the future/],
    ['an expiry past a year', { ...valid, untilMs: NOW.getTime() + MAX_MUTE_MS + 1 }, /^until: .*366 days/],
    [
      'no reason',
      { ...valid, reason: undefined },
      /^reason: reason is required: a mute without a reason is refused/,
    ],
    ['a blank reason', { ...valid, reason: '   ' }, /^reason: reason is required/],
    [
      'a 501-character reason',
      { ...valid, reason: 'x'.repeat(501) },
      /^reason: .*at most 500 characters \(was 501\)/,
    ],
    ['a reason with a control character', { ...valid, reason: 'ok\u0007' }, /^reason: .*one line/],
  ] as [string, RawMuteRequest, RegExp][])('refuses %s, naming the field', (_label, raw, expected) => {
    // Act / Assess
    expect(fieldOf(raw)).toMatch(expected);
  });

  it('accepts the longest expiry and the longest reason', () => {
    expect(fieldOf({ ...valid, untilMs: NOW.getTime() + MAX_MUTE_MS, reason: 'x'.repeat(500) })).toBe(
      'valid',
    );
  });

  it('reports the first broken field in the order account, region, rule, resource, until, reason', () => {
    expect(fieldOf({ account: 'x', region: 'y', untilMs: null, reason: '' })).toMatch(/^account:/);
    expect(fieldOf({ account: '123456789012', region: 'y', untilMs: null })).toMatch(/^region:/);
    expect(fieldOf({ account: '123456789012', untilMs: null })).toMatch(/^until:/);
  });

  it('quotes a hostile value clipped', () => {
    expect(fieldOf({ ...valid, account: 'a'.repeat(10_000) })).toMatch(/a{80}…"\)$/);
  });
});

describe('mute ids', () => {
  it('are m- and 12 hex digits, checked on remove', () => {
    expect(newMuteId()).toMatch(/^m-[0-9a-f]{12}$/);
    expect(checkMuteId('m-0123456789ab')).toBe('m-0123456789ab');
    expect(() => checkMuteId('m-0123; drop')).toThrow(InvalidMuteError);
  });
});

describe('muteCovers', () => {
  it('an account-only mute covers every region, rule and resource of the account, and no other account', () => {
    const scope = mute();
    expect(muteCovers(scope, pair())).toBe(true);
    expect(muteCovers(scope, pair({ region: 'us-east-1', ruleName: 'other', resourceId: 'x' }))).toBe(true);
    expect(muteCovers(scope, pair({ account: '210987654321' }))).toBe(false);
  });

  it('each field narrows the scope', () => {
    expect(muteCovers(mute({ region: 'eu-west-1' }), pair())).toBe(true);
    expect(muteCovers(mute({ region: 'us-east-1' }), pair())).toBe(false);
    expect(muteCovers(mute({ resource: 'bucket-1' }), pair())).toBe(true);
    expect(muteCovers(mute({ resource: 'bucket-2' }), pair())).toBe(false);
    expect(muteCovers(mute({ rule: 's3-bucket-versioning-enabled' }), pair({ ruleName: 'other-rule' }))).toBe(
      false,
    );
  });

  it('matches conformance-pack rule names by base name, in both directions', () => {
    const packed = pair({ ruleName: 's3-bucket-versioning-enabled-conformance-pack-a1b2c3d4e' });
    expect(muteCovers(mute({ rule: 's3-bucket-versioning-enabled' }), packed)).toBe(true);
    expect(muteCovers(mute({ rule: 's3-bucket-versioning-enabled-conformance-pack-zzz9' }), packed)).toBe(
      true,
    );
    expect(muteCovers(mute({ rule: 's3-bucket-versioning-enabled-conformance-pack-zzz9' }), pair())).toBe(
      true,
    );
    expect(muteCovers(mute({ rule: 's3-bucket-versioning' }), packed)).toBe(false);
  });
});

describe('expiry', () => {
  it('is in force from creation until `until`, exclusive', () => {
    const m = mute();
    expect(isInForce(m, '2024-04-30T23:59:59.999Z')).toBe(false);
    expect(isInForce(m, m.createdAt)).toBe(true);
    expect(isInForce(m, '2024-05-31T23:59:59.999Z')).toBe(true);
    expect(isInForce(m, m.until)).toBe(false);
    expect(hasEnded(m, m.until)).toBe(true);
    expect(muteEndKind(m)).toBe('expired');
  });

  it('a removal ends it early; a removal recorded after the expiry does not extend it', () => {
    const removed = mute({ removedAt: '2024-05-10T00:00:00.000Z' });
    expect(muteEnd(removed)).toBe('2024-05-10T00:00:00.000Z');
    expect(muteEndKind(removed)).toBe('removed');
    expect(isInForce(removed, '2024-05-10T00:00:00.000Z')).toBe(false);
    const late = mute({ removedAt: '2024-07-01T00:00:00.000Z' });
    expect(muteEnd(late)).toBe(late.until);
    expect(muteEndKind(late)).toBe('expired');
  });

  it('mutesCovering keeps only the mutes in force that cover the pair, oldest first', () => {
    const older = mute({ createdAt: '2024-04-01T00:00:00.000Z', rule: 's3-bucket-versioning-enabled' });
    const newer = mute({ createdAt: '2024-04-02T00:00:00.000Z' });
    const expired = mute({ until: '2024-05-01T11:00:00.000Z' });
    const otherRegion = mute({ region: 'us-east-1' });
    expect(mutesCovering([older, newer, expired, otherRegion], pair(), NOW).map((m) => m.id)).toEqual([
      older.id,
      newer.id,
    ]);
  });

  it('the re-alert id is one per mute and pair', () => {
    const a = muteEndAlertId('m-000000000001', pair());
    expect(a).toMatch(/^mute-end:m-000000000001:[0-9a-f]{32}$/);
    expect(muteEndAlertId('m-000000000001', pair())).toBe(a);
    expect(muteEndAlertId('m-000000000002', pair())).not.toBe(a);
    expect(muteEndAlertId('m-000000000001', pair({ resourceId: 'bucket-2' }))).not.toBe(a);
  });
});

describe('mutedPairs and scoreWithoutMuted', () => {
  it('counts each muted pair once and lists the non-compliant ones first', () => {
    // Prepare
    const byAccount = mute();
    const byRule = mute({ rule: 's3-bucket-versioning-enabled' });
    const ended = mute({ account: '210987654321', until: '2024-05-01T00:00:00.001Z' });
    const pairs = [
      pair({ resourceId: 'b', status: 'COMPLIANT' }),
      pair({ resourceId: 'a' }),
      pair({ resourceId: 'c', ruleName: 'other', status: 'NOT_APPLICABLE' }),
      pair({ resourceId: 'a' }), // listed twice
      pair({ account: '210987654321', resourceId: 'z' }),
    ];

    // Act
    const result = mutedPairs(pairs, [byAccount, byRule, ended], NOW);

    // Assess
    expect(result.counts).toEqual({ compliant: 1, nonCompliant: 1, notApplicable: 1, insufficientData: 0 });
    expect(result.pairs.map((p) => [p.resourceId, p.muteIds])).toEqual([
      ['a', [byAccount.id, byRule.id]],
      ['c', [byAccount.id]], // rule `other` sorts before `s3-…`
      ['b', [byAccount.id, byRule.id]],
    ]);
  });

  it('the score without the muted pairs leaves them out of both sides', () => {
    expect(scoreWithoutMuted({ compliant: 80, nonCompliant: 20 }, { compliant: 0, nonCompliant: 10 })).toBe(
      complianceScore(80, 10),
    );
    expect(
      scoreWithoutMuted({ compliant: 80, nonCompliant: 20 }, { compliant: 80, nonCompliant: 20 }),
    ).toBeNull();
  });

  it('equals a reference computation over a generated posture', () => {
    // Prepare: 3 accounts × 2 regions × 4 rules × 25 resources, statuses from a fixed sequence.
    const statuses = [
      'COMPLIANT',
      'NON_COMPLIANT',
      'COMPLIANT',
      'NOT_APPLICABLE',
      'INSUFFICIENT_DATA',
    ] as const;
    const all: PairStatus[] = [];
    let n = 0;
    for (const account of ['111111111111', '222222222222', '333333333333'])
      for (const region of ['eu-west-1', 'us-east-1'])
        for (const rule of ['r1', 'r2-conformance-pack-x1', 'r3', 'r4'])
          for (let r = 0; r < 25; r++)
            all.push(
              pair({
                account,
                region,
                ruleName: rule,
                resourceId: `res-${r}`,
                status: statuses[(n++ * 7) % 5] as PairStatus['status'],
              }),
            );
    const mutes = [
      mute({ account: '111111111111' }),
      mute({ account: '222222222222', region: 'us-east-1', rule: 'r2' }),
      mute({ account: '333333333333', resource: 'res-3' }),
      mute({ account: '333333333333', rule: 'r1', resource: 'res-3' }), // overlaps the one above
    ];

    // Act
    const { counts } = mutedPairs(all, mutes, NOW);
    const totals = {
      compliant: all.filter((p) => p.status === 'COMPLIANT').length,
      nonCompliant: all.filter((p) => p.status === 'NON_COMPLIANT').length,
    };

    // Assess: the reference decides each pair by hand.
    const isMuted = (p: PairStatus) =>
      p.account === '111111111111' ||
      (p.account === '222222222222' && p.region === 'us-east-1' && p.ruleName.startsWith('r2')) ||
      (p.account === '333333333333' && p.resourceId === 'res-3');
    const kept = all.filter((p) => !isMuted(p));
    const reference = complianceScore(
      kept.filter((p) => p.status === 'COMPLIANT').length,
      kept.filter((p) => p.status === 'NON_COMPLIANT').length,
    );
    expect(counts.compliant + counts.nonCompliant + counts.notApplicable + counts.insufficientData).toBe(
      all.filter(isMuted).length,
    );
    expect(scoreWithoutMuted(totals, counts)).toBe(reference);
    expect(complianceScore(totals.compliant, totals.nonCompliant)).not.toBe(reference);
  });
});
