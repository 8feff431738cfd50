/**
 * `readIngestRecords`: the input of `ingest` read as a stream. Each format
 * yields its records as their last character arrives; only the record being read is held.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_INPUT_RECORD_BYTES,
  OVERSIZED_PREFIX_CHARS,
  readIngestRecords,
} from '../../pipeline/embedded/ingest-input.js';
import type { IngestRecord } from '../../pipeline/embedded/stack.js';

async function collect(
  chunks: ReadonlyArray<string | Buffer>,
  maxRecordBytes?: number,
): Promise<IngestRecord[]> {
  const records: IngestRecord[] = [];
  const input = chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  for await (const record of readIngestRecords(input, undefined, maxRecordBytes ? { maxRecordBytes } : {})) {
    records.push(record);
  }
  return records;
}

/** The input cut into 1-byte chunks: every value split at every possible boundary, UTF-8 too. */
function bytewise(text: string): Buffer[] {
  const bytes = Buffer.from(text);
  return [...bytes].map((b) => Buffer.from([b]));
}

const events = [
  { id: 'a', detail: { resourceId: 'r-[1]', note: 'braces { } and [ ] in a string' } },
  { id: 'b', detail: { quote: 'she said "hi" \\ back', nested: [[1, [2, { x: [3] }]], []] } },
  { id: 'c', detail: { unicode: 'é – 😀', empty: {} } },
];

describe('readIngestRecords: JSON arrays, streamed element by element', () => {
  it.each([
    ['compact', JSON.stringify(events)],
    ['pretty-printed', JSON.stringify(events, null, 2)],
    ['indented with nothing (Python indent=0)', JSON.stringify(events, null, 2).replace(/\n\s+/g, '\n')],
    ['CR LF and a BOM', `\uFEFF${JSON.stringify(events, null, 2).replace(/\n/g, '\r\n')}\r\n`],
  ])('reads a %s array whose strings hold brackets and escaped quotes', async (_name, text) => {
    expect(await collect([text])).toEqual(events.map((value) => ({ value })));
  });

  it('gives the same records when every byte is its own chunk (values and UTF-8 split anywhere)', async () => {
    const text = `\uFEFF${JSON.stringify(events, null, 1)}`;
    expect(await collect(bytewise(text))).toEqual(events.map((value) => ({ value })));
  });

  it('keeps scalars and nested arrays as elements', async () => {
    const records = await collect(['[1, "a,]\\"b", true, null, [2, [3]], -1.5e3]']);
    expect(records).toEqual([
      { value: 1 },
      { value: 'a,]"b' },
      { value: true },
      { value: null },
      { value: [2, [3]] },
      { value: -1500 },
    ]);
  });

  it('rejects only the element cut short by a truncated end', async () => {
    const records = await collect(['[{"id":"a"},{"id":"b"},{"id":"c","detail":{"x":[1,']);
    expect(records).toEqual([
      { value: { id: 'a' } },
      { value: { id: 'b' } },
      { text: '{"id":"c","detail":{"x":[1,' },
    ]);
  });

  it('rejects a broken element by itself and reads the ones after it', async () => {
    const records = await collect(['[{"id":"a"}, {"id" "b"}, oops, {"id":"c"}]']);
    expect(records).toEqual([
      { value: { id: 'a' } },
      { text: '{"id" "b"}' },
      { text: 'oops' },
      { value: { id: 'c' } },
    ]);
  });

  it('rejects an element over the limit naming it, keeps a prefix, and reads the next', async () => {
    // Prepare: 3 MiB in one element, sent in 64 KiB chunks as a file would be.
    const big = JSON.stringify({ id: 'big', padding: 'x'.repeat(3 * MAX_INPUT_RECORD_BYTES) });
    const text = `[${big},{"id":"after"}]`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 65_536) chunks.push(text.slice(i, i + 65_536));
    // Act
    const records = await collect(chunks);
    // Assess
    expect(records).toHaveLength(2);
    const [rejected, after] = records as [{ text: string; reason: string }, IngestRecord];
    expect(rejected.reason).toMatch(/record longer than 1048576 bytes \(Kinesis takes at most 1 MiB/);
    expect(rejected.text).toBe(big.slice(0, OVERSIZED_PREFIX_CHARS));
    expect(after).toEqual({ value: { id: 'after' } });
  });

  it('reads concatenated arrays and values after the array', async () => {
    const records = await collect(['[{"a":1}]\n[{"b":2}]\n{"c":3}\n']);
    expect(records).toEqual([{ value: { a: 1 } }, { value: { b: 2 } }, { value: { c: 3 } }]);
  });
});

describe('readIngestRecords: JSON values one after another', () => {
  it('reads pretty-printed events one after another', async () => {
    const text = events.map((e) => JSON.stringify(e, null, 2)).join('\n');
    expect(await collect(bytewise(text))).toEqual(events.map((value) => ({ value })));
  });

  it.each([
    ['cut short', '{"id":"first","detail":{"resourceId":"r-1","x":[1,2'],
    ['cut short inside a string', '{"id":"first","detail":{"resourceId":"r-'],
    ['cut short after a colon', '{"id":"first","detail":'],
    ['cut short after an array comma', '{"id":"first","list":[1,'],
    ['cut short after an object comma', '{"id":"first",'],
    ['garbage', '{ this is not JSON: [1 2}'],
  ])(
    'reads every later line of JSON Lines whose first line is %s, rejecting only that one',
    async (_name, first) => {
      // Prepare
      const later = Array.from({ length: 50 }, (_, i) => ({ id: `e${i}`, detail: { n: i, s: '{[' } }));
      const text = `${first}\n${later.map((e) => JSON.stringify(e)).join('\n')}\n`;
      // Act
      const records = await collect(bytewise(text));
      // Assess
      expect(records).toEqual([{ text: first }, ...later.map((value) => ({ value }))]);
    },
  );

  it('keeps a later broken line, a stray bracket and a bare word as records of their own', async () => {
    const text = '{"broken":\n{"a":1}\n{"c":3}\n]\nnot json\n{"b":2}\r\n';
    expect(await collect([text])).toEqual([
      { text: '{"broken":' },
      { value: { a: 1 } },
      { value: { c: 3 } },
      { text: ']' },
      { text: 'not json' },
      { value: { b: 2 } },
    ]);
  });

  it('rejects a first line over the limit and reads the lines after it', async () => {
    const text = `{"id":"big","padding":"${'x'.repeat(5000)}"}\n{"id":"next"}\n`;
    const records = await collect([text.slice(0, 3000), text.slice(3000)], 1000);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ reason: expect.stringMatching(/longer than 1000 bytes/) });
    expect(records[1]).toEqual({ value: { id: 'next' } });
  });
});

describe('readIngestRecords: JSON Lines', () => {
  it('rejects a line over the limit naming it, keeps a prefix, and reads the next lines', async () => {
    const long = `{"id":"big","padding":"${'x'.repeat(50_000)}"}`;
    const text = `{"id":"a"}\n${long}\n{"id":"b"}\n`;
    const chunks = [];
    for (let i = 0; i < text.length; i += 1000) chunks.push(text.slice(i, i + 1000));
    const records = await collect(chunks, 10_000);
    expect(records).toEqual([
      { text: '{"id":"a"}' },
      {
        text: long.slice(0, OVERSIZED_PREFIX_CHARS),
        reason: expect.stringMatching(/longer than 10000 bytes/),
      },
      { text: '{"id":"b"}' },
    ]);
  });

  it('gives one record for a single line without a line break', async () => {
    expect(await collect(['{"a":', '1}'])).toEqual([{ text: '{"a":1}' }]);
  });
});

describe('readIngestRecords: records come as the input arrives', () => {
  /**
   * An input that gives `chunks`, then waits until released (a pipe whose writer is slow), then
   * gives `tail`: `reachedEnd` resolves when the reader asks for more than `chunks`.
   */
  function slowInput(chunks: readonly string[], tail: string) {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => undefined;
    const reachedEnd = new Promise<'waiting for more input'>((resolve) => {
      reached = () => resolve('waiting for more input');
    });
    async function* input() {
      for (const chunk of chunks) yield Buffer.from(chunk);
      reached();
      await released;
      yield Buffer.from(tail);
    }
    return { input: input(), reachedEnd, release };
  }

  it.each([
    ['a JSON array', ['[{"id":"a"},', '{"id":"b"},', '{"id":"c"'], '}]'],
    [
      'JSON Lines whose first line is broken',
      ['{"id":"broken\n{"id":"a"}\n', '{"id":"b"}\n{"id":"c"'],
      '}\n',
    ],
    ['pretty-printed values', ['{\n  "id": "a"\n}\n{\n', '  "id": "b"\n}\n{\n  "id": "c"\n'], '}'],
  ])('yields the records of %s before the input ends', async (_name, chunks, tail) => {
    // Prepare
    const { input, reachedEnd, release } = slowInput(chunks, tail);
    const reader = readIngestRecords(input);
    // Act: the records that come before the input pauses, then the rest.
    const seen: IngestRecord[] = [];
    let pending = reader.next();
    for (;;) {
      const next = await Promise.race([pending, reachedEnd]);
      if (next === 'waiting for more input' || next.done) break;
      seen.push(next.value);
      pending = reader.next();
    }
    release();
    const rest: IngestRecord[] = [];
    for (let next = await pending; !next.done; next = await reader.next()) rest.push(next.value);
    // Assess: a and b came while the input was still open; c once it went on.
    expect(seen.filter((r) => 'value' in r)).toEqual([{ value: { id: 'a' } }, { value: { id: 'b' } }]);
    expect(rest).toEqual([{ value: { id: 'c' } }]);
  });
});
