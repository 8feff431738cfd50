/**
 * The demo's live tail (pipeline/generate/live.ts) through `config-monitor ingest` with the demo's
 * own configuration: each of its violations is a single message that says which change caused it
 * (the changed property and the CloudTrail event), routed by the demo's routes.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoOrganization } from '../../pipeline/cli/commands/up.js';
import { demoConfigFile } from '../../pipeline/generate/demo-config.js';
import { demoLiveEvents } from '../../pipeline/generate/live.js';
import { organizationProfile } from '../../pipeline/generate/organization.js';
import { parseConfigEvent } from '../../src/domain/config-event.js';
import { runCli } from '../helpers/cli.js';

const NOW = Date.parse('2026-12-04T09:30:00Z');
const profile = organizationProfile({ ...demoOrganization(), end: '2026-12-03' });

function messages(dataDir: string): { destination: string; text: string; body: string }[] {
  return ['default', 'security'].flatMap((destination) => {
    const dir = join(dataDir, 'outbox', destination);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => {
        const body = readFileSync(join(dir, f), 'utf8');
        return { destination, text: (JSON.parse(body) as { text: string }).text, body };
      });
  });
}

describe('the demo live tail', () => {
  it('is valid AWS Config events whose violations are evaluated on the change that precedes them', () => {
    const events = demoLiveEvents(profile, NOW);
    const parsed = events.map((e) => parseConfigEvent(e));
    expect(parsed.every((p) => p.status === 'accepted')).toBe(true);
    const changes = parsed.flatMap((p) =>
      p.status === 'accepted' && p.event.kind === 'configuration-item-change' ? [p.event] : [],
    );
    const violations = parsed.flatMap((p) =>
      p.status === 'accepted' && p.event.kind === 'compliance-change' && p.event.newStatus === 'NON_COMPLIANT'
        ? [p.event]
        : [],
    );
    expect(violations).toHaveLength(3);
    for (const v of violations) {
      expect(
        changes.some((c) => c.resourceId === v.resourceId && c.captureTime === v.orderingTimestamp),
      ).toBe(true);
    }
    expect(demoLiveEvents(profile, NOW)).toEqual(events);
  });

  it('goes out as single messages that name the changed property and link the CloudTrail event', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'demo-live-'));
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify(demoConfigFile(profile)));
    const input = join(dataDir, 'live.jsonl');
    writeFileSync(
      input,
      demoLiveEvents(profile, NOW)
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );

    // Act
    const result = await runCli(['ingest', input, '--data-dir', dataDir, '--json']);

    // Assess
    expect(result.code).toBe(0);
    const sent = messages(dataDir);
    expect(sent).toHaveLength(3);
    expect(sent.every((m) => m.text.startsWith('Config violation:'))).toBe(true);
    expect(sent.map((m) => m.body).join('\n')).toContain('Configuration.IpPermissions.0');
    expect(sent.map((m) => m.body).join('\n')).toContain('BucketVersioningConfiguration.Status');
    for (const m of sent) expect(m.body).toContain('cloudtrailv2/home');
    // The bucket is tagged data-class: pii, which the demo routes to security.
    expect(sent.find((m) => m.body.includes('exports-live-'))?.destination).toBe('security');
  }, 120_000);
});
