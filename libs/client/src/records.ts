/**
 * Splitting text streams into records: NDJSON lines and CSV rows (a quoted field may hold newlines).
 */

/** Text from a stream of chunks (a Node `Readable`, `process.stdin`, an array of strings...). */
export type TextSource = string | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface TextRecord {
  text: string;
  /**
   * Index of the record in the input, as the service counts it in one body: NDJSON the zero-based
   * line number (blank lines count), CSV the zero-based data row (header and blank rows do not).
   */
  index: number;
  /** Bytes of input consumed up to the end of this record (for progress against a file size). */
  bytes: number;
}

async function* chunksOf(source: TextSource): AsyncGenerator<{ text: string; bytes: number }> {
  if (typeof source === 'string') {
    yield { text: source, bytes: Buffer.byteLength(source) };
    return;
  }
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
    if (typeof chunk === 'string') yield { text: chunk, bytes: Buffer.byteLength(chunk) };
    else yield { text: decoder.decode(chunk, { stream: true }), bytes: chunk.byteLength };
  }
  const rest = decoder.decode();
  if (rest) yield { text: rest, bytes: 0 };
}

/** Lines of the input without their `\n` / `\r\n`, blank lines included. */
async function* lines(source: TextSource): AsyncGenerator<TextRecord> {
  let pending = '';
  let bytes = 0;
  let index = 0;
  for await (const chunk of chunksOf(source)) {
    bytes += chunk.bytes;
    pending += chunk.text;
    let nl = pending.indexOf('\n');
    if (nl < 0) continue;
    let from = 0;
    while (nl >= 0) {
      const line = pending.slice(from, nl);
      yield { text: line.endsWith('\r') ? line.slice(0, -1) : line, bytes, index: index++ };
      from = nl + 1;
      nl = pending.indexOf('\n', from);
    }
    pending = pending.slice(from);
  }
  if (pending.length > 0) yield { text: pending.endsWith('\r') ? pending.slice(0, -1) : pending, bytes, index };
}

/** NDJSON: one record per non-blank line, indexed by its line number. */
export async function* ndjsonRecords(source: TextSource): AsyncGenerator<TextRecord> {
  for await (const line of lines(source)) {
    if (line.text.trim().length > 0) yield line;
  }
}

function quoteCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * CSV (RFC 4180): one record per row; a row continues over newlines inside a quoted field.
 * Blank rows are skipped. The first record is the header.
 */
export async function* csvRecords(source: TextSource): AsyncGenerator<TextRecord> {
  let current: string | undefined;
  let quotes = 0;
  let row = -1; // the header is row -1
  for await (const line of lines(source)) {
    if (current === undefined) {
      if (line.text.trim().length === 0) continue;
      current = line.text;
      quotes = quoteCount(line.text);
    } else {
      current += '\n' + line.text;
      quotes += quoteCount(line.text);
    }
    if (quotes % 2 === 0) {
      yield { text: current, bytes: line.bytes, index: row++ };
      current = undefined;
    }
  }
  if (current !== undefined) throw new Error('CSV ends inside a quoted field');
}
