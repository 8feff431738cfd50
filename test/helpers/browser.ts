/**
 * Finds a Chromium for the browser tests, in order:
 * 1. `CHROMIUM_PATH`, when set (it must exist: a wrong path is an error, not a fallback);
 * 2. Debian's `/usr/bin/chromium` (what `.ci/run` installs);
 * 3. a playwright-managed browser (`npx playwright-core install chromium`), when one is installed;
 * 4. the Chromium that `@sparticuz/chromium` (a devDependency) ships inside its npm package,
 *    unpacked to the temp directory on first use: `npm ci && npm test` then passes on a fresh
 *    machine without any system browser.
 * The test logs which one it used.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export interface FoundChromium {
  readonly executablePath: string;
  /** Which rule found it, for the test's log line. */
  readonly source: 'CHROMIUM_PATH' | '/usr/bin/chromium' | 'playwright' | '@sparticuz/chromium';
  /** Launch arguments the source needs (the packaged build runs only with its own). */
  readonly args: readonly string[];
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<FoundChromium> {
  const given = env.CHROMIUM_PATH?.trim();
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH is ${given}, which does not exist`);
    return { executablePath: given, source: 'CHROMIUM_PATH', args: [] };
  }
  if (existsSync(DEBIAN_CHROMIUM))
    return { executablePath: DEBIAN_CHROMIUM, source: DEBIAN_CHROMIUM, args: [] };
  const managed = playwrightManaged();
  if (managed) return { executablePath: managed, source: 'playwright', args: [] };
  const packaged = (await import('@sparticuz/chromium')).default;
  return {
    executablePath: await packaged.executablePath(),
    source: '@sparticuz/chromium',
    args: packaged.args,
  };
}

function playwrightManaged(): string | null {
  try {
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}
