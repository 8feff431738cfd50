import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('config-monitor doctor', () => {
  it('prints its help', async () => {
    const result = await runCli(['doctor', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: config-monitor doctor --stage NAME');
  });

  it('exits 2 without --stage', async () => {
    const result = await runCli(['doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--stage is required');
  });
});
