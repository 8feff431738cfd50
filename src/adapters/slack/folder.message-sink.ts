/**
 * The message sink of the embedded stack when no webhook is configured: each message becomes a
 * JSON file under `<data-dir>/outbox/` (exactly the payload Slack would get) and one line on the
 * console saying so.
 *
 * For a bot destination without a token (`channel` set), the folder plays the channel, so the bot
 * lifecycle can be followed in the files: each post answers a made-up `ts` (`<epoch s>.<6 digits>`,
 * the Web API's shape), its file carries `channel` and `ts` (and `thread_ts` for a reply in a
 * thread), and an update (chat.update) is a file of its own, `…-update.json`, with the `ts` of the
 * message it rewrites.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  MessageSink,
  PostedMessage,
  PostOptions,
  PostResult,
  SlackMessage,
} from '../../ports/message-sink.js';

export interface FolderMessageSinkOptions {
  /** Directory of the message files (created if missing), e.g. `<data-dir>/outbox`. */
  readonly dir: string;
  /** One line per message. @default - console.log */
  readonly log?: (line: string) => void;
  readonly clock?: () => Date;
  /**
   * A bot destination's channel id: posts answer a made-up `ts` and updates are written too (see
   * above). @default - none: webhook-like, no `ts`, no updates
   */
  readonly channel?: string;
}

export interface FolderMessageSink extends MessageSink {
  readonly dir: string;
}

/** A {@link MessageSink} writing `<dir>/<time>-<n>.json`; names sort in posting order. */
export function createFolderMessageSink(options: FolderMessageSinkOptions): FolderMessageSink {
  const log = options.log ?? ((line: string) => console.log(line));
  const clock = options.clock ?? (() => new Date());
  let seq = 0;
  const channel = options.channel;

  async function write(suffix: string, payload: unknown, text: string): Promise<PostResult> {
    seq += 1;
    const stamp = clock().toISOString().replace(/[:.]/g, '-');
    const file = `${stamp}-${seq.toString().padStart(6, '0')}-${randomUUID().slice(0, 8)}${suffix}.json`;
    const path = join(options.dir, file);
    try {
      await mkdir(options.dir, { recursive: true });
      // Write then rename: a reader (or a crash) never sees half a message.
      await writeFile(`${path}.tmp`, `${JSON.stringify(payload, null, 2)}\n`, 'utf8');
      await rename(`${path}.tmp`, path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return {
        ok: false,
        retryable: true,
        reason: `could not write ${path}: ${typeof code === 'string' ? code : String(err)}`,
      };
    }
    log(`slack (no ${channel ? 'bot token' : 'webhook'} configured) → ${path}: ${oneLine(text)}`);
    return { ok: true };
  }

  /** A `ts` of the Web API's shape, increasing within this process. */
  function nextTs(): string {
    const ms = clock().getTime();
    const micro = (ms % 1000) * 1000 + (seq % 1000);
    return `${Math.floor(ms / 1000)}.${micro.toString().padStart(6, '0')}`;
  }

  const sink: FolderMessageSink = {
    dir: options.dir,
    async post(message: SlackMessage, postOptions: PostOptions = {}): Promise<PostResult> {
      if (channel === undefined) return write('', message, message.text);
      const ts = nextTs();
      const thread = postOptions.threadOf;
      const written = await write(
        '',
        {
          channel,
          ts,
          ...(thread ? { thread_ts: thread.ts } : {}),
          text: message.text,
          blocks: message.blocks,
        },
        message.text,
      );
      return written.ok ? { ok: true, posted: { channel, ts } } : written;
    },
  };
  if (channel !== undefined) {
    sink.update = async (ref: PostedMessage, message: SlackMessage): Promise<PostResult> => {
      const written = await write(
        '-update',
        { channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks },
        `update of ${ref.ts}: ${message.text}`,
      );
      return written.ok ? { ok: true, posted: ref } : written;
    };
  }
  return sink;
}

/** The fallback text on one line, without terminal control sequences, shortened. */
function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}
