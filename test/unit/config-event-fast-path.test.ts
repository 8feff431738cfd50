/**
 * The schemas' fast paths (src/domain/config-event.schema.ts, `…Allows`) decide as the schemas do:
 * the consumer skips a schema when its fast path accepts, so a fast path that accepted what its
 * schema refuses would let an invalid record in. Every value of a field of real captures is
 * replaced by values of other types and shapes, and each key removed or set to `undefined`; each
 * variant must get the same answer from the fast path and from the schema.
 */
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import {
  complianceChangeDetailAllows,
  complianceChangeDetailSchema,
  configurationItemDetailAllows,
  configurationItemDetailSchema,
  envelopeAllows,
  envelopeSchema,
} from '../../src/domain/config-event.schema.js';
import { fixture, fixtureVariants } from '../helpers/fixtures.js';

type Json = Record<string, unknown>;

/** Values of the types and shapes the schemas tell apart. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  '',
  'x',
  ' ',
  '\u0007bell',
  'x'.repeat(128),
  'x'.repeat(129),
  'x'.repeat(257),
  0,
  1.5,
  Number.NaN,
  true,
  [],
  ['a'],
  [1],
  // biome-ignore lint/suspicious/noSparseArray: a hole is not a string
  [, 'a'],
  {},
  () => {},
  '111122223333',
  '11112222333',
  'eu-west-1',
  'global',
  'EU-WEST-1',
  '2026-11-20T10:15:20.512Z',
  '2026-11-20T10:15:20Z',
  '2026-02-30T10:00:00Z',
  '2999-01-01T00:00:00Z',
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
  'compliant',
  'baseline',
  'drift',
  'gone',
  'ComplianceChangeNotification',
  'ConfigurationItemChangeNotification',
  { syncId: 's', mode: 'drift' },
  { syncId: '', mode: 'drift' },
  { syncId: 's', mode: 'other' },
];

/** Paths of every key of an object, nested objects (not arrays) included, and a few absent keys. */
function paths(value: Json, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [key, child] of Object.entries(value)) {
    out.push([...prefix, key]);
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      out.push(...paths(child as Json, [...prefix, key]));
    }
  }
  return out;
}

/** A deep copy with the value at `path` replaced (`'delete'`: the key removed). */
function variant(value: Json, path: readonly string[], replacement: unknown): Json {
  const copy = structuredClone(value);
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Json;
  const last = path[path.length - 1] as string;
  if (replacement === 'delete') delete parent[last];
  else parent[last] = replacement;
  return copy;
}

function accepts(schema: (data: unknown) => unknown, value: unknown): boolean {
  return !(schema(value) instanceof type.errors);
}

/** Every variant of `base` (with `extra` keys the captures lack), fast path against schema. */
function disagreements(
  base: Json,
  extraPaths: readonly string[][],
  allows: (data: Json) => boolean,
  schema: (data: unknown) => unknown,
): string[] {
  const out: string[] = [];
  const all = [...paths(base), ...extraPaths];
  for (const path of all) {
    for (const replacement of ['delete', ...REPLACEMENTS]) {
      const value = variant(base, path, replacement);
      if (allows(value) !== accepts(schema, value)) {
        out.push(`${path.join('.')} = ${String(replacement)}: fast path says ${allows(value)}`);
      }
    }
  }
  return out;
}

const complianceCaptures = fixtureVariants('compliance-change').map((v) =>
  fixture<Json>('compliance-change', v),
);
const itemCaptures = fixtureVariants('configuration-item')
  .map((v) => fixture<Json>('configuration-item', v))
  .filter((e) => (e.detail as Json).messageType === 'ConfigurationItemChangeNotification');

describe('schema fast paths', () => {
  it('accept every real capture (the consumer takes them without the schema)', () => {
    for (const event of [...complianceCaptures, ...itemCaptures]) {
      expect(envelopeAllows(event)).toBe(true);
    }
    for (const event of complianceCaptures)
      expect(complianceChangeDetailAllows(event.detail as Json)).toBe(true);
    for (const event of itemCaptures) expect(configurationItemDetailAllows(event.detail as Json)).toBe(true);
  });

  it.each(complianceCaptures.map((e, i) => [i, e] as const))(
    'envelope: same answer as envelopeSchema for every variant of capture %i',
    (_, event) => {
      const extra = [['version'], ['resources']];
      expect(disagreements(event, extra, envelopeAllows, envelopeSchema)).toEqual([]);
    },
  );

  it.each(complianceCaptures.map((e, i) => [i, e.detail as Json] as const))(
    'compliance change: same answer as complianceChangeDetailSchema for every variant of capture %i',
    (_, detail) => {
      const extra = [
        ['awsRegion'],
        ['awsAccountId'],
        ['configRuleARN'],
        ['recordVersion'],
        ['oldEvaluationResult'],
        ['notificationCreationTime'],
        ['reconciliation'],
        ['newEvaluationResult', 'annotation'],
        ['newEvaluationResult', 'configRuleInvokedTime'],
      ];
      expect(
        disagreements(detail, extra, complianceChangeDetailAllows, complianceChangeDetailSchema),
      ).toEqual([]);
      // The old result is checked as the new one, against the detail's rule name.
      const withOld = { ...detail, oldEvaluationResult: structuredClone(detail.newEvaluationResult) };
      expect(disagreements(withOld, [], complianceChangeDetailAllows, complianceChangeDetailSchema)).toEqual(
        [],
      );
      const reconciled = { ...detail, reconciliation: { syncId: 'sync-1', mode: 'drift' } };
      expect(
        disagreements(reconciled, [], complianceChangeDetailAllows, complianceChangeDetailSchema),
      ).toEqual([]);
    },
  );

  it.each(itemCaptures.map((e, i) => [i, e.detail as Json] as const))(
    'configuration item: same answer as configurationItemDetailSchema for every variant of capture %i',
    (_, detail) => {
      const item = ['configurationItem'];
      const extra = [
        ['configurationItemDiff'],
        ['notificationCreationTime'],
        ...[
          'ARN',
          'awsAccountId',
          'awsRegion',
          'configurationItemCaptureTime',
          'configurationItemStatus',
          'configurationStateId',
          'resourceId',
          'resourceName',
          'tags',
          'relatedEvents',
        ].map((key) => [...item, key]),
      ];
      expect(
        disagreements(detail, extra, configurationItemDetailAllows, configurationItemDetailSchema),
      ).toEqual([]);
    },
  );
});
