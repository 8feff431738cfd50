/**
 * `config-monitor sync` as a user runs it: the SDK's standard settings
 * (AWS_ENDPOINT_URL_CONFIG_SERVICE, AWS_REGION, credentials) point the real client at the local
 * aggregator stand-in; --json prints the counts; bad input is refused with its reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';
import { runCli } from '../helpers/cli.js';

const ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;
let standIn: ConfigAggregatorStandIn;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  standIn = await startConfigAggregatorStandIn({
    aggregatorName: 'org',
    sources: [{ account: '111122223333', region: 'eu-west-1', status: 'SUCCEEDED' }],
    results: Array.from({ length: 5 }, (_, i) => ({
      account: '111122223333',
      region: 'eu-west-1',
      ruleName: 'encrypted-volumes',
      resourceType: 'AWS::EC2::Volume',
      resourceId: `vol-${i}`,
      complianceType: i === 0 ? ('NON_COMPLIANT' as const) : ('COMPLIANT' as const),
      orderingTimestamp: '2025-01-01T00:00:00.000Z',
      resultRecordedTime: '2025-01-01T00:00:01.000Z',
    })),
  });
  for (const [k, v] of Object.entries({ ...ENV, AWS_ENDPOINT_URL_CONFIG_SERVICE: standIn.endpoint })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await standIn?.close();
});

describe('config-monitor sync', () => {
  it('loads a baseline and prints the counts as one JSON object; a second run changes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-sync-'));
    const first = await runCli(['sync', '--aggregator', 'org', '--json', '--data-dir', dataDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      sources: { ok: 1, failed: 0 },
      rules: 1,
      results: 5,
      applied: 5,
      unchanged: 0,
      closed: 0,
      alerts: { violations: 0, resolved: 0, messages: 1 },
      baseline: true,
    });
    const second = await runCli(['sync', '--aggregator', 'org', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: 0, unchanged: 5, baseline: false });
  });

  it.each([
    [['sync'], /--aggregator NAME is required/],
    [['sync', '--aggregator', 'bad name!'], /is not an aggregator name/],
    [['sync', '--aggregator', 'org', '--region', 'mars'], /--region "mars" is not an AWS region/],
  ])('refuses %j with the reason', async (argv, reason) => {
    const result = await runCli([...argv, '--data-dir', mkdtempSync(join(tmpdir(), 'cli-sync-'))]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(reason);
  });

  it('names the AWS error when the aggregator does not exist', async () => {
    const result = await runCli([
      'sync',
      '--aggregator',
      'nope',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'cli-sync-')),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/NoSuchConfigurationAggregator/);
  });
});
