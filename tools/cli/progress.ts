/**
 * A dependency-free progress bar: percent, rate and ETA, redrawn in place on a terminal, one line
 * per 10 % otherwise (logs, CI), or one line every 10 s when the total is unknown.
 */

export interface ProgressState {
  label: string;
  /** Work done, in the unit of `total` (items, or bytes of a file). */
  done: number;
  total?: number;
  /** Items handled, for the rate (defaults to `done`). */
  items?: number;
  unit: string;
  elapsedMs: number;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  /** Name of the counted items, e.g. `events`. */
  unit?: string;
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Redraw in place; default: the stream is a terminal. */
  tty?: boolean;
  now?: () => number;
}

const BAR_WIDTH = 24;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The progress line, e.g. `send [######------] 50.0% 5,000 events 1,234/s ETA 0:04`. */
export function formatProgress(p: ProgressState): string {
  const items = p.items ?? p.done;
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? items / seconds : 0;
  const parts = [p.label];
  if (p.total !== undefined && p.total > 0) {
    const fraction = Math.min(1, Math.max(0, p.done / p.total));
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`, `${(fraction * 100).toFixed(1)}%`);
    parts.push(`${formatCount(items)} ${p.unit}`, `${formatCount(rate)}/s`);
    const eta = fraction > 0 && fraction < 1 ? (p.elapsedMs / fraction) * (1 - fraction) : fraction >= 1 ? 0 : NaN;
    parts.push(fraction >= 1 ? `in ${formatDuration(p.elapsedMs)}` : `ETA ${formatDuration(eta)}`);
  } else {
    parts.push(`${formatCount(items)} ${p.unit}`, `${formatCount(rate)}/s`, `${formatDuration(p.elapsedMs)} elapsed`);
  }
  return parts.join('  ');
}

export class ProgressBar {
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private total: number | undefined;
  private lastDraw = -Infinity;
  private lastDecile = -1;
  private state: ProgressState;
  private finished = false;

  constructor(options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.total = options.total;
    this.state = { label: options.label, done: 0, total: options.total, unit: options.unit ?? 'items', elapsedMs: 0 };
  }

  setTotal(total: number | undefined): void {
    this.total = total;
  }

  /** `done` against the total; `items` (when the total is in bytes) for the rate. */
  update(done: number, items?: number): void {
    if (this.finished) return;
    const now = this.now();
    this.state = { ...this.state, done, items, total: this.total, elapsedMs: now - this.started };
    if (this.tty) {
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.stream.write(`\r${this.fit(formatProgress(this.state))}\x1b[K`);
      return;
    }
    if (this.total !== undefined && this.total > 0) {
      const decile = Math.min(10, Math.floor((done / this.total) * 10));
      if (decile > this.lastDecile && decile < 10) {
        this.lastDecile = decile;
        this.stream.write(`${formatProgress(this.state)}\n`);
      }
    } else if (now - this.lastDraw >= 10_000) {
      this.lastDraw = now;
      this.stream.write(`${formatProgress(this.state)}\n`);
    }
  }

  /** Draws the final state (100 % when the total is known) and ends the line. */
  finish(done?: number, items?: number): void {
    if (this.finished) return;
    const final = done ?? (this.total !== undefined ? this.total : this.state.done);
    this.state = {
      ...this.state,
      done: final,
      items: items ?? this.state.items,
      total: this.total,
      elapsedMs: this.now() - this.started,
    };
    this.finished = true;
    const line = formatProgress(this.state);
    this.stream.write(this.tty ? `\r${this.fit(line)}\x1b[K\n` : `${line}\n`);
  }

  private fit(line: string): string {
    const cols = this.stream.columns;
    return cols && line.length >= cols ? line.slice(0, cols - 1) : line;
  }
}
