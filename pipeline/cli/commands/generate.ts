/** `config-monitor generate`: a synthetic organization's AWS Config events as JSON Lines. */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { GenerateOptionError } from '../../generate/errors.js';
import {
  type GenerateOptions,
  generateOrganization,
  organizationProfile,
} from '../../generate/organization.js';
import {
  type Command,
  type CommandIo,
  dateOption,
  integerOption,
  parseCommandArgs,
  rateOption,
} from '../args.js';
import { UsageError } from '../errors.js';

const NAME = 'generate';

export const command: Command = {
  usage: `Usage: config-monitor generate [options]

Writes a realistic synthetic AWS organization as EventBridge events (AWS Config compliance changes
and configuration-item changes), one JSON object per line, in delivery order. The same options
and --seed always give the same file.

Options:
  --accounts N        member accounts (default 12)
  --regions N         regions, from us-east-1, eu-west-1, ap-southeast-2, … (default 3, max 8)
  --days N            days of history (default 90)
  --end YYYY-MM-DD    last day of history, UTC (default yesterday)
  --seed N            random seed (default 1)
  --storm N           a conformance-pack update turns N resources NON_COMPLIANT within minutes,
                      two days before the end (default 0: no storm)
  --redeliveries R    fraction of events delivered twice with the same id (default 0)
  --late R            fraction of events delivered 5 min to 6 h late (default 0)
  --scale X           multiply the resources per account and region (default 1)
  --no-items          compliance changes only, no configuration-item changes
  --out FILE|-        output file, or - for stdout (default -)
  -h, --help          this help

Example:
  config-monitor generate --accounts 3 --days 30 --storm 500 --late 0.02 --out org.jsonl
`,

  async run(argv, io) {
    const { values } = parseCommandArgs(NAME, argv, {
      accounts: { type: 'string' },
      regions: { type: 'string' },
      days: { type: 'string' },
      end: { type: 'string' },
      seed: { type: 'string' },
      storm: { type: 'string' },
      redeliveries: { type: 'string' },
      late: { type: 'string' },
      scale: { type: 'string' },
      'no-items': { type: 'boolean' },
      out: { type: 'string', short: 'o' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    const scale = values.scale === undefined ? 1 : Number(values.scale);
    if (!(scale > 0 && scale <= 1000)) {
      throw new UsageError(
        `--scale must be a number greater than 0, at most 1000; got "${values.scale}"`,
        NAME,
      );
    }
    const end = dateOption(NAME, 'end', values.end);
    const options: GenerateOptions = {
      accounts: integerOption(NAME, 'accounts', values.accounts, 12, 1, 10_000),
      regions: integerOption(NAME, 'regions', values.regions, 3, 1, 8),
      days: integerOption(NAME, 'days', values.days, 90, 1, 3660),
      ...(end ? { end } : {}),
      seed: integerOption(NAME, 'seed', values.seed, 1, 0, 2 ** 32 - 1),
      storm: integerOption(NAME, 'storm', values.storm, 0, 0, 10_000_000),
      redeliveries: rateOption(NAME, 'redeliveries', values.redeliveries, 0),
      late: rateOption(NAME, 'late', values.late, 0),
      scale,
      configurationItems: values['no-items'] !== true,
    };
    try {
      organizationProfile(options);
    } catch (err) {
      if (err instanceof GenerateOptionError) throw new UsageError(err.message, NAME);
      throw err;
    }
    const toStdout = values.out === undefined || values.out === '-';
    const out: Writable = toStdout ? io.stdout : createWriteStream(resolve(io.cwd, values.out!));
    const count = await writeJsonLines(out, generateOrganization(options));
    if (!toStdout) {
      out.end();
      await once(out, 'finish');
      const profile = organizationProfile(options);
      io.stderr.write(
        `wrote ${count.toLocaleString('en-US')} events to ${values.out} ` +
          `(${profile.accounts.length} accounts, ${profile.regions.length} regions, ${profile.firstDay} to ${profile.lastDay})\n`,
      );
    }
    return 0;
  },
};

/** Writes one JSON document per line, honouring backpressure; returns the number written. */
async function writeJsonLines(out: Writable, events: Iterable<unknown>): Promise<number> {
  let count = 0;
  let chunk = '';
  for (const event of events) {
    chunk += `${JSON.stringify(event)}\n`;
    count++;
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk && !out.write(chunk)) await once(out, 'drain');
  return count;
}

export type { CommandIo };
