import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EVENTS_DIR = new URL('../events/', import.meta.url).pathname;

/** Reads `test/events/<kind>/<variant>.json` as text. */
export function fixtureText(kind: string, variant: string): string {
  return readFileSync(join(EVENTS_DIR, kind, `${variant}.json`), 'utf8');
}

/** Parsed fixture, as a mutable plain object for tests that alter it. */
export function fixture<T = Record<string, unknown>>(kind: string, variant: string): T {
  return JSON.parse(fixtureText(kind, variant)) as T;
}

export function fixtureVariants(kind: string): string[] {
  return readdirSync(join(EVENTS_DIR, kind))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
