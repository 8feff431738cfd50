/**
 * `config-monitor up` as a real process: advertises itself in endpoints.json, serves HTTP on
 * 127.0.0.1, lets `ingest` run inside it, refuses a second `up`, and shuts down cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fixtureText } from '../helpers/fixtures.js';

const BIN = new URL('../../bin/config-monitor.js', import.meta.url).pathname;
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

function spawnCli(args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLACK_WEBHOOK_URL: '' },
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => {
    output.stdout += d;
  });
  child.stderr!.on('data', (d) => {
    output.stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('config-monitor up', () => {
  it('runs until SIGTERM, serves 127.0.0.1, takes ingests, refuses a second up, and cleans up', async () => {
    // Prepare: a data directory that already holds hot-store data, so --demo keeps it.
    const dir = mkdtempSync(join(tmpdir(), 'cli-up-'));
    const dataDir = join(dir, 'data');
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
    writeFileSync(join(dataDir, 'dynamodb', 'placeholder'), '');
    const file = join(dir, 'event.json');
    writeFileSync(file, fixtureText('compliance-change', 'first-evaluation'));

    // Act: start it.
    const up = spawnCli(['up', '--data-dir', dataDir, '--port', '0', '--demo']);
    await until(() => up.output.stdout.includes('Ctrl-C'), 'up to be ready');
    const url = /Dashboard and API: (http:\/\/127\.0\.0\.1:\d+)/.exec(up.output.stdout)?.[1];
    const endpoints = JSON.parse(readFileSync(join(dataDir, 'endpoints.json'), 'utf8')) as Record<
      string,
      unknown
    >;

    // Assess: advertised, serving, demo skipped on a non-empty directory.
    expect(url).toBeDefined();
    expect(endpoints).toMatchObject({
      pid: up.child.pid,
      api: url,
      control: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/),
    });
    expect(up.output.stderr).toMatch(/--demo: .* already holds data/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    // Act + Assess: ingest goes through the running stack; the alert is delivered by it.
    const ingest = await runCli(['ingest', file, '--data-dir', dataDir]);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stdout).toMatch(/through the running config-monitor, pid \d+/);
    expect(ingest.stdout).toMatch(/accepted\s+1/);
    const again = await runCli(['ingest', file, '--json', '--data-dir', dataDir]);
    expect(JSON.parse(again.stdout)).toMatchObject({ received: 1, duplicates: 1, alerts: { messages: 0 } });

    // Act + Assess: a second `up` on the same directory is refused.
    const second = await runCli(['up', '--data-dir', dataDir, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running on .* \(pid \d+\)/);

    // Act + Assess: SIGTERM stops it cleanly and removes endpoints.json.
    up.child.kill('SIGTERM');
    const { code } = await up.exited;
    expect(code).toBe(0);
    expect(up.output.stderr).toMatch(/stopped\./);
    expect(existsSync(join(dataDir, 'endpoints.json'))).toBe(false);
  });
});
