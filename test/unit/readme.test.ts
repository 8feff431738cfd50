/**
 * The README is the front door: the npm scripts, CLI commands and documents it names must exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const CLI_MAIN = readFileSync(join(ROOT, 'pipeline/cli/main.ts'), 'utf8');

describe('README', () => {
  it('gives the two-command quick start', () => {
    expect(README).toContain('npm ci && npm start');
    expect(README).toContain('npm ci && npm test');
  });

  it('names only npm scripts that exist', () => {
    const scripts = [...README.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((name) => !(name in PACKAGE.scripts))).toEqual([]);
  });

  it('names only CLI commands that are registered', () => {
    const commands = new Set([...README.matchAll(/^config-monitor ([a-z]+)/gm)].map((m) => m[1] ?? ''));
    expect(commands.size).toBeGreaterThanOrEqual(5);
    expect(
      [...commands].filter((name) => !CLI_MAIN.includes(`'${name}'`) && !CLI_MAIN.includes(`${name}:`)),
    ).toEqual([]);
  });

  it('links only documents that exist', () => {
    const links = [...README.matchAll(/\]\(((?:docs|src)\/[^)#]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '');
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});
