/**
 * Training peers benchmark: our models against established Python libraries on the same rows.
 *
 *   node -r @swc-node/register bench/training-peers/run.ts [--rows=200000] [--trees=300] [--depth=6]
 *     [--leaves=0] [--policy=depthwise|lossguide] [--lr=0.1] [--threads=2] [--repeat=3] [--seed=7]
 *     [--suites=gbdt] [--out=bench/results/training-peers.json]
 *
 * One seeded feature matrix of retail-like demand rows (lags, rolling means, calendar, promo, price)
 * is split by time (the last 56 days of every series are the test set) and written once to a temp
 * folder as little-endian float32 files that both sides read. Each suite trains ours and its peer
 * with the same settings, alternating them `repeat` times (the machine is shared; the fastest run of
 * each is reported, all runs are kept in the JSON), and scores WAPE on the test rows.
 *
 * Suites: gbdt (ours vs XGBoost `hist`). A later MLP suite (TF.js vs PyTorch) adds a Suite entry.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkOnnxParity, exportTreesToOnnx, trainGbdt, wape, type GrowPolicy } from '@shelfcast/ml';
import { makeDemandData, type DemandSplit } from './data';

import { pythonWith, readF32, writeF32 } from '../common/peers';

interface Args {
  rows: number;
  trees: number;
  depth: number;
  leaves: number;
  policy: GrowPolicy;
  lr: number;
  threads: number;
  repeat: number;
  seed: number;
  suites: string[];
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
  const policy = (kv.get('policy') ?? 'depthwise') as GrowPolicy;
  if (policy !== 'depthwise' && policy !== 'lossguide') throw new Error(`--policy must be depthwise or lossguide`);
  return {
    rows: num('rows', 200_000),
    trees: num('trees', 300),
    depth: num('depth', policy === 'depthwise' ? 6 : 0),
    leaves: num('leaves', policy === 'lossguide' ? 63 : 0),
    policy,
    lr: num('lr', 0.1),
    threads: num('threads', 2),
    repeat: Math.max(1, num('repeat', 3)),
    seed: num('seed', 7),
    suites: (kv.get('suites') ?? 'gbdt').split(','),
    out: kv.get('out') ?? path.join('bench', 'results', 'training-peers.json'),
  };
}

/** Shared context of all suites. */
interface Context {
  args: Args;
  data: DemandSplit;
  dir: string;
}

interface SuiteResult {
  /** Printed rows: [what, ours, peer]. */
  table: [string, string, string][];
  json: Record<string, unknown>;
}

interface Suite {
  name: string;
  run(ctx: Context): Promise<SuiteResult>;
}

const gbdtSuite: Suite = {
  name: 'gbdt',
  async run({ args, data, dir }) {
    const python = pythonWith('xgboost', 'python3-xgboost');
    const script = path.join(__dirname, 'xgboost_peer.py');
    const gbdt = {
      threads: args.threads,
      learningRate: args.lr,
      maxDepth: args.depth,
      maxLeaves: args.leaves,
      growPolicy: args.policy,
      maxBin: 256,
      lambda: 1,
      minChildWeight: 1,
      seed: args.seed,
      repeat: 1,
      numTrees: args.trees,
    };
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ numFeatures: data.numFeatures, gbdt }));
    const train = {
      data: data.xTrain,
      numRows: data.numTrain,
      numFeatures: data.numFeatures,
      target: data.yTrain,
      featureNames: data.featureNames,
    };
    const test = { data: data.xTest, numRows: data.numTest, numFeatures: data.numFeatures };
    const params = {
      loss: { type: 'l2' as const },
      numTrees: args.trees,
      learningRate: args.lr,
      growPolicy: args.policy,
      maxDepth: args.depth,
      maxLeaves: args.leaves,
      lambda: 1,
      minChildWeight: 1,
      maxBin: 255,
      numThreads: args.threads,
      seed: args.seed,
    };
    const oursSeconds: number[] = [];
    const oursCpu: number[] = [];
    const xgbSeconds: number[] = [];
    const xgbCpu: number[] = [];
    // Warm-up (JIT) on a slice.
    const warm = Math.min(20_000, train.numRows);
    let model = trainGbdt(
      {
        ...train,
        data: train.data.subarray(0, warm * train.numFeatures),
        target: train.target.subarray(0, warm),
        numRows: warm,
      },
      { ...params, numTrees: 5 },
    );
    let xgb: Record<string, unknown> = {};
    for (let rep = 0; rep < args.repeat; rep++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      model = trainGbdt(train, params);
      oursSeconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      const cpu = process.cpuUsage(c0);
      oursCpu.push((cpu.user + cpu.system) / 1e6);
      const res = spawnSync(python, [script, `--dir=${dir}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
      if (res.status !== 0) throw new Error(`xgboost peer failed: ${res.stderr || res.stdout}`);
      xgb = JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
      xgbSeconds.push((xgb.dmatrixSeconds as number) + (xgb.trainSeconds as number));
      xgbCpu.push(xgb.cpuSeconds as number);
      console.log(
        `  run ${rep + 1}/${args.repeat}: ours ${oursSeconds[rep].toFixed(2)} s (cpu ${oursCpu[rep].toFixed(2)} s), ` +
          `xgboost ${xgbSeconds[rep].toFixed(2)} s (cpu ${xgbCpu[rep].toFixed(2)} s), load ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    const pred = model.predict(test);
    const xgbPred = readF32(path.join(dir, 'pred_xgboost.f32'));
    const wapeOurs = wape(data.yTest, pred);
    const wapeXgb = wape(data.yTest, xgbPred);
    const ours = Math.min(...oursSeconds);
    const peer = Math.min(...xgbSeconds);
    const summary = model.summary();
    const parityRows = { ...test, numRows: Math.min(5000, test.numRows) };
    const parity = (await checkOnnxParity(exportTreesToOnnx(model), parityRows, model.predict(parityRows))).maxRelDiff;
    const ratio = ours / peer;
    const table: [string, string, string][] = [
      ['library', 'shelfcast gbdt (TypeScript)', `xgboost ${String(xgb.xgboostVersion)} hist`],
      ['threads', String(args.threads), String(args.threads)],
      ['train seconds (best)', ours.toFixed(2), peer.toFixed(2)],
      [
        'train seconds (all runs)',
        oursSeconds.map((s) => s.toFixed(2)).join(' '),
        xgbSeconds.map((s) => s.toFixed(2)).join(' '),
      ],
      [
        'cpu seconds (best run)',
        oursCpu[oursSeconds.indexOf(ours)].toFixed(2),
        xgbCpu[xgbSeconds.indexOf(peer)].toFixed(2),
      ],
      ['ms per tree', ((1000 * ours) / args.trees).toFixed(1), ((1000 * peer) / args.trees).toFixed(1)],
      [
        'trees / leaves',
        `${summary.numTrees} / ${summary.numLeaves}`,
        `${String(xgb.numTrees)} / ${String(xgb.numLeaves)}`,
      ],
      ['test WAPE', wapeOurs.toFixed(4), wapeXgb.toFixed(4)],
      ['time ratio ours / xgboost', ratio.toFixed(2), '1.00'],
    ];
    return {
      table,
      json: {
        params: { ...gbdt, repeat: args.repeat, loss: 'l2' },
        time_ratio_vs_xgboost: ratio,
        wape_ours: wapeOurs,
        wape_xgboost: wapeXgb,
        trees: args.trees,
        ours: {
          train_seconds: ours,
          train_seconds_all: oursSeconds,
          cpu_seconds_all: oursCpu,
          num_trees: summary.numTrees,
          num_leaves: summary.numLeaves,
          onnx_parity_max_rel_diff: parity,
          onnx_parity_rows: parityRows.numRows,
        },
        xgboost: {
          version: xgb.xgboostVersion,
          train_seconds: peer,
          train_seconds_all: xgbSeconds,
          cpu_seconds_all: xgbCpu,
          dmatrix_seconds: xgb.dmatrixSeconds,
          num_trees: xgb.numTrees,
          num_leaves: xgb.numLeaves,
        },
      },
    };
  },
};

const SUITES: Suite[] = [gbdtSuite];

function printTable(title: string, rows: [string, string, string][]): void {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const w2 = Math.max(...rows.map((r) => r[2].length));
  const line = `+${'-'.repeat(w0 + 2)}+${'-'.repeat(w1 + 2)}+${'-'.repeat(w2 + 2)}+`;
  console.log(`\n${title}\n${line}`);
  rows.forEach((r, i) => {
    console.log(`| ${r[0].padEnd(w0)} | ${r[1].padEnd(w1)} | ${r[2].padEnd(w2)} |`);
    if (i === 0) console.log(line);
  });
  console.log(line);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const t0 = Date.now();
  const data = makeDemandData({ rows: args.rows, testDays: 56, seed: args.seed, missingPriceRate: 0.02 });
  console.log(
    `demand rows: ${data.numTrain} train + ${data.numTest} test, ${data.numFeatures} features, ${data.numSeries} series (${Date.now() - t0} ms)`,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shelfcast-training-peers-'));
  const results: Record<string, unknown> = {};
  try {
    writeF32(path.join(dir, 'x_train.f32'), data.xTrain);
    writeF32(path.join(dir, 'y_train.f32'), data.yTrain);
    writeF32(path.join(dir, 'x_test.f32'), data.xTest);
    for (const suite of SUITES.filter((s) => args.suites.includes(s.name))) {
      console.log(`suite ${suite.name}:`);
      const r = await suite.run({ args, data, dir });
      printTable(
        `${suite.name}: ${data.numTrain} train rows x ${data.numFeatures} features, ${args.trees} trees`,
        r.table,
      );
      results[suite.name] = r.json;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const gbdt = results.gbdt as Record<string, unknown> | undefined;
  const out = {
    benchmark: 'training-peers',
    command: `node -r @swc-node/register bench/training-peers/run.ts ${argv.join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    rows: data.numTrain + data.numTest,
    train_rows: data.numTrain,
    test_rows: data.numTest,
    features: data.numFeatures,
    series: data.numSeries,
    seed: args.seed,
    trees: args.trees,
    time_ratio_vs_xgboost: gbdt?.time_ratio_vs_xgboost,
    wape_ours: gbdt?.wape_ours,
    wape_xgboost: gbdt?.wape_xgboost,
    suites: results,
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${args.out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
