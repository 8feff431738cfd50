/**
 * The last sync's status for tests of its readers (API `/coverage`, dashboard, daily report): an
 * in-memory {@link SyncStatusStore} and a fixture builder. The DynamoDB item itself is covered
 * with the real `SyncStatusRepository` on dynalite.
 */
import type {
  ComplianceSourceStatus,
  SyncStatus,
  SyncStatusStore,
} from '../../src/ports/config-compliance.js';

export class InMemorySyncStatusStore implements SyncStatusStore {
  status: SyncStatus | null;
  reads = 0;

  constructor(status: SyncStatus | null = null) {
    this.status = status;
  }

  async save(status: SyncStatus): Promise<void> {
    this.status = structuredClone(status);
  }

  async latest(): Promise<SyncStatus | null> {
    this.reads += 1;
    return this.status === null ? null : structuredClone(this.status);
  }
}

/** A store whose read fails (a missing grant, a throttled table). */
export const failingSyncStatus = (error: Error = new Error('AccessDeniedException: not allowed')) => ({
  latest: async (): Promise<SyncStatus | null> => {
    throw error;
  },
});

export function unhealthySource(overrides: Partial<ComplianceSourceStatus> = {}): ComplianceSourceStatus {
  return {
    account: '111111111111',
    region: 'eu-west-1',
    status: 'FAILED',
    lastUpdateTime: '2024-03-09T22:00:00.000Z',
    error: 'AccessDeniedException: the aggregator cannot read this account',
    ...overrides,
  };
}

/** A sync with one failed and one outdated source and three account/regions without rules. */
export function syncStatus(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    syncId: 'sync-2024-03-10T06:00:00.000Z',
    syncTime: '2024-03-10T06:00:00.000Z',
    sources: { ok: 10, failed: 2 },
    rules: 33,
    results: 1_204,
    applied: 17,
    closed: 2,
    alerts: { violations: 3, resolved: 1 },
    baseline: false,
    coverage: {
      unhealthySources: [
        unhealthySource(),
        unhealthySource({
          account: '222222222222',
          region: 'us-east-1',
          status: 'OUTDATED',
          lastUpdateTime: '2024-03-01T00:00:00.000Z',
          error: null,
        }),
      ],
      withoutRules: ['333333333333/eu-west-1', '333333333333/us-east-1', '444444444444/us-east-1'],
    },
    ...overrides,
  };
}
