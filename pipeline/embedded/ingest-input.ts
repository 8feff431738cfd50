/**
 * `ingest`'s input, read as a stream: JSON Lines, one JSON event, a JSON array of events, or
 * several JSON values one after another (pretty-printed or not). Only the record being read is
 * held in memory, never the input: a record is yielded as soon as its last character arrives.
 *
 * The first non-blank character and the first line decide:
 * - `{` and the first line is a complete JSON value: **JSON Lines**, one record a line (a bad
 *   line is one rejected record).
 * - `[`, or `{` and the first line is not complete (a pretty-printed document, or JSON Lines whose
 *   first line is broken): **values**, cut by a small state machine (depth of `{}`/`[]`, inside a
 *   string, escape) into the elements of top-level arrays and the top-level values themselves.
 * - anything else: JSON Lines.
 *
 * A value that does not parse is a `{text}` record (rejected downstream with the parse error,
 * nothing else lost). After a broken value the reader resynchronizes on the next line that begins
 * with `{` at column 0 where a value cannot begin at that point of the broken value (so a valid
 * document is never cut, however it is indented), and a broken value is split at each such line
 * again, so a JSON Lines file whose first line is truncated loses only that line.
 *
 * A record longer than {@link MAX_INPUT_RECORD_BYTES} is rejected as soon as it passes the limit,
 * with a reason naming it; only its first {@link OVERSIZED_PREFIX_CHARS} characters are kept (for
 * the quarantine), the rest of it is skipped.
 *
 * Why one file: one state machine (the value cutter) and the reader that feeds it, tied by the
 * resynchronization rules above.
 */
import type { IngestRecord } from './ingest.js';

/**
 * The longest record the reader holds: Kinesis' limit on a record's data (1 MiB), four times the
 * EventBridge event limit that `admit` applies to the compacted event, so indentation never makes
 * a valid event too long here. Measured in UTF-16 code units, each at least one UTF-8 byte.
 */
export const MAX_INPUT_RECORD_BYTES = 1024 * 1024;
/** What an oversized record keeps for the quarantine. */
export const OVERSIZED_PREFIX_CHARS = 4096;

export interface IngestInputOptions {
  /** Longest record kept whole (default {@link MAX_INPUT_RECORD_BYTES}); tests make it small. */
  readonly maxRecordBytes?: number;
}

/**
 * The records of an input (see the module comment). `onBytes` is told the size of each chunk as
 * it is read (the progress display's byte count).
 */
export async function* readIngestRecords(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  onBytes?: (bytes: number) => void,
  options: IngestInputOptions = {},
): AsyncGenerator<IngestRecord> {
  const decoder = new TextDecoder('utf-8'); // drops a leading UTF-8 BOM
  const reader = new InputReader(options.maxRecordBytes ?? MAX_INPUT_RECORD_BYTES);
  let first = true;
  for await (const chunk of input) {
    onBytes?.(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    let piece = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && piece !== '') {
      if (piece.charCodeAt(0) === BOM) piece = piece.slice(1);
      first = false;
    }
    if (piece !== '') yield* reader.write(piece);
  }
  const rest = decoder.decode();
  if (rest !== '') yield* reader.write(rest);
  yield* reader.end();
}

const BOM = 0xfeff;
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

const isSpace = (c: number) => c === SPACE || c === NL || c === CR || c === TAB;

/** Container types by depth, for the resync decision; deeper levels are not tracked. */
const TRACKED_DEPTH = 1024;
const ARRAY = 1;
const OBJECT = 2;

/** The record being cut, in values mode. */
enum Cut {
  /** Between records. */
  None = 0,
  /** An object or array: ends when its depth closes. */
  Container = 1,
  /** A string element of an array: ends at its closing quote. */
  String = 2,
  /** Anything else (a number, a literal, garbage): ends at a separator or the end of the line. */
  Bare = 3,
}

function oversized(text: string, limit: number): IngestRecord {
  return {
    text: text.slice(0, OVERSIZED_PREFIX_CHARS),
    reason:
      `record longer than ${limit} bytes (Kinesis takes at most 1 MiB a record, EventBridge ` +
      `256 KiB an event); only its first ${OVERSIZED_PREFIX_CHARS} characters are kept, the rest was skipped`,
  };
}

/** A value's text: its value when it parses; else the text, split at lines that begin with `{`. */
function* parsed(text: string): Generator<IngestRecord> {
  try {
    yield { value: JSON.parse(text) };
    return;
  } catch {
    // below
  }
  let start = 0;
  let next = text.indexOf('\n{');
  if (next === -1) {
    yield { text };
    return;
  }
  while (start < text.length) {
    const end = next === -1 ? text.length : next;
    const piece = text.slice(start, end).trim();
    if (piece !== '') {
      try {
        yield { value: JSON.parse(piece) };
      } catch {
        yield { text: piece };
      }
    }
    if (next === -1) break;
    start = next + 1;
    next = text.indexOf('\n{', start);
  }
}

class InputReader {
  private mode: 'detect' | 'lines' | 'values' = 'detect';
  /** Unconsumed text: the record being read (or the first line, while detecting). */
  private buf = '';

  // Lines mode: the current line passed the limit and was rejected; skip to its end.
  private skipLine = false;

  // Values mode.
  private pos = 0;
  private cut = Cut.None;
  /** Start of the record in `buf`; -1 when its text is no longer kept (oversized). */
  private start = -1;
  private depth = 0;
  /** 1 inside a top-level array (its elements are the records), else 0. */
  private base = 0;
  private inString = false;
  private escape = false;
  private lineStart = false;
  /** The last significant character of the record outside strings (`"` for a string's end). */
  private last = 0;
  /** Known not to be JSON (a raw line break in a string, a mismatched bracket). */
  private broken = false;
  private readonly types = new Uint8Array(TRACKED_DEPTH + 1);

  constructor(private readonly limit: number) {}

  *write(piece: string): Generator<IngestRecord> {
    this.buf += piece;
    if (this.mode === 'detect') this.detect(false);
    if (this.mode === 'lines') yield* this.lines(false);
    else if (this.mode === 'values') yield* this.values();
  }

  *end(): Generator<IngestRecord> {
    if (this.mode === 'detect') this.detect(true);
    if (this.mode === 'lines') yield* this.lines(true);
    else if (this.mode === 'values') yield* this.finishValues();
  }

  private detect(final: boolean): void {
    const text = this.buf;
    let i = 0;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i === text.length) {
      // Only blank so far: nothing to keep.
      this.buf = '';
      if (final) this.mode = 'lines';
      return;
    }
    const c = text.charCodeAt(i);
    if (c === OPEN_BRACKET) {
      this.mode = 'values';
      return;
    }
    if (c !== OPEN_BRACE) {
      this.mode = 'lines';
      return;
    }
    const newline = text.indexOf('\n', i);
    if (newline === -1 && !final) {
      // A first line longer than any record: it cannot be a JSON Lines record anyway.
      if (text.length - i > this.limit) this.mode = 'values';
      return;
    }
    const firstLine = text.slice(i, newline === -1 ? text.length : newline);
    try {
      JSON.parse(firstLine);
      this.mode = 'lines';
    } catch {
      this.mode = 'values';
    }
  }

  /** JSON Lines: one `{text}` a non-blank line, CR LF or LF. */
  private *lines(final: boolean): Generator<IngestRecord> {
    const text = this.buf;
    // Walk with an index and cut the buffer once: slicing per line would copy it per line.
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      if (this.skipLine) {
        this.skipLine = false;
      } else {
        const line = text.slice(start, newline);
        if (line.length > this.limit) yield oversized(line, this.limit);
        else if (line.trim() !== '') yield { text: trimCr(line) };
      }
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    let rest = text.slice(start);
    if (this.skipLine) {
      rest = '';
    } else if (rest.length > this.limit) {
      yield oversized(rest, this.limit);
      this.skipLine = true;
      rest = '';
    }
    this.buf = rest;
    if (final && rest.trim() !== '') {
      yield { text: trimCr(rest) };
      this.buf = '';
    }
  }

  /** Values mode over `buf` from `pos`; keeps only the unfinished record's text. */
  private *values(): Generator<IngestRecord> {
    const text = this.buf;
    const n = text.length;
    const types = this.types;
    let i = this.pos;
    while (i < n) {
      const c = text.charCodeAt(i);
      const lineStart = this.lineStart;
      this.lineStart = c === NL;

      if (this.cut === Cut.None) {
        if (isSpace(c)) {
          i++;
          continue;
        }
        if (this.depth === 1 && this.base === 1) {
          // Between elements of a top-level array.
          if (c === COMMA) {
            i++;
            continue;
          }
          if (c === CLOSE_BRACKET) {
            this.depth = 0;
            this.base = 0;
            i++;
            continue;
          }
        } else if (c === OPEN_BRACKET) {
          // A top-level array: its elements are the records.
          this.depth = 1;
          this.base = 1;
          types[1] = ARRAY;
          i++;
          continue;
        }
        this.begin(i, c);
        i++;
        continue;
      }

      if (this.cut === Cut.Bare) {
        const ends = c === NL || (this.base === 1 && (c === COMMA || c === CLOSE_BRACKET || isSpace(c)));
        if (ends) {
          yield* this.emit(i);
          // The separator is read again between records (a `]` closes the array).
          this.lineStart = lineStart;
          continue;
        }
        i++;
        continue;
      }

      if (this.inString) {
        if (c === NL) {
          // A raw line break cannot be in a JSON string: the value is broken, and the structure
          // is read again from the next line.
          this.inString = false;
          this.escape = false;
          this.broken = true;
        } else if (this.escape) {
          this.escape = false;
        } else if (c === BACKSLASH) {
          this.escape = true;
        } else if (c === QUOTE) {
          this.inString = false;
          this.last = QUOTE;
          if (this.cut === Cut.String) {
            yield* this.emit(i + 1);
            i++;
            continue;
          }
        }
        i++;
        continue;
      }

      if (lineStart && c === OPEN_BRACE && this.resyncHere()) {
        // The broken value ends before this line, which starts the next one.
        yield* this.emit(i);
        this.begin(i, c);
        i++;
        continue;
      }

      switch (c) {
        case QUOTE:
          this.inString = true;
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          this.depth++;
          if (this.depth <= TRACKED_DEPTH) types[this.depth] = c === OPEN_BRACE ? OBJECT : ARRAY;
          this.last = c;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          if (this.depth <= TRACKED_DEPTH && types[this.depth] !== (c === CLOSE_BRACE ? OBJECT : ARRAY)) {
            this.broken = true;
          }
          this.depth--;
          this.last = c;
          if (this.depth === this.base) {
            yield* this.emit(i + 1);
            i++;
            continue;
          }
          break;
        case SPACE:
        case NL:
        case CR:
        case TAB:
          break;
        default:
          this.last = c;
      }
      i++;
    }
    this.pos = i;
    // Keep only the unfinished record's text; one over the limit is rejected now, not at its end.
    if (this.cut !== Cut.None && this.start !== -1 && i - this.start > this.limit) {
      yield oversized(text.slice(this.start, this.start + OVERSIZED_PREFIX_CHARS), this.limit);
      this.start = -1;
    }
    if (this.cut === Cut.None || this.start === -1) {
      this.buf = '';
      this.pos = 0;
    } else {
      this.buf = text.slice(this.start);
      this.pos -= this.start;
      this.start = 0;
    }
  }

  /** Starts a record at `i` (its first character `c`). */
  private begin(i: number, c: number): void {
    this.start = i;
    this.broken = false;
    this.inString = false;
    this.escape = false;
    this.last = c;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      this.cut = Cut.Container;
      this.depth = this.base + 1;
      if (this.depth <= TRACKED_DEPTH) this.types[this.depth] = c === OPEN_BRACE ? OBJECT : ARRAY;
    } else if (c === QUOTE && this.base === 1) {
      this.cut = Cut.String;
      this.inString = true;
    } else {
      this.cut = Cut.Bare;
    }
  }

  /**
   * Whether a `{` at column 0 inside the current value starts a new one: when the value is
   * already broken, or a value cannot begin here (only after `[`, `:` or an array's `,`).
   */
  private resyncHere(): boolean {
    if (this.cut !== Cut.Container || this.depth <= this.base) return false;
    if (this.broken) return true;
    const last = this.last;
    if (last === OPEN_BRACKET || last === COLON) return false;
    if (last === COMMA) {
      return this.depth <= TRACKED_DEPTH && this.types[this.depth] !== ARRAY;
    }
    return true;
  }

  /** Ends the current record before `end` and yields it. */
  private *emit(end: number): Generator<IngestRecord> {
    const start = this.start;
    const cut = this.cut;
    this.cut = Cut.None;
    this.start = -1;
    this.depth = this.base;
    this.inString = false;
    this.escape = false;
    if (start === -1) return; // oversized: already rejected
    const text = this.buf.slice(start, end);
    if (text.length > this.limit) {
      yield oversized(text, this.limit);
      return;
    }
    const trimmed = cut === Cut.Container || cut === Cut.String ? text.trimEnd() : text.trim();
    if (trimmed !== '') yield* parsed(trimmed);
  }

  private *finishValues(): Generator<IngestRecord> {
    if (this.cut !== Cut.None) yield* this.emit(this.buf.length);
  }
}

function trimCr(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
