/**
 * The row kernels of tree growth, optionally on several threads: gradient histograms of a leaf's rows,
 * the stable partition of a leaf's rows by a split, leaf sums and score updates.
 *
 * Histograms. For every feature there are numBins + 1 slots (the last is missing) plus one spare slot
 * at the end that absorbs the padding features of the last group. Two encodings:
 * - quantized (up to 2^22 rows, the default): per tree, each row's gradient is rounded to an integer
 *   gq = nearest(g · scale) with scale as large as the budget allows, and packed with a count of one
 *   into a single double q = gq · 2^b + 1, where 2^b exceeds the row count. Sums of q stay exact
 *   integers below 2^53, so one add accumulates gradient and count at once, the sums do not depend
 *   on the order of the adds, and parent − child is exact. Slots are [q] when every hessian is 1,
 *   else [q, hessian sum]. With ~180k rows a gradient keeps ~16 significant bits; leaf values are
 *   computed from the exact gradients afterwards (as LightGBM's quantized training does).
 * - exact (larger data): slots [g, count] or [g, h, count] in doubles.
 * decode() turns either into [g, count] / [g, h, count] for split finding.
 *
 * Bins are packed four features to a Uint32 (feature group g holds features 4g..4g+3, column-major
 * per group), so one load feeds four histogram updates. The loops over rows are WebAssembly
 * (wasm-kernels.ts, 2-3 times faster than typed-array loops here) over one WebAssembly memory that
 * holds the row data; gradients are gathered in leaf order first. A large range is cut into P parts
 * (P from the row count only), each accumulated into two interleaved copies (consecutive rows often
 * hit the same bin: day of week, promo flags; one copy would make each add wait for the previous
 * one), and the partial histograms are summed in a fixed order.
 *
 * Threads. With numThreads > 1 the memory is shared and worker threads run the same module and the
 * same JavaScript (evaluated from these functions). Parts are claimed from a shared counter, so a
 * worker that wakes late simply takes fewer of them; jobs are handed over with Atomics.wait/notify
 * after a short spin, so the API stays synchronous. Parts and their summation order depend on the
 * row count only, so the model does not depend on the number of threads. A partition of a very large
 * range is cut into one chunk per thread (left and right rows of each chunk to scratch arrays, then
 * copied back in chunk order: the same stable order as one thread's pass); smaller ones run on the
 * calling thread, faster than a hand-off.
 */
import { Worker } from 'node:worker_threads';
import type { BinnedData } from './binning';
import {
  WASM_KERNEL_NAMES,
  wasmKernelModuleBytes,
  type WasmDecode,
  type WasmGatherCopy,
  type WasmGatherQuantized,
  type WasmHistKernel,
  type WasmHistSum,
  type WasmGatherSum,
  type WasmPartition,
  type WasmScatterAdd,
} from './wasm-kernels';

/** The WebAssembly API we use (the project's TypeScript libs do not declare the global). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Rows from which a histogram range is split into 2, 4 and 8 parts. */
const PARTS2_MIN_ROWS = 4096;
const PARTS4_MIN_ROWS = 16384;
const PARTS8_MIN_ROWS = 65536;
const MAX_PARTS = 8;
/** Rows from which a partition is split over threads (below, one thread is faster than the hand-off). */
const PARALLEL_PARTITION_MIN_ROWS = 1 << 18;
/** Largest data set histogrammed with quantized gradients. */
export const QUANTIZED_MAX_ROWS = 1 << 22;
/** Busy-wait iterations (tens of microseconds) before a thread sleeps on a futex. */
const SPIN_ITERATIONS = 200_000;

export function numParts(cnt: number): number {
  return cnt >= PARTS8_MIN_ROWS ? 8 : cnt >= PARTS4_MIN_ROWS ? 4 : cnt >= PARTS2_MIN_ROWS ? 2 : 1;
}

/** Slot encodings (see the file comment); the value is also the WebAssembly kernel's index. */
export enum SlotKind {
  /** [q] */
  QuantizedUnit = 0,
  /** [q, h] */
  Quantized = 1,
  /** [g, count] */
  ExactUnit = 2,
  /** [g, h, count] */
  Exact = 3,
}

const STRIDE: Record<SlotKind, number> = { 0: 1, 1: 2, 2: 2, 3: 3 };

/** Byte offsets of the regions of the kernel memory, plus sizes (plain numbers, sent to workers). */
interface Layout {
  kind: number;
  n: number;
  numFeatures: number;
  numGroups: number;
  /** Doubles in one histogram. */
  size: number;
  packed: number;
  bins: number;
  rowIdx: number;
  tmpL: number;
  tmpR: number;
  grad: number;
  hess: number;
  raw: number;
  oa: number;
  ob: number;
  partials: number;
  scratch: number;
  decodeIn: number;
  decodeOut: number;
  params: number;
  groupOffsets: number;
  table: number;
  bytes: number;
}

function makeLayout(kind: number, n: number, numFeatures: number, size: number): Layout {
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at += Math.ceil(bytes / 8) * 8;
    return start;
  };
  const numGroups = Math.ceil(numFeatures / 4);
  return {
    kind,
    n,
    numFeatures,
    numGroups,
    size,
    packed: take(4 * numGroups * n),
    bins: take(numFeatures * n),
    rowIdx: take(4 * n),
    tmpL: take(4 * n),
    tmpR: take(4 * n),
    grad: take(8 * n),
    hess: take(8 * n),
    raw: take(8 * n),
    oa: take(8 * n),
    ob: take(8 * n),
    partials: take(8 * MAX_PARTS * 2 * size),
    scratch: take(8 * size),
    decodeIn: take(8 * size),
    decodeOut: take(8 * 3 * (size / STRIDE[kind as SlotKind])),
    params: take(16),
    groupOffsets: take(4 * 4 * numGroups),
    table: take(256),
    bytes: at,
  };
}

/** Views of the kernel memory and the kernel of the layout's kind (built alike on every thread). */
interface KernelContext {
  layout: Layout;
  kernel: WasmHistKernel;
  gq: WasmGatherQuantized;
  gcopy: WasmGatherCopy;
  part: WasmPartition;
  gsum: WasmGatherSum;
  sadd: WasmScatterAdd;
  hsum: WasmHistSum;
  dq: WasmDecode;
  packed: Uint32Array;
  bins: Uint8Array;
  rowIdx: Uint32Array;
  tmpL: Uint32Array;
  tmpR: Uint32Array;
  grad: Float64Array;
  hess: Float64Array;
  raw: Float64Array;
  oa: Float64Array;
  ob: Float64Array;
  partials: Float64Array;
  scratch: Float64Array;
  /** [scale, unit] of the quantized encoding. */
  params: Float64Array;
  /** Per group, the four features' slot offsets in bytes (padding → the spare slot). */
  groupOffsets: Int32Array;
  /** Go-left table of the current partition (bin → 1). */
  table: Uint8Array;
}

export function makeContext(buffer: ArrayBufferLike, L: Layout, kernels: Record<string, unknown>): KernelContext {
  const n = L.n;
  return {
    layout: L,
    kernel: kernels['hist' + L.kind] as WasmHistKernel,
    gq: kernels.gq as WasmGatherQuantized,
    gcopy: kernels.gcopy as WasmGatherCopy,
    part: kernels.part as WasmPartition,
    gsum: kernels.gsum as WasmGatherSum,
    sadd: kernels.sadd as WasmScatterAdd,
    hsum: kernels.hsum as WasmHistSum,
    dq: kernels.dq as WasmDecode,
    packed: new Uint32Array(buffer, L.packed, L.numGroups * n),
    bins: new Uint8Array(buffer, L.bins, L.numFeatures * n),
    rowIdx: new Uint32Array(buffer, L.rowIdx, n),
    tmpL: new Uint32Array(buffer, L.tmpL, n),
    tmpR: new Uint32Array(buffer, L.tmpR, n),
    grad: new Float64Array(buffer, L.grad, n),
    hess: new Float64Array(buffer, L.hess, n),
    raw: new Float64Array(buffer, L.raw, n),
    oa: new Float64Array(buffer, L.oa, n),
    ob: new Float64Array(buffer, L.ob, n),
    partials: new Float64Array(buffer, L.partials, 8 * 2 * L.size),
    scratch: new Float64Array(buffer, L.scratch, L.size),
    params: new Float64Array(buffer, L.params, 2),
    groupOffsets: new Int32Array(buffer, L.groupOffsets, 4 * L.numGroups),
    table: new Uint8Array(buffer, L.table, 256),
  };
}

/**
 * Per-row values of rowIdx[begin + from, begin + to) into oa[from, to) (and ob): the quantized
 * gradient packed with a count of one, q = nearest(g · scale) · unit + 1 (quantized kinds), or the
 * gradient; ob the hessian.
 */
export function gatherRows(ctx: KernelContext, begin: number, from: number, to: number): void {
  const L = ctx.layout;
  const rows = L.rowIdx + 4 * begin;
  if (L.kind <= 1) ctx.gq(rows, from, to, L.grad, L.oa, ctx.params[0], ctx.params[1]);
  else ctx.gcopy(rows, from, to, L.grad, L.oa);
  if (L.kind === 1 || L.kind === 3) ctx.gcopy(rows, from, to, L.hess, L.ob);
}

/** Accumulates rows [from, to) of the range at begin into the histogram at byte address h. */
export function accumulate(
  ctx: KernelContext,
  h: number,
  sizeBytes: number,
  begin: number,
  from: number,
  to: number,
  groups: Int32Array,
  numGroups: number,
): void {
  const L = ctx.layout;
  const go = ctx.groupOffsets;
  const rows = L.rowIdx + 4 * begin;
  for (let q = 0; q < numGroups; q++) {
    const g = groups[q];
    const o = 4 * g;
    ctx.kernel(
      h,
      sizeBytes,
      L.packed + 4 * g * L.n,
      go[o],
      go[o + 1],
      go[o + 2],
      go[o + 3],
      rows,
      from,
      to,
      L.oa,
      L.ob,
    );
  }
}

/**
 * Claims and runs parts of histogram job `job` (a counter, below 2^27) with P parts. sync[0] holds
 * job · 16 + the next unclaimed part and is shared by all threads, so a thread that starts late finds
 * fewer parts left (or a newer job, and stops). Part p covers rows ⌊cnt·p/P⌋ to ⌊cnt·(p+1)/P⌋ of the
 * range at begin: its values are gathered and accumulated into partial p (two copies), then sync[1 +
 * p] is set to job. It is also a worker's source: only the functions above may be referenced.
 */
export function runParts(
  ctx: KernelContext,
  sync: Int32Array,
  job: number,
  begin: number,
  cnt: number,
  groups: Int32Array,
  numGroups: number,
  P: number,
): void {
  const size = ctx.layout.size;
  for (;;) {
    const c = Atomics.load(sync, 0);
    const p = c & 15;
    if (c >> 4 !== job || p >= P) return;
    if (Atomics.compareExchange(sync, 0, c, c + 1) !== c) continue;
    const from = Math.floor((cnt * p) / P);
    const to = Math.floor((cnt * (p + 1)) / P);
    gatherRows(ctx, begin, from, to);
    ctx.partials.fill(0, p * 2 * size, (p + 1) * 2 * size);
    accumulate(ctx, ctx.layout.partials + 8 * p * 2 * size, 8 * size, begin, from, to, groups, numGroups);
    Atomics.store(sync, 1 + p, job);
    Atomics.notify(sync, 1 + p);
  }
}

/**
 * Stable partition of rowIdx[from, to) by the current table (layout.table, bin → 1 for left) of a
 * feature: left rows go to tmpL[from, ...), right rows to tmpR[from, ...). Returns the left count.
 */
export function partitionChunk(ctx: KernelContext, from: number, to: number, feature: number): number {
  const L = ctx.layout;
  return ctx.part(L.rowIdx, from, to, L.bins + feature * L.n, L.table, L.tmpL + 4 * from, L.tmpR + 4 * from);
}

// Control block of a worker (Int32 slots).
const C_SEQ = 0;
const C_DONE = 1;
const C_READY = 2;
const C_ERROR = 3;
const C_STOP = 4;
const C_JOB = 5;
const C_BEGIN = 6;
const C_CNT = 7;
const C_PARTS = 8;
const C_JOBID = 9;
const C_NGROUPS = 11;
const C_PFEATURE = 12;
const C_RESULT = 13;
const C_GROUPS = 14;
const JOB_HIST = 0;
const JOB_PARTITION = 1;

function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
${makeContext.toString()}
${gatherRows.toString()}
${accumulate.toString()}
${runParts.toString()}
${partitionChunk.toString()}
const w = workerData;
const ctrl = new Int32Array(w.ctrl);
const sync = new Int32Array(w.sync);
let ctx = null;
try {
  const instance = new WebAssembly.Instance(w.module, { env: { mem: w.mem } });
  ctx = makeContext(w.mem.buffer, w.layout, instance.exports);
} catch (e) {
  Atomics.store(ctrl, ${C_ERROR}, 1);
}
const groups = ctrl.subarray(${C_GROUPS});
Atomics.store(ctrl, ${C_READY}, ctx === null ? 2 : 1);
Atomics.notify(ctrl, ${C_READY});
let seq = 0;
while (ctx !== null) {
  // Spin a little before sleeping: jobs of one tree follow each other closely, and waking a sleeping
  // thread can take a scheduler tick on a busy machine.
  for (let spin = 0; spin < ${SPIN_ITERATIONS} && Atomics.load(ctrl, ${C_SEQ}) === seq; spin++);
  Atomics.wait(ctrl, ${C_SEQ}, seq);
  const s = Atomics.load(ctrl, ${C_SEQ});
  if (s === seq) continue;
  seq = s;
  if (Atomics.load(ctrl, ${C_STOP}) === 1) break;
  let err = 0;
  try {
    const begin = ctrl[${C_BEGIN}];
    const cnt = ctrl[${C_CNT}];
    if (ctrl[${C_JOB}] === ${JOB_PARTITION}) {
      ctrl[${C_RESULT}] = partitionChunk(ctx, begin, begin + cnt, ctrl[${C_PFEATURE}]);
    } else {
      runParts(ctx, sync, ctrl[${C_JOBID}], begin, cnt, groups, ctrl[${C_NGROUPS}], ctrl[${C_PARTS}]);
    }
  } catch (e) {
    err = 1;
  }
  Atomics.store(ctrl, ${C_ERROR}, err);
  Atomics.store(ctrl, ${C_DONE}, seq);
  Atomics.notify(ctrl, ${C_DONE});
}
`;
}

interface WorkerHandle {
  worker: Worker;
  ctrl: Int32Array;
  seq: number;
  ok: boolean;
}

export class RowKernels {
  readonly kind: SlotKind;
  /** Doubles in one histogram. */
  readonly size: number;
  /** Stride of decoded histograms: 2 ([g, count]) with unit hessians, else 3 ([g, h, count]). */
  readonly decodedStride: 2 | 3;
  private readonly ctx: KernelContext;
  private readonly numSlots: number;
  private readonly groupActive: Uint8Array;
  private readonly groupList: Int32Array;
  /** Decoded histogram (in the kernel memory, reused by every decode). */
  private readonly decoded: Float64Array;
  private readonly memoryBuffer: ArrayBufferLike;
  private readonly workers: WorkerHandle[] = [];
  /** Part claiming: [job · 16 + next part, job of each finished part] (shared with workers). */
  private readonly sync: Int32Array;
  private job = 0;
  /** Quantization of the current tree: q = round(g · scale) · countUnit + 1. */
  private scale = 1;
  private countUnit = 1;

  constructor(data: BinnedData, unitHessian: boolean, numThreads: number, encoding?: 'quantized' | 'exact') {
    const n = data.numRows;
    const nf = data.numFeatures;
    const quantized = (encoding ?? (n <= QUANTIZED_MAX_ROWS ? 'quantized' : 'exact')) === 'quantized';
    this.kind = quantized
      ? unitHessian
        ? SlotKind.QuantizedUnit
        : SlotKind.Quantized
      : unitHessian
        ? SlotKind.ExactUnit
        : SlotKind.Exact;
    const stride = STRIDE[this.kind];
    this.decodedStride = unitHessian ? 2 : 3;
    this.numSlots = data.totalHistBins + 1;
    this.size = this.numSlots * stride;
    const layout = makeLayout(this.kind, n, nf, this.size);
    const ng = layout.numGroups;
    this.groupActive = new Uint8Array(ng);
    this.groupList = new Int32Array(ng);

    const threads = Math.max(1, Math.floor(numThreads));
    const parallel = threads > 1 && n >= PARTS2_MIN_ROWS;
    this.sync = new Int32Array(
      parallel ? new SharedArrayBuffer(4 * (1 + MAX_PARTS)) : new ArrayBuffer(4 * (1 + MAX_PARTS)),
    );
    const pages = Math.ceil(layout.bytes / 65536) + 1;
    if (pages > 65536) {
      throw new Error(
        `${n} rows × ${nf} features need ${layout.bytes} bytes of row data: over the 4 GiB WebAssembly memory`,
      );
    }
    const mem = parallel
      ? new wasm.Memory({ initial: pages, maximum: pages, shared: true })
      : new wasm.Memory({ initial: pages });
    const module = new wasm.Module(wasmKernelModuleBytes(parallel, pages));
    const instance = new wasm.Instance(module, { env: { mem } });
    for (const k of WASM_KERNEL_NAMES)
      if (typeof instance.exports[k] !== 'function') throw new Error(`missing kernel ${k}`);
    this.ctx = makeContext(mem.buffer, layout, instance.exports);
    this.memoryBuffer = mem.buffer;
    this.decoded = new Float64Array(mem.buffer, layout.decodeOut, this.numSlots * this.decodedStride);
    const ctx = this.ctx;
    ctx.params[0] = 1;
    ctx.params[1] = 1;
    const spare = data.totalHistBins * stride * 8;
    ctx.groupOffsets.fill(spare);
    for (let f = 0; f < nf; f++) ctx.groupOffsets[f] = data.histOffset[f] * stride * 8;
    ctx.bins.set(data.bins);
    for (let f = 0; f < nf; f++) {
      const g = f >> 2;
      const shift = 8 * (f & 3);
      const col = ctx.packed.subarray(g * n, g * n + n);
      const src = data.bins.subarray(f * n, f * n + n);
      for (let r = 0; r < n; r++) col[r] = (col[r] | (src[r] << shift)) >>> 0;
    }
    if (!parallel) return;
    const source = workerSource();
    for (let t = 1; t < threads; t++) {
      const ctrlBuf = new SharedArrayBuffer(4 * (C_GROUPS + ng));
      // execArgv []: the source is plain JavaScript; a parent preload (e.g. a TypeScript hook) would only slow the start.
      const worker = new Worker(source, {
        eval: true,
        execArgv: [],
        workerData: { ctrl: ctrlBuf, sync: this.sync.buffer, module, mem, layout },
      });
      worker.unref();
      this.workers.push({ worker, ctrl: new Int32Array(ctrlBuf), seq: 0, ok: true });
    }
    // Wait (bounded) until every worker runs; one that does not start is left out.
    for (const h of this.workers) {
      if (Atomics.load(h.ctrl, C_READY) === 0) Atomics.wait(h.ctrl, C_READY, 0, 10_000);
      h.ok = Atomics.load(h.ctrl, C_READY) === 1;
    }
  }

  /** Rows of the current tree; leaf ranges index into it. */
  get rowIdx(): Uint32Array {
    return this.ctx.rowIdx;
  }

  /** Gradients and hessians of the current tree, by row (the booster writes them here). */
  get grad(): Float64Array {
    return this.ctx.grad;
  }

  get hess(): Float64Array {
    return this.ctx.hess;
  }

  /** Raw scores of the training rows (the booster keeps them here). */
  get raw(): Float64Array {
    return this.ctx.raw;
  }

  /** Σ grad (or hess) over rowIdx[begin, end), in row order. */
  sumRange(begin: number, end: number, of: 'grad' | 'hess'): number {
    const L = this.ctx.layout;
    return this.ctx.gsum(L.rowIdx, begin, end, of === 'grad' ? L.grad : L.hess);
  }

  /** raw[rowIdx[i]] += value for i in [begin, end). */
  addToRaw(begin: number, end: number, value: number): void {
    const L = this.ctx.layout;
    this.ctx.sadd(L.rowIdx, begin, end, L.raw, value);
  }

  /** Threads that take part (the caller included). */
  get numThreads(): number {
    return 1 + this.workers.filter((h) => h.ok).length;
  }

  /**
   * Per tree, before any build: picks the gradient scale of the quantized encoding from an upper
   * bound of Σ|g| over the tree's rows, so that |Σ round(g · scale)| < 2^(52 − b) with 2^b > numRows.
   */
  prepare(sumAbsGrad: number, numRows: number): void {
    const countBits = Math.ceil(Math.log2(numRows + 1));
    this.countUnit = 2 ** countBits;
    const budget = 2 ** (52 - countBits) - numRows;
    this.scale = sumAbsGrad > 0 && Number.isFinite(sumAbsGrad) ? budget / sumAbsGrad : 1;
    this.ctx.params[0] = this.scale;
    this.ctx.params[1] = this.countUnit;
  }

  /**
   * Histogram of rowIdx[begin, end) into hist (zeroed by the caller). Slots of features outside
   * active may be written too (their group is shared with an active feature); they are never read.
   */
  build(hist: Float64Array, begin: number, end: number, active: Int32Array): void {
    const ctx = this.ctx;
    const cnt = end - begin;
    const size = this.size;
    this.groupActive.fill(0);
    for (let a = 0; a < active.length; a++) this.groupActive[active[a] >> 2] = 1;
    let ng = 0;
    for (let g = 0; g < this.groupActive.length; g++) if (this.groupActive[g] === 1) this.groupList[ng++] = g;
    const P = numParts(cnt);
    if (P === 1) {
      gatherRows(ctx, begin, 0, cnt);
      ctx.scratch.fill(0);
      accumulate(ctx, ctx.layout.scratch, 0, begin, 0, cnt, this.groupList, ng);
      hist.set(ctx.scratch);
      return;
    }
    const sync = this.sync;
    const job = (this.job = (this.job + 1) & 0x7ffffff);
    Atomics.store(sync, 0, job << 4);
    // Idle workers help; a worker still finishing an older job is left alone (its claims then fail).
    const helpers = this.workers.filter((h) => h.ok && Atomics.load(h.ctrl, C_DONE) === h.seq).slice(0, P - 1);
    for (const h of helpers) {
      const c = h.ctrl;
      c[C_JOB] = JOB_HIST;
      c[C_JOBID] = job;
      c[C_BEGIN] = begin;
      c[C_CNT] = cnt;
      c[C_PARTS] = P;
      c[C_NGROUPS] = ng;
      c.set(this.groupList.subarray(0, ng), C_GROUPS);
      this.dispatch(h);
    }
    runParts(ctx, sync, job, begin, cnt, this.groupList, ng, P);
    for (let p = 0; p < P; p++) this.awaitPart(p, job, helpers, begin, cnt, ng);
    // Sum the 2P partial copies in a fixed order (WebAssembly), then copy out.
    ctx.hsum(ctx.layout.scratch, ctx.layout.partials, size, 2 * P, 8 * size);
    hist.set(ctx.scratch);
  }

  /** A histogram in split-finding form ([g, count] or [g, h, count]); may return a shared buffer. */
  decode(hist: Float64Array): Float64Array {
    const kind = this.kind;
    if (kind === SlotKind.ExactUnit || kind === SlotKind.Exact) return hist;
    const ctx = this.ctx;
    const L = ctx.layout;
    new Float64Array(this.memoryBuffer, L.decodeIn, this.size).set(hist);
    ctx.dq(L.decodeIn, L.decodeOut, this.numSlots, kind === SlotKind.Quantized ? 1 : 0, this.countUnit, 1 / this.scale);
    return this.decoded;
  }

  /**
   * Stable partition of rowIdx[begin, end) by feature's go-left table (bin → 1); returns the first
   * index of the right side.
   */
  partition(begin: number, end: number, feature: number, table: Uint8Array): number {
    const ctx = this.ctx;
    const L = ctx.layout;
    const idx = ctx.rowIdx;
    const cnt = end - begin;
    ctx.table.set(table);
    const live = this.workers.filter((h) => h.ok);
    if (live.length === 0 || cnt < PARALLEL_PARTITION_MIN_ROWS) {
      // In place: left rows overwrite rowIdx from begin (writes trail reads), right rows go to tmpR.
      const nl = ctx.part(L.rowIdx, begin, end, L.bins + feature * L.n, L.table, L.rowIdx + 4 * begin, L.tmpR);
      idx.set(ctx.tmpR.subarray(0, cnt - nl), begin + nl);
      return begin + nl;
    }
    const T = 1 + live.length;
    const bound = (t: number): number => begin + Math.floor((cnt * t) / T);
    for (let t = 1; t < T; t++) {
      const h = live[t - 1];
      const c = h.ctrl;
      c[C_JOB] = JOB_PARTITION;
      c[C_BEGIN] = bound(t);
      c[C_CNT] = bound(t + 1) - bound(t);
      c[C_PFEATURE] = feature;
      this.dispatch(h);
    }
    const lefts = new Int32Array(T);
    lefts[0] = partitionChunk(ctx, bound(0), bound(1), feature);
    for (let t = 1; t < T; t++) {
      lefts[t] = this.await(live[t - 1])
        ? live[t - 1].ctrl[C_RESULT]
        : partitionChunk(ctx, bound(t), bound(t + 1), feature);
    }
    let pos = begin;
    for (let t = 0; t < T; t++) {
      idx.set(ctx.tmpL.subarray(bound(t), bound(t) + lefts[t]), pos);
      pos += lefts[t];
    }
    const mid = pos;
    for (let t = 0; t < T; t++) {
      const right = bound(t + 1) - bound(t) - lefts[t];
      idx.set(ctx.tmpR.subarray(bound(t), bound(t) + right), pos);
      pos += right;
    }
    return mid;
  }

  private dispatch(h: WorkerHandle): void {
    h.seq++;
    Atomics.store(h.ctrl, C_SEQ, h.seq);
    Atomics.notify(h.ctrl, C_SEQ);
  }

  /**
   * Waits until part p of the job is done (a helper claimed it). When every helper has finished its
   * job and the part is still not done, a helper failed (e.g. code instrumented for coverage cannot
   * run in a worker): the part is run here, and that helper is not used again.
   */
  private awaitPart(p: number, job: number, helpers: WorkerHandle[], begin: number, cnt: number, ng: number): void {
    const sync = this.sync;
    for (let spin = 0; spin < SPIN_ITERATIONS && Atomics.load(sync, 1 + p) !== job; spin++);
    for (;;) {
      const v = Atomics.load(sync, 1 + p);
      if (v === job) return;
      if (helpers.every((h) => Atomics.load(h.ctrl, C_DONE) === h.seq)) {
        if (Atomics.load(sync, 1 + p) === job) return;
        for (const h of helpers) if (Atomics.load(h.ctrl, C_ERROR) !== 0) h.ok = false;
        // Nobody is running: claim the part alone and run it here.
        Atomics.store(sync, 0, (job << 4) | p);
        runParts(this.ctx, sync, job, begin, cnt, this.groupList, ng, p + 1);
        return;
      }
      Atomics.wait(sync, 1 + p, v, 1);
    }
  }

  /**
   * Waits for a worker's job; false when it failed (e.g. code instrumented for coverage cannot run
   * there): the caller then does that share itself, and the worker is not used again.
   */
  private await(h: WorkerHandle): boolean {
    const c = h.ctrl;
    for (let spin = 0; spin < SPIN_ITERATIONS && Atomics.load(c, C_DONE) !== h.seq; spin++);
    for (;;) {
      // Read once: the value compared and the value waited on must be the same.
      const done = Atomics.load(c, C_DONE);
      if (done === h.seq) break;
      Atomics.wait(c, C_DONE, done, 60_000);
    }
    if (Atomics.load(c, C_ERROR) !== 0) h.ok = false;
    return h.ok;
  }

  /** Stops the workers. */
  dispose(): void {
    for (const h of this.workers) {
      Atomics.store(h.ctrl, C_STOP, 1);
      this.dispatch(h);
      void h.worker.terminate();
    }
    this.workers.length = 0;
  }
}
