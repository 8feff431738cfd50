/**
 * The demo organization (npm start) has one flapping pair: through the consumer, it is flagged
 * once and then quiet.
 */
import { describe, expect, it } from 'vitest';
import { demoOrganization } from '../../pipeline/cli/commands/up.js';
import { generateDeployment, generateOrganization } from '../../pipeline/generate/organization.js';
import { processBatch } from '../../src/use-cases/process-batch.js';
import { inMemoryDeps } from '../helpers/in-memory-hot-store.js';

type Event = { id: string; 'detail-type': string; detail: Record<string, any> };

describe('generate: flapping pairs', () => {
  it('makes the demo organization flap on one pair, which the consumer flags exactly once', async () => {
    // Prepare
    const { events } = generateDeployment({ ...demoOrganization(), end: '2026-11-20' });
    const changes = (events as unknown as Event[]).filter(
      (e) => e['detail-type'] === 'Config Rules Compliance Change',
    );
    const pairOf = (e: Event) =>
      `${e.detail.awsAccountId}|${e.detail.awsRegion}|${e.detail.configRuleName}|${e.detail.resourceType}|${e.detail.resourceId}`;

    // Act
    const deps = inMemoryDeps();
    for (let i = 0; i < changes.length; i += 100) {
      await processBatch(
        changes.slice(i, i + 100).map((e) => ({ text: JSON.stringify(e) })),
        deps,
      );
    }

    // Assess
    const flagged = [...deps.outbox.alerts.values()].filter((a) => a.kind === 'flapping');
    expect(flagged).toHaveLength(1);
    const pair = `${flagged[0]?.account}|${flagged[0]?.region}|${flagged[0]?.ruleName}|${flagged[0]?.resourceType}|${flagged[0]?.resourceId}`;
    const ofPair = changes.filter((e) => pairOf(e) === pair);
    expect(
      ofPair.filter((e) => e.detail.notificationCreationTime >= '2026-11-20T04:00:00').length,
    ).toBeGreaterThanOrEqual(7);
    // Quiet after the flag: no other alert of the pair after it.
    const after = [...deps.outbox.alerts.values()].filter(
      (a) =>
        a.kind !== 'flapping' &&
        `${a.account}|${a.region}|${a.ruleName}|${a.resourceType}|${a.resourceId}` === pair &&
        a.eventTime > (flagged[0]?.eventTime ?? ''),
    );
    expect(after).toEqual([]);
  });

  it('leaves the organization as it was without the option', () => {
    const options = { accounts: 2, regions: 1, days: 10, end: '2026-11-20', seed: 3 };
    const without = [...generateOrganization(options)].map((e) => JSON.stringify(e));
    const zero = [...generateOrganization({ ...options, flapping: 0 })].map((e) => JSON.stringify(e));
    expect(zero).toEqual(without);
  });
});
