/**
 * The two quarantines of rejected records: JSON Lines under the data directory (embedded) and an
 * SQS queue (AWS; aws-sdk-client-mock stands in for SQS).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { QuarantineSendError } from '../../src/adapters/sqs/errors.js';
import { MAX_QUARANTINED_DATA_BYTES, SqsQuarantine, toBody } from '../../src/adapters/sqs/sqs.quarantine.js';
import type { QuarantinedRecord } from '../../src/ports/quarantine.js';
import { quarantineRecords } from '../helpers/quarantine-records.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const record = (i: number, overrides: Partial<QuarantinedRecord> = {}): QuarantinedRecord => ({
  reason: `bad JSON ${i}`,
  data: `{"broken": ${i}`,
  sequenceNumber: String(1000 + i),
  partitionKey: 'pk',
  receivedAt: '2026-11-20T10:00:00.000Z',
  ...overrides,
});

describe('FileQuarantine', () => {
  it('appends one JSON line per record to <data-dir>/rejected/<day>.jsonl', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'quarantine-'));
    dirs.push(dataDir);
    const quarantine = new FileQuarantine(dataDir);
    const hostile = record(2, {
      data: 'line\nbreak "quote" \u2028 \u0000',
      receivedAt: '2026-11-21T00:00:01.000Z',
    });

    // Act
    await quarantine.put([record(0), hostile]);
    await quarantine.put([record(1)]);

    // Assess
    const read = (day: string) =>
      readFileSync(join(dataDir, 'rejected', `${day}.jsonl`), 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line));
    expect(read('2026-11-20')).toEqual([record(0), record(1)]);
    expect(read('2026-11-21')).toEqual([hostile]);
  });

  it('ends the fragment a killed writer left (endFragments, on start), so only that record is unreadable', async () => {
    // Prepare: a line cut short by a kill in the middle of its write.
    const dataDir = mkdtempSync(join(tmpdir(), 'quarantine-fragment-'));
    dirs.push(dataDir);
    await new FileQuarantine(dataDir).put([record(0)]);
    const file = join(dataDir, 'rejected', '2026-11-20.jsonl');
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, `${whole}${whole.slice(0, 25)}`);
    writeFileSync(join(dataDir, 'rejected', '2026-11-19.jsonl'), whole);

    // Act: the next process's quarantine.
    const quarantine = new FileQuarantine(dataDir);
    const ended = await quarantine.endFragments();
    await quarantine.put([record(1)]);

    // Assess
    expect(ended).toEqual([file]);
    expect(readFileSync(file, 'utf8').split('\n')).toEqual([
      whole.trimEnd(),
      whole.slice(0, 25),
      JSON.stringify(record(1)),
      '',
    ]);
    expect(readFileSync(join(dataDir, 'rejected', '2026-11-19.jsonl'), 'utf8')).toBe(whole);
    expect(await new FileQuarantine(mkdtempSync(join(tmpdir(), 'quarantine-none-'))).endFragments()).toEqual(
      [],
    );
  });

  it('keeps every line whole under 400 concurrent rejections from threads, processes and concurrent puts', async () => {
    // Prepare: five writers of 80 large records each, every writer putting its batches of 8 at
    // once (as the consumer's shards do): this thread, two worker threads, two processes.
    const dataDir = mkdtempSync(join(tmpdir(), 'quarantine-concurrent-'));
    dirs.push(dataDir);
    const count = 80;
    const batch = 8;
    const script = new URL('../helpers/quarantine-writer.mjs', import.meta.url);
    const thread = (writer: number) =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(script, { workerData: { dataDir, writer, count, batch } });
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
      });
    const child = (writer: number) =>
      new Promise<void>((resolve, reject) => {
        const args = JSON.stringify({ dataDir, writer, count, batch });
        const proc = spawn(process.execPath, [script.pathname, args], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        proc.once('error', reject);
        proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      });
    const here = async () => {
      const quarantine = new FileQuarantine(dataDir);
      const records = quarantineRecords(0, count);
      const puts: Promise<void>[] = [];
      for (let i = 0; i < count; i += batch) puts.push(quarantine.put(records.slice(i, i + batch)));
      await Promise.all(puts);
    };

    // Act
    await Promise.all([here(), thread(1), thread(2), child(3), child(4)]);

    // Assess: 400 lines, each one parseable and one whole record.
    const lines = readFileSync(join(dataDir, 'rejected', '2026-11-20.jsonl'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const unreadable = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable.length, 'torn lines').toBe(0);
    const key = (r: QuarantinedRecord) => `${r.sequenceNumber} ${r.data.length} ${r.data.slice(0, 20)}`;
    const expected = [0, 1, 2, 3, 4].flatMap((writer) => quarantineRecords(writer, count)).map(key);
    const got = lines.map((line) => key(JSON.parse(line) as QuarantinedRecord));
    expect(got.sort()).toEqual(expected.sort());
  }, 120_000);
});

describe('SqsQuarantine', () => {
  const sqs = mockClient(SQSClient);
  const url = 'https://sqs.eu-west-1.amazonaws.com/999999999999/config-monitor-quarantine';
  const noWait = { sleep: async () => {} };
  beforeEach(() => sqs.reset());

  it('sends one JSON message per record, 10 a call', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const records = Array.from({ length: 23 }, (_, i) => record(i));

    // Act
    await new SqsQuarantine(new SQSClient({}), url, noWait).put(records);

    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.QueueUrl).toBe(url);
    const bodies = calls
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => JSON.parse(e.MessageBody ?? ''));
    expect(bodies).toEqual(records);
  });

  it('retries entries SQS failed on its side and throws for the ones it refuses', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Failed: [
          { Id: '0', SenderFault: false, Code: 'InternalError', Message: 'try again' },
          { Id: '1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad char' },
        ],
      })
      .resolves({ Failed: [] });

    // Act
    const put = new SqsQuarantine(new SQSClient({}), url, noWait).put([record(0), record(1), record(2)]);

    // Assess
    await expect(put).rejects.toBeInstanceOf(QuarantineSendError);
    await expect(put).rejects.toThrow(
      'SQS refused 1 quarantine message(s) on sqs.eu-west-1.amazonaws.com (first: InvalidMessageContents: bad char)',
    );
    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls[1]?.args[0].input.Entries?.map((e) => e.Id)).toEqual(['0']);
  });

  it('cuts a huge record to fit a message and escapes characters SQS refuses', () => {
    // Prepare
    const huge = record(0, { data: `\u0001${'x'.repeat(1_000_000)}\uFFFF` });

    // Act
    const body = toBody(huge);

    // Assess
    expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({ truncated: true, dataBytes: 1_000_004, sequenceNumber: '1000' });
    expect(Buffer.byteLength(parsed.data)).toBe(MAX_QUARANTINED_DATA_BYTES);
    expect(JSON.parse(toBody(record(0, { data: 'end\uFFFE' }))).data).toBe('end\uFFFE');
  });
});
