/**
 * The message sink of the embedded stack when no webhook is configured: each message becomes a
 * JSON file under `<data-dir>/outbox/` (exactly the payload Slack would get) and one line on the
 * console saying so.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageSink, PostResult, SlackMessage } from '../../ports/message-sink.js';

export interface FolderMessageSinkOptions {
  /** Directory of the message files (created if missing), e.g. `<data-dir>/outbox`. */
  readonly dir: string;
  /** One line per message. @default - console.log */
  readonly log?: (line: string) => void;
  readonly clock?: () => Date;
}

export interface FolderMessageSink extends MessageSink {
  readonly dir: string;
}

/** A {@link MessageSink} writing `<dir>/<time>-<n>.json`; names sort in posting order. */
export function createFolderMessageSink(options: FolderMessageSinkOptions): FolderMessageSink {
  const log = options.log ?? ((line: string) => console.log(line));
  const clock = options.clock ?? (() => new Date());
  let seq = 0;
  return {
    dir: options.dir,
    async post(message: SlackMessage): Promise<PostResult> {
      seq += 1;
      const stamp = clock().toISOString().replace(/[:.]/g, '-');
      const file = `${stamp}-${seq.toString().padStart(6, '0')}-${randomUUID().slice(0, 8)}.json`;
      const path = join(options.dir, file);
      try {
        await mkdir(options.dir, { recursive: true });
        // Write then rename: a reader (or a crash) never sees half a message.
        await writeFile(`${path}.tmp`, `${JSON.stringify(message, null, 2)}\n`, 'utf8');
        await rename(`${path}.tmp`, path);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        return {
          ok: false,
          retryable: true,
          reason: `could not write ${path}: ${typeof code === 'string' ? code : String(err)}`,
        };
      }
      log(`slack (no webhook configured) → ${path}: ${oneLine(message.text)}`);
      return { ok: true };
    },
  };
}

/** The fallback text on one line, without terminal control sequences, shortened. */
function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}
