/**
 * The pairs still non-compliant, as the end of a mute needs them (src/use-cases/mutes.ts): the open
 * violations of an account (and region) from the state table's sparse `open` index, and the current
 * status of given pairs from the table itself. The hot state only: a pair unchanged for the state's
 * 90-day retention is no longer there (the mute's record of what it held back covers those).
 */
import type { StateKey } from '../../domain/compliance-state.js';
import type { OpenPair, OpenPairSource, OpenPairStatus } from '../../ports/mutes.js';
import type { DocumentSender } from './batch-write.js';
import { ComplianceStateRepository } from './compliance-state.repository.js';
import { OpenViolationRepository } from './open-violation.repository.js';

/** Open violations of one account read at most, per mute end (the first this many are re-alerted). */
export const MAX_OPEN_PAIRS_PER_MUTE = 50_000;

export class HotStateOpenPairs implements OpenPairSource {
  private readonly open: OpenViolationRepository;
  private readonly states: ComplianceStateRepository;

  constructor(
    doc: DocumentSender,
    stateTableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.open = new OpenViolationRepository(doc, stateTableName);
    this.states = new ComplianceStateRepository(doc, stateTableName);
  }

  async openPairs(account: string, region: string | null): Promise<OpenPair[]> {
    const { items } = await this.open.all(
      { account, region, rule: null, now: this.now() },
      MAX_OPEN_PAIRS_PER_MUTE - 1,
    );
    return items.map((v) => ({
      account: v.account,
      region: v.region,
      ruleName: v.ruleName,
      resourceType: v.resourceType,
      resourceId: v.resourceId,
      eventId: v.eventId,
      annotation: v.annotation,
      orderingTimestamp: v.lastEvaluated,
      openedAt: v.openedAt,
    }));
  }

  async statusOf(keys: readonly StateKey[]): Promise<(OpenPairStatus | null)[]> {
    // A state past its TTL that DynamoDB has not deleted yet still tells the last status: kept.
    const states = await this.states.getMany(keys);
    return states.map((state) => (state ? { status: state.status } : null));
  }
}
