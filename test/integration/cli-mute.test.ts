/**
 * `config-monitor mute` as a user runs it, on a data directory without a running stack: add, list,
 * remove and the audit log (who is the OS user), --json, --help, and every refusal a usage error
 * (exit 2) naming the flag.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeStackEndpoints } from '../../pipeline/embedded/stack.js';
import { MuteRepository } from '../../src/adapters/dynamodb/mute.repository.js';
import { MUTES_TABLE, tableName } from '../../src/adapters/dynamodb/table-definitions.js';
import { runCli } from '../helpers/cli.js';
import { startLocalDynamo } from '../helpers/local-aws.js';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const newDataDir = () => mkdtempSync(join(tmpdir(), 'cli-mute-'));

describe('config-monitor mute', () => {
  it('adds, lists, removes and audits a mute, with the OS user as who', async () => {
    // Prepare
    const dataDir = newDataDir();
    const until = inDays(30);

    // Act
    const added = await runCli([
      'mute',
      'add',
      '--account',
      '123456789012',
      '--rule',
      's3-bucket-versioning-enabled',
      '--until',
      until,
      '--reason',
      'legacy buckets, replaced by June',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    const { mute } = JSON.parse(added.stdout);
    const listed = await runCli(['mute', 'list', '--data-dir', dataDir]);
    const removed = await runCli(['mute', 'remove', mute.id, '--reason', 'fixed', '--data-dir', dataDir]);
    const afterRemove = await runCli(['mute', 'list', '--json', '--data-dir', dataDir]);
    const all = await runCli(['mute', 'list', '--all', '--json', '--data-dir', dataDir]);
    const audit = await runCli(['mute', 'audit', '--json', '--data-dir', dataDir]);
    const again = await runCli(['mute', 'remove', mute.id, '--data-dir', dataDir]);

    // Assess
    expect(added.code, added.stderr).toBe(0);
    expect(mute).toMatchObject({
      id: expect.stringMatching(/^m-[0-9a-f]{12}$/),
      account: '123456789012',
      region: null,
      rule: 's3-bucket-versioning-enabled',
      resource: null,
      until: `${until}T00:00:00.000Z`,
      reason: 'legacy buckets, replaced by June',
      createdBy: `local:${userInfo().username}`,
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(mute.id);
    expect(listed.stdout).toContain('account 123456789012, every region, rule s3-bucket-versioning-enabled');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^Removed mute m-/);
    expect(JSON.parse(afterRemove.stdout)).toEqual({ mutes: [] });
    expect(JSON.parse(all.stdout).mutes).toMatchObject([{ id: mute.id, removalReason: 'fixed' }]);
    const entries = JSON.parse(audit.stdout).entries;
    expect(
      entries.map((e: { action: string; actor: string; reason: string }) => [e.action, e.actor, e.reason]),
    ).toEqual([
      ['remove', `local:${userInfo().username}`, 'fixed'],
      ['add', `local:${userInfo().username}`, 'legacy buckets, replaced by June'],
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already removed/);
  });

  it.each([
    [['add', '--until', inDays(3), '--reason', 'x'], /--account is required/],
    [
      ['add', '--account', '12345', '--until', inDays(3), '--reason', 'x'],
      /--account must be exactly 12 ASCII digits/,
    ],
    [
      ['add', '--account', '123456789012', '--region', 'nowhere', '--until', inDays(3), '--reason', 'x'],
      /--region must be an AWS region/,
    ],
    [
      ['add', '--account', '123456789012', '--reason', 'x'],
      /--until is required: a mute without an expiry is refused/,
    ],
    [['add', '--account', '123456789012', '--until', 'next week', '--reason', 'x'], /--until must be a date/],
    [
      ['add', '--account', '123456789012', '--until', '2020-01-01', '--reason', 'x'],
      /--until must be in the future/,
    ],
    [
      ['add', '--account', '123456789012', '--until', inDays(400), '--reason', 'x'],
      /--until must be at most 366 days ahead/,
    ],
    [
      ['add', '--account', '123456789012', '--until', inDays(3)],
      /--reason is required: a mute without a reason is refused/,
    ],
    [
      ['add', '--account', '123456789012', '--until', inDays(3), '--reason', 'y'.repeat(501)],
      /--reason must be at most 500 characters/,
    ],
    [
      ['add', '--account', '123456789012', '--until', inDays(3), '--reason', 'x', '--all'],
      /--all does not apply to "mute add"/,
    ],
    [['remove'], /missing argument/],
    [['remove', 'bogus'], /MUTE_ID must be a mute id/],
    [['list', '--account', '123456789012'], /--account does not apply to "mute list"/],
    [['snooze'], /unknown subcommand "snooze"/],
    [[], /missing subcommand/],
  ])('refuses %j with exit 2, naming the flag', async (args, message) => {
    // Act
    const result = await runCli(['mute', ...args, '--data-dir', newDataDir()]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain('Run "config-monitor mute --help" for usage.');
  });

  it('goes through the running up when there is one: its mutes table holds the change', async () => {
    // Prepare: a dynalite that stands for the running `up`'s, advertised in endpoints.json (the pid
    // of a live process other than this one, as readRunningStack requires).
    const dynamo = await startLocalDynamo();
    try {
      const prefix = await dynamo.newPrefix();
      const dataDir = newDataDir();
      await writeStackEndpoints(dataDir, {
        pid: process.ppid,
        startedAt: new Date().toISOString(),
        kinesis: dynamo.endpoint,
        dynamodb: dynamo.endpoint,
        region: 'us-east-1',
        tablePrefix: prefix,
        streamName: 'config-events',
        control: null,
        token: null,
        api: null,
      });

      // Act
      const added = await runCli([
        'mute',
        'add',
        '--account',
        '123456789012',
        '--until',
        inDays(2),
        '--reason',
        'through up',
        '--data-dir',
        dataDir,
      ]);

      // Assess
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/through the running config-monitor, pid \d+/);
      const stored = await new MuteRepository(dynamo.doc, tableName(prefix, MUTES_TABLE)).list();
      expect(stored.map((m) => m.reason)).toEqual(['through up']);
    } finally {
      await dynamo.close();
    }
  });

  it('prints its help', async () => {
    const result = await runCli(['mute', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('config-monitor mute add --account ID');
    expect(result.stdout).toContain('a mute without an expiry or a reason is refused');
  });

  it('prints the audit log and the list readable, with untrusted text made terminal-safe', async () => {
    const dataDir = newDataDir();
    await runCli([
      'mute',
      'add',
      '--account',
      '123456789012',
      '--until',
      inDays(3),
      '--reason',
      'ok',
      '--data-dir',
      dataDir,
    ]);
    const audit = await runCli(['mute', 'audit', '--data-dir', dataDir]);
    expect(audit.stdout).toMatch(/ add {4}m-[0-9a-f]{12} {2}by local:.*: ok\n$/);
  });
});
