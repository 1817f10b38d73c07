/**
 * Stage bookkeeping shared by the training run and the backtest-only run: cancellation checks that
 * also let the event loop deliver an abort, stage timings, progress (throttled to whole percents)
 * and logs.
 */
import { PipelineCancelled } from './errors';
import { PIPELINE_STAGES, type PipelineContext, type PipelineStage } from './types';

export function throwIfCancelled(signal: AbortSignal, stage: string): void {
  if (signal.aborted) throw new PipelineCancelled(stage);
}

/**
 * Yields to the event loop (so an abort coming from I/O, e.g. a cancel message, is delivered),
 * then throws PipelineCancelled if the signal fired.
 */
export async function checkpoint(signal: AbortSignal, stage: string): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  throwIfCancelled(signal, stage);
}

export class StageRunner {
  readonly ms = Object.fromEntries(PIPELINE_STAGES.map((s) => [s, 0])) as Record<PipelineStage, number>;

  constructor(private readonly ctx: PipelineContext) {}

  /** Runs one stage: checks the signal before and after, reports 0 and 1, times it. */
  async run<T>(stage: PipelineStage, work: (progress: (fraction: number) => void) => Promise<T>): Promise<T> {
    const { ctx } = this;
    await checkpoint(ctx.signal, stage);
    let last = 0;
    ctx.progress(stage, 0);
    ctx.log(`pipeline stage ${stage} started`, { stage });
    const t0 = performance.now();
    let out: T;
    try {
      out = await work((fraction) => {
        const f = Math.floor(Math.min(1, Math.max(0, fraction)) * 100) / 100;
        if (f > last && f < 1) {
          last = f;
          ctx.progress(stage, f);
        }
      });
    } finally {
      this.ms[stage] += Math.round(performance.now() - t0);
    }
    throwIfCancelled(ctx.signal, stage);
    ctx.progress(stage, 1);
    ctx.log(`pipeline stage ${stage} finished`, { stage, ms: this.ms[stage] });
    return out;
  }
}
