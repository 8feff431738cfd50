/**
 * Mutes: an accepted risk, silenced for a while. A mute names a scope — an account, and optionally
 * a region, a rule and a resource — an expiry and a reason; it is refused without either. Pure: the
 * store is src/adapters/dynamodb/mute.repository.ts, the use cases src/use-cases/mutes.ts.
 *
 * Scope. A mute with only an account covers every region, rule and resource of the account; each
 * field given narrows it. Rules match by base name ({@link baseRuleName}): a mute of
 * `s3-bucket-versioning-enabled` covers the conformance-pack copies
 * `s3-bucket-versioning-enabled-conformance-pack-a1b2c3d4e` in every account, and a mute given a
 * suffixed name covers the same rule under any other suffix. Regions and resource ids match exactly.
 *
 * Time. A mute is in force from its creation until `until` (exclusive), or until it is removed,
 * whichever comes first ({@link muteEnd}). The alert notifier checks the mutes in force when it
 * delivers (not when the consumer decides), so a mute added after a violation was queued still holds
 * it back, and a mute that has ended lets the next alert through.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isAccountId, isRegionName } from './aws-names.js';
import { complianceScore, type StateKey, stateKeyId } from './compliance-state.js';
import type { ComplianceType } from './config-event.js';
import { baseRuleName } from './config-event.js';
import { DAY_MS } from './utc-day.js';

/** The longest a mute may last: "within a year", a leap year included. */
export const MAX_MUTE_DAYS = 366;
export const MAX_MUTE_MS = MAX_MUTE_DAYS * DAY_MS;
export const MAX_REASON_LENGTH = 500;
/** As the event schema bounds `configRuleName` (AWS allows 128). */
export const MAX_RULE_LENGTH = 256;
/** Config resource ids reach 768 characters. */
export const MAX_RESOURCE_LENGTH = 768;
/** `m-` and 12 hex digits (48 random bits): short enough to type in `mute remove`. */
export const MUTE_ID_PATTERN = /^m-[0-9a-f]{12}$/;

/** Who or what acted on a mute when nobody did: the end of a mute is recorded by config-monitor itself. */
export const SYSTEM_ACTOR = 'config-monitor';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What a mute covers; null means "any". */
export interface MuteScope {
  readonly account: string;
  readonly region: string | null;
  /** A rule name, compared by base name. */
  readonly rule: string | null;
  readonly resource: string | null;
}

/** A validated request to create a mute. */
export interface MuteRequest extends MuteScope {
  /** Normalized ISO instant, exclusive: the mute is in force before it. */
  readonly until: string;
  /** Trimmed, 1 to {@link MAX_REASON_LENGTH} characters, untrusted text (escaped wherever shown). */
  readonly reason: string;
}

export interface Mute extends MuteRequest {
  readonly id: string;
  readonly createdAt: string;
  /** The IAM principal (userArn, or the Cognito user) in AWS; `local:<OS user>` on one machine. */
  readonly createdBy: string;
  readonly removedAt: string | null;
  readonly removedBy: string | null;
  readonly removalReason: string | null;
  /**
   * When the re-alerts of its end were queued (see {@link muteEndAlertId}); null while it is in
   * force, and after its end until a drain has handled it.
   */
  readonly endHandledAt: string | null;
}

/** The fields of a mute request, as the CLI flags and the API body name them. */
export type MuteField = 'account' | 'region' | 'rule' | 'resource' | 'until' | 'reason';

/** A mute request broke a rule; `field` names it, the message says the rule and the value seen. */
export class InvalidMuteError extends Error {
  constructor(
    readonly field: MuteField | 'id',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidMuteError';
  }
}

/** A request before validation: text as typed, `until` as an instant (ms) the edge has parsed. */
export interface RawMuteRequest {
  readonly account?: string | null | undefined;
  readonly region?: string | null | undefined;
  readonly rule?: string | null | undefined;
  readonly resource?: string | null | undefined;
  /** Epoch milliseconds; undefined or null when not given (refused). */
  readonly untilMs?: number | null | undefined;
  /** What was given for `until`, quoted in messages. */
  readonly untilText?: string | undefined;
  readonly reason?: string | null | undefined;
}

/** Values are echoed in messages: keep a hostile 10 kB value from echoing in full. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function optionalText(field: MuteField, value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (value.length === 0 || value.length > max || CONTROL.test(value)) {
    throw new InvalidMuteError(
      field,
      `${field} must be 1 to ${max} characters without control characters (was ${quote(value)})`,
    );
  }
  return value;
}

/**
 * Validates a request at `now`; throws {@link InvalidMuteError} naming the first field that breaks
 * its rule, in the order account, region, rule, resource, until, reason.
 */
export function checkMuteRequest(raw: RawMuteRequest, now: Date): MuteRequest {
  const account = raw.account ?? undefined;
  if (account === undefined) throw new InvalidMuteError('account', 'account is required (12 digits)');
  if (!isAccountId(account)) {
    throw new InvalidMuteError('account', `account must be exactly 12 ASCII digits (was ${quote(account)})`);
  }
  const region = raw.region ?? null;
  if (region !== null && !isRegionName(region)) {
    throw new InvalidMuteError(
      'region',
      `region must be an AWS region such as us-east-1 (was ${quote(region)})`,
    );
  }
  const rule = optionalText('rule', raw.rule, MAX_RULE_LENGTH);
  const resource = optionalText('resource', raw.resource, MAX_RESOURCE_LENGTH);
  const until = checkUntil(raw.untilMs, raw.untilText, now);
  const reason = checkReason(raw.reason);
  if (reason === null) {
    throw new InvalidMuteError('reason', 'reason is required: a mute without a reason is refused');
  }
  return { account, region, rule, resource, until, reason };
}

/**
 * A reason, trimmed: null when empty or absent; else at most {@link MAX_REASON_LENGTH} characters
 * on one line, or {@link InvalidMuteError} naming `reason`.
 */
export function checkReason(value: string | null | undefined): string | null {
  const reason = (value ?? '').trim();
  if (reason === '') return null;
  if (reason.length > MAX_REASON_LENGTH) {
    throw new InvalidMuteError(
      'reason',
      `reason must be at most ${MAX_REASON_LENGTH} characters (was ${reason.length})`,
    );
  }
  if (CONTROL.test(reason)) {
    throw new InvalidMuteError('reason', 'reason must be one line without control characters');
  }
  return reason;
}

function checkUntil(untilMs: number | null | undefined, text: string | undefined, now: Date): string {
  if (untilMs === undefined || untilMs === null) {
    throw new InvalidMuteError('until', 'until is required: a mute without an expiry is refused');
  }
  const shown = text === undefined ? new Date(untilMs).toISOString() : text;
  if (!(untilMs > now.getTime())) {
    throw new InvalidMuteError(
      'until',
      `until must be in the future (was ${quote(shown)}, now is ${now.toISOString()})`,
    );
  }
  const latest = now.getTime() + MAX_MUTE_MS;
  if (untilMs > latest) {
    throw new InvalidMuteError(
      'until',
      `until must be at most ${MAX_MUTE_DAYS} days ahead (was ${quote(shown)}, latest ${new Date(latest).toISOString()})`,
    );
  }
  return new Date(untilMs).toISOString();
}

/** Throws {@link InvalidMuteError} (field `id`) unless `id` is a mute id. */
export function checkMuteId(id: string): string {
  if (!MUTE_ID_PATTERN.test(id)) {
    throw new InvalidMuteError('id', `id must be a mute id such as m-0123456789ab (was ${quote(id)})`);
  }
  return id;
}

/** A new random mute id. */
export function newMuteId(): string {
  return `m-${randomBytes(6).toString('hex')}`;
}

/** The pair fields a scope is matched on. */
export type MutablePair = Pick<StateKey, 'account' | 'region' | 'ruleName' | 'resourceId'>;

/** Whether `scope` covers the pair (see the module comment for the rules). */
export function muteCovers(scope: MuteScope, pair: MutablePair): boolean {
  if (scope.account !== pair.account) return false;
  if (scope.region !== null && scope.region !== pair.region) return false;
  if (scope.resource !== null && scope.resource !== pair.resourceId) return false;
  if (scope.rule !== null && baseRuleName(scope.rule) !== baseRuleName(pair.ruleName)) return false;
  return true;
}

/** When a mute stops being in force: its expiry, or its removal if earlier. */
export function muteEnd(mute: Pick<Mute, 'until' | 'removedAt'>): string {
  return mute.removedAt !== null && mute.removedAt < mute.until ? mute.removedAt : mute.until;
}

/** How a mute ended (or will end). */
export function muteEndKind(mute: Pick<Mute, 'until' | 'removedAt'>): 'expired' | 'removed' {
  return mute.removedAt !== null && mute.removedAt < mute.until ? 'removed' : 'expired';
}

function iso(at: Date | string): string {
  return typeof at === 'string' ? at : at.toISOString();
}

/** Whether the mute is in force at `at`: created at or before it, and not yet ended. */
export function isInForce(mute: Pick<Mute, 'createdAt' | 'until' | 'removedAt'>, at: Date | string): boolean {
  const t = iso(at);
  return mute.createdAt <= t && t < muteEnd(mute);
}

/** Whether the mute has ended at `at` (expired or removed). */
export function hasEnded(mute: Pick<Mute, 'until' | 'removedAt'>, at: Date | string): boolean {
  return muteEnd(mute) <= iso(at);
}

/** The mutes in force at `at` that cover the pair, oldest first. */
export function mutesCovering<M extends Mute>(
  mutes: readonly M[],
  pair: MutablePair,
  at: Date | string,
): M[] {
  return mutes.filter((mute) => isInForce(mute, at) && muteCovers(mute, pair));
}

/**
 * The event id (outbox key) of the re-alert a mute's end queues for one still non-compliant pair:
 * one per (mute, pair), so however often a drain retries the end, the pair alerts again once.
 */
export function muteEndAlertId(muteId: string, pair: StateKey): string {
  return `mute-end:${muteId}:${createHash('sha256').update(stateKeyId(pair), 'utf8').digest('hex').slice(0, 32)}`;
}

/** What a re-alert carries about the mute whose end raised it (shown in the message). */
export interface MuteEndNote {
  readonly id: string;
  readonly how: 'expired' | 'removed';
  /** When it ended. */
  readonly at: string;
  readonly reason: string;
}

/** The note of a mute's end. */
export function muteEndNote(mute: Mute): MuteEndNote {
  return { id: mute.id, how: muteEndKind(mute), at: muteEnd(mute), reason: mute.reason };
}

// ---------------------------------------------------------------------------------------------
// Muted pairs in the posture: counts, list, and the score with and without them

/** One (resource, rule) pair and its latest status. */
export interface PairStatus extends StateKey {
  readonly status: ComplianceType;
}

export interface MutedPair extends PairStatus {
  /** The mutes in force that cover it, oldest first. */
  readonly muteIds: readonly string[];
}

export interface MutedCounts {
  readonly compliant: number;
  readonly nonCompliant: number;
  readonly notApplicable: number;
  readonly insufficientData: number;
}

export interface MutedPairs {
  readonly counts: MutedCounts;
  /** The muted pairs, NON_COMPLIANT first, then by account, region, rule, resource type and id. */
  readonly pairs: readonly MutedPair[];
}

/**
 * The pairs covered by a mute in force at `at`, counted by status. Each pair counts once, however
 * many mutes cover it; `pairs` need only hold the pairs of the mutes' accounts (others never match).
 */
export function mutedPairs(
  pairs: Iterable<PairStatus>,
  mutes: readonly Mute[],
  at: Date | string,
): MutedPairs {
  const inForce = mutes.filter((mute) => isInForce(mute, at));
  const counts = { compliant: 0, nonCompliant: 0, notApplicable: 0, insufficientData: 0 };
  const muted: MutedPair[] = [];
  if (inForce.length === 0) return { counts, pairs: muted };
  const seen = new Set<string>();
  for (const pair of pairs) {
    const covering = inForce.filter((mute) => muteCovers(mute, pair));
    if (covering.length === 0) continue;
    const id = stateKeyId(pair);
    if (seen.has(id)) continue; // a pair listed twice (overlapping queries) counts once
    seen.add(id);
    muted.push({ ...pair, muteIds: covering.map((mute) => mute.id) });
    if (pair.status === 'COMPLIANT') counts.compliant += 1;
    else if (pair.status === 'NON_COMPLIANT') counts.nonCompliant += 1;
    else if (pair.status === 'NOT_APPLICABLE') counts.notApplicable += 1;
    else counts.insufficientData += 1;
  }
  const rank = (p: PairStatus) => (p.status === 'NON_COMPLIANT' ? 0 : 1);
  muted.sort((a, b) => rank(a) - rank(b) || compareText(stateKeyId(a), stateKeyId(b)));
  return { counts, pairs: muted };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The score without the muted pairs: compliant / (compliant + non-compliant) over the pairs no mute
 * covers (the muted ones leave both numerator and denominator), with the rounding of
 * {@link complianceScore}; null when nothing is left to score.
 */
export function scoreWithoutMuted(
  totals: { readonly compliant: number; readonly nonCompliant: number },
  muted: Pick<MutedCounts, 'compliant' | 'nonCompliant'>,
): number | null {
  return complianceScore(
    Math.max(0, totals.compliant - muted.compliant),
    Math.max(0, totals.nonCompliant - muted.nonCompliant),
  );
}
