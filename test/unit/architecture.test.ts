/**
 * The dependency rule of DESIGN.md, checked on the sources: the domain imports nothing from AWS,
 * Slack, DuckDB or the file system, and src/ never imports pipeline/ or infra/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] ?? '');
}

describe('dependency rule', () => {
  it('src/domain imports only the domain and pure libraries', () => {
    const offenders = sourceFiles(join(ROOT, 'src/domain')).flatMap((file) =>
      importsOf(file)
        // node:crypto's hashes are pure functions (the event fingerprint); nothing else of node:*.
        .filter((spec) => !(spec.startsWith('./') || spec === 'arktype' || spec === 'node:crypto'))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('use cases import only the domain, the ports, other use cases and node:*', () => {
    const offenders = sourceFiles(join(ROOT, 'src/use-cases')).flatMap((file) =>
      importsOf(file)
        .filter(
          (spec) =>
            !(
              spec.startsWith('./') ||
              spec.startsWith('../domain/') ||
              spec.startsWith('../ports/') ||
              spec.startsWith('node:')
            ),
        )
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('adapters never import use cases (ports declare what both sides share)', () => {
    const offenders = sourceFiles(join(ROOT, 'src/adapters')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => /(^|\/)use-cases\//.test(spec))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('src/ never imports pipeline/ or infra/', () => {
    const offenders = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      importsOf(file)
        .filter((spec) => /(^|\/)(pipeline|infra)\//.test(spec))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
