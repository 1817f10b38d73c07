/**
 * MLP peers benchmark: our TensorFlow.js-wasm MLP against PyTorch (CPU) on the same rows.
 *
 *   node -r @swc-node/register bench/nn-peers/run.ts [--rows=50000] [--epochs=10] [--batch=256]
 *     [--hidden=64,64] [--lr=0.001] [--threads=2] [--repeat=2] [--seed=7] [--out=bench/results/nn-peers.json]
 *
 * The feature matrix is the training-peers one (bench/training-peers/data.ts: 20 lag / rolling /
 * calendar / price / promo features of retail-like demand, 2% missing prices, the last 56 days of each
 * series as the test set), written once as little-endian float32 files that both sides read. Both
 * train the same network the same way (see README.md), alternating `repeat` times on the shared
 * machine; the fastest run of each is reported, every run is kept in the JSON.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkNnParity,
  ensureNnBackend,
  PARITY_FLOOR,
  trainMlp,
  wape,
  type MlpModel,
  type MlpParams,
} from '@shelfcast/ml';
import { makeDemandData } from '../training-peers/data';

import { pythonWith, readF32, writeF32 } from '../common/peers';

interface Args {
  rows: number;
  epochs: number;
  batch: number;
  hidden: number[];
  lr: number;
  threads: number;
  repeat: number;
  seed: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const kv = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a} (expected --name=value)`);
    kv.set(m[1], m[2]);
  }
  const num = (k: string, d: number): number => (kv.has(k) ? Number(kv.get(k)) : d);
  return {
    rows: num('rows', 50_000),
    epochs: num('epochs', 10),
    batch: num('batch', 256),
    hidden: (kv.get('hidden') ?? '64,64').split(',').map(Number),
    lr: num('lr', 0.001),
    threads: num('threads', 2),
    repeat: Math.max(1, num('repeat', 2)),
    seed: num('seed', 7),
    out: kv.get('out') ?? path.join('bench', 'results', 'nn-peers.json'),
  };
}

function printTable(title: string, rows: string[][]): void {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = `+${w.map((x) => '-'.repeat(x + 2)).join('+')}+`;
  console.log(`\n${title}\n${line}`);
  rows.forEach((r, i) => {
    console.log(`| ${r.map((c, j) => c.padEnd(w[j])).join(' | ')} |`);
    if (i === 0) console.log(line);
  });
  console.log(line);
}

interface PeerRun {
  seconds: number[];
  cpu: number[];
  last: Record<string, unknown>;
  pred: Float32Array;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const data = makeDemandData({ rows: args.rows, testDays: 56, seed: args.seed, missingPriceRate: 0.02 });
  console.log(
    `demand rows: ${data.numTrain} train + ${data.numTest} test, ${data.numFeatures} features, ${data.numSeries} series`,
  );
  const python = pythonWith('torch', 'python3-torch');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfcast-nn-peers-'));
  const adam = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
  const params: MlpParams = {
    hiddenLayers: args.hidden,
    epochs: args.epochs,
    batchSize: args.batch,
    optimizer: { type: 'adam', learningRate: args.lr, ...adam },
    loss: { type: 'mse' },
    seed: args.seed,
  };
  const train = {
    data: data.xTrain,
    numRows: data.numTrain,
    numFeatures: data.numFeatures,
    target: data.yTrain,
    featureNames: data.featureNames,
  };
  const test = { data: data.xTest, numRows: data.numTest, numFeatures: data.numFeatures };
  // The brief's peer: torch.set_num_threads(threads); one thread as a reference (our wasm backend runs
  // on one, and on a loaded machine an OpenMP team of two can be far slower than one thread).
  const peerThreads = args.threads === 1 ? [1] : [args.threads, 1];
  const peers = new Map<number, PeerRun>(
    peerThreads.map((t) => [t, { seconds: [], cpu: [], last: {}, pred: new Float32Array(0) }]),
  );
  const oursSeconds: number[] = [];
  const oursCpu: number[] = [];
  let model: MlpModel | undefined;
  try {
    writeF32(path.join(dir, 'x_train.f32'), data.xTrain);
    writeF32(path.join(dir, 'y_train.f32'), data.yTrain);
    writeF32(path.join(dir, 'x_test.f32'), data.xTest);
    const mlp = {
      hiddenLayers: args.hidden,
      epochs: args.epochs,
      batchSize: args.batch,
      learningRate: args.lr,
      ...adam,
      threads: args.threads,
      seed: args.seed,
    };
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ numFeatures: data.numFeatures, mlp }));

    // Warm-up outside the timings: backend set-up (wasm compile) and JIT on a slice.
    await ensureNnBackend();
    const warm = Math.min(5000, train.numRows);
    await trainMlp(
      {
        ...train,
        data: train.data.subarray(0, warm * train.numFeatures),
        target: train.target.subarray(0, warm),
        numRows: warm,
      },
      { ...params, epochs: 1 },
    );
    for (let rep = 0; rep < args.repeat; rep++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      model = await trainMlp(train, params);
      oursSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const cpu = process.cpuUsage(c0);
      oursCpu.push((cpu.user + cpu.system) / 1e6);
      const line = [
        `  run ${rep + 1}/${args.repeat}: ours ${oursSeconds[rep].toFixed(2)} s (cpu ${oursCpu[rep].toFixed(2)} s)`,
      ];
      for (const [threads, run] of peers) {
        const res = spawnSync(python, [path.join(__dirname, 'torch_peer.py'), `--dir=${dir}`, `--threads=${threads}`], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        });
        if (res.status !== 0) throw new Error(`torch peer failed: ${res.stderr || res.stdout}`);
        run.last = JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
        run.seconds.push(run.last.trainSeconds as number);
        run.cpu.push(run.last.cpuSeconds as number);
        line.push(
          `torch/${threads} ${(run.last.trainSeconds as number).toFixed(2)} s (cpu ${(run.last.cpuSeconds as number).toFixed(2)} s)`,
        );
      }
      console.log(`${line.join(', ')}, load ${os.loadavg()[0].toFixed(1)}`);
    }
    for (const [threads, run] of peers) run.pred = readF32(path.join(dir, `pred_torch_${threads}.f32`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!model) throw new Error('no model trained');

  const steps = args.epochs * Math.ceil(data.numTrain / args.batch);
  const pred = model.predict(test);
  const wapeOurs = wape(data.yTest, pred);
  const ours = Math.min(...oursSeconds);
  const peerStats = [...peers].map(([threads, run]) => {
    const seconds = Math.min(...run.seconds);
    const losses = run.last.epochLosses as number[];
    return { threads, run, seconds, wape: wape(data.yTest, run.pred), finalLoss: losses[losses.length - 1] };
  });
  const primary = peerStats[0];
  const parityRows = { ...test, numRows: Math.min(5000, test.numRows) };
  const bytes = model.exportOnnx();
  const parity = await checkNnParity(model, bytes, parityRows);
  const strict = await checkNnParity(model, bytes, parityRows, { floor: PARITY_FLOOR });
  const cell = (f: (p: (typeof peerStats)[number]) => string): string[] => peerStats.map(f);
  const table: string[][] = [
    [
      '',
      'shelfcast MLP (TensorFlow.js 4.22 wasm)',
      ...cell((p) => `PyTorch ${String(p.run.last.torchVersion)}, ${p.threads} thread(s)`),
    ],
    ['threads', '1 (wasm backend, SIMD)', ...cell((p) => String(p.run.last.threads))],
    ['network', `${data.numFeatures} → ${args.hidden.join(' → ')} → 1, ReLU`, ...cell(() => 'same')],
    ['parameters', String(model.numParameters), ...cell((p) => String(p.run.last.numParameters))],
    ['epochs x batch (steps)', `${args.epochs} x ${args.batch} (${steps})`, ...cell(() => 'same')],
    ['train seconds (best)', ours.toFixed(2), ...cell((p) => p.seconds.toFixed(2))],
    [
      'train seconds (all runs)',
      oursSeconds.map((x) => x.toFixed(2)).join(' '),
      ...cell((p) => p.run.seconds.map((x) => x.toFixed(2)).join(' ')),
    ],
    [
      'cpu seconds (best run)',
      oursCpu[oursSeconds.indexOf(ours)].toFixed(2),
      ...cell((p) => p.run.cpu[p.run.seconds.indexOf(p.seconds)].toFixed(2)),
    ],
    ['ms per step', ((1000 * ours) / steps).toFixed(2), ...cell((p) => ((1000 * p.seconds) / steps).toFixed(2))],
    [
      'final train loss (scaled MSE)',
      model.history[model.history.length - 1].trainLoss.toFixed(4),
      ...cell((p) => p.finalLoss.toFixed(4)),
    ],
    ['test WAPE', wapeOurs.toFixed(4), ...cell((p) => p.wape.toFixed(4))],
    ['time ratio ours / peer', '1.00', ...cell((p) => `${(ours / p.seconds).toFixed(2)}`)],
  ];
  printTable(`mlp: ${data.numTrain} train rows x ${data.numFeatures} features, Adam, MSE`, table);
  console.log(
    `ONNX parity on ${parity.numRows} test rows: max relative difference ${parity.maxRelDiff.toExponential(2)} ` +
      `(floor ${parity.floor.toExponential(2)} = 0.1% of the target magnitude), ${strict.maxRelDiff.toExponential(2)} ` +
      `with the strict floor 1e-6; max absolute difference ${parity.maxAbsDiff.toExponential(2)}`,
  );

  const peerJson = (p: (typeof peerStats)[number]): Record<string, unknown> => ({
    version: p.run.last.torchVersion,
    threads: p.run.last.threads,
    train_seconds: p.seconds,
    train_seconds_all: p.run.seconds,
    cpu_seconds_all: p.run.cpu,
    wape: p.wape,
    num_parameters: p.run.last.numParameters,
    epoch_train_losses: p.run.last.epochLosses,
  });
  const out = {
    benchmark: 'nn-peers',
    command: `node -r @swc-node/register bench/nn-peers/run.ts ${argv.join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    rows: data.numTrain + data.numTest,
    train_rows: data.numTrain,
    test_rows: data.numTest,
    features: data.numFeatures,
    series: data.numSeries,
    seed: args.seed,
    epochs: args.epochs,
    batch_size: args.batch,
    hidden_layers: args.hidden,
    learning_rate: args.lr,
    torch_threads: primary.threads,
    time_ratio_vs_torch: ours / primary.seconds,
    wape_ours: wapeOurs,
    wape_torch: primary.wape,
    ...(peerStats.length > 1 ? { time_ratio_vs_torch_1_thread: ours / peerStats[1].seconds } : {}),
    ours: {
      library: 'TensorFlow.js 4.22 (wasm backend)',
      train_seconds: ours,
      train_seconds_all: oursSeconds,
      cpu_seconds_all: oursCpu,
      num_parameters: model.numParameters,
      epoch_train_losses: model.history.map((h) => h.trainLoss),
      onnx_parity_rows: parity.numRows,
      onnx_parity_max_rel_diff: parity.maxRelDiff,
      onnx_parity_floor: parity.floor,
      onnx_parity_max_rel_diff_strict_floor: strict.maxRelDiff,
      onnx_parity_max_abs_diff: parity.maxAbsDiff,
    },
    torch: peerJson(primary),
    ...(peerStats.length > 1 ? { torch_1_thread: peerJson(peerStats[1]) } : {}),
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${args.out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
