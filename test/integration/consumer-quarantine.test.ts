/**
 * The two quarantines of rejected records: JSON Lines under the data directory (embedded) and an
 * SQS queue (AWS; aws-sdk-client-mock stands in for SQS, as the brief allows).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FileQuarantine } from '../../src/adapters/file/file.quarantine.js';
import { QuarantineSendError } from '../../src/adapters/sqs/errors.js';
import { MAX_QUARANTINED_DATA_BYTES, SqsQuarantine, toBody } from '../../src/adapters/sqs/sqs.quarantine.js';
import type { QuarantinedRecord } from '../../src/ports/quarantine.js';

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
