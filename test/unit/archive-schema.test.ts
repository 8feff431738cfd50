/**
 * The one mapping from a compliance change to its `compliance_events` row, and the columns it
 * fills: who wrote a record (`source`) and, for a record of the reconciler, its mode
 * (`reconciliation`), so the saved queries can tell a baseline sync from the day's changes.
 */
import { describe, expect, it } from 'vitest';
import { COMPLIANCE_EVENT_COLUMNS, toComplianceEventRow } from '../../src/domain/archive-schema.js';
import { type ComplianceChange, parseConfigEvent } from '../../src/domain/config-event.js';
import { CONFIG_SOURCE, RECONCILE_SOURCE } from '../../src/domain/event-pattern.js';
import { severityOf } from '../../src/domain/managed-rules.js';
import { complianceEvent } from '../helpers/archive-events.js';

/** A record as the reconciler writes it: the compliance-change shape, its source and detail.reconciliation. */
function reconcileRecord(mode: 'baseline' | 'drift' | 'gone'): Record<string, unknown> {
  const event = complianceEvent({
    id: `sync-${mode}`,
    newStatus: 'NON_COMPLIANT',
    at: '2024-06-01T10:00:00.000Z',
    time: '2026-03-02T08:00:00.000Z',
  }) as { source: string; detail: Record<string, unknown> };
  event.source = RECONCILE_SOURCE;
  event.detail.reconciliation = { syncId: 'sync-1', mode };
  return event;
}

function changeOf(event: Record<string, unknown>): ComplianceChange {
  const outcome = parseConfigEvent(JSON.stringify(event));
  if (outcome.status !== 'accepted' || outcome.event.kind !== 'compliance-change') {
    throw new Error(`fixture not accepted: ${JSON.stringify(outcome)}`);
  }
  return outcome.event;
}

describe('toComplianceEventRow', () => {
  it('marks a live event with its source aws.config and no reconciliation', () => {
    // Prepare
    const change = changeOf(
      complianceEvent({ id: 'live', newStatus: 'NON_COMPLIANT', at: '2026-03-02T07:00:00Z' }),
    );

    // Act
    const row = toComplianceEventRow(change);

    // Assess
    expect(row).toMatchObject({ event_id: 'live', source: CONFIG_SOURCE, reconciliation: null });
  });

  it.each(['baseline', 'drift', 'gone'] as const)(
    'marks a %s record of the reconciler with its source and mode',
    (mode) => {
      // Act
      const row = toComplianceEventRow(changeOf(reconcileRecord(mode)));

      // Assess
      expect(row).toMatchObject({
        event_id: `sync-${mode}`,
        source: RECONCILE_SOURCE,
        reconciliation: mode,
        // The sync time decides the day; the old orderingTimestamp still orders it.
        dt: '2026-03-02',
        ordering_time: '2024-06-01T10:00:00.000Z',
      });
    },
  );

  it('fills every column of the schema, the added ones last (readers of older files select by name)', () => {
    // Act
    const row = toComplianceEventRow(changeOf(reconcileRecord('baseline')));

    // Assess
    const names = COMPLIANCE_EVENT_COLUMNS.map((c) => c.name);
    expect(names.slice(-4)).toEqual(['ordering_time', 'source', 'reconciliation', 'severity']);
    for (const name of names) expect(row, name).toHaveProperty(name);
    expect(
      COMPLIANCE_EVENT_COLUMNS.filter((c) => ['source', 'reconciliation', 'severity'].includes(c.name)),
    ).toEqual([
      expect.objectContaining({ type: 'string', nullable: true }),
      expect.objectContaining({ type: 'string', nullable: true }),
      expect.objectContaining({ type: 'string', nullable: true }),
    ]);
  });
});

describe('the severity column', () => {
  const change = (ruleName: string) =>
    changeOf(
      complianceEvent({
        id: `sev-${ruleName}`,
        rule: ruleName,
        newStatus: 'NON_COMPLIANT',
        at: '2026-03-02T07:00:00Z',
      }),
    );

  it.each([
    ['s3-bucket-public-read-prohibited', 'CRITICAL'],
    ['s3-bucket-public-read-prohibited-conformance-pack-ab12cd34e', 'CRITICAL'],
    ['cloudtrail-enabled', 'HIGH'],
    ['s3-bucket-versioning-enabled', 'MEDIUM'],
    ['ec2-volume-inuse-check', 'INFORMATIONAL'],
    ['our-custom-tagging-rule', 'MEDIUM'],
  ])("writes the catalog's severity of %s: %s", (ruleName, severity) => {
    // Act
    const row = toComplianceEventRow(change(ruleName));

    // Assess
    expect(row.severity).toBe(severity);
    expect(row.severity).toBe(severityOf(ruleName).severity);
  });

  it("writes the configuration's override of the base rule name over the catalog", () => {
    // Prepare
    const overrides = { 's3-bucket-versioning-enabled': 'LOW', 'our-custom-tagging-rule': 'HIGH' } as const;

    // Act
    const rows = [
      toComplianceEventRow(change('s3-bucket-versioning-enabled-conformance-pack-x1y2z3w4v'), overrides),
      toComplianceEventRow(change('our-custom-tagging-rule'), overrides),
      toComplianceEventRow(change('cloudtrail-enabled'), overrides),
    ];

    // Assess
    expect(rows.map((r) => r.severity)).toEqual(['LOW', 'HIGH', 'HIGH']);
  });
});
