/**
 * docs/architecture.md tells a newcomer which files to change. It names paths and the names inside
 * them, so a rename or a move must fail here rather than leave the page pointing nowhere: every
 * backticked path exists, every backticked name is in a file its list item or table row names,
 * and the module map lists every module folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

const TOP_LEVEL = /^(?:src|pipeline|infra|test|queries|templates|docs|dashboard|bench|bin|types)\//;
const ROOT_FILES = new Set(['README.md', 'package.json', 'biome.json', 'tsconfig.json', 'cdk.json']);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '');
}

function isPath(span: string): boolean {
  return TOP_LEVEL.test(span) || ROOT_FILES.has(span);
}

/** The part of a path that must exist: up to the first placeholder (`<name>`, `*`, `…`). */
function concretePart(path: string): string {
  const segments = path.split('/');
  const at = segments.findIndex((segment) => /[<*…]/.test(segment));
  return at === -1 ? path : `${segments.slice(0, at).join('/')}/`;
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

/** List items, table rows and paragraphs, with their wrapped lines joined. */
function items(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length > 0) out.push(current.join(' '));
    current = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^\s*(?:\d+\.|-|\|)\s/.test(line) || line.startsWith('#')) flush();
    if (line.trim() !== '') current.push(line.trim());
  }
  flush();
  return out;
}

describe('docs/architecture.md', () => {
  it('names only paths that exist', () => {
    const paths = codeSpans(DOC).filter(isPath);
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((path) => !existsSync(join(ROOT, concretePart(path))))).toEqual([]);
  });

  it('names only code names that occur in a file of the same item', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const item of items(DOC)) {
      const spans = codeSpans(item);
      const paths = spans.filter(isPath).map((path) => join(ROOT, concretePart(path)));
      if (paths.length === 0) continue;
      const text = paths
        .filter((path) => existsSync(path))
        .flatMap(filesUnder)
        .map((file) => readFileSync(file, 'utf8'))
        .join('\n');
      for (const name of spans.filter((span) => IDENTIFIER.test(span))) {
        checked += 1;
        if (!new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text)) {
          missing.push(`${name} (${item.slice(0, 60)}…)`);
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });

  it('maps every module folder of src/, pipeline/, infra/ and test/', () => {
    const map = DOC.slice(DOC.indexOf('## Module map'), DOC.indexOf('## The dependency rule'));
    const listed = new Set(codeSpans(map));
    const folders = ['src', 'pipeline', 'infra', 'test'].flatMap((top) =>
      readdirSync(join(ROOT, top))
        .filter((name) => statSync(join(ROOT, top, name)).isDirectory())
        .map((name) => `${top}/${name}/`),
    );
    expect(folders.filter((folder) => !listed.has(folder))).toEqual([]);
  });

  it('has the four recipes', () => {
    const headings = [...DOC.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'A new field in a Slack message',
      'A new saved query in the API',
      'A new alarm',
      'A new event type',
    ]);
  });
});
