import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  dataDirOption,
  dateOption,
  integerOption,
  parseCommandArgs,
  rateOption,
} from '../../pipeline/cli/args.js';
import { readIngestRecords } from '../../pipeline/cli/commands/ingest.js';
import { UsageError } from '../../pipeline/cli/errors.js';
import { main } from '../../pipeline/cli/main.js';
import { createProgress } from '../../pipeline/cli/progress.js';
import { memoryIo } from '../helpers/cli.js';

async function collect(chunks: string[]) {
  const records = [];
  for await (const record of readIngestRecords(chunks.map((c) => Buffer.from(c)))) records.push(record);
  return records;
}

describe('option parsing', () => {
  it('parses known options and positionals', () => {
    // Act
    const { values, positionals } = parseCommandArgs(
      'ingest',
      ['file.jsonl', '--json', '--data-dir', 'x'],
      { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
      { min: 1, max: 1 },
    );
    // Assess
    expect(values).toEqual({ json: true, 'data-dir': 'x' });
    expect(positionals).toEqual(['file.jsonl']);
  });

  describe.each([
    ['an unknown option', ['--nope'], /Unknown option '--nope'/],
    ['a missing value', ['--data-dir'], /argument missing/],
    ['a missing positional', [], /missing argument/],
    ['an extra positional', ['a', 'b'], /unexpected argument "b"/],
  ])('rejects %s', (_case, argv, message) => {
    it('with a UsageError (exit code 2)', () => {
      const parse = () =>
        parseCommandArgs('ingest', argv, { 'data-dir': { type: 'string' } }, { min: 1, max: 1 });
      expect(parse).toThrow(UsageError);
      expect(parse).toThrow(message);
    });
  });

  describe.each([
    ['42', 42],
    [undefined, 12],
    ['0', 0],
  ])('integerOption(%s)', (value, expected) => {
    it(`gives ${expected}`, () =>
      expect(integerOption('generate', 'accounts', value, 12, 0, 100)).toBe(expected));
  });

  describe.each(['4.5', '-1', '101', 'twelve', '', '1e2', '０'])('integerOption rejects "%s"', (value) => {
    it('naming the option and the range', () => {
      expect(() => integerOption('generate', 'accounts', value, 12, 0, 100)).toThrow(
        /--accounts must be an integer from 0 to 100/,
      );
    });
  });

  it('accepts rates as fractions or percentages and rejects the rest', () => {
    expect(rateOption('generate', 'late', '0.05', 0)).toBe(0.05);
    expect(rateOption('generate', 'late', '5%', 0)).toBeCloseTo(0.05);
    expect(rateOption('generate', 'late', undefined, 0.1)).toBe(0.1);
    expect(() => rateOption('generate', 'late', '1.5', 0)).toThrow(/--late must be a fraction/);
    expect(() => rateOption('generate', 'late', 'x', 0)).toThrow(UsageError);
  });

  it('accepts real calendar dates only', () => {
    expect(dateOption('generate', 'end', '2026-02-28')).toBe('2026-02-28');
    expect(() => dateOption('generate', 'end', '2026-02-30')).toThrow(/--end must be a date/);
    expect(() => dateOption('generate', 'end', '20260228')).toThrow(UsageError);
  });

  it('resolves the data directory against the working directory, default ./.config-monitor', () => {
    expect(dataDirOption(undefined, '/work/x')).toBe('/work/x/.config-monitor');
    expect(dataDirOption('../d', '/work/x')).toBe('/work/d');
    expect(() => dataDirOption('  ', '/work/x')).toThrow(UsageError);
  });
});

describe('main: dispatch', () => {
  it('prints the global usage for --help, exit 0', async () => {
    const io = memoryIo({ cwd: '/tmp' });
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/Usage: config-monitor <command>/);
    expect(io.out()).toMatch(/ingest/);
  });

  it('rejects an unknown command with the usage, exit 2', async () => {
    const io = memoryIo({ cwd: '/tmp' });
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(io.err()).toMatch(/unknown command "frobnicate"/);
    expect(io.err()).toMatch(/Usage:/);
  });

  it('prints usage on stderr without a command, exit 2', async () => {
    const io = memoryIo({ cwd: '/tmp' });
    expect(await main([], io)).toBe(2);
    expect(io.err()).toMatch(/Usage:/);
  });

  describe.each(['up', 'ingest', 'generate'])('%s --help', (name) => {
    it('prints the command usage, exit 0', async () => {
      const io = memoryIo({ cwd: '/tmp' });
      expect(await main([name, '--help'], io)).toBe(0);
      expect(io.out()).toMatch(new RegExp(`Usage: config-monitor ${name}`));
      expect(io.out()).toMatch(/--data-dir|--out/);
    });
  });

  it('reports a usage error of a command with exit 2 and a pointer to its --help', async () => {
    const io = memoryIo({ cwd: '/tmp' });
    expect(await main(['generate', '--accounts', 'many'], io)).toBe(2);
    expect(io.err()).toMatch(/--accounts must be an integer/);
    expect(io.err()).toMatch(/config-monitor generate --help/);
  });

  it('reports a missing ingest file as a usage error', async () => {
    const io = memoryIo({ cwd: '/tmp' });
    expect(await main(['ingest', '/nonexistent/events.jsonl'], io)).toBe(2);
    expect(io.err()).toMatch(/cannot read \/nonexistent\/events.jsonl: ENOENT/);
  });
});

describe('readIngestRecords: input formats', () => {
  it('reads JSON Lines, split across chunks, ignoring blank lines and CRLF', async () => {
    const records = await collect(['{"a":1}\r\n\n{"b"', ':2}\n', '{"c":3}']);
    expect(records).toEqual([{ text: '{"a":1}' }, { text: '{"b":2}' }, { text: '{"c":3}' }]);
  });

  it('reads one pretty-printed event', async () => {
    const records = await collect(['{\n  "id": "x",\n', '  "n": 1\n}\n']);
    expect(records).toEqual([{ value: { id: 'x', n: 1 } }]);
  });

  it('reads a JSON array, element by element (strings stay values, not texts)', async () => {
    const records = await collect(['\uFEFF[{"id":"a"},', ' "just a string", 3]']);
    expect(records).toEqual([{ value: { id: 'a' } }, { value: 'just a string' }, { value: 3 }]);
  });

  it('rejects a broken first line by itself and reads the next when neither JSON Lines nor one document', async () => {
    const records = await collect(['{ broken\n', '{"ok":true}\n']);
    expect(records).toEqual([{ text: '{ broken' }, { value: { ok: true } }]);
  });

  it('gives nothing for an empty or blank input', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect(['  \n\n'])).toEqual([]);
  });

  it('keeps a JSON Lines file whose later line is broken as lines', async () => {
    const records = await collect(['{"a":1}\nnot json\n']);
    expect(records).toEqual([{ text: '{"a":1}' }, { text: 'not json' }]);
  });
});

describe('createProgress', () => {
  it('stays silent without a terminal for short inputs', () => {
    const io = memoryIo({ cwd: '/tmp' });
    const progress = createProgress({ stream: io.stderr });
    progress.phase('processing', 10, 'events');
    progress.update(5);
    progress.finish();
    expect(io.err()).toBe('');
  });

  it('prints a line per tenth without a terminal for long inputs', () => {
    // Prepare
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d) => {
      text += d;
    });
    const progress = createProgress({ stream, long: true });
    // Act
    progress.phase('processing', 100, 'events');
    for (let i = 1; i <= 100; i++) progress.update(i);
    progress.finish();
    // Assess
    const lines = text.trim().split('\n');
    expect(lines.length).toBe(11);
    expect(lines.at(-1)).toMatch(/processing .* 100% 100\/100 events/);
  });

  it('redraws one line on a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let text = '';
    stream.on('data', (d) => {
      text += d;
    });
    const progress = createProgress({ stream });
    progress.phase('sending', 4, 'events');
    progress.update(4);
    progress.finish();
    expect(text).toMatch(/\r\x1b\[K/);
    expect(text.endsWith('\n')).toBe(true);
  });
});
