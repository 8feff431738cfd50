/**
 * `config-monitor sync` while `config-monitor up` runs: the sync goes through the control
 * endpoint (POST /sync) and runs in the `up` process, with the `up` process's environment (here
 * AWS_ENDPOINT_URL_CONFIG_SERVICE points at the aggregator stand-in; this test process has no such
 * setting). It reports the same counts as a local sync of the same data, posts the baseline
 * summary to the `up`'s outbox, and the control endpoint refuses a wrong token (401) and a bad body (400).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfigAggregatorStandIn,
  type StandInResult,
  startConfigAggregatorStandIn,
} from '../../pipeline/embedded/config-aggregator-stand-in.js';
import { runCli } from '../helpers/cli.js';

const BIN = new URL('../../bin/config-monitor.js', import.meta.url).pathname;
const AWS_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
} as const;
const A = '111122223333';
const B = '444455556666';

/** Two accounts, two rules, 120 results (so a rule pages), a hidden NOT_APPLICABLE. */
function results(): StandInResult[] {
  const out: StandInResult[] = [];
  for (const account of [A, B]) {
    for (let i = 0; i < 55; i++) {
      out.push({
        account,
        region: 'eu-west-1',
        ruleName: 'encrypted-volumes',
        resourceType: 'AWS::EC2::Volume',
        resourceId: `vol-${account}-${i}`,
        complianceType: i % 7 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT',
        orderingTimestamp: '2025-01-01T00:00:00.000Z',
        resultRecordedTime: '2025-01-01T00:00:01.000Z',
        ...(i % 7 === 0 ? { annotation: 'not encrypted' } : {}),
      });
    }
    for (let i = 0; i < 5; i++) {
      out.push({
        account,
        region: 'eu-west-1',
        ruleName: 'restricted-ssh',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: `sg-${account}-${i}`,
        complianceType: i === 0 ? 'NOT_APPLICABLE' : i === 1 ? 'NON_COMPLIANT' : 'COMPLIANT',
        orderingTimestamp: '2025-02-01T00:00:00.000Z',
        resultRecordedTime: '2025-02-01T00:00:02.000Z',
      });
    }
  }
  return out;
}

let standIn: ConfigAggregatorStandIn;
const children: ChildProcess[] = [];

beforeAll(async () => {
  standIn = await startConfigAggregatorStandIn({
    aggregatorName: 'org',
    sources: [
      { account: A, region: 'eu-west-1', status: 'SUCCEEDED' },
      { account: B, region: 'eu-west-1', status: 'SUCCEEDED' },
    ],
    results: results(),
  });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await standIn?.close();
});

/** Sets env variables in this process for the duration of `work` (a local sync reads them). */
async function withEnv<T>(env: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function spawnUp(dataDir: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'up', '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLACK_WEBHOOK_URL: '', ...env },
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => {
    output.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    output.stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('config-monitor sync with a running up', () => {
  it('runs inside up through POST /sync, with the counts of a local sync; a wrong token is 401', async () => {
    // Prepare: the counts of a local sync (no `up`) of the same aggregator, on its own directory.
    const localDir = mkdtempSync(join(tmpdir(), 'cli-up-sync-local-'));
    const local = await withEnv({ ...AWS_ENV, AWS_ENDPOINT_URL_CONFIG_SERVICE: standIn.endpoint }, () =>
      runCli(['sync', '--aggregator', 'org', '--json', '--data-dir', localDir]),
    );
    expect(local.code, local.stderr).toBe(0);
    const localSummary = JSON.parse(local.stdout) as Record<string, unknown>;
    expect(localSummary).toMatchObject({ results: 118, applied: 118, baseline: true });

    // Prepare: `up` on a fresh directory; only its environment knows where the aggregator is.
    expect(process.env.AWS_ENDPOINT_URL_CONFIG_SERVICE).toBeUndefined();
    const dataDir = join(mkdtempSync(join(tmpdir(), 'cli-up-sync-')), 'data');
    const up = spawnUp(dataDir, { ...AWS_ENV, AWS_ENDPOINT_URL_CONFIG_SERVICE: standIn.endpoint });
    await until(() => up.output.stdout.includes('Ctrl-C'), 'up to be ready');
    const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as {
      control: string;
      token: string;
    };
    const requestsBefore = standIn.requests().length;

    // Act: sync through the running up.
    const first = await runCli(['sync', '--aggregator', 'org', '--json', '--data-dir', dataDir]);
    const human = await runCli(['sync', '--aggregator', 'org', '--data-dir', dataDir]);

    // Assess: the same counts as the local sync, read by the up process from the stand-in.
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual(localSummary);
    expect(standIn.requests().length).toBeGreaterThan(requestsBefore);
    // A second sync changes nothing, and says where it ran.
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Sync: 118 results of 4 rules from 2 sources/);
    expect(human.stdout).toMatch(/through the running config-monitor, pid \d+/);
    expect(human.stdout).toMatch(/applied 0, unchanged 118/);
    // The baseline summary went to the up's message sink (its outbox folder).
    const outbox = readdirSync(join(dataDir, 'outbox')).map((f) =>
      readFileSync(join(dataDir, 'outbox', f), 'utf8'),
    );
    expect(outbox.some((m) => /baseline/i.test(m))).toBe(true);

    // Act + Assess: the control endpoint's guards.
    const post = (token: string, body: string) =>
      fetch(new URL('/sync', endpoints.control), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const wrongToken = await post(`${endpoints.token.slice(0, -1)}x`, '{"aggregatorName":"org"}');
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toMatchObject({ type: 'error' });
    const badBody = await post(endpoints.token, '{"aggregatorName":"bad name!"}');
    expect(badBody.status).toBe(400);
    await badBody.text();

    // Act + Assess: the protocol itself: progress lines, then exactly one report.
    const raw = await post(endpoints.token, '{"aggregatorName":"org","region":"eu-west-1"}');
    const lines = (await raw.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; rulesDone?: number; rulesTotal?: number });
    expect(lines.at(-1)).toMatchObject({ type: 'report', summary: { unchanged: 118, applied: 0 } });
    expect(lines.filter((l) => l.type === 'report')).toHaveLength(1);
    expect(lines.slice(0, -1).every((l) => l.type === 'progress')).toBe(true);
    expect(lines.at(-2)).toEqual({ type: 'progress', rulesDone: 4, rulesTotal: 4 });

    // Act + Assess: an AWS error of the sync in up is named to the caller.
    const missing = await runCli(['sync', '--aggregator', 'nope', '--data-dir', dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/pid \d+\) failed: .*NoSuchConfigurationAggregator/);

    up.child.kill('SIGTERM');
    expect(await up.exited).toBe(0);
  });
});
