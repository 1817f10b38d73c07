import { formatDuration, formatProgress, ProgressBar } from './progress';

describe('progress', () => {
  it('formats percent, rate and ETA', () => {
    const line = formatProgress({ label: 'send', done: 250, total: 1000, unit: 'events', elapsedMs: 5000 });
    expect(line).toBe('send  [######------------------]  25.0%  250 events  50/s  ETA 0:15');
    expect(formatProgress({ label: 'send', done: 1500, unit: 'events', elapsedMs: 3000 })).toBe(
      'send  1,500 events  500/s  0:03 elapsed',
    );
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });

  it('writes one line per 10 % when not on a terminal', () => {
    const out: string[] = [];
    let now = 0;
    const bar = new ProgressBar({
      label: 'x',
      total: 100,
      stream: { write: (s: string) => out.push(s) },
      tty: false,
      now: () => now,
    });
    for (let i = 1; i <= 100; i++) {
      now += 10;
      bar.update(i);
    }
    bar.finish();
    expect(out).toHaveLength(11); // 0 %-bucket line at the first update is 1 %, then 10 % .. 90 %, then the final 100 %
    expect(out.every((l) => l.endsWith('\n'))).toBe(true);
    expect(out[10]).toContain('100.0%');
  });

  it('redraws in place on a terminal, at most every 100 ms', () => {
    const out: string[] = [];
    let now = 0;
    const bar = new ProgressBar({
      label: 'x',
      total: 10,
      stream: { write: (s: string) => out.push(s), isTTY: true },
      now: () => now,
    });
    bar.update(1);
    bar.update(2);
    now = 150;
    bar.update(3);
    bar.finish();
    expect(out).toHaveLength(3);
    expect(out[0].startsWith('\r')).toBe(true);
    expect(out[2].endsWith('\n')).toBe(true);
  });
});
