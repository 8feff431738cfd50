import { describe, expect, it } from 'vitest';
import { CONFIG_EVENT_PATTERN, matchesConfigEventPattern } from '../../src/domain/event-pattern.js';
import {
  matchesEventPattern as matches,
  resolveJsonPath as resolvePath,
  STREAM_ROUTES,
} from '../../src/domain/stream-routes.js';
import { fixture, fixtureVariants } from '../helpers/fixtures.js';

type Json = Record<string, unknown>;

const FIXTURES = ['compliance-change', 'configuration-item', 'other'].flatMap((kind) =>
  fixtureVariants(kind).map((variant) => ({
    name: `${kind}/${variant}`,
    event: fixture<Json>(kind, variant),
  })),
);

function configurationItemEvent(detail: Json): Json {
  return { ...fixture<Json>('configuration-item', 'inline-item-account-inside'), detail };
}

const SYNTHETIC = [
  {
    name: 'configuration item with an unknown message type',
    event: configurationItemEvent({ messageType: 'X' }),
  },
  { name: 'configuration item without a message type', event: configurationItemEvent({}) },
];

describe('STREAM_ROUTES', () => {
  it('narrows the ONE event pattern: every route keeps its source and a subset of its detail types', () => {
    // Prepare / Act
    const allowed = new Set<string>(CONFIG_EVENT_PATTERN['detail-type']);

    // Assess
    for (const route of STREAM_ROUTES) {
      expect(route.eventPattern.source).toEqual(CONFIG_EVENT_PATTERN.source);
      for (const detailType of route.eventPattern['detail-type'] as string[])
        expect(allowed).toContain(detailType);
    }
    expect(new Set(STREAM_ROUTES.map((r) => r.id)).size).toBe(STREAM_ROUTES.length);
  });

  it('keys compliance changes by $.detail.resourceId (order per resource)', () => {
    const compliance = STREAM_ROUTES.filter((r) =>
      (r.eventPattern['detail-type'] as string[]).includes('Config Rules Compliance Change'),
    );
    expect(compliance.map((r) => r.partitionKeyPath)).toEqual(['$.detail.resourceId']);
  });

  describe.each([...FIXTURES, ...SYNTHETIC])('$name', ({ event }) => {
    it('matches exactly one route when the ONE pattern matches, none otherwise', () => {
      // Act
      const matching = STREAM_ROUTES.filter((route) => matches(route.eventPattern, event));

      // Assess
      expect(matching).toHaveLength(matchesConfigEventPattern(event) ? 1 : 0);
    });

    it("resolves the matching route's partition key to the resource id", () => {
      const route = STREAM_ROUTES.find((r) => matches(r.eventPattern, event));
      if (!route?.partitionKeyPath) return;
      const key = resolvePath(event, route.partitionKeyPath);
      expect(typeof key).toBe('string');
      expect((key as string).length).toBeGreaterThan(0);
    });
  });

  it('covers every accepted fixture with a keyed route', () => {
    const accepted = FIXTURES.filter(({ event }) => matchesConfigEventPattern(event));
    expect(accepted.length).toBeGreaterThanOrEqual(5);
    for (const { event } of accepted) {
      expect(STREAM_ROUTES.find((r) => matches(r.eventPattern, event))?.partitionKeyPath).toBeDefined();
    }
  });
});
