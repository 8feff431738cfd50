import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFolderMessageSink } from '../../src/adapters/slack/folder.message-sink.js';
import { renderViolation } from '../../src/adapters/slack/slack-messages.js';
import { defaultAlertContext } from '../../src/domain/alert-context.js';
import { makeAlert } from '../helpers/alerts.js';

describe('folder message sink', () => {
  it('writes each message as a JSON file in posting order and prints one line', async () => {
    // Prepare
    const dir = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'outbox');
    const lines: string[] = [];
    const sink = createFolderMessageSink({
      dir,
      log: (l) => lines.push(l),
      clock: () => new Date('2024-05-01T10:00:00Z'),
    });
    const messages = [
      renderViolation(makeAlert({ resourceId: 'first' }), defaultAlertContext(makeAlert())),
      renderViolation(makeAlert({ resourceId: 'evil\u001b[2J\nsecond' }), defaultAlertContext(makeAlert())),
    ];

    // Act
    const results = [await sink.post(messages[0]!), await sink.post(messages[1]!)];

    // Assess
    expect(results).toEqual([{ ok: true }, { ok: true }]);
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    expect(files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))).toEqual(messages);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^slack \(no webhook configured\) → .*\.json: Config violation: /);
    expect(lines.join('')).not.toMatch(/[\u0000-\u001f]/);
  });

  it('reports a write failure as retryable, so the alerts stay pending', async () => {
    // Prepare: a directory under a regular file cannot be created
    const file = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'file');
    writeFileSync(file, 'x');
    const sink = createFolderMessageSink({ dir: join(file, 'outbox'), log: () => {} });

    // Act
    const result = await sink.post({ text: 'x', blocks: [] });

    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('for a bot destination without a token: answers a made-up ts, writes thread replies and updates, so the lifecycle shows in the files', async () => {
    // Prepare
    const dir = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'security');
    const sink = createFolderMessageSink({
      dir,
      log: () => {},
      clock: () => new Date('2024-05-01T10:00:00.123Z'),
      channel: 'C0123456789',
    });
    const message = { text: 'violation', blocks: [] };

    // Act
    const first = await sink.post(message);
    const posted = first.ok ? first.posted : undefined;
    const reply = await sink.post({ text: 'resolved', blocks: [] }, { threadOf: posted! });
    const updated = await sink.update!(posted!, { text: 'violation, resolved', blocks: [] });

    // Assess
    expect(posted).toEqual({ channel: 'C0123456789', ts: expect.stringMatching(/^1714557600\.\d{6}$/) });
    expect(reply.ok && reply.posted?.ts).not.toBe(posted?.ts);
    expect(updated).toEqual({ ok: true, posted });
    const files = readdirSync(dir).sort();
    const read = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(files[2]).toMatch(/-update\.json$/);
    expect(read).toEqual([
      { channel: 'C0123456789', ts: posted?.ts, text: 'violation', blocks: [] },
      { channel: 'C0123456789', ts: expect.any(String), thread_ts: posted?.ts, text: 'resolved', blocks: [] },
      { channel: 'C0123456789', ts: posted?.ts, text: 'violation, resolved', blocks: [] },
    ]);
  });
});
