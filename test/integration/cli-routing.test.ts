/**
 * `config-monitor ingest --config FILE` end to end on the embedded stack: a configuration item
 * change gives the resource's tags, its violation is routed by tag, a CRITICAL one (by override) and
 * the rest by the default route, each destination writing to its own outbox sub-folder; a bad file
 * exits 2 naming each bad field, before anything is ingested.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { complianceEvent } from '../helpers/archive-events.js';
import { runCli } from '../helpers/cli.js';
import { fixture } from '../helpers/fixtures.js';

const CAPTURE = '2026-11-20T10:13:59.212Z';
const SG = 'sg-0123456789abcdef0';

function messages(dataDir: string, destination: string): string[] {
  const dir = join(dataDir, 'outbox', destination);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFileSync(join(dir, f), 'utf8'))
    : [];
}

const CONFIG = {
  routing: {
    destinations: {
      default: { type: 'webhook', env: 'CM_TEST_UNSET_DEFAULT' },
      security: { type: 'webhook', env: 'CM_TEST_UNSET_SECURITY' },
      data: { type: 'webhook' },
    },
    routes: [
      { name: 'critical', severities: ['CRITICAL'], destination: 'security' },
      { name: 'pii', tags: { 'data-class': 'pii' }, destination: 'data' },
    ],
    severityOverrides: { 'my-critical-rule': 'CRITICAL' },
    accounts: { '111122223333': { name: 'payments-prod', owner: 'team-payments' } },
  },
};

describe('ingest --config (routing)', () => {
  it('routes by tag, severity override and default into one outbox sub-folder per destination', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-routing-'));
    const configFile = join(dataDir, 'routing.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const item = fixture<Record<string, unknown>>('configuration-item', 'inline-item-tags-diff');
    const violation = (
      id: string,
      rule: string,
      resourceId: string,
      resourceType = 'AWS::EC2::SecurityGroup',
    ) =>
      complianceEvent({
        id,
        rule,
        resourceType,
        resourceId,
        newStatus: 'NON_COMPLIANT',
        oldStatus: 'COMPLIANT',
        at: CAPTURE,
        time: '2026-11-20T10:14:30Z',
      });
    const input = join(dataDir, 'events.jsonl');
    writeFileSync(
      input,
      [
        item,
        violation('v-tagged', 'restricted-ssh-custom', SG),
        violation('v-critical', 'my-critical-rule', 'bucket-1', 'AWS::S3::Bucket'),
        violation('v-plain', 'some-custom-rule', 'bucket-2', 'AWS::S3::Bucket'),
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    );

    // Act
    const result = await runCli(['ingest', input, '--data-dir', dataDir, '--config', configFile]);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/data → .*outbox\/data\//);
    expect(result.stderr).toMatch(/security → .*outbox\/security\/ \(CM_TEST_UNSET_SECURITY unset\)/);
    const data = messages(dataDir, 'data');
    const security = messages(dataDir, 'security');
    const fallback = messages(dataDir, 'default');
    expect(data).toHaveLength(1);
    expect(security).toHaveLength(1);
    expect(fallback).toHaveLength(1);
    expect(data[0]).toContain(SG);
    expect(data[0]).toContain('pii');
    expect(security[0]).toContain('bucket-1');
    expect(fallback[0]).toContain('bucket-2');
    expect(data[0]).toContain('payments-prod');
    // The violation of the tagged group carries the change captured at its orderingTimestamp.
    expect(data[0]).toContain('Configuration.IpPermissions.0');
    expect(readdirSync(join(dataDir, 'outbox')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('refuses a bad configuration file with exit 2, naming each bad field, before ingesting', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-routing-bad-'));
    writeFileSync(
      join(dataDir, 'config.json'),
      JSON.stringify({
        routing: {
          routes: [{ severities: ['SEVERE'], destination: 'nowhere' }],
          accounts: { '12': { name: 'x' } },
        },
      }),
    );
    const input = join(dataDir, 'events.jsonl');
    writeFileSync(
      input,
      JSON.stringify(complianceEvent({ id: 'x', newStatus: 'NON_COMPLIANT', at: CAPTURE })),
    );

    // Act: the file is found as <data-dir>/config.json
    const result = await runCli(['ingest', input, '--data-dir', dataDir]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config.json: invalid configuration file');
    expect(result.stderr).toMatch(/routing\.routes\[0\]\.severities\[0\]/);
    expect(result.stderr).toMatch(/routing\.accounts key "12"/);
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
  });

  it('refuses a --config that does not exist', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-routing-missing-'));
    const result = await runCli(['ingest', '-', '--data-dir', dataDir, '--config', 'nope.json'], {
      stdin: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nope\.json: .*does not exist/s);
  });
});
