/**
 * Accuracy benchmark on the Walmart weekly sales, published 10-fold protocol (./protocol.ts).
 *
 *   node -r @swc-node/register bench/accuracy/run.ts <walmart folder> [--only=<substring>] [--out=<file>]
 *
 * Prints every model per fold, the mean WMAE and the time, and writes bench/results/accuracy.json.
 * Exits 1 when the naive or seasonal-naive row does not reproduce the published number to three
 * decimals (nothing else means anything then).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { ModelResult } from '@shelfcast/ml';
import { runBacktest } from '@shelfcast/ml';
import { loadWalmart } from '@shelfcast/ml';
import type { BenchEntry } from './models';
import { PROTOCOL_NAIVE, PROTOCOL_SNAIVE, benchEntries } from './models';
import { SEASON_LENGTH, foldWindows, walmartBacktestSeries, walmartCalendar, walmartFolds } from './protocol';
import { onnxParity } from './walmart-models';

const QUANTILE_LEVELS = [0.1, 0.5, 0.9];

function parseArgs(argv: string[]): { folder: string; only?: string; out: string } {
  const positional = argv.filter((a) => !a.startsWith('--'));
  const flag = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (positional.length !== 1) {
    console.error(
      'usage: node -r @swc-node/register bench/accuracy/run.ts <walmart folder> [--only=<substring>] [--out=<file>]',
    );
    process.exit(2);
  }
  return {
    folder: resolve(positional[0]),
    only: flag('only'),
    out: resolve(flag('out') ?? join(__dirname, '..', 'results', 'accuracy.json')),
  };
}

const round = (x: number, d = 6): number | null => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const data = await loadWalmart(args.folder);
  const loadSeconds = (performance.now() - t0) / 1000;
  const folds = walmartFolds(data);
  const calendar = walmartCalendar(data);
  const series = walmartBacktestSeries(data);
  let entries: BenchEntry[] = benchEntries({ data, folds, calendar });
  if (args.only) {
    const only = args.only;
    entries = entries.filter((e) => e.role !== undefined || e.model.name.includes(only));
  }
  console.error(
    `loaded ${data.rows} rows, ${data.series.length} series, ${data.dates.length} weeks in ${loadSeconds.toFixed(1)} s; ` +
      `${folds.length} folds, ${folds.reduce((a, f) => a + f.rows, 0)} rows to predict; ${entries.length} models`,
  );

  const result = await runBacktest({
    series,
    models: entries.map((e) => e.model),
    windows: foldWindows(folds),
    seasonLength: SEASON_LENGTH,
    reference: PROTOCOL_SNAIVE,
    quantileLevels: QUANTILE_LEVELS,
    calendar,
    groupBy: ['type'],
    keepForecasts: false,
    fillMissingForecast: 0,
    onProgress: ({ model, window, ms }) => {
      if (window === folds.length - 1) console.error(`  ${model}: done (last fold ${ms.toFixed(0)} ms)`);
    },
  });

  // The protocol scores exactly the rows present in each fold.
  for (const r of result.models) {
    r.metrics.perWindow.forEach((w, i) => {
      if (w.n !== folds[i].rows)
        throw new Error(`${r.name}: fold ${i + 1} scored ${w.n} rows, the fold has ${folds[i].rows}`);
    });
  }
  const byName = new Map<string, ModelResult>(result.models.map((r) => [r.name, r]));
  const foldWmae = (r: ModelResult): number[] => r.metrics.perWindow.map((w) => w.wmae);
  const meanWmae = (r: ModelResult): number => mean(foldWmae(r));

  const nameWidth = Math.max(...result.models.map((r) => r.name.length), 10);
  const header = [
    'model'.padEnd(nameWidth),
    ...folds.map((f) => `fold${f.fold}`.padStart(9)),
    'mean'.padStart(9),
    'relWAPE',
    'relMASE',
    'seconds',
  ];
  console.log(header.join(' '));
  for (const r of result.models) {
    console.log(
      [
        r.name.padEnd(nameWidth),
        ...foldWmae(r).map((x) => x.toFixed(3).padStart(9)),
        meanWmae(r).toFixed(3).padStart(9),
        r.relative.wape.toFixed(4).padStart(7),
        r.relative.mase.toFixed(4).padStart(7),
        (r.ms / 1000).toFixed(1).padStart(7),
      ].join(' '),
    );
  }

  const resultOf = (name: string): ModelResult => {
    const r = byName.get(name);
    if (!r) throw new Error(`model ${name} is missing from the run`);
    return r;
  };
  const naiveWmae = meanWmae(resultOf(PROTOCOL_NAIVE));
  const snaiveWmae = meanWmae(resultOf(PROTOCOL_SNAIVE));
  const reproduced = {
    naive: naiveWmae.toFixed(3) === '2812.677',
    snaive: snaiveWmae.toFixed(3) === '1888.006',
  };
  const best = result.models.reduce((b, r) => (meanWmae(r) < meanWmae(b) ? r : b));
  console.log(
    `\nnaive ${naiveWmae.toFixed(3)} (published 2812.677, ${reproduced.naive ? 'reproduced' : 'NOT reproduced'}); ` +
      `seasonal naive ${snaiveWmae.toFixed(3)} (published 1888.006, ${reproduced.snaive ? 'reproduced' : 'NOT reproduced'}); ` +
      `best ${best.name} ${meanWmae(best).toFixed(3)}`,
  );

  const entryOf = new Map(entries.map((e) => [e.model.name, e]));
  const out = {
    benchmark: 'walmart-10fold-wmae',
    generated_at: new Date().toISOString(),
    command: 'node -r @swc-node/register bench/accuracy/run.ts <walmart folder>',
    protocol:
      'fold t=1..10 predicts the two calendar months from 2011-03 + 2(t-1) months, trained on every week before; ' +
      'exactly the rows present; pairs without history predicted 0; WMAE with weight 5 in holiday weeks; plain mean over folds',
    dataset: {
      rows: data.rows,
      series: data.series.length,
      weeks: data.dates.length,
      first_week: data.dates[0],
      last_week: data.dates[data.dates.length - 1],
    },
    folds_definition: folds.map((f) => ({
      fold: f.fold,
      from: f.from,
      to: f.to,
      first_week: data.dates[f.cutoff],
      weeks: f.horizon,
      rows: f.rows,
    })),
    naive_wmae: round(naiveWmae),
    snaive_wmae: round(snaiveWmae),
    reproduced,
    best_wmae: round(meanWmae(best)),
    best_model: best.name,
    folds: Object.fromEntries(result.models.map((r) => [r.name, foldWmae(r).map((x) => round(x))])),
    mean_wmae: Object.fromEntries(result.models.map((r) => [r.name, round(meanWmae(r))])),
    seconds: Object.fromEntries(result.models.map((r) => [r.name, round(r.ms / 1000, 2)])),
    published: Object.fromEntries(
      entries.filter((e) => e.published !== undefined).map((e) => [e.model.name, e.published]),
    ),
    notes: Object.fromEntries(result.models.map((r) => [r.name, entryOf.get(r.name)?.note ?? 'reference'])),
    reference: result.reference,
    relative_to_reference: Object.fromEntries(
      result.models.map((r) => [
        r.name,
        { wape: round(r.relative.wape), mase: round(r.relative.mase), rmsse: round(r.relative.rmsse) },
      ]),
    ),
    metrics_total: Object.fromEntries(
      result.models.map((r) => {
        const t = r.metrics.total;
        return [
          r.name,
          {
            n: t.n,
            wmae: round(t.wmae),
            mae: round(t.mae),
            rmse: round(t.rmse),
            wape: round(t.wape),
            smape: round(t.smape),
            mase: round(t.mase),
            rmsse: round(t.rmsse),
            bias: round(t.bias),
            bias_pct: round(t.biasPct),
            pinball: Object.fromEntries(Object.entries(t.pinball).map(([k, v]) => [k, round(v)])),
            coverage: Object.fromEntries(Object.entries(t.coverage).map(([k, v]) => [k, round(v)])),
          },
        ];
      }),
    ),
    quantile_levels: QUANTILE_LEVELS,
    onnx_max_rel_diff: onnxParity.maxRelDiff,
    onnx_note:
      onnxParity.maxRelDiff === null
        ? 'no GBDT entry ran (see --only): nothing was exported'
        : `largest relative difference between onnxruntime and the in-memory GBDT over ${onnxParity.checks} exports (one per fold, exportTreesToOnnx + checkOnnxParity on up to 2000 held-out rows each); largest model ${onnxParity.trees} trees, ${onnxParity.modelBytes} ONNX bytes`,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(out, null, 2) + '\n');
  console.error(`wrote ${args.out}`);
  if (!reproduced.naive || !reproduced.snaive) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
