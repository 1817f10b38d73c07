/**
 * The histogram inner loops as a small WebAssembly module, assembled here from opcodes (no build step,
 * no binary file). V8 runs these loops 2-3 times faster than the same loops on typed arrays in
 * JavaScript (no bounds checks on each access; WebAssembly memory is guarded by the address space).
 *
 * One function per slot kind (see kernels.ts), all with the signature
 *   (h, size, col, o0, o1, o2, o3, rows, from, to, a, b) → ()
 * where h, col, rows, a and b are byte addresses in the imported memory `env.mem`, size and o0..o3
 * are byte offsets, and from/to are row positions. For i in [from, to): v = col[rows[i]] holds four
 * 8-bit bins; feature j's slot is h + oj + bin_j · stride · 8 (+ size for odd i, the second copy):
 *   kind 0 (stride 1): [+a[i]]
 *   kind 1 (stride 2): [+a[i], +b[i]]
 *   kind 2 (stride 2): [+a[i], +1]
 *   kind 3 (stride 3): [+a[i], +b[i], +1]
 */

const uleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

const sleb = (value: number): number[] => {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec(Array.from(new TextEncoder().encode(s), (b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const F64 = 0x7c;
const op = {
  get: (i: number): number[] => [0x20, ...uleb(i)],
  set: (i: number): number[] => [0x21, ...uleb(i)],
  tee: (i: number): number[] => [0x22, ...uleb(i)],
  i32: (v: number): number[] => [0x41, ...sleb(v)],
  f64: (v: number): number[] => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)],
  add: [0x6a],
  and: [0x71],
  shl: [0x74],
  shrU: [0x76],
  geU: [0x4f],
  ltU: [0x49],
  fadd: [0xa0],
  fmul: [0xa2],
  fnearest: [0x9e],
  ffloor: [0x9c],
  fsub: [0xa1],
  fdiv: [0xa3],
  load8: (offset = 0): number[] => [0x2d, 0, ...uleb(offset)],
  store32: (offset = 0): number[] => [0x36, 2, ...uleb(offset)],
  else: [0x05],
  load32: (offset = 0): number[] => [0x28, 2, ...uleb(offset)],
  loadF64: (offset = 0): number[] => [0x2b, 3, ...uleb(offset)],
  storeF64: (offset = 0): number[] => [0x39, 3, ...uleb(offset)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number): number[] => [0x0c, ...uleb(d)],
  brIf: (d: number): number[] => [0x0d, ...uleb(d)],
};

// Parameters and locals of a kernel.
const P_H = 0;
const P_SIZE = 1;
const P_COL = 2;
const P_O = [3, 4, 5, 6];
const P_ROWS = 7;
const P_FROM = 8;
const P_TO = 9;
const P_A = 10;
const P_B = 11;
const L_I = 12;
const L_V = 13;
const L_ADDR = 14;
const L_H2 = 15;
const L_X = 16; // f64
const L_Y = 17; // f64

type Channel = 'a' | 'b' | 'one';

/** Slot update of feature j (byte j of v) at copy base `baseLocal`. */
function bump(baseLocal: number, j: number, stride: number, channels: Channel[]): number[] {
  const bin =
    j === 3
      ? [...op.get(L_V), ...op.i32(24), ...op.shrU]
      : [...op.get(L_V), ...op.i32(8 * j), ...op.shrU, ...op.i32(255), ...op.and];
  const scaleShift = stride === 1 ? 3 : stride === 2 ? 4 : -1;
  // stride 3: bin * 24 = (bin << 4) + (bin << 3)
  const scaled =
    scaleShift > 0
      ? [...bin, ...op.i32(scaleShift), ...op.shl]
      : [...bin, ...op.tee(L_ADDR), ...op.i32(4), ...op.shl, ...op.get(L_ADDR), ...op.i32(3), ...op.shl, ...op.add];
  const out = [...op.get(baseLocal), ...op.get(P_O[j]), ...op.add, ...scaled, ...op.add, ...op.set(L_ADDR)];
  channels.forEach((ch, c) => {
    const value = ch === 'a' ? op.get(L_X) : ch === 'b' ? op.get(L_Y) : op.f64(1);
    out.push(...op.get(L_ADDR), ...op.get(L_ADDR), ...op.loadF64(8 * c), ...value, ...op.fadd, ...op.storeF64(8 * c));
  });
  return out;
}

/** Loads row i's bins (v) and values (x, y) for the row at rows + i·4 + 4·k, a + i·8 + 8·k. */
function loadRow(k: number, channels: Channel[]): number[] {
  const out = [
    ...op.get(P_COL),
    ...op.get(P_ROWS),
    ...op.get(L_I),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(4 * k),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(),
    ...op.set(L_V),
    ...op.get(P_A),
    ...op.get(L_I),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.loadF64(8 * k),
    ...op.set(L_X),
  ];
  if (channels.includes('b')) {
    out.push(...op.get(P_B), ...op.get(L_I), ...op.i32(3), ...op.shl, ...op.add, ...op.loadF64(8 * k), ...op.set(L_Y));
  }
  return out;
}

function kernelBody(stride: number, channels: Channel[]): number[] {
  const row = (k: number, base: number): number[] => [
    ...loadRow(k, channels),
    ...[0, 1, 2, 3].flatMap((j) => bump(base, j, stride, channels)),
  ];
  const code = [
    ...vec([
      [4, I32],
      [2, F64],
    ]),
    // h2 = h + size; i = from
    ...op.get(P_H),
    ...op.get(P_SIZE),
    ...op.add,
    ...op.set(L_H2),
    ...op.get(P_FROM),
    ...op.set(L_I),
    ...op.block,
    ...op.loop,
    // while (i + 1 < to): rows i (copy 0) and i + 1 (copy 1)
    ...op.get(L_I),
    ...op.i32(1),
    ...op.add,
    ...op.get(P_TO),
    ...op.geU,
    ...op.brIf(1),
    ...row(0, P_H),
    ...row(1, L_H2),
    ...op.get(L_I),
    ...op.i32(2),
    ...op.add,
    ...op.set(L_I),
    ...op.br(0),
    ...op.end,
    ...op.end,
    // a last odd row
    ...op.get(L_I),
    ...op.get(P_TO),
    ...op.ltU,
    ...op.if,
    ...row(0, P_H),
    ...op.end,
    ...op.end,
  ];
  return code;
}

/**
 * gq(rows, from, to, src, dst, scale, unit): dst[i] = nearest(src[rows[i]] · scale) · unit + 1 for i
 * in [from, to) (rows is a byte address of u32 row numbers, src/dst of f64).
 */
function gatherQuantizedBody(): number[] {
  // params: rows 0, from 1, to 2, src 3, dst 4, scale 5 (f64), unit 6 (f64); local i 7
  return [
    ...vec([[1, I32]]),
    ...op.get(1),
    ...op.set(7),
    ...op.block,
    ...op.loop,
    ...op.get(7),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(4),
    ...op.get(7),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.get(3),
    ...op.get(0),
    ...op.get(7),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.loadF64(),
    ...op.get(5),
    ...op.fmul,
    ...op.fnearest,
    ...op.get(6),
    ...op.fmul,
    ...op.f64(1),
    ...op.fadd,
    ...op.storeF64(),
    ...op.get(7),
    ...op.i32(1),
    ...op.add,
    ...op.set(7),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

/** gcopy(rows, from, to, src, dst): dst[i] = src[rows[i]] for i in [from, to). */
function gatherCopyBody(): number[] {
  // params: rows 0, from 1, to 2, src 3, dst 4; local i 5
  return [
    ...vec([[1, I32]]),
    ...op.get(1),
    ...op.set(5),
    ...op.block,
    ...op.loop,
    ...op.get(5),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(4),
    ...op.get(5),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.get(3),
    ...op.get(0),
    ...op.get(5),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.loadF64(),
    ...op.storeF64(),
    ...op.get(5),
    ...op.i32(1),
    ...op.add,
    ...op.set(5),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

/**
 * part(rows, from, to, col, table, outL, outR) → left count: for i in [from, to), row r = rows[i]
 * goes to the next slot of outL when table[col[r]] is 1, else of outR (u32 slots from the given byte
 * addresses; col and table are u8). Stable; outL may be rows + 4·from (in place).
 */
function partitionBody(): number[] {
  // params: rows 0, from 1, to 2, col 3, table 4, outL 5, outR 6; locals i 7, r 8, nl 9, nr 10
  return [
    ...vec([[4, I32]]),
    ...op.get(1),
    ...op.set(7),
    ...op.block,
    ...op.loop,
    ...op.get(7),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(0),
    ...op.get(7),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(),
    ...op.set(8),
    ...op.get(4),
    ...op.get(3),
    ...op.get(8),
    ...op.add,
    ...op.load8(),
    ...op.add,
    ...op.load8(),
    ...op.if,
    ...op.get(5),
    ...op.get(9),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.get(8),
    ...op.store32(),
    ...op.get(9),
    ...op.i32(1),
    ...op.add,
    ...op.set(9),
    ...op.else,
    ...op.get(6),
    ...op.get(10),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.get(8),
    ...op.store32(),
    ...op.get(10),
    ...op.i32(1),
    ...op.add,
    ...op.set(10),
    ...op.end,
    ...op.get(7),
    ...op.i32(1),
    ...op.add,
    ...op.set(7),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(9),
    ...op.end,
  ];
}

/** Address of src[rows[i]] (f64) on the stack; params rows 0, i in local `i`, src param `src`. */
function rowAddress(src: number, i: number): number[] {
  return [
    ...op.get(src),
    ...op.get(0),
    ...op.get(i),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load32(),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
  ];
}

/** gsum(rows, from, to, src) → Σ src[rows[i]] for i in [from, to), in order. */
function gatherSumBody(): number[] {
  // params: rows 0, from 1, to 2, src 3; locals i 4 (i32), s 5 (f64)
  return [
    ...vec([
      [1, I32],
      [1, F64],
    ]),
    ...op.get(1),
    ...op.set(4),
    ...op.block,
    ...op.loop,
    ...op.get(4),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(5),
    ...rowAddress(3, 4),
    ...op.loadF64(),
    ...op.fadd,
    ...op.set(5),
    ...op.get(4),
    ...op.i32(1),
    ...op.add,
    ...op.set(4),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(5),
    ...op.end,
  ];
}

/** sadd(rows, from, to, dst, value): dst[rows[i]] += value for i in [from, to). */
function scatterAddBody(): number[] {
  // params: rows 0, from 1, to 2, dst 3, value 4 (f64); locals i 5, addr 6
  return [
    ...vec([[2, I32]]),
    ...op.get(1),
    ...op.set(5),
    ...op.block,
    ...op.loop,
    ...op.get(5),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...rowAddress(3, 5),
    ...op.tee(6),
    ...op.get(6),
    ...op.loadF64(),
    ...op.get(4),
    ...op.fadd,
    ...op.storeF64(),
    ...op.get(5),
    ...op.i32(1),
    ...op.add,
    ...op.set(5),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

/** hsum(dst, src, count, m, stride): dst[k] = Σ_j src[j · stride + k] (f64, j in [0, m), in order). */
function histSumBody(): number[] {
  // params: dst 0, src 1, count 2, m 3, stride (bytes) 4; locals k 5, j 6, at 7 (i32), s 8 (f64)
  return [
    ...vec([
      [3, I32],
      [1, F64],
    ]),
    ...op.i32(0),
    ...op.set(5),
    ...op.block,
    ...op.loop,
    ...op.get(5),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.f64(0),
    ...op.set(8),
    ...op.get(1),
    ...op.get(5),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.set(7),
    ...op.i32(0),
    ...op.set(6),
    ...op.block,
    ...op.loop,
    ...op.get(6),
    ...op.get(3),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(8),
    ...op.get(7),
    ...op.loadF64(),
    ...op.fadd,
    ...op.set(8),
    ...op.get(7),
    ...op.get(4),
    ...op.add,
    ...op.set(7),
    ...op.get(6),
    ...op.i32(1),
    ...op.add,
    ...op.set(6),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(0),
    ...op.get(5),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.get(8),
    ...op.storeF64(),
    ...op.get(5),
    ...op.i32(1),
    ...op.add,
    ...op.set(5),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

/**
 * dq(src, dst, slots, hasH, unit, inv): decodes quantized slots [q] (hasH 0) or [q, h] (hasH 1) at src
 * into [g, count] or [g, h, count] at dst, with gq = floor(q / unit), count = q − gq · unit,
 * g = gq · inv.
 */
function decodeBody(): number[] {
  // params: src 0, dst 1, slots 2, hasH 3, unit 4 (f64), inv 5 (f64); locals s 6, ia 7, oa 8 (i32), v 9, gq 10 (f64)
  const count = [...op.get(9), ...op.get(10), ...op.get(4), ...op.fmul, ...op.fsub];
  const advance = (local: number, bytes: number): number[] => [
    ...op.get(local),
    ...op.i32(bytes),
    ...op.add,
    ...op.set(local),
  ];
  return [
    ...vec([
      [3, I32],
      [2, F64],
    ]),
    ...op.get(0),
    ...op.set(7),
    ...op.get(1),
    ...op.set(8),
    ...op.block,
    ...op.loop,
    ...op.get(6),
    ...op.get(2),
    ...op.geU,
    ...op.brIf(1),
    ...op.get(7),
    ...op.loadF64(),
    ...op.tee(9),
    ...op.get(4),
    ...op.fdiv,
    ...op.ffloor,
    ...op.set(10),
    ...op.get(8),
    ...op.get(10),
    ...op.get(5),
    ...op.fmul,
    ...op.storeF64(),
    ...op.get(3),
    ...op.if,
    ...op.get(8),
    ...op.get(7),
    ...op.loadF64(8),
    ...op.storeF64(8),
    ...op.get(8),
    ...count,
    ...op.storeF64(16),
    ...advance(7, 16),
    ...advance(8, 24),
    ...op.else,
    ...op.get(8),
    ...count,
    ...op.storeF64(8),
    ...advance(7, 8),
    ...advance(8, 16),
    ...op.end,
    ...advance(6, 1),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
}

const I32x = (k: number): number[] => Array.from({ length: k }, () => I32);

/** The module's functions: export name, parameter types, result types, body. */
const FUNCTIONS: { name: string; params: number[]; results: number[]; body: () => number[] }[] = [
  { name: 'hist0', params: I32x(12), results: [], body: () => kernelBody(1, ['a']) },
  { name: 'hist1', params: I32x(12), results: [], body: () => kernelBody(2, ['a', 'b']) },
  { name: 'hist2', params: I32x(12), results: [], body: () => kernelBody(2, ['a', 'one']) },
  { name: 'hist3', params: I32x(12), results: [], body: () => kernelBody(3, ['a', 'b', 'one']) },
  { name: 'gq', params: [...I32x(5), F64, F64], results: [], body: gatherQuantizedBody },
  { name: 'gcopy', params: I32x(5), results: [], body: gatherCopyBody },
  { name: 'part', params: I32x(7), results: [I32], body: partitionBody },
  { name: 'gsum', params: I32x(4), results: [F64], body: gatherSumBody },
  { name: 'sadd', params: [...I32x(4), F64], results: [], body: scatterAddBody },
  { name: 'hsum', params: I32x(5), results: [], body: histSumBody },
  { name: 'dq', params: [...I32x(4), F64, F64], results: [], body: decodeBody },
];

export const WASM_KERNEL_NAMES: readonly string[] = FUNCTIONS.map((f) => f.name);

/** Module bytes: imports env.mem (shared or not), exports the functions of WASM_KERNEL_NAMES. */
export function wasmKernelModuleBytes(shared: boolean, maxPages: number): Uint8Array {
  // One type per function (duplicates are allowed).
  const typeSec = section(
    1,
    vec(FUNCTIONS.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))])),
  );
  const limits = shared ? [0x03, ...uleb(1), ...uleb(maxPages)] : [0x00, ...uleb(1)];
  const importSec = section(2, vec([[...name('env'), ...name('mem'), 0x02, ...limits]]));
  const funcSec = section(3, vec(FUNCTIONS.map((_, i) => uleb(i))));
  const exportSec = section(7, vec(FUNCTIONS.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])));
  const codeSec = section(
    10,
    vec(
      FUNCTIONS.map((f) => {
        const body = f.body();
        return [...uleb(body.length), ...body];
      }),
    ),
  );
  const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  return new Uint8Array([...header, ...typeSec, ...importSec, ...funcSec, ...exportSec, ...codeSec]);
}

export type WasmGatherQuantized = (
  rows: number,
  from: number,
  to: number,
  src: number,
  dst: number,
  scale: number,
  unit: number,
) => void;
export type WasmGatherCopy = (rows: number, from: number, to: number, src: number, dst: number) => void;
export type WasmGatherSum = (rows: number, from: number, to: number, src: number) => number;
export type WasmScatterAdd = (rows: number, from: number, to: number, dst: number, value: number) => void;
export type WasmHistSum = (dst: number, src: number, count: number, m: number, stride: number) => void;
export type WasmDecode = (src: number, dst: number, slots: number, hasH: number, unit: number, inv: number) => void;
export type WasmPartition = (
  rows: number,
  from: number,
  to: number,
  col: number,
  table: number,
  outL: number,
  outR: number,
) => number;

export type WasmHistKernel = (
  h: number,
  size: number,
  col: number,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  rows: number,
  from: number,
  to: number,
  a: number,
  b: number,
) => void;
